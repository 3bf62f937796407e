/// A value behind a pthread mutex: `Mutex` for state that threads share, in a form ThreadSanitizer sees.
///
/// Swift's `Synchronization.Mutex` on Linux waits on a raw futex, and ThreadSanitizer cannot see the ordering a
/// contended futex gives: `make test`'s TSan run reported two threads inside one `Mutex.withLock` as a race. The
/// runtime's shared state (the JWKS and signing-key caches, the worker group) and the tests' concurrent servers use
/// this instead, so that TSan checks them rather than flagging the lock.
///
/// `@unchecked Sendable`: `value` is read and written only inside `withLock`, which holds the mutex.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var value: Value

    /// Wraps `value`, which from then on is reached only through `withLock(_:)`.
    package init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, holding the lock.
    package func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
