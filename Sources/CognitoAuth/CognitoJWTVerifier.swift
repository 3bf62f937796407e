import Dispatch
import LambdaEvents
import LambdaRuntime

/// A token that passed every check, with its claims.
public struct VerifiedToken: Sendable {
    /// The key that signed it.
    public let keyID: String
    /// The token's payload, decoded.
    public let claims: CognitoClaims

    /// The user's `sub`, the pool's stable id for them; empty when the token has none.
    public var subject: String { claims.subject ?? "" }
}

/// Verifies Cognito user pool JWTs the way aws-jwt-verify does, with swift-crypto doing the RSA work.
///
/// In order: the token is three base64url parts under 16 KB; the header is JSON with `alg` RS256 and a `kid`; the
/// payload is a JSON object whose `iss` is the pool's; the `kid` is in the pool's JWKS (refetched once when not,
/// then a penalty box) and names an RSA signing key of 2048 bits or more; the signature verifies with that key and
/// no other; `token_use`, the client id (`aud` for ID tokens, `client_id` for access tokens), `exp` and `nbf`
/// (with the configured skew), and the required group or scopes all match. Any failure is a
/// `JWTVerificationError`; nothing here crashes on input.
///
/// The RSA is swift-crypto's (`_RSA.Signing.PublicKey`, RSASSA-PKCS1-v1_5 over SHA-256), the call jwt-kit's RS256
/// makes underneath. Each signature is checked with the one key its `kid` names, after the header's `alg`: jwt-kit's
/// own key collection would fall back to its first key for an unknown `kid`, and would trust a JWK's `alg` over the
/// header's.
public final class CognitoJWTVerifier: Sendable {
    /// The largest token accepted. Cognito's are 1–4 KB; API Gateway refuses headers beyond 10 KB anyway.
    public static let maxTokenBytes = 16 * 1024

    /// The pool, clients and rules every token is checked against.
    public let configuration: CognitoVerifierConfiguration
    /// The user pool's keys, shared with the process's other verifiers of the pool unless a fetcher was given.
    public let jwks: JWKSCache
    private static let blockingQueue = DispatchQueue(label: "CognitoAuth.verify", attributes: .concurrent)

    /// A verifier for the pool, clients and rules of `configuration`; no key is fetched until the first token.
    /// - Parameters:
    ///   - configuration: The pool, clients and rules.
    ///   - fetcher: How to fetch the JWKS. `nil` (the default): over HTTPS, through the process's shared cache for
    ///     the pool (`JWKSCache.shared(url:)`), so every worker's verifier shares one set of keys and one fetch.
    ///     Another fetcher gets a cache of its own.
    public init(configuration: CognitoVerifierConfiguration, fetcher: (any JWKSFetching)? = nil) {
        self.configuration = configuration
        self.jwks =
            fetcher.map { JWKSCache(url: configuration.jwksURL, fetcher: $0) }
            ?? JWKSCache.shared(url: configuration.jwksURL)
    }

    /// A verifier that uses `jwks` for its keys.
    public init(configuration: CognitoVerifierConfiguration, jwks: JWKSCache) {
        self.configuration = configuration
        self.jwks = jwks
    }

    /// Verifies `token` now.
    public func verify(_ token: String) throws(JWTVerificationError) -> VerifiedToken {
        try verify(token, now: WallClock.nowMilliseconds() / 1000)
    }

    /// Verifies `token` from async code. The first verification fetches the JWKS and blocks while it does, which
    /// must not happen on the cooperative pool: this runs it on a thread of its own and awaits it.
    public func verifyOnOwnThread(_ token: String) async throws(JWTVerificationError) -> VerifiedToken {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<VerifiedToken, JWTVerificationError>, Never>) in
            // A private queue is overcommitting: it gets a thread of its own, not one of the pool's.
            Self.blockingQueue.async {
                continuation.resume(returning: Result { () throws(JWTVerificationError) in try self.verify(token) })
            }
        }
        return try result.get()
    }

    /// Runs a made-up token through every check up to the signature, once with each loaded key: for a handler's
    /// init, after ``JWKSCache/prefetch()``, so that the first real token does not pay what a process pays once
    /// (the key's RSA state, which BoringSSL builds on its first verification, type metadata and protocol
    /// conformance lookups, the first touch of the parsing and verifying code). The made-up token is signed by
    /// nothing, so every attempt ends at the signature; nothing is logged, and nothing is kept beyond what each key
    /// caches for itself.
    /// - Returns: How many keys got as far as verifying the signature; 0 when the JWKS is not loaded.
    @discardableResult
    public func warmUp() -> Int {
        var verified = 0
        for key in jwks.usableKeys {
            let header = #"{"alg":"RS256","kid":"# + JSONString.quoted(key.kid) + "}"
            let payload =
                #"{"iss":"# + JSONString.quoted(configuration.issuer) + #","token_use":"id","sub":"warm-up"}"#
            let signature = [UInt8](repeating: 0, count: (key.bits + 7) / 8)
            let token =
                Base64.encodeURL(Array(header.utf8)) + "." + Base64.encodeURL(Array(payload.utf8)) + "."
                + Base64.encodeURL(signature)
            do {
                _ = try verify(token)
            } catch {
                if error.code == .invalidSignature { verified += 1 }
            }
        }
        return verified
    }

    /// Verifies `token` at `now`, seconds since the Unix epoch.
    public func verify(_ token: String, now: Int64) throws(JWTVerificationError) -> VerifiedToken {
        let parts = try Self.split(token)
        let header = try Self.jsonObject(parts.header, "header")
        guard let alg = header["alg"]?.stringValue else {
            throw JWTVerificationError(.malformed, "the token's header has no alg")
        }
        guard alg == "RS256" else {
            throw JWTVerificationError(
                .unsupportedAlgorithm,
                "the token is signed with \(JWKSCache.shorten(alg)); Cognito tokens are RS256 and nothing else is accepted"
            )
        }
        guard case .string(let kid)? = header["kid"], !kid.isEmpty else {
            throw JWTVerificationError(.missingKeyID, "the token's header has no kid, so no key can verify it")
        }
        let claims = CognitoClaims(try Self.jsonObject(parts.payload, "payload"))
        // The issuer first: a token from another pool (or made up) never makes us fetch a JWKS.
        try checkIssuer(claims)

        let key = try jwks.key(for: kid, now: now)
        guard let signature = Self.base64URL(parts.signature), !signature.isEmpty else {
            throw JWTVerificationError(.malformed, "the token's signature is not base64url")
        }
        guard key.verifies(signature, signs: Array(parts.signingInput)) else {
            throw JWTVerificationError(
                .invalidSignature,
                "the token's signature does not verify with key \"\(JWKSCache.shorten(kid))\""
            )
        }
        try checkClaims(claims, now: now)
        return VerifiedToken(keyID: kid, claims: claims)
    }

    private func checkIssuer(_ claims: CognitoClaims) throws(JWTVerificationError) {
        guard case .string(let issuer)? = claims["iss"] else {
            throw JWTVerificationError(.wrongIssuer, "the token has no iss; expected \(configuration.issuer)")
        }
        guard issuer == configuration.issuer else {
            throw JWTVerificationError(
                .wrongIssuer,
                "the token was issued by \(JWKSCache.shorten(issuer)), not by \(configuration.issuer)"
            )
        }
    }

    private func checkClaims(_ claims: CognitoClaims, now: Int64) throws(JWTVerificationError) {
        let skew = configuration.clockSkewSeconds
        guard case .integer(let exp)? = claims["exp"] else {
            throw JWTVerificationError(.malformed, "the token has no numeric exp")
        }
        guard now < exp.addingReportingOverflow(skew).partialValue else {
            throw JWTVerificationError(
                .expired,
                "the token expired at \(exp) (now \(now), skew \(skew) s); sign in again"
            )
        }
        if let nbf = claims["nbf"] {
            guard case .integer(let notBefore) = nbf else {
                throw JWTVerificationError(.malformed, "the token's nbf is not a number")
            }
            guard now >= notBefore.subtractingReportingOverflow(skew).partialValue else {
                throw JWTVerificationError(
                    .notYetValid,
                    "the token is not valid before \(notBefore) (now \(now), skew \(skew) s); check the clocks"
                )
            }
        }

        guard case .string(let use)? = claims["token_use"], let tokenUse = CognitoClaims.TokenUse(rawValue: use) else {
            throw JWTVerificationError(.wrongTokenUse, "the token's token_use is neither id nor access")
        }
        switch configuration.tokenUse {
        case .any: break
        case .id where tokenUse != .id, .access where tokenUse != .access:
            throw JWTVerificationError(
                .wrongTokenUse,
                "this API takes \(configuration.tokenUse.rawValue) tokens; this is an \(use) token"
            )
        default: break
        }

        switch tokenUse {
        case .id:
            // aud may be one string or a list; one of them must be ours.
            let audience: [String]
            switch claims["aud"] {
            case .string(let value)?: audience = [value]
            case .array(let values)?: audience = values.compactMap(\.stringValue)
            default: audience = []
            }
            guard audience.contains(where: configuration.clientIDs.contains) else {
                throw JWTVerificationError(.wrongClient, "the ID token's aud is not one of this API's app clients")
            }
        case .access:
            guard case .string(let clientID)? = claims["client_id"], configuration.clientIDs.contains(clientID) else {
                throw JWTVerificationError(
                    .wrongClient,
                    "the access token's client_id is not one of this API's app clients"
                )
            }
        }

        if let group = configuration.requiredGroup {
            guard case .array(let groups)? = claims["cognito:groups"], groups.contains(.string(group)) else {
                throw JWTVerificationError(.missingGroup, "the user is not in the group \(group)")
            }
        }
        if !configuration.requiredScopes.isEmpty {
            let scopes = claims.scopes
            guard configuration.requiredScopes.contains(where: scopes.contains) else {
                throw JWTVerificationError(
                    .missingScope,
                    "the token has none of the scopes \(configuration.requiredScopes.joined(separator: " "))"
                )
            }
        }
    }

    struct Parts {
        var header: Substring.UTF8View
        var payload: Substring.UTF8View
        var signature: Substring.UTF8View
        var signingInput: Substring.UTF8View
    }

    /// The three parts, refusing anything larger than `maxTokenBytes` or with other than base64url characters.
    static func split(_ token: String) throws(JWTVerificationError) -> Parts {
        let bytes = token.utf8
        guard bytes.count <= maxTokenBytes else {
            throw JWTVerificationError(
                .malformed,
                "the token is \(bytes.count) bytes; at most \(maxTokenBytes) are accepted"
            )
        }
        var dots: [String.Index] = []
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                dots.append(index)
                guard dots.count <= 2 else { break }
            } else if !isBase64URL(byte) {
                throw JWTVerificationError(.malformed, "the token is not a JWT: it has characters outside base64url")
            }
        }
        guard dots.count == 2 else {
            throw JWTVerificationError(
                .malformed,
                "the token is not a JWT: it needs three parts (header.payload.signature), not \(min(dots.count, 2) + 1)\(dots.count > 2 ? "+" : "")"
            )
        }
        let string = Substring(token)
        let afterFirst = string.utf8.index(after: dots[0])
        let afterSecond = string.utf8.index(after: dots[1])
        return Parts(
            header: string[string.startIndex..<dots[0]].utf8,
            payload: string[afterFirst..<dots[1]].utf8,
            signature: string[afterSecond...].utf8,
            signingInput: string[string.startIndex..<dots[1]].utf8
        )
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Unpadded base64url (already checked for its alphabet) to bytes.
    static func base64URL(_ part: Substring.UTF8View) -> [UInt8]? {
        guard part.count % 4 != 1 else { return nil }
        return Base64.decode(bytes: part)
    }

    static func jsonObject(
        _ part: Substring.UTF8View,
        _ name: String
    ) throws(JWTVerificationError) -> [String: JSONValue] {
        guard let bytes = base64URL(part), !bytes.isEmpty else {
            throw JWTVerificationError(.malformed, "the token's \(name) is empty or not base64url")
        }
        guard case .object(let members)? = try? JSONValue(parsing: bytes) else {
            throw JWTVerificationError(.malformed, "the token's \(name) is not a JSON object")
        }
        return members
    }
}
