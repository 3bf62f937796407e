import LambdaRuntime

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
