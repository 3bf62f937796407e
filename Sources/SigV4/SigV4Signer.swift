import Crypto
import FoundationEssentials
import LambdaRuntime
import Synchronization

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`): header signing, query presigning and POST policy signatures.
///
/// The signing key, four chained HMACs, is derived once per UTC day and cached.
public struct SigV4Signer: Sendable {
    /// The credentials every signature is made with.
    public let credentials: AWSCredentials
    /// The region of the credential scope, for example `eu-west-1`.
    public let region: String
    /// The service of the credential scope, for example `s3`.
    public let service: String
    /// How each request's path becomes its canonical URI.
    public let uriRule: CanonicalURIRule
    private let keys: SigningKeyCache

    /// The longest a presigned URL may stay valid: seven days.
    public static let maxExpirySeconds = 604_800
    static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers never signed: they change on the way (user agents, proxies, tracing) or are the signature itself.
    static func isUnsigned(_ name: String) -> Bool {
        switch name {
        case "authorization", "user-agent", "x-amzn-trace-id", "expect", "connection", "transfer-encoding": true
        default: false
        }
    }

    /// Creates a signer for one credential scope; signers of the same credentials, region and service share the
    /// day's signing key.
    /// - Parameters:
    ///   - credentials: The credentials to sign with.
    ///   - region: The region, for example `eu-west-1`.
    ///   - service: The service's signing name, for example `s3`.
    ///   - uriRule: How paths become canonical URIs: `.s3` (the default) or `.generic` for other services.
    /// - Throws: `SigV4Error.invalidSetting` when `region` or `service` is empty.
    public init(
        credentials: AWSCredentials,
        region: String,
        service: String,
        uriRule: CanonicalURIRule = .s3
    ) throws(SigV4Error) {
        guard !region.isEmpty else {
            throw SigV4Error(.invalidSetting, "the region is empty: set AWS_REGION or --region")
        }
        guard !service.isEmpty else { throw SigV4Error(.invalidSetting, "the service name is empty") }
        self.credentials = credentials
        self.region = region
        self.service = service
        self.uriRule = uriRule
        self.keys = SigningKeyCache.shared(credentials: credentials, region: region, service: service)
    }

    /// `<date>/<region>/<service>/aws4_request`.
    public func credentialScope(at time: SigningTime) -> String {
        keys.key(for: time).scope
    }

    // MARK: - Header signing

    /// A request signed with an `Authorization` header, and each stage of the signing.
    public struct SignedRequest: Sendable {
        /// The request's headers plus `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials),
        /// `X-Amz-Content-SHA256` (when asked for) and `Authorization`.
        public var request: SigningRequest
        let canonicalRequestBytes: [UInt8]
        let stringToSignBytes: [UInt8]
        /// The signature, 64 lowercase hex digits, as it appears in the `Authorization` header.
        public var signature: String

        /// The canonical request that was hashed, the first stage of the signing, for comparing with another signer's.
        public var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
        /// The string to sign, the second stage: the algorithm, the time, the scope and the canonical request's hash.
        public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    }

    /// Signs `request` with an `Authorization` header.
    /// - Parameters:
    ///   - request: The request to sign; it must carry a `host` header.
    ///   - payload: The body's hash (S3 also accepts `.unsigned`).
    ///   - time: The signing time, which also picks the day's signing key.
    ///   - addContentSHA256Header: Adds `x-amz-content-sha256` (S3 requires it on every header-signed request).
    ///   - signSessionToken: Whether `X-Amz-Security-Token` is signed (S3 and most services) or only added after
    ///     the signature (services that require that).
    /// - Throws: `SigV4Error.invalidRequest` when the request has no `host` header.
    public func signHeaders(
        _ request: SigningRequest,
        payload: PayloadHash,
        at time: SigningTime,
        addContentSHA256Header: Bool,
        signSessionToken: Bool = true
    ) throws(SigV4Error) -> SignedRequest {
        var request = request
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        if request.header("x-amz-date") == nil {
            request.headers.append(.init("X-Amz-Date", time.amzDate))
        }
        if signSessionToken, let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
            request.headers.append(.init("X-Amz-Security-Token", token))
        }
        if addContentSHA256Header, request.header("x-amz-content-sha256") == nil {
            request.headers.append(.init("X-Amz-Content-SHA256", payload.text))
        }
        let headers = try canonicalHeaders(request.headers, signing: nil)
        let canonical = canonicalRequest(request, headers: headers, payload: payload.text)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time)
        let signature = signature(of: stringToSign, at: time)
        request.headers.append(
            .init(
                "Authorization",
                "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(at: time)), "
                    + "SignedHeaders=\(headers.signedNames), Signature=\(signature)"
            )
        )
        if !signSessionToken, let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
            request.headers.append(.init("X-Amz-Security-Token", token))
        }
        return SignedRequest(
            request: request,
            canonicalRequestBytes: canonical,
            stringToSignBytes: stringToSign,
            signature: signature
        )
    }

    // MARK: - Query presigning

    /// A presigned request: its query (the request's own parameters plus the `X-Amz-*` ones, signature last) and
    /// each stage of the signing.
    public struct PresignedRequest: Sendable {
        /// The encoded query string, without the `?`.
        public var query: String
        /// The headers the client must send exactly as signed (all signed headers but `host`).
        public var signedHeaders: [SigningRequest.Header]
        let canonicalRequestBytes: [UInt8]
        let stringToSignBytes: [UInt8]
        /// The signature, 64 lowercase hex digits, as it appears in the `X-Amz-Signature` parameter.
        public var signature: String

        /// The canonical request that was hashed, the first stage of the signing, for comparing with another signer's.
        public var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
        /// The string to sign, the second stage: the algorithm, the time, the scope and the canonical request's hash.
        public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    }

    /// Presigns `request` in its query string.
    /// - Parameters:
    ///   - request: The request to presign; it must carry a `host` header.
    ///   - expires: Seconds the signature stays valid, 1 to 604,800.
    ///   - payload: `.unsigned` for S3; the generic suites hash the body.
    ///   - signing: The names of the headers to sign besides `host` (any case); `nil` signs every header given.
    ///   - signSessionToken: Whether `X-Amz-Security-Token` is part of the signed query (S3) or appended after.
    ///   - time: The signing time, from which `expires` counts.
    /// - Throws: `SigV4Error` for an expiry out of range or a request without `host`.
    public func presign(
        _ request: SigningRequest,
        expires: Int,
        payload: PayloadHash = .unsigned,
        signing: Set<String>? = nil,
        signSessionToken: Bool = true,
        at time: SigningTime
    ) throws(SigV4Error) -> PresignedRequest {
        guard (1...Self.maxExpirySeconds).contains(expires) else {
            throw SigV4Error(
                .invalidSetting,
                "the expiry is \(expires) seconds; a presigned URL lasts 1 to \(Self.maxExpirySeconds) seconds (7 days)"
            )
        }
        let headers = try canonicalHeaders(request.headers, signing: signing.map { Set($0.map(ASCII.lowercased)) })
        var query = request.query
        query.append(.init("X-Amz-Algorithm", Self.algorithm))
        query.append(.init("X-Amz-Credential", "\(credentials.accessKeyID)/\(credentialScope(at: time))"))
        query.append(.init("X-Amz-Date", time.amzDate))
        query.append(.init("X-Amz-Expires", String(expires)))
        if signSessionToken, let token = credentials.sessionToken {
            query.append(.init("X-Amz-Security-Token", token))
        }
        query.append(.init("X-Amz-SignedHeaders", headers.signedNames))
        // The canonical query is also the URL's query: encode and sort it once.
        var encoded = canonicalQuery(query)
        let canonical = canonicalRequest(request, headers: headers, payload: payload.text, query: encoded)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time)
        let signature = signature(of: stringToSign, at: time)
        encoded.append(contentsOf: "&X-Amz-Signature=".utf8)
        encoded.append(contentsOf: signature.utf8)
        if !signSessionToken, let token = credentials.sessionToken {
            encoded.append(contentsOf: "&X-Amz-Security-Token=".utf8)
            URIEncoding.append(token, keepSlash: false, to: &encoded)
        }
        let required = request.headers.filter {
            let name = ASCII.lowercased($0.name)
            return name != "host" && headers.signed.contains(name)
        }
        return PresignedRequest(
            query: String(decoding: encoded, as: UTF8.self),
            signedHeaders: required,
            canonicalRequestBytes: canonical,
            stringToSignBytes: stringToSign,
            signature: signature
        )
    }

    // MARK: - POST policies

    /// The signature of a base64-encoded POST policy: `hex(HMAC(signingKey, policy))`.
    public func signature(ofPolicy base64Policy: String, at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(Array(base64Policy.utf8)))
    }

    /// The signature of raw bytes (a POST policy already encoded).
    package func signature(ofBytes bytes: [UInt8], at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(bytes))
    }

    // MARK: - Stages

    /// The canonical headers: names lowercased, values trimmed with inner runs of whitespace collapsed (folded
    /// lines too), repeated names joined with commas, sorted by name.
    struct CanonicalHeaders {
        /// `name:value\n` for each header.
        var lines: [UInt8]
        /// `name;name;…`
        var signedNames: String
        var signed: [String]
    }

    func canonicalHeaders(
        _ headers: [SigningRequest.Header],
        signing: Set<String>?
    ) throws(SigV4Error) -> CanonicalHeaders {
        var entries: [(name: String, value: String)] = []
        entries.reserveCapacity(headers.count)
        var hasHost = false
        for header in headers {
            let name = ASCII.lowercased(header.name)
            guard !Self.isUnsigned(name) else { continue }
            if name == "host" {
                hasHost = true
            } else if let signing, !signing.contains(name) {
                continue
            }
            entries.append((name, Self.collapse(header.value)))
        }
        guard hasHost else {
            throw SigV4Error(.invalidRequest, "the request has no Host header: SigV4 signs the host")
        }
        // A stable sort keeps repeated headers in the order they were given.
        let sorted = entries.enumerated().sorted {
            $0.element.name == $1.element.name ? $0.offset < $1.offset : $0.element.name < $1.element.name
        }
        var lines: [UInt8] = []
        lines.reserveCapacity(entries.count * 48)
        var names: [String] = []
        var index = 0
        while index < sorted.count {
            let name = sorted[index].element.name
            lines.append(contentsOf: name.utf8)
            lines.append(UInt8(ascii: ":"))
            lines.append(contentsOf: sorted[index].element.value.utf8)
            index += 1
            while index < sorted.count, sorted[index].element.name == name {
                lines.append(UInt8(ascii: ","))
                lines.append(contentsOf: sorted[index].element.value.utf8)
                index += 1
            }
            lines.append(0x0A)
            names.append(name)
        }
        return CanonicalHeaders(lines: lines, signedNames: names.joined(separator: ";"), signed: names)
    }

    /// Trims and collapses every run of spaces, tabs and line breaks to one space.
    static func collapse(_ value: String) -> String {
        var value = value
        let clean = value.withUTF8 { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            if ASCII.isSpace(first) || ASCII.isSpace(last) { return false }
            var previousSpace = false
            for byte in bytes {
                if byte == 0x09 || byte == 0x0A || byte == 0x0D { return false }
                let space = byte == 0x20
                if space && previousSpace { return false }
                previousSpace = space
            }
            return true
        }
        if clean { return value }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if ASCII.isSpace(byte) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    func canonicalRequest(
        _ request: SigningRequest,
        headers: CanonicalHeaders,
        payload: String,
        query: [UInt8]? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + headers.lines.count)
        out.append(contentsOf: request.method.utf8)
        out.append(0x0A)
        appendCanonicalURI(request.path, to: &out)
        out.append(0x0A)
        out.append(contentsOf: query ?? canonicalQuery(request.query))
        out.append(0x0A)
        out.append(contentsOf: headers.lines)
        out.append(0x0A)
        out.append(contentsOf: headers.signedNames.utf8)
        out.append(0x0A)
        out.append(contentsOf: payload.utf8)
        return out
    }

    func appendCanonicalURI(_ path: String, to out: inout [UInt8]) {
        switch uriRule {
        case .s3:
            if path.isEmpty { out.append(UInt8(ascii: "/")) } else { out.append(contentsOf: path.utf8) }
        case .generic(let normalize):
            let normalized = normalize ? Self.normalize(path) : (path.isEmpty ? "/" : path)
            URIEncoding.append(normalized, keepSlash: true, to: &out)
        }
    }

    /// Resolves `.` and `..` segments and collapses repeated slashes (RFC 3986 section 5.2.4), keeping a
    /// trailing slash.
    static func normalize(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..") {
            if !result.hasSuffix("/") { result += "/" }
        }
        return result
    }

    /// `name=value&…`, each encoded, sorted by encoded name then value. Everything is encoded into one buffer
    /// and sorted by ranges, so a query costs two allocations whatever its size.
    func canonicalQuery(_ items: [SigningRequest.QueryItem]) -> [UInt8] {
        guard !items.isEmpty else { return [] }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(items.count * 48)
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []
        ranges.reserveCapacity(items.count)
        for item in items {
            let nameStart = encoded.count
            URIEncoding.append(item.name, keepSlash: false, to: &encoded)
            let valueStart = encoded.count
            URIEncoding.append(item.value, keepSlash: false, to: &encoded)
            ranges.append((nameStart..<valueStart, valueStart..<encoded.count))
        }
        encoded.withUnsafeBufferPointer { bytes in
            ranges.sort { left, right in
                let leftName = bytes[left.name]
                let rightName = bytes[right.name]
                if leftName.elementsEqual(rightName) {
                    return bytes[left.value].lexicographicallyPrecedes(bytes[right.value])
                }
                return leftName.lexicographicallyPrecedes(rightName)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + items.count * 2)
        for (index, range) in ranges.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: encoded[range.name])
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: encoded[range.value])
        }
        return out
    }

    func stringToSign(canonicalRequest: [UInt8], at time: SigningTime) -> [UInt8] {
        let digest = canonicalRequest.withUnsafeBytes { SHA256.hash(data: $0) }
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: Self.algorithm.utf8)
        out.append(0x0A)
        out.append(contentsOf: time.amzDate.utf8)
        out.append(0x0A)
        out.append(contentsOf: credentialScope(at: time).utf8)
        out.append(0x0A)
        digest.withUnsafeBytes { Hex.append($0, to: &out) }
        return out
    }

    func signature(of stringToSign: [UInt8], at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(stringToSign))
    }
}

/// ASCII helpers that avoid `String.lowercased()`'s Unicode tables for header names.
enum ASCII {
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `text` with ASCII uppercase letters lowered; other characters unchanged.
    static func lowercased(_ text: String) -> String {
        var text = text
        let needsChange = text.withUTF8 { $0.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } }
        guard needsChange else { return text }
        return String(
            decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 },
            as: UTF8.self
        )
    }
}

/// The derived signing key for one day, and the key that derives it.
final class SigningKeyCache: Sendable {
    private let secret: [UInt8]
    private let region: String
    private let service: String
    private let current = Locked<(date: Substring, key: SigningKey)?>(nil)

    init(credentials: AWSCredentials, region: String, service: String) {
        self.secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
        self.region = region
        self.service = service
    }

    /// The caches `shared` hands out, by access key, region and service.
    private static let registry = Locked<[String: SigningKeyCache]>([:])
    /// The most caches `registry` holds; past it, it starts again. Lambda's credentials rotate every few hours,
    /// each set with a new access key id, so a long-lived process would otherwise keep every old one.
    static let registryLimit = 16

    /// The process's one cache for these credentials, region and service: every signer of them (every worker's,
    /// under Lambda Managed Instances) derives each day's key once.
    static func shared(credentials: AWSCredentials, region: String, service: String) -> SigningKeyCache {
        let name = "\(credentials.accessKeyID)\n\(region)\n\(service)"
        let secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
        return registry.withLock { caches in
            if let cache = caches[name], cache.secret == secret { return cache }
            if caches.count >= registryLimit { caches.removeAll() }
            let cache = SigningKeyCache(credentials: credentials, region: region, service: service)
            caches[name] = cache
            return cache
        }
    }

    /// The key for `time`'s day: derived on the first call of each day (four HMACs), cached after.
    func key(for time: SigningTime) -> SigningKey {
        let date = time.dateStamp
        if let cached = current.withLock({ $0 }), cached.date == date { return cached.key }
        var key = SymmetricKey(data: secret)
        for part in [String(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let signingKey = SigningKey(
            key: key,
            prepared: HMAC<SHA256>(key: key),
            scope: "\(date)/\(region)/\(service)/aws4_request"
        )
        current.withLock { $0 = (date, signingKey) }
        return signingKey
    }
}

/// A derived SigV4 signing key.
struct SigningKey: @unchecked Sendable {
    // @unchecked Sendable: both are values that are only ever copied, never mutated in place; swift-crypto does
    // not mark them Sendable here.
    let key: SymmetricKey
    /// The HMAC with the key already absorbed: each signature copies it instead of hashing the key pads again.
    let prepared: HMAC<SHA256>
    /// The credential scope of the key's day.
    let scope: String

    func authenticate(_ bytes: [UInt8]) -> HashedAuthenticationCode<SHA256> {
        var hmac = prepared
        bytes.withUnsafeBytes { hmac.update(data: $0) }
        return hmac.finalize()
    }
}
