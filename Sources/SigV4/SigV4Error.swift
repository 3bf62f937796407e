/// The one error type of SigV4 signing: what was wrong with the credentials or the request, and how to fix it.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for code that reacts to one kind; ``message`` says what to fix.
    public enum Code: Sendable, Equatable {
        /// The access key id or secret access key is missing.
        case missingCredentials
        /// A setting (region, service, expiry) is out of range.
        case invalidSetting
        /// The request cannot be signed as given (no host, a header that cannot be canonicalised).
        case invalidRequest
    }

    /// What kind of problem it is.
    public let code: Code
    /// What was wrong and how to fix it, for example
    /// `AWS_ACCESS_KEY_ID is not set: there are no credentials to sign with`.
    public let message: String

    /// Creates an error of kind `code` whose text is `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The ``message``.
    public var description: String { message }
}
