import CognitoAuth
import Crypto
import Foundation
import JWTKit
import _CryptoExtras

/// Verification of one Cognito ID token with the JWKS already cached: `CognitoJWTVerifier` (every aws-jwt-verify
/// check, swift-crypto's RSA underneath) against jwt-kit's own `JWTKeyCollection.verify` with a payload that checks
/// `exp`, `iss` and `aud`, in the same process, interleaved round by round.
public struct TokenVerificationBenchmark: Sendable {
    public struct Measurement: Sendable, Codable {
        public var name: String
        public var tokens: Int
        public var p50Microseconds: Double
        public var p99Microseconds: Double
        public var meanMicroseconds: Double
    }

    public var tokens: Int
    public var roundSize = 1_000

    public init(tokens: Int = 20_000) {
        self.tokens = tokens
    }

    /// A key, its JWKS, a token signed with it, and the verifier configuration, made fresh for the run.
    public struct Material: Sendable {
        public let kid = "bench-key"
        public let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool"
        public let clientID = "4r5t6y7u8i9o0p1a2s3d4f5g6h"
        public let subject = "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
        public let jwks: [UInt8]
        public let modulus: String
        public let exponent: String
        public let token: String

        /// - Parameter claims: Extra claims for the token (merged over a typical ID token's).
        public init(now: Int64, lifetime: Int64 = 3600) throws {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let primitives = try key.publicKey.getKeyPrimitives()
            modulus = Self.base64URL(primitives.modulus)
            exponent = Self.base64URL(primitives.publicExponent)
            jwks = Array(
                #"{"keys":[{"alg":"RS256","e":"\#(exponent)","kid":"\#(kid)","kty":"RSA","n":"\#(modulus)","use":"sig"}]}"#
                    .utf8
            )
            let header = #"{"kid":"\#(kid)","alg":"RS256"}"#
            let payload = """
                {"sub":"\(subject)","cognito:groups":["uploaders","pro"],"email_verified":true,"iss":"\(issuer)",\
                "cognito:username":"alice","origin_jti":"50a74cff-026f-4c84-aa8f-f5f8d837115f","aud":"\(clientID)",\
                "event_id":"f11fc8de-3eb4-49c8-8f8d-e0e973e1d036","token_use":"id","auth_time":\(now),\
                "exp":\(now + lifetime),"iat":\(now),"jti":"2e7abed5-658e-430d-8569-80bb0977e471",\
                "email":"alice@example.com","upload:maxBytes":104857600}
                """
            let input = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
            let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
            token = input + "." + Self.base64URL(signature.rawRepresentation)
        }

        public func configuration(jwksURL: String = "memory:") -> CognitoVerifierConfiguration {
            CognitoVerifierConfiguration(issuer: issuer, jwksURL: jwksURL, clientIDs: [clientID], tokenUse: .id)
        }

        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }

    struct MemoryFetcher: JWKSFetching {
        let document: [UInt8]
        func fetch(_ url: String) throws -> [UInt8] { document }
    }

    /// jwt-kit's payload for the peer: the checks it can express (expiry, issuer, audience).
    struct CognitoIDPayload: JWTPayload {
        var sub: SubjectClaim
        var iss: IssuerClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var token_use: String

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            try aud.verifyIntendedAudience(includes: "4r5t6y7u8i9o0p1a2s3d4f5g6h")
            guard iss.value == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool", token_use == "id"
            else {
                throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer or token use")
            }
        }
    }

    public func measure(progress: @Sendable (String) -> Void) async throws -> [Measurement] {
        let now = Int64(Date().timeIntervalSince1970)
        let material = try Material(now: now)
        let verifier = CognitoJWTVerifier(
            configuration: material.configuration(),
            fetcher: MemoryFetcher(document: material.jwks)
        )
        // The first verification loads the JWKS, which blocks: off the cooperative pool. Later ones do not block.
        let warm = try await verifier.verifyOnOwnThread(material.token).subject
        guard warm == material.subject else { throw BenchmarkError(message: "the verifier read the wrong subject") }

        let keys = JWTKeyCollection()
        try await keys.add(
            jwk: JWK.rsa(
                .rs256,
                identifier: JWKIdentifier(string: material.kid),
                modulus: material.modulus,
                exponent: material.exponent
            )
        )
        _ = try await keys.verify(material.token, as: CognitoIDPayload.self)

        var ours: [UInt64] = []
        var peer: [UInt64] = []
        ours.reserveCapacity(tokens)
        peer.reserveCapacity(tokens)
        let token = material.token
        let clock = ContinuousClock()
        var done = 0
        while done < tokens {
            let size = min(roundSize, tokens - done)
            for _ in 0..<size {
                let start = clock.now
                _ = try verifier.verify(token)
                ours.append(Self.nanoseconds(clock.now - start))
            }
            for _ in 0..<size {
                let start = clock.now
                _ = try await keys.verify(token, as: CognitoIDPayload.self)
                peer.append(Self.nanoseconds(clock.now - start))
            }
            done += size
            if done == tokens || (done / roundSize) % 5 == 0 { progress("tokens: \(done)/\(tokens) each") }
        }
        return [
            Self.summarise("CognitoJWTVerifier (aws-jwt-verify checks)", ours),
            Self.summarise("jwt-kit JWTKeyCollection.verify (peer)", peer),
        ]
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let parts = duration.components
        return UInt64(parts.seconds) * 1_000_000_000 + UInt64(parts.attoseconds / 1_000_000_000)
    }

    static func summarise(_ name: String, _ samples: [UInt64]) -> Measurement {
        let sorted = samples.sorted()
        let mean = Double(samples.reduce(0, +)) / Double(max(samples.count, 1))
        return Measurement(
            name: name,
            tokens: samples.count,
            p50Microseconds: Double(RuntimeBenchmark.percentile(sorted, 0.50)) / 1_000,
            p99Microseconds: Double(RuntimeBenchmark.percentile(sorted, 0.99)) / 1_000,
            meanMicroseconds: mean / 1_000
        )
    }
}
