import Crypto
import CryptoExtras
import CurlHTTP
import LambdaCodable
import LambdaRuntime
import Synchronization

/// Fetches a JWKS document.
public protocol JWKSFetching: Sendable {
    /// The document's bytes.
    /// - Throws: Any error; the cache turns it into `jwksUnavailable`.
    func fetch(_ url: String) throws -> [UInt8]
}

/// Fetches over HTTPS with libcurl: a 3 s timeout, one retry on a connection failure or a 5xx, the system's CA
/// bundle (`/etc/pki/tls/certs/ca-bundle.crt` on Amazon Linux; `SSL_CERT_FILE` wins).
public struct CurlJWKSFetcher: JWKSFetching {
    /// Retries after the first attempt, for a connection failure, a timeout or a 5xx.
    public static let retries = 1
    /// The limit on each attempt, in milliseconds.
    public var timeoutMilliseconds = 3_000

    /// A fetcher with the 3 s timeout.
    public init() {}

    /// GETs `url` and returns the body of its `200` answer; bodies over 1 MiB are refused.
    /// - Throws: `HTTPClientError` for a transport failure or timeout that persisted, or any status but 200.
    public func fetch(_ url: String) throws -> [UInt8] {
        var configuration = CurlHTTPClient.Configuration()
        configuration.timeoutMilliseconds = timeoutMilliseconds
        configuration.maxResponseBytes = 1 << 20
        let client = try CurlHTTPClient(configuration: configuration)
        var attempt = 0
        while true {
            do throws(HTTPClientError) {
                let response = try client.send("GET", url, headers: [("Accept", "application/json")])
                if response.status == 200 { return response.body }
                if response.status >= 500, attempt < Self.retries {
                    attempt += 1
                    continue
                }
                throw HTTPClientError(.transport, "GET \(url) answered \(response.status)")
            } catch {
                guard attempt < Self.retries, error.code == .transport || error.code == .timeout else { throw error }
                attempt += 1
            }
        }
    }
}

/// A JWK that passed every check, as the RSA public key that verifies RS256 signatures.
public struct VerificationKey: Sendable {
    /// The JWK's `kid`, which a token's header names.
    public let keyID: String
    /// The RSA modulus size in bits, 2048 or more.
    public let bits: Int
    let publicKey: _RSA.Signing.PublicKey

    /// Whether `signature` is this key's RS256 signature (RSASSA-PKCS1-v1_5 over SHA-256) of `input`.
    func verifies(_ signature: [UInt8], signs input: [UInt8]) -> Bool {
        publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature),
            for: SHA256.hash(data: input),
            padding: .insecurePKCS1v1_5
        )
    }
}

/// The user pool's public keys, fetched on first use and cached for the process.
///
/// An unknown `kid` refetches the JWKS once (keys rotate); if it is still unknown, the URL is put in a penalty box
/// for `penaltySeconds`, during which unknown kids fail without fetching, as aws-jwt-verify does. Concurrent
/// fetches are merged: one thread fetches, the others wait for its result. No JWKS, no access.
public final class JWKSCache: Sendable {
    private struct State {
        var keys: [String: Result<VerificationKey, JWTVerificationError>] = [:]
        var loaded = false
        var fetching = false
        var penaltyUntil: Int64 = .min
        var lastError: JWTVerificationError?
    }

    /// The JWKS URL the keys come from.
    public let url: String
    /// Seconds an unknown `kid` fails without a fetch, after a refetch that did not find the last one.
    public let penaltySeconds: Int64
    private let fetcher: any JWKSFetching
    private let monitor = ConditionLock()
    private let state = Locked(State())

    /// The caches `shared(url:)` hands out, by URL: one per user pool for the whole process.
    private static let registry = Locked<[String: JWKSCache]>([:])
    /// The most URLs `registry` holds; past it, it starts again (a process verifies for one or two pools).
    static let registryLimit = 16

    /// The process's one cache for `url`, fetching over HTTPS: every verifier of one user pool (every worker's,
    /// under Lambda Managed Instances) shares its keys and its fetches.
    public static func shared(url: String) -> JWKSCache {
        registry.withLock { caches in
            if let cache = caches[url] { return cache }
            if caches.count >= registryLimit { caches.removeAll() }
            let cache = JWKSCache(url: url)
            caches[url] = cache
            return cache
        }
    }

    /// A cache of its own for `url`, empty until the first key lookup or ``prefetch()``.
    /// - Parameters:
    ///   - url: The JWKS URL.
    ///   - fetcher: How to fetch it; HTTPS through libcurl by default.
    ///   - penaltySeconds: How long after a refetch that did not find a kid the next unknown kid waits.
    public init(url: String, fetcher: any JWKSFetching = CurlJWKSFetcher(), penaltySeconds: Int64 = 10) {
        self.url = url
        self.fetcher = fetcher
        self.penaltySeconds = penaltySeconds
    }

    /// The key for `kid`, fetching the JWKS when it is not loaded yet, or once more for a kid not in it.
    /// - Parameters:
    ///   - kid: The token header's key id.
    ///   - now: Seconds since the Unix epoch (for the penalty box).
    public func key(for kid: String, now: Int64) throws(JWTVerificationError) -> VerificationKey {
        var fetched = false
        while true {
            let (cached, loaded, penalised) = state.withLock { ($0.keys[kid], $0.loaded, now < $0.penaltyUntil) }
            if let cached { return try cached.get() }
            if loaded && (fetched || penalised) {
                throw JWTVerificationError(
                    .unknownKeyID,
                    "no key with kid \"\(Self.shorten(kid))\" in the user pool's JWKS"
                )
            }
            // Not loaded yet, or a kid the cached JWKS lacks (keys rotate): one fetch, shared with concurrent callers.
            try fetchMerged()
            fetched = true
            if state.withLock({ $0.keys[kid] }) == nil {
                state.withLock { $0.penaltyUntil = now + penaltySeconds }
            }
        }
    }

    /// Fetches the JWKS now unless it is loaded: for a handler's init, so that the first invocation does not wait
    /// for it (Lambda bills init and first invocation alike, and lambda-perf measures both). Bounded by the
    /// fetcher's timeout (`CurlJWKSFetcher`: 3 s, one retry), merged with any concurrent fetch, and never fatal:
    /// after a failure the first key lookup fetches again, exactly as without a prefetch.
    /// - Returns: Why the fetch failed, or `nil`.
    @discardableResult
    public func prefetch() -> JWTVerificationError? {
        if state.withLock({ $0.loaded }) { return nil }
        do {
            try fetchMerged()
            return nil
        } catch {
            return error
        }
    }

    /// Whether the JWKS is loaded.
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// The loaded keys that can verify tokens, by kid, with their sizes in bits; empty until the JWKS is loaded.
    package var usableKeys: [(kid: String, bits: Int)] {
        state.withLock { state in
            state.keys.compactMap { kid, key in (try? key.get()).map { (kid, $0.bits) } }.sorted { $0.kid < $1.kid }
        }
    }

    /// Fetches the JWKS, or waits for the fetch another thread has already started.
    private func fetchMerged() throws(JWTVerificationError) {
        let leader: Bool = monitor.withLock {
            if state.withLock({ $0.fetching }) {
                while state.withLock({ $0.fetching }) { monitor.wait() }
                return false
            }
            state.withLock { $0.fetching = true }
            return true
        }
        guard leader else {
            if let error = state.withLock({ $0.loaded ? nil : $0.lastError }) { throw error }
            return
        }
        defer {
            monitor.withLock {
                state.withLock { $0.fetching = false }
                monitor.broadcast()
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try fetcher.fetch(url)
        } catch {
            let failure = JWTVerificationError(.jwksUnavailable, "cannot fetch the JWKS from \(url): \(error)")
            state.withLock { $0.lastError = failure }
            throw failure
        }
        let keys = try Self.parse(bytes, url: url)
        state.withLock {
            $0.keys = keys
            $0.loaded = true
            $0.lastError = nil
        }
    }

    struct Document: Decodable {
        var keys: [Entry]
    }

    struct Entry: Decodable {
        var kty: String?
        var kid: String?
        var use: String?
        var alg: String?
        var n: String?
        var e: String?
    }

    /// Reads a JWKS: each key with a kid, either usable (RSA, `use: sig` when present, RS256 when `alg` is
    /// present, at least 2048 bits) or the reason it is not.
    static func parse(
        _ bytes: [UInt8],
        url: String
    ) throws(JWTVerificationError) -> [String: Result<VerificationKey, JWTVerificationError>] {
        let document: Document
        do {
            document = try LambdaJSONDecoder().decode(Document.self, from: bytes)
        } catch {
            throw JWTVerificationError(.jwksUnavailable, "the JWKS at \(url) is not a JWK set: \(error)")
        }
        var keys: [String: Result<VerificationKey, JWTVerificationError>] = [:]
        for entry in document.keys {
            guard let kid = entry.kid, !kid.isEmpty, keys[kid] == nil else { continue }
            keys[kid] = Result { () throws(JWTVerificationError) in try usableKey(entry, kid: kid) }
        }
        return keys
    }

    private static func usableKey(_ entry: Entry, kid: String) throws(JWTVerificationError) -> VerificationKey {
        func unusable(_ reason: String) -> JWTVerificationError {
            JWTVerificationError(.unusableKey, "key \"\(shorten(kid))\" \(reason)")
        }
        guard entry.kty == "RSA" else { throw unusable("is not an RSA key (kty \(entry.kty ?? "missing"))") }
        if let use = entry.use, use != "sig" { throw unusable("is for \"\(use)\", not for signatures") }
        if let alg = entry.alg, alg != "RS256" { throw unusable("is for \(alg), not RS256") }
        guard let n = entry.n, let e = entry.e, let modulus = base64URLMember(n), let exponent = base64URLMember(e),
            !exponent.isEmpty
        else {
            throw unusable("has no valid modulus and exponent (unpadded base64url, as RFC 7518 writes them)")
        }
        let significant = modulus.drop { $0 == 0 }
        let bits = significant.first.map { significant.count * 8 - $0.leadingZeroBitCount } ?? 0
        guard bits >= 2048 else { throw unusable("has \(bits) bits; at least 2048 are required") }
        let publicKey: _RSA.Signing.PublicKey
        do {
            publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
        } catch {
            throw unusable("was refused as an RSA public key by swift-crypto: \(error)")
        }
        return VerificationKey(keyID: kid, bits: bits, publicKey: publicKey)
    }

    /// A JWK member in unpadded base64url, as RFC 7518 writes `n` and `e`, as bytes; nil for any other alphabet,
    /// for padding, or for a length no encoding has.
    static func base64URLMember(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy(CognitoJWTVerifier.isBase64URL) else { return nil }
        return CognitoJWTVerifier.base64URL(Substring(text).utf8)
    }

    static func shorten(_ text: String) -> String {
        text.count > 64 ? String(text.prefix(64)) + "…" : text
    }
}
