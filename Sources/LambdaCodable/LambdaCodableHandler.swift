import LambdaRuntime

/// A handler of typed events: the event is decoded from JSON and the result encoded to JSON.
public protocol LambdaCodableHandler {
    /// The type the invocation's JSON payload is decoded as.
    associatedtype Event: Decodable
    /// The type whose JSON encoding is the invocation's response.
    associatedtype Output: Encodable

    /// Handles one decoded event, on the runtime's thread, one invocation at a time.
    /// - Returns: The value encoded as the response.
    /// - Throws: Any error; the runtime reports it to Lambda as the invocation's error.
    mutating func handle(_ event: Event, context: LambdaContext) throws -> Output
}

/// A handler made of a closure over typed values, decoded from and encoded to JSON.
public struct CodableClosureHandler<Event: Decodable, Output: Encodable>: LambdaCodableHandler {
    private let body: (Event, LambdaContext) throws -> Output

    /// Wraps `body`, which is called once per invocation with the decoded event.
    public init(_ body: @escaping (Event, LambdaContext) throws -> Output) {
        self.body = body
    }

    /// Calls the closure with `event` and `context`.
    /// - Throws: Whatever the closure throws.
    public func handle(_ event: Event, context: LambdaContext) throws -> Output {
        try body(event, context)
    }
}

/// Runs a `LambdaCodableHandler` as a byte handler: JSON in, JSON out, through `LambdaJSONDecoder` and
/// `LambdaJSONEncoder`.
public struct CodableHandlerAdapter<Wrapped: LambdaCodableHandler>: LambdaHandler {
    private var wrapped: Wrapped
    private let decoder = LambdaJSONDecoder()
    private let encoder = LambdaJSONEncoder()

    /// Adapts `wrapped`, decoding each event with ``LambdaJSONDecoder`` and encoding each result with
    /// ``LambdaJSONEncoder``.
    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
    }

    /// Decodes `event` as `Wrapped.Event`, calls the wrapped handler and returns its result's JSON.
    /// - Throws: ``EventDecodingError`` when `event` is not a valid `Wrapped.Event`; `EncodingError` when the result
    ///   cannot be encoded; otherwise whatever the wrapped handler throws.
    public mutating func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let decoded: Wrapped.Event
        do {
            decoded = try decoder.decode(Wrapped.Event.self, from: event)
        } catch let error as DecodingError {
            throw EventDecodingError(eventType: Wrapped.Event.self, error)
        }
        return try encoder.encode(try wrapped.handle(decoded, context: context))
    }
}
