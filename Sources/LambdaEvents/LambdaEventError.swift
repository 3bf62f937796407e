import LambdaRuntime

/// What was wrong with an event: its shape is not one this module knows, or it did not decode as the type its
/// shape says. Messages name the JSON path, e.g. `requestContext.http.method: expected a string`.
public struct LambdaEventError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem the event has.
    public enum Code: Sendable, Equatable {
        /// The JSON is not any known event: the message lists its top-level keys.
        case unrecognised
        /// The JSON is malformed.
        case malformed
        /// The shape was recognised, but a member is missing or has the wrong type.
        case invalid
        /// A nested payload (an SQS body, an SNS message, a base64 body) did not decode.
        case invalidNestedPayload
    }

    /// What kind of problem the event has.
    public let code: Code
    /// What was wrong, for the person who sent the event: the kind, the JSON path, the problem.
    public let message: String

    /// An error of `code`, saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    static func bodyBytes(_ body: String?, isBase64Encoded: Bool, path: String) throws(LambdaEventError) -> [UInt8]? {
        guard let body else { return nil }
        guard isBase64Encoded else { return Array(body.utf8) }
        guard let bytes = Base64.decode(body) else {
            throw LambdaEventError(.invalidNestedPayload, "\(path): isBase64Encoded is true but the body is not base64")
        }
        return bytes
    }
}
