import LambdaRuntime

/// A handler of typed events: the event is decoded from JSON and the result encoded to JSON.
public protocol LambdaCodableHandler {
    associatedtype Event: Decodable
    associatedtype Output: Encodable

    mutating func handle(_ event: Event, context: LambdaContext) throws -> Output
}

/// A handler made of a closure over typed values, decoded from and encoded to JSON.
public struct CodableClosureHandler<Event: Decodable, Output: Encodable>: LambdaCodableHandler {
    private let body: (Event, LambdaContext) throws -> Output

    public init(_ body: @escaping (Event, LambdaContext) throws -> Output) {
        self.body = body
    }

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

    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
    }

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
