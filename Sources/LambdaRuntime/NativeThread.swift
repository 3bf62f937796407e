#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX thread running one closure, without Foundation's `Thread`.
package enum NativeThread {
    /// Starts `body` on a new detached thread.
    package static func detach(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { raw in
                let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
                body.run()
                return nil
            },
            box
        )
        precondition(status == 0, "pthread_create failed with \(status): the process is out of threads or memory")
        pthread_detach(thread)
    }
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// A mutex with one condition variable: what a blocking producer and consumer need, and `Mutex` cannot wait.
///
/// `@unchecked Sendable`: both pthread objects are heap-allocated once, so their addresses never move, and every
/// access to state guarded by them goes through `withLock`, which holds the mutex.
package final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Allocates and initialises the mutex and the condition variable; they live as long as the lock.
    package init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Runs `body` holding the mutex.
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Takes the mutex; pair with `unlock()` on every path (`Locked` does).
    package func lock() { pthread_mutex_lock(mutex) }

    /// Releases the mutex taken by `lock()`.
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits for a broadcast. Call only inside `withLock`, in a loop that rechecks what it waits for.
    package func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Wakes every waiter. Call inside `withLock`.
    package func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

/// A value one thread sets once and others wait for.
///
/// `@unchecked Sendable`: `value` is only read and written under `lock`.
package final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var value: Value?

    /// An unset value: ``wait()`` blocks until ``fulfil(_:)`` is called.
    package init() {}

    /// Sets the value and wakes the waiters. Later calls are ignored.
    package func fulfil(_ newValue: Value) {
        lock.withLock {
            guard value == nil else { return }
            value = newValue
            lock.broadcast()
        }
    }

    /// Blocks until the value is set, then returns it.
    package func wait() -> Value {
        lock.withLock {
            while value == nil { lock.wait() }
            return value!
        }
    }

    /// The value if it is set.
    package var current: Value? { lock.withLock { value } }
}
