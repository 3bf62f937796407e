#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

/// A handler of typed events: the event is decoded from JSON and the result encoded to JSON.
public protocol LambdaCodableHandler {
    associatedtype Event: Decodable
    associatedtype Output: Encodable

    mutating func handle(_ event: Event, context: LambdaContext) throws -> Output
}

/// Returns the event unchanged. Used for smoke tests and benchmarks of the runtime itself.
public struct EchoHandler: LambdaHandler {
    public init() {}

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] { event }
}

/// A handler made of a closure over raw bytes.
public struct ClosureHandler: LambdaHandler {
    private let body: ([UInt8], LambdaContext) throws -> [UInt8]

    public init(_ body: @escaping ([UInt8], LambdaContext) throws -> [UInt8]) {
        self.body = body
    }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        try body(event, context)
    }
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

/// Runs a `LambdaCodableHandler` as a byte handler: JSON in, JSON out, with one decoder and encoder reused for
/// every invocation.
public struct CodableHandlerAdapter<Wrapped: LambdaCodableHandler>: LambdaHandler {
    private var wrapped: Wrapped
    private let decoder = JSONDecoder()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
    }

    public mutating func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let decoded: Wrapped.Event
        do {
            decoded = try decoder.decode(Wrapped.Event.self, from: Data(event))
        } catch let error as DecodingError {
            throw EventDecodingError(eventType: Wrapped.Event.self, error)
        }
        return Array(try encoder.encode(try wrapped.handle(decoded, context: context)))
    }
}

/// The event did not decode as the handler's event type. The message names the JSON path that failed, for
/// example `requestContext.http.method: expected a string`.
public struct EventDecodingError: Error, LambdaReportableError, CustomStringConvertible {
    public let eventTypeName: String
    /// The dotted JSON path where decoding failed, empty for the top level.
    public let path: String
    /// What was wrong there.
    public let problem: String

    public init(eventType: Any.Type, _ error: DecodingError) {
        self.eventTypeName = String(describing: eventType)
        let described = DecodingErrorDescription(error)
        self.path = described.path
        self.problem = described.problem
    }

    public var errorType: String { "Runtime.EventDecodingError" }
    public var errorMessage: String { description }
    public var description: String {
        let location = path.isEmpty ? "" : "\(path): "
        return "event is not a valid \(eventTypeName): \(location)\(problem)"
    }
}

/// Turns a `DecodingError` into a JSON path and a short statement of what was wrong there.
package struct DecodingErrorDescription: Sendable {
    package let path: String
    package let problem: String

    package init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            path = Self.render(context.codingPath)
            problem = "expected \(Self.article(for: type))"
        case .valueNotFound(let type, let context):
            path = Self.render(context.codingPath)
            problem = "expected \(Self.article(for: type)), found null"
        case .keyNotFound(let key, let context):
            path = Self.render(context.codingPath + [key])
            problem = "required key is missing"
        case .dataCorrupted(let context):
            path = Self.render(context.codingPath)
            if let underlying = context.underlyingError {
                problem = "\(context.debugDescription) (\(underlying))"
            } else {
                problem = context.debugDescription
            }
        @unknown default:
            path = ""
            problem = String(describing: error)
        }
    }

    private static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    private static func article(for type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type, is UInt32.Type, is UInt.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default:
            if String(describing: type).hasPrefix("Array") {
                "an array"
            } else if String(describing: type).hasPrefix("Dictionary") {
                "an object"
            } else {
                "a value of type \(type)"
            }
        }
    }
}
