/// Why a token was refused. Messages say what was wrong without echoing the token.
public struct JWTVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
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
        case expired
        case notYetValid
        case wrongIssuer
        case wrongTokenUse
        /// `aud` (ID tokens) or `client_id` (access tokens) is not one of the configured clients.
        case wrongClient
        case missingGroup
        case missingScope
        /// The JWKS could not be fetched or read: no key, no access.
        case jwksUnavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
