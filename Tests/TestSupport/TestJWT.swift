import CognitoAuth
import Crypto
import Foundation
import LambdaRuntime
import Synchronization
import _CryptoExtras

/// RSA keys made in the test, and tokens signed with them the way Cognito signs its own (RS256, `kid` header).
public struct TestSigningKey: Sendable {
    public let kid: String
    public let privateKey: _RSA.Signing.PrivateKey

    /// A new key; 2048 bits unless `bits` says otherwise (1024 only for the too-small-key case).
    public init(kid: String, bits: Int = 2048) throws {
        self.kid = kid
        switch bits {
        case 1024: privateKey = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        case 3072: privateKey = try _RSA.Signing.PrivateKey(keySize: .bits3072)
        default: privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        }
    }

    /// The public key as a JWK, with `use`, `alg` and `kty` overridable (nil leaves the member out).
    public func jwk(
        kid: String? = nil,
        use: String? = "sig",
        alg: String? = "RS256",
        kty: String = "RSA"
    ) throws
        -> [String: Any]
    {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        var jwk: [String: Any] = [
            "kty": kty, "kid": kid ?? self.kid,
            "n": TestJWT.base64URL(primitives.modulus), "e": TestJWT.base64URL(primitives.publicExponent),
        ]
        if let use { jwk["use"] = use }
        if let alg { jwk["alg"] = alg }
        return jwk
    }

    /// RS256 over `input`.
    public func sign(_ input: String) throws -> Data {
        try privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
            .rawRepresentation
    }

    /// A signed token: `header` gets `alg` RS256 and this key's `kid` unless it sets them.
    public func token(_ claims: [String: Any], header: [String: Any] = [:]) throws -> String {
        var fullHeader: [String: Any] = ["alg": "RS256", "kid": kid]
        for (name, value) in header { fullHeader[name] = value }
        let input = try TestJWT.part(fullHeader) + "." + TestJWT.part(claims)
        return input + "." + TestJWT.base64URL(try sign(input))
    }
}

public enum TestJWT {
    public static let region = "eu-west-1"
    public static let poolID = "eu-west-1_TestPool1"
    public static let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1"
    public static let clientID = "7testclient0000000000000"
    public static let subject = "5b1f3c1e-8a0d-4f4e-9d55-6a4c2f0e9b21"

    /// A JWKS document of `keys`.
    public static func jwks(_ keys: [[String: Any]]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["keys": keys], options: [.sortedKeys]))
    }

    /// The claims of a Cognito ID token for `subject`, valid from `now - 60` for an hour.
    public static func idClaims(now: Int64, groups: [String] = ["uploaders"]) -> [String: Any] {
        [
            "sub": subject, "iss": issuer, "aud": clientID, "token_use": "id", "cognito:username": "alice",
            "cognito:groups": groups, "email": "alice@example.com", "auth_time": now - 60, "iat": now - 60,
            "exp": now + 3600, "jti": "11111111-2222-4333-8444-555555555555",
        ]
    }

    /// The claims of a Cognito access token.
    public static func accessClaims(now: Int64, groups: [String] = ["uploaders"]) -> [String: Any] {
        [
            "sub": subject, "iss": issuer, "client_id": clientID, "token_use": "access", "username": "alice",
            "cognito:groups": groups, "scope": "aws.cognito.signin.user.admin uploads/write", "auth_time": now - 60,
            "iat": now - 60, "exp": now + 3600, "jti": "66666666-7777-4888-8999-000000000000",
        ]
    }

    public static func part(_ object: [String: Any]) throws -> String {
        base64URL(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Seconds since the Unix epoch.
    public static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

/// Runs blocking work on its own thread and awaits it, so the cooperative pool is never blocked (a JWKS load
/// blocks its caller, as it does the runtime's own thread).
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// A JWKS from memory that counts its fetches, can change between them, and can be made to fail or to be slow.
public final class MemoryJWKS: JWKSFetching, Sendable {
    private struct State {
        var document: [UInt8]
        var fetches = 0
        var failing = false
    }

    private let state: Locked<State>
    public let delayMicroseconds: UInt32

    public init(_ document: [UInt8], delayMicroseconds: UInt32 = 0) {
        state = Locked(State(document: document))
        self.delayMicroseconds = delayMicroseconds
    }

    public var fetches: Int { state.withLock { $0.fetches } }

    public func replace(_ document: [UInt8]) { state.withLock { $0.document = document } }
    public func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    public func fetch(_ url: String) throws -> [UInt8] {
        if delayMicroseconds > 0 { usleep(delayMicroseconds) }
        return try state.withLock { state in
            state.fetches += 1
            if state.failing { throw TestFailure("the JWKS server is down") }
            return state.document
        }
    }
}
