/// A handler that streams its response: it writes chunks to a `LambdaResponseStream` as it makes them.
///
/// The runtime posts the chunks to `/response` as they come (`Lambda-Runtime-Function-Response-Mode: streaming`,
/// chunked), so the caller sees the first bytes before the handler finishes. Lambda caps a streamed response at
/// 200 MB; the first 6 MB go out uncapped, the rest at up to 2 MB/s.
///
/// Errors: one thrown before the first byte is reported to `/error`, like any handler's. One thrown after it
/// ends the stream with the HTTP trailers `Lambda-Runtime-Function-Error-Type` and
/// `Lambda-Runtime-Function-Error-Body` (the error JSON, base64), so the caller learns that the body is cut short.
public protocol StreamingLambdaHandler {
    /// Handles one invocation by writing its response to `stream`.
    mutating func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws
}

/// Streams the event back in three chunks of about a third each. For smoke tests and the streaming benchmark.
public struct StreamEchoHandler: StreamingLambdaHandler {
    /// An echo handler; it keeps no state.
    public init() {}

    /// Writes `event` to `stream` in up to three chunks; an empty event writes nothing.
    /// - Throws: ``LambdaRuntimeError`` when a chunk cannot be posted.
    public func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws {
        let third = (event.count + 2) / 3
        var start = 0
        while start < event.count {
            let end = min(event.count, start + third)
            try stream.write(event[start..<end])
            start = end
        }
    }
}

/// A streaming handler made of a closure.
public struct StreamingClosureHandler: StreamingLambdaHandler {
    private let body: ([UInt8], LambdaContext, LambdaResponseStream) throws -> Void

    /// Wraps `body`, which is called once per invocation with the event, the context and the stream.
    public init(_ body: @escaping ([UInt8], LambdaContext, LambdaResponseStream) throws -> Void) {
        self.body = body
    }

    /// Calls the closure with `event`, `context` and `stream`.
    /// - Throws: Whatever the closure throws.
    public func handle(_ event: [UInt8], context: LambdaContext, stream: LambdaResponseStream) throws {
        try body(event, context, stream)
    }
}
