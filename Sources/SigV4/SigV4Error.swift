/// The one error type of SigV4 signing: what was wrong with the credentials or the request, and how to fix it.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The access key id or secret access key is missing.
        case missingCredentials
        /// A setting (region, service, expiry) is out of range.
        case invalidSetting
        /// The request cannot be signed as given (no host, a header that cannot be canonicalised).
        case invalidRequest
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
