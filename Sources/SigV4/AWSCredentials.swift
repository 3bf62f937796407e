import LambdaRuntime

/// AWS credentials: an access key pair, and the session token of temporary credentials (what Lambda gives a
/// function from its role).
///
/// Secrets never reach a log: `description` and `debugDescription` show only the start of the access key id.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The access key id, `AKIA…` for a long-term key or `ASIA…` for temporary credentials; signatures name it.
    public let accessKeyID: String
    /// The secret access key, which derives the signing keys and is never sent or logged.
    public let secretAccessKey: String
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`; `nil` for a long-term key.
    public let sessionToken: String?

    /// Creates credentials from a key pair and, for temporary credentials, their session token.
    /// - Parameters:
    ///   - accessKeyID: The access key id; it must not be empty.
    ///   - secretAccessKey: The secret access key; it must not be empty.
    ///   - sessionToken: The session token of temporary credentials; `nil` or empty for a long-term key.
    /// - Throws: `SigV4Error.missingCredentials` when the key id or the secret is empty.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) throws(SigV4Error) {
        guard !accessKeyID.isEmpty else {
            throw SigV4Error(.missingCredentials, "the access key id is empty")
        }
        guard !secretAccessKey.isEmpty else {
            throw SigV4Error(.missingCredentials, "the secret access key for \(Self.redact(accessKeyID)) is empty")
        }
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    /// - Parameter environment: The variables to read; `nil` reads the process's environment. An empty value
    ///   counts as unset.
    /// - Throws: `SigV4Error.missingCredentials`, naming the variable that is missing.
    public static func fromEnvironment(_ environment: [String: String]? = nil) throws(SigV4Error) -> AWSCredentials {
        func value(_ name: String) -> String? {
            let found = environment.map { $0[name] } ?? ProcessEnvironment.value(name)
            return found.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let keyID = value("AWS_ACCESS_KEY_ID") else {
            throw SigV4Error(.missingCredentials, "AWS_ACCESS_KEY_ID is not set: there are no credentials to sign with")
        }
        guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw SigV4Error(.missingCredentials, "AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)")
        }
        return try AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
    }

    /// The credentials with the access key id shortened and the secrets replaced by `<redacted>`.
    public var description: String {
        "AWSCredentials(accessKeyID: \(Self.redact(accessKeyID)), secretAccessKey: <redacted>"
            + (sessionToken == nil ? ")" : ", sessionToken: <redacted>)")
    }

    /// The same redacted text as ``description``.
    public var debugDescription: String { description }

    /// `AKIA…` plus the last four characters: enough to tell keys apart in a log, not to use one.
    static func redact(_ keyID: String) -> String {
        guard keyID.count > 8 else { return "<redacted>" }
        return "\(keyID.prefix(4))…\(keyID.suffix(4))"
    }
}
