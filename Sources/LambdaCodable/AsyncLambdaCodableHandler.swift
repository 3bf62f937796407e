import LambdaRuntime

/// An async handler of typed events: the event is decoded from JSON and the result encoded to JSON, and the work
/// between is `async` (AsyncHTTPClient, Soto, PostgresNIO).
///
/// It runs on Swift's concurrency runtime, as `AsyncLambdaHandler` does; under Lambda Managed Instances up to
/// `AWS_LAMBDA_MAX_CONCURRENCY` invocations run at once, each on its own worker's instance.
public protocol AsyncLambdaCodableHandler: Sendable {
    /// The type the invocation's JSON payload is decoded as.
    associatedtype Event: Decodable
    /// The type whose JSON encoding is the invocation's response.
    associatedtype Output: Encodable

    /// Handles one decoded event.
    /// - Returns: The value encoded as the response.
    /// - Throws: Any error; the runtime reports it to Lambda as the invocation's error.
    func handle(_ event: Event, context: LambdaContext) async throws -> Output
}

/// An async handler made of a closure over typed values, decoded from and encoded to JSON.
public struct AsyncCodableClosureHandler<Event: Decodable, Output: Encodable>: AsyncLambdaCodableHandler {
    private let body: @Sendable (Event, LambdaContext) async throws -> Output

    /// Wraps `body`, which is called once per invocation with the decoded event.
    public init(_ body: @escaping @Sendable (Event, LambdaContext) async throws -> Output) {
        self.body = body
    }

    /// Calls the closure with `event` and `context`.
    /// - Throws: Whatever the closure throws.
    public func handle(_ event: Event, context: LambdaContext) async throws -> Output {
        try await body(event, context)
    }
}

/// Runs an `AsyncLambdaCodableHandler` as an async byte handler: JSON in, JSON out.
public struct AsyncCodableHandlerAdapter<Wrapped: AsyncLambdaCodableHandler>: AsyncLambdaHandler {
    private let wrapped: Wrapped
    private let decoder = LambdaJSONDecoder()
    private let encoder = LambdaJSONEncoder()

    /// Adapts `wrapped`, decoding each event with ``LambdaJSONDecoder`` and encoding each result with
    /// ``LambdaJSONEncoder``.
    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
    }

    /// Decodes `event` as `Wrapped.Event`, awaits the wrapped handler and returns its result's JSON.
    /// - Throws: ``EventDecodingError`` when `event` is not a valid `Wrapped.Event`; `EncodingError` when the result
    ///   cannot be encoded; otherwise whatever the wrapped handler throws.
    public func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        let decoded: Wrapped.Event
        do {
            decoded = try decoder.decode(Wrapped.Event.self, from: event)
        } catch let error as DecodingError {
            throw EventDecodingError(eventType: Wrapped.Event.self, error)
        }
        return try encoder.encode(try await wrapped.handle(decoded, context: context))
    }
}
