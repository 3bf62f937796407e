import LambdaRuntime

/// The event did not decode as the handler's event type. The message names the JSON path that failed, for
/// example `requestContext.http.method: expected a string`.
public struct EventDecodingError: Error, LambdaReportableError, CustomStringConvertible {
    /// The name of the type the event was decoded as, for example `APIGatewayV2Request`.
    public let eventTypeName: String
    /// The dotted JSON path where decoding failed, empty for the top level.
    public let path: String
    /// What was wrong there.
    public let problem: String

    /// Describes `error`, raised while decoding an event as `eventType`.
    public init(eventType: Any.Type, _ error: DecodingError) {
        self.eventTypeName = String(describing: eventType)
        let described = DecodingErrorDescription(error)
        self.path = described.path
        self.problem = described.problem
    }

    /// The `errorType` Lambda reports: always `Runtime.EventDecodingError`.
    public var errorType: String { "Runtime.EventDecodingError" }
    /// The `errorMessage` Lambda reports: the same text as ``description``.
    public var errorMessage: String { description }
    /// The type, the path and the problem in one sentence, for example
    /// `event is not a valid Greeting: name: expected a string`.
    public var description: String {
        let location = path.isEmpty ? "" : "\(path): "
        return "event is not a valid \(eventTypeName): \(location)\(problem)"
    }
}
