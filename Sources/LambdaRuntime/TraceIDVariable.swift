#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps `_X_AMZN_TRACE_ID` equal to the current invocation's trace id, without leaking memory.
///
/// `setenv` allocates a new `NAME=value` string on each call and glibc never frees the old one (a pointer to it
/// may still be held), so setting a fresh trace id per invocation leaks about 150 bytes every time. Instead the
/// variable points at one buffer this type owns (`putenv`), rewritten in place; it only grows when a longer id
/// arrives.
package final class TraceIDVariable {
    private var buffer: UnsafeMutablePointer<CChar>
    private var capacity: Int
    private var isSet = false
    private static let prefix = Array("\(LambdaEnvironment.traceID)=".utf8)

    /// A variable with a 256-byte buffer, not yet put in the environment.
    package init() {
        capacity = 256
        buffer = .allocate(capacity: capacity)
        buffer.initialize(repeating: 0, count: capacity)
    }

    /// Sets the variable to `traceID`, or removes it when `nil`.
    package func update(_ traceID: String?) {
        guard let traceID else {
            if isSet {
                unsetenv(LambdaEnvironment.traceID)
                isSet = false
            }
            return
        }
        let needed = Self.prefix.count + traceID.utf8.count + 1
        if needed > capacity {
            if isSet { unsetenv(LambdaEnvironment.traceID) }
            // The old buffer may still be referenced by a caller of getenv; it is left allocated (once per growth).
            capacity = max(needed, capacity * 2)
            buffer = .allocate(capacity: capacity)
            isSet = false
        }
        let raw = UnsafeMutableRawPointer(buffer)
        Self.prefix.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var text = traceID
        let length = text.withUTF8 { bytes in
            if let base = bytes.baseAddress { (raw + Self.prefix.count).copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }
        buffer[Self.prefix.count + length] = 0
        if !isSet {
            putenv(buffer)
            isSet = true
        }
    }
}
