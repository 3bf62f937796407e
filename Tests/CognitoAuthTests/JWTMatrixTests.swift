import CognitoAuth
import Crypto
import Foundation
import Synchronization
import TestSupport
import Testing
import _CryptoExtras

/// Shared keys: RSA key generation is slow, so each is made once.
enum Keys {
    static let pool = try! TestSigningKey(kid: "pool-key-1")
    static let rotated = try! TestSigningKey(kid: "pool-key-2")
    static let attacker = try! TestSigningKey(kid: "pool-key-1")
    static let stranger = try! TestSigningKey(kid: "not-in-the-jwks")
    static let small = try! TestSigningKey(kid: "small-key", bits: 1024)
    static let encryption = try! TestSigningKey(kid: "enc-key")
}

/// The token matrix of the issue: every check aws-jwt-verify makes, and the two gaps of jwt-kit, each with a
/// token built to fail exactly that check (and, where it matters, to pass every other).
@Suite("Cognito JWT verification")
struct JWTMatrixTests {
    let now = TestJWT.now

    static func configuration(
        tokenUse: CognitoVerifierConfiguration.TokenUse = .any,
        skew: Int64 = 0,
        group: String? = nil,
        scopes: [String] = []
    ) -> CognitoVerifierConfiguration {
        CognitoVerifierConfiguration(
            issuer: TestJWT.issuer,
            clientIDs: [TestJWT.clientID],
            tokenUse: tokenUse,
            clockSkewSeconds: skew,
            requiredGroup: group,
            requiredScopes: scopes
        )
    }

    static func standardJWKS() throws -> [UInt8] {
        try TestJWT.jwks([
            Keys.pool.jwk(),
            Keys.small.jwk(),
            Keys.encryption.jwk(use: "enc", alg: "RSA-OAEP"),
        ])
    }

    func verify(
        _ token: String,
        configuration: CognitoVerifierConfiguration = configuration(),
        jwks: MemoryJWKS? = nil,
        at time: Int64? = nil
    ) async throws -> Result<VerifiedToken, JWTVerificationError> {
        let fetcher = try jwks ?? MemoryJWKS(Self.standardJWKS())
        let verifier = CognitoJWTVerifier(configuration: configuration, fetcher: fetcher)
        let now = time ?? self.now
        return try await offPool { Result { () throws(JWTVerificationError) in try verifier.verify(token, now: now) } }
    }

    func expectRefused(
        _ token: String,
        _ code: JWTVerificationError.Code,
        configuration: CognitoVerifierConfiguration = configuration(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let result = try await verify(token, configuration: configuration)
        switch result {
        case .success: Issue.record("accepted a token that must fail with \(code)", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.contains(token), "the message echoes the token", sourceLocation: sourceLocation)
        }
    }

    // MARK: Valid tokens

    @Test func acceptsAValidIDTokenAndReadsItsClaims() async throws {
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let verified = try await verify(token).get()
        #expect(verified.subject == TestJWT.subject)
        #expect(verified.keyID == "pool-key-1")
        #expect(verified.claims.username == "alice")
        #expect(verified.claims.groups == ["uploaders"])
        #expect(verified.claims.tokenUse == .id)
    }

    @Test func acceptsAValidAccessToken() async throws {
        let token = try Keys.pool.token(TestJWT.accessClaims(now: now))
        let verified = try await verify(token, configuration: Self.configuration(tokenUse: .access)).get()
        #expect(verified.claims.scopes == ["aws.cognito.signin.user.admin", "uploads/write"])
    }

    @Test func acceptsAnAudienceListThatContainsTheClient() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["aud"] = ["someone-else", TestJWT.clientID]
        _ = try await verify(try Keys.pool.token(claims)).get()
    }

    // MARK: Time

    @Test func refusesAnExpiredTokenUnlessWithinTheSkew() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["exp"] = now - 3
        let token = try Keys.pool.token(claims)
        try await expectRefused(token, .expired)
        _ = try await verify(token, configuration: Self.configuration(skew: 5)).get()
        // exp == now is already expired (aws-jwt-verify: exp must be in the future).
        claims["exp"] = now
        try await expectRefused(try Keys.pool.token(claims), .expired)
    }

    @Test func refusesATokenNotYetValidUnlessWithinTheSkew() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["nbf"] = now + 60
        let token = try Keys.pool.token(claims)
        try await expectRefused(token, .notYetValid)
        _ = try await verify(token, configuration: Self.configuration(skew: 60)).get()
    }

    @Test func refusesATokenWithoutExpiry() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["exp"] = nil
        try await expectRefused(try Keys.pool.token(claims), .malformed)
        claims["exp"] = "\(now + 100)"
        try await expectRefused(try Keys.pool.token(claims), .malformed)
    }

    // MARK: Issuer, client, use

    @Test func refusesAnotherIssuerWithoutFetchingTheJWKS() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool"
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let result = try await verify(try Keys.pool.token(claims), jwks: jwks)
        #expect(throws: JWTVerificationError.self) { try result.get() }
        if case .failure(let error) = result { #expect(error.code == .wrongIssuer) }
        #expect(jwks.fetches == 0)
        // A prefix of the issuer is not the issuer.
        claims["iss"] = TestJWT.issuer + "x"
        try await expectRefused(try Keys.pool.token(claims), .wrongIssuer)
        claims["iss"] = nil
        try await expectRefused(try Keys.pool.token(claims), .wrongIssuer)
    }

    @Test func refusesAnotherAudienceOrClient() async throws {
        var id = TestJWT.idClaims(now: now)
        id["aud"] = "another-client"
        try await expectRefused(try Keys.pool.token(id), .wrongClient)
        // An ID token's client is its aud, never a client_id it also carries.
        id["client_id"] = TestJWT.clientID
        try await expectRefused(try Keys.pool.token(id), .wrongClient)

        var access = TestJWT.accessClaims(now: now)
        access["client_id"] = "another-client"
        try await expectRefused(try Keys.pool.token(access), .wrongClient)
        access["client_id"] = nil
        access["aud"] = TestJWT.clientID
        try await expectRefused(try Keys.pool.token(access), .wrongClient)
    }

    @Test func refusesTheWrongTokenUse() async throws {
        let access = try Keys.pool.token(TestJWT.accessClaims(now: now))
        try await expectRefused(access, .wrongTokenUse, configuration: Self.configuration(tokenUse: .id))
        let id = try Keys.pool.token(TestJWT.idClaims(now: now))
        try await expectRefused(id, .wrongTokenUse, configuration: Self.configuration(tokenUse: .access))
        var refresh = TestJWT.idClaims(now: now)
        refresh["token_use"] = "refresh"
        try await expectRefused(try Keys.pool.token(refresh), .wrongTokenUse)
        refresh["token_use"] = nil
        try await expectRefused(try Keys.pool.token(refresh), .wrongTokenUse)
    }

    @Test func enforcesTheRequiredGroupAndScopes() async throws {
        let token = try Keys.pool.token(TestJWT.accessClaims(now: now))
        _ = try await verify(token, configuration: Self.configuration(group: "uploaders")).get()
        try await expectRefused(token, .missingGroup, configuration: Self.configuration(group: "admins"))
        var noGroups = TestJWT.accessClaims(now: now)
        noGroups["cognito:groups"] = nil
        try await expectRefused(
            try Keys.pool.token(noGroups),
            .missingGroup,
            configuration: Self.configuration(group: "uploaders")
        )
        _ = try await verify(token, configuration: Self.configuration(scopes: ["uploads/write"])).get()
        try await expectRefused(token, .missingScope, configuration: Self.configuration(scopes: ["uploads/admin"]))
    }

    // MARK: Algorithm

    @Test func refusesAlgNone() async throws {
        let unsigned =
            try TestJWT.part(["alg": "none", "kid": "pool-key-1"]) + "."
            + TestJWT.part(TestJWT.idClaims(now: now)) + "."
        try await expectRefused(unsigned, .unsupportedAlgorithm)
        try await expectRefused(unsigned + "c2lnbmF0dXJl", .unsupportedAlgorithm)
    }

    @Test func refusesHS256SignedWithThePublicKey() async throws {
        // The classic confusion: a verifier that takes alg from the token would check an HMAC keyed with the
        // public key, which anyone can compute.
        let header = try TestJWT.part(["alg": "HS256", "kid": "pool-key-1", "typ": "JWT"])
        let input = header + "." + (try TestJWT.part(TestJWT.idClaims(now: now)))
        for secret in [
            Keys.pool.privateKey.publicKey.pemRepresentation,
            Keys.pool.privateKey.publicKey.derRepresentation.base64EncodedString(),
        ] {
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data(input.utf8),
                using: SymmetricKey(data: Data(secret.utf8))
            )
            try await expectRefused(input + "." + TestJWT.base64URL(Data(mac)), .unsupportedAlgorithm)
        }
    }

    @Test func refusesAnotherAlgorithmHeaderOnAnRSASignature() async throws {
        // jwt-kit's second gap: with an alg in the JWK it verifies by the JWK and ignores the header's alg.
        for alg in ["HS256", "RS512", "PS256", "ES256", "rs256", ""] {
            let token = try Keys.pool.token(TestJWT.idClaims(now: now), header: ["alg": alg])
            try await expectRefused(token, .unsupportedAlgorithm)
        }
        let noAlg = try TestJWT.part(["kid": "pool-key-1"]) + "." + TestJWT.part(TestJWT.idClaims(now: now)) + ".AAAA"
        try await expectRefused(noAlg, .malformed)
    }

    // MARK: Keys

    @Test func refusesAnotherKeyWithTheSameKid() async throws {
        try await expectRefused(try Keys.attacker.token(TestJWT.idClaims(now: now)), .invalidSignature)
    }

    @Test func refusesAnUnknownKidEvenWithAValidSignature() async throws {
        // jwt-kit's first gap: for an unknown kid it would try its first key. Here the stranger's key is what the
        // token names, and no key of the pool may stand in for it.
        try await expectRefused(try Keys.stranger.token(TestJWT.idClaims(now: now)), .unknownKeyID)
        // A pool-signed token under an unknown kid must not fall back to the pool key either.
        let relabelled = try Keys.pool.token(TestJWT.idClaims(now: now), header: ["kid": "no-such-kid"])
        try await expectRefused(relabelled, .unknownKeyID)
    }

    @Test func refusesAMissingOrEmptyKid() async throws {
        let claims = try TestJWT.part(TestJWT.idClaims(now: now))
        for header in [["alg": "RS256"], ["alg": "RS256", "kid": ""], ["alg": "RS256", "kid": 7] as [String: Any]] {
            let input = try TestJWT.part(header) + "." + claims
            try await expectRefused(input + "." + TestJWT.base64URL(try Keys.pool.sign(input)), .missingKeyID)
        }
    }

    @Test func refusesKeysForEncryptionSmallKeysAndNonRSAKeys() async throws {
        try await expectRefused(try Keys.encryption.token(TestJWT.idClaims(now: now)), .unusableKey)
        try await expectRefused(try Keys.small.token(TestJWT.idClaims(now: now)), .unusableKey)
        let ec = try MemoryJWKS(TestJWT.jwks([Keys.pool.jwk(kty: "EC")]))
        let result = try await verify(try Keys.pool.token(TestJWT.idClaims(now: now)), jwks: ec)
        if case .failure(let error) = result { #expect(error.code == .unusableKey) } else { Issue.record("accepted") }
        let wrongAlg = try MemoryJWKS(TestJWT.jwks([Keys.pool.jwk(alg: "RS512")]))
        let second = try await verify(try Keys.pool.token(TestJWT.idClaims(now: now)), jwks: wrongAlg)
        if case .failure(let error) = second { #expect(error.code == .unusableKey) } else { Issue.record("accepted") }
        // An even exponent is no RSA public key: swift-crypto (BoringSSL's RSA_new_public_key) refuses it, and the
        // reason names the key.
        var evenExponent = try Keys.pool.jwk()
        evenExponent["e"] = "Ag"
        let evenJWKS = try MemoryJWKS(TestJWT.jwks([evenExponent]))
        let even = try await verify(try Keys.pool.token(TestJWT.idClaims(now: now)), jwks: evenJWKS)
        if case .failure(let error) = even {
            #expect(error.code == .unusableKey)
            #expect(error.message.contains("key \"\(Keys.pool.kid)\" was refused as an RSA public key"))
        } else {
            Issue.record("a key with exponent 2 was accepted")
        }
        // A modulus one bit short of 2048 is refused by our size check, with its exact size. And n and e must be
        // unpadded base64url (RFC 7518): padding or the standard alphabet's + and / are refused.
        let modulus = try Keys.pool.privateKey.publicKey.getKeyPrimitives().modulus
        var shifted = [UInt8](repeating: 0, count: modulus.count)
        var carry: UInt8 = 0
        for (index, byte) in modulus.enumerated() {
            shifted[index] = byte >> 1 | carry
            carry = byte << 7
        }
        var short = try Keys.pool.jwk()
        short["n"] = TestJWT.base64URL(Data(shifted))
        var padded = try Keys.pool.jwk()
        padded["e"] = (padded["e"] as! String) + "=="
        var standardAlphabet = try Keys.pool.jwk()
        standardAlphabet["n"] =
            (standardAlphabet["n"] as! String).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/") + "+/"
        for (jwk, reason) in [
            (short, "has 2047 bits; at least 2048 are required"), (padded, "has no valid modulus and exponent"),
            (standardAlphabet, "has no valid modulus and exponent"),
        ] {
            let result = try await verify(
                try Keys.pool.token(TestJWT.idClaims(now: now)),
                jwks: MemoryJWKS(TestJWT.jwks([jwk]))
            )
            if case .failure(let error) = result {
                #expect(error.code == .unusableKey)
                #expect(error.message.contains(reason), "\(error.message)")
            } else {
                Issue.record("a key that must be refused (\(reason)) was accepted")
            }
        }
        // use and alg may be absent from a JWK.
        let bare = try MemoryJWKS(TestJWT.jwks([Keys.pool.jwk(use: nil, alg: nil)]))
        _ = try await verify(try Keys.pool.token(TestJWT.idClaims(now: now)), jwks: bare).get()
    }

    // MARK: Shape

    @Test func refusesTamperedPayloads() async throws {
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let parts = token.split(separator: ".").map(String.init)
        var claims = TestJWT.idClaims(now: now)
        claims["sub"] = "someone-else"
        try await expectRefused(parts[0] + "." + (try TestJWT.part(claims)) + "." + parts[2], .invalidSignature)
        var flipped = Array(parts[2].utf8)
        flipped[10] = flipped[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try await expectRefused(
            parts[0] + "." + parts[1] + "." + String(decoding: flipped, as: UTF8.self),
            .invalidSignature
        )
        try await expectRefused(parts[0] + "." + parts[1] + ".", .malformed)
    }

    @Test func refusesMalformedTokens() async throws {
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let parts = token.split(separator: ".").map(String.init)
        let cases: [String] = [
            parts[0] + "." + parts[1],  // two parts
            token + ".extra",  // four parts
            "garbage",
            "",
            "...",
            "." + parts[1] + "." + parts[2],  // no header
            parts[0] + ".." + parts[2],  // no payload
            "Bearer " + token,  // not stripped
            token + "=",  // padding
            token.replacingOccurrences(of: "-", with: "+"),  // base64, not base64url (when present)
            TestJWT.base64URL(Data("[1,2]".utf8)) + "." + parts[1] + "." + parts[2],  // header not an object
            parts[0] + "." + TestJWT.base64URL(Data("\"x\"".utf8)) + "." + parts[2],  // payload not an object
            parts[0] + "." + TestJWT.base64URL(Data("{\"a\":".utf8)) + "." + parts[2],  // truncated JSON
            "ey\u{0}J." + parts[1] + "." + parts[2],
            "eyJhbGciOiJSUzI1NiJ9\u{202E}." + parts[1] + "." + parts[2],
        ]
        for bad in cases where bad != token {
            let result = try await verify(bad)
            if case .failure(let error) = result {
                #expect([.malformed, .invalidSignature].contains(error.code), "\(bad.prefix(40)): \(error)")
            } else {
                Issue.record("accepted \(bad.prefix(40))")
            }
        }
    }

    @Test func refusesA200KBTokenBeforeDecodingIt() async throws {
        var claims = TestJWT.idClaims(now: now)
        claims["padding"] = String(repeating: "x", count: 200 * 1024)
        let huge = try Keys.pool.token(claims)
        #expect(huge.utf8.count > 200 * 1024)
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let result = try await verify(huge, jwks: jwks)
        if case .failure(let error) = result {
            #expect(error.code == .malformed)
            #expect(error.message.contains("16384"))
        } else {
            Issue.record("accepted a 200 KB token")
        }
        #expect(jwks.fetches == 0)
    }

    @Test func randomMutationsOfAValidTokenAreAllRefusedCleanly() async throws {
        let token = Array(try Keys.pool.token(TestJWT.idClaims(now: now)).utf8)
        let verifier = CognitoJWTVerifier(
            configuration: Self.configuration(),
            fetcher: try MemoryJWKS(Self.standardJWKS())
        )
        let now = self.now
        let accepted = try await offPool { () -> Int in
            var generator = SystemRandomNumberGenerator()
            var accepted = 0
            for _ in 0..<3000 {
                var mutated = token
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<mutated.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: mutated[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: mutated.remove(at: index)
                    default: mutated.insert(UInt8.random(in: 32...126, using: &generator), at: index)
                    }
                }
                guard mutated != token, let text = String(validating: mutated, as: UTF8.self) else { continue }
                if (try? verifier.verify(text, now: now)) != nil { accepted += 1 }
            }
            return accepted
        }
        #expect(accepted == 0)
    }

    // MARK: The JWKS

    @Test func refetchesOnceForAnUnknownKidThenWaitsOutThePenalty() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        let now = self.now
        let valid = try Keys.pool.token(TestJWT.idClaims(now: now))
        let unknown = try Keys.stranger.token(TestJWT.idClaims(now: now))
        let codes = try await offPool { () -> [String] in
            var codes: [String] = []
            func record(_ token: String, at time: Int64) {
                do {
                    _ = try verifier.verify(token, now: time)
                    codes.append("ok:\(jwks.fetches)")
                } catch {
                    codes.append("\(error.code.rawValue):\(jwks.fetches)")
                }
            }
            record(valid, at: now)  // loads the JWKS: 1 fetch
            record(valid, at: now)  // cached
            record(unknown, at: now)  // refetches once: 2
            record(unknown, at: now + 5)  // in the 10 s penalty: no fetch
            record(valid, at: now + 5)  // known kids are unaffected
            record(unknown, at: now + 11)  // penalty over: refetch: 3
            return codes
        }
        #expect(codes == ["ok:1", "ok:1", "unknownKeyID:2", "unknownKeyID:2", "ok:2", "unknownKeyID:3"])
    }

    @Test func anUnknownKidOnAColdCacheFetchesOnce() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let result = try await verify(try Keys.stranger.token(TestJWT.idClaims(now: now)), jwks: jwks)
        if case .failure(let error) = result { #expect(error.code == .unknownKeyID) } else { Issue.record("accepted") }
        #expect(jwks.fetches == 1)
    }

    @Test func picksUpARotatedKeyByRefetching() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        let now = self.now
        let old = try Keys.pool.token(TestJWT.idClaims(now: now))
        let new = try Keys.rotated.token(TestJWT.idClaims(now: now))
        let rotated = try TestJWT.jwks([Keys.pool.jwk(), Keys.rotated.jwk()])
        let subjects = try await offPool { () -> [String] in
            let first = try verifier.verify(old, now: now).subject
            jwks.replace(rotated)
            let second = try verifier.verify(new, now: now).subject
            return [first, second, "\(jwks.fetches)"]
        }
        #expect(subjects == [TestJWT.subject, TestJWT.subject, "2"])
    }

    @Test func failsClosedWhenTheJWKSCannotBeFetched() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        jwks.fail(true)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let result = try await verify(token, jwks: jwks)
        if case .failure(let error) = result {
            #expect(error.code == .jwksUnavailable)
        } else {
            Issue.record("accepted")
        }

        let garbage = MemoryJWKS(Array("<html>oops</html>".utf8))
        let second = try await verify(token, jwks: garbage)
        if case .failure(let error) = second {
            #expect(error.code == .jwksUnavailable)
        } else {
            Issue.record("accepted")
        }
    }

    @Test func failsClosedWhenTheJWKSServerIsUnreachable() async throws {
        // Port 1 on the loopback: nothing listens, the connection is refused at once (and retried once).
        let configuration = CognitoVerifierConfiguration(
            issuer: TestJWT.issuer,
            jwksURL: "http://127.0.0.1:1/.well-known/jwks.json",
            clientIDs: [TestJWT.clientID]
        )
        let verifier = CognitoJWTVerifier(configuration: configuration)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let now = self.now
        let result = try await offPool {
            Result { () throws(JWTVerificationError) in try verifier.verify(token, now: now) }
        }
        if case .failure(let error) = result {
            #expect(error.code == .jwksUnavailable)
            #expect(error.message.contains("127.0.0.1:1"))
        } else {
            Issue.record("accepted without keys")
        }
    }

    @Test func verifiersOfOnePoolShareTheProcesssCacheUnlessGivenAFetcher() throws {
        let first = CognitoJWTVerifier(configuration: Self.configuration())
        let second = CognitoJWTVerifier(configuration: Self.configuration())
        #expect(first.jwks === second.jwks)
        #expect(first.jwks === JWKSCache.shared(url: Self.configuration().jwksURL))
        let otherPool = CognitoVerifierConfiguration(
            issuer: TestJWT.issuer,
            jwksURL: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other/.well-known/jwks.json",
            clientIDs: [TestJWT.clientID]
        )
        #expect(CognitoJWTVerifier(configuration: otherPool).jwks !== first.jwks)
        let own = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: try MemoryJWKS(Self.standardJWKS()))
        #expect(own.jwks !== first.jwks)
    }

    // Off the cooperative pool, as the runtime's own thread loads the JWKS: the load blocks its caller.
    @Test func aPrefetchLoadsTheKeysSoTheFirstVerificationFetchesNothing() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let now = self.now
        #expect(try await offPool { verifier.jwks.prefetch() } == nil)
        #expect(verifier.jwks.isLoaded)
        #expect(jwks.fetches == 1)
        #expect(try await offPool { try verifier.verify(token, now: now).subject } == TestJWT.subject)
        #expect(jwks.fetches == 1)
        // A second prefetch (another worker's handler) fetches nothing.
        #expect(try await offPool { verifier.jwks.prefetch() } == nil)
        #expect(jwks.fetches == 1)
    }

    @Test func aWarmUpStopsAtTheSignatureWithEveryUsableKeyAndFetchesNothing() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        // Before the keys are loaded there is nothing to warm, and the warm-up does not fetch them itself.
        #expect(try await offPool { verifier.warmUp() } == 0)
        #expect(jwks.fetches == 0)
        #expect(try await offPool { verifier.jwks.prefetch() } == nil)
        let usable = verifier.jwks.usableKeys
        #expect(!usable.isEmpty)
        // Each usable key verified the made-up token's signature, and refused it; no refetch, no penalty box.
        #expect(try await offPool { verifier.warmUp() } == usable.count)
        #expect(jwks.fetches == 1)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let now = self.now
        #expect(try await offPool { try verifier.verify(token, now: now).subject } == TestJWT.subject)
        #expect(jwks.fetches == 1)
    }

    @Test func aFailedPrefetchIsNotFatalAndTheFirstUseFetchesAgain() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS())
        jwks.fail(true)
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let now = self.now
        let problem = try #require(try await offPool { verifier.jwks.prefetch() })
        #expect(problem.code == .jwksUnavailable)
        #expect(!verifier.jwks.isLoaded)
        jwks.fail(false)
        #expect(try await offPool { try verifier.verify(token, now: now).subject } == TestJWT.subject)
        #expect(jwks.fetches == 2)
    }

    @Test func mergesConcurrentFetches() async throws {
        let jwks = try MemoryJWKS(Self.standardJWKS(), delayMicroseconds: 200_000)
        let verifier = CognitoJWTVerifier(configuration: Self.configuration(), fetcher: jwks)
        let token = try Keys.pool.token(TestJWT.idClaims(now: now))
        let now = self.now
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try await offPool { try verifier.verify(token, now: now).subject } }
            }
            for try await subject in group { #expect(subject == TestJWT.subject) }
        }
        #expect(jwks.fetches == 1)
    }
}
