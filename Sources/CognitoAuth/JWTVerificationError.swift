/// Why a token was refused. Messages say what was wrong without echoing the token.
public struct JWTVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which check failed; its raw value starts ``JWTVerificationError/description``.
    public enum Code: String, Sendable, Equatable {
        /// Not three base64url parts of JSON, or too large.
        case malformed
        /// The header's `alg` is not RS256 (`none`, HS256, …).
        case unsupportedAlgorithm
        /// The header has no `kid`.
        case missingKeyID
        /// No key with that `kid` in the JWKS, even after refetching it.
        case unknownKeyID
        /// The JWK is not an RSA signing key of at least 2048 bits.
        case unusableKey
        /// The signature does not verify.
        case invalidSignature
        /// `exp`, plus the configured skew, is in the past.
        case expired
        /// `nbf`, less the configured skew, is in the future.
        case notYetValid
        /// `iss` is missing or is not the configured user pool's.
        case wrongIssuer
        /// `token_use` is neither `id` nor `access`, or is not the kind the configuration accepts.
        case wrongTokenUse
        /// `aud` (ID tokens) or `client_id` (access tokens) is not one of the configured clients.
        case wrongClient
        /// `cognito:groups` does not hold the required group.
        case missingGroup
        /// The `scope` claim lacks the required scopes.
        case missingScope
        /// The JWKS could not be fetched or read: no key, no access.
        case jwksUnavailable
    }

    /// Which check failed.
    public let code: Code
    /// What was wrong, without the token, for example `the user is not in the group admins`.
    public let message: String

    /// Creates an error of kind `code` whose text is `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message, for example `missingGroup: the user is not in the group admins`.
    public var description: String { "\(code.rawValue): \(message)" }
}
