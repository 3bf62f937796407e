/// A handler that takes the event's bytes and returns the response's bytes.
///
/// This is the form the runtime loop calls; the other forms adapt to it. Handlers run one invocation at a time
/// on the runtime's thread, so a handler may keep mutable state (caches, reusable buffers) without locks.
public protocol LambdaHandler {
    /// Handles one invocation.
    /// - Parameters:
    ///   - event: The invocation payload, exactly as the Runtime API delivered it.
    ///   - context: The invocation's id, deadline, trace id and logger.
    /// - Returns: The response payload.
    /// - Throws: Any error; the runtime reports it to Lambda as the invocation's error.
    mutating func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8]
}

/// Returns the event unchanged. Used for smoke tests and benchmarks of the runtime itself.
public struct EchoHandler: LambdaHandler {
    /// An echo handler; it keeps no state.
    public init() {}

    /// Returns `event` as the response, byte for byte.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] { event }
}

/// A handler made of a closure over raw bytes.
public struct ClosureHandler: LambdaHandler {
    private let body: ([UInt8], LambdaContext) throws -> [UInt8]

    /// Wraps `body`, which is called once per invocation with the event and the context.
    public init(_ body: @escaping ([UInt8], LambdaContext) throws -> [UInt8]) {
        self.body = body
    }

    /// Calls the closure with `event` and `context`.
    /// - Throws: Whatever the closure throws.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        try body(event, context)
    }
}
