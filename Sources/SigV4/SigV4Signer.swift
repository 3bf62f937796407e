import Crypto
import FoundationEssentials
import Synchronization

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`): header signing, query presigning and POST policy signatures.
///
/// The signing key, four chained HMACs, is derived once per UTC day and cached.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    public let uriRule: CanonicalURIRule
    private let keys: SigningKeyCache

    /// The longest a presigned URL may stay valid: seven days.
    public static let maxExpirySeconds = 604_800
    static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers never signed: they change on the way (user agents, proxies, tracing) or are the signature itself.
    static let unsignedHeaders: Set<String> = [
        "authorization", "user-agent", "x-amzn-trace-id", "expect", "connection", "transfer-encoding",
    ]

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
        self.keys = SigningKeyCache(credentials: credentials, region: region, service: service)
    }

    /// `<date>/<region>/<service>/aws4_request`.
    public func credentialScope(at time: SigningTime) -> String {
        "\(time.dateStamp)/\(region)/\(service)/aws4_request"
    }

    // MARK: - Header signing

    /// A request signed with an `Authorization` header, and each stage of the signing.
    public struct SignedRequest: Sendable {
        /// The request's headers plus `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials),
        /// `X-Amz-Content-SHA256` (when asked for) and `Authorization`.
        public var request: SigningRequest
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
    }

    /// Signs `request` with an `Authorization` header.
    /// - Parameters:
    ///   - payload: The body's hash (S3 also accepts `.unsigned`).
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
            canonicalRequest: canonical,
            stringToSign: stringToSign,
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
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
    }

    /// Presigns `request` in its query string.
    /// - Parameters:
    ///   - expires: Seconds the signature stays valid, 1 to 604,800.
    ///   - payload: `.unsigned` for S3; the generic suites hash the body.
    ///   - signing: The names of the headers to sign besides `host` (any case); `nil` signs every header given.
    ///   - signSessionToken: Whether `X-Amz-Security-Token` is part of the signed query (S3) or appended after.
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
        let headers = try canonicalHeaders(request.headers, signing: signing.map { Set($0.map { $0.lowercased() }) })
        var query = request.query
        query.append(.init("X-Amz-Algorithm", Self.algorithm))
        query.append(.init("X-Amz-Credential", "\(credentials.accessKeyID)/\(credentialScope(at: time))"))
        query.append(.init("X-Amz-Date", time.amzDate))
        query.append(.init("X-Amz-Expires", String(expires)))
        if signSessionToken, let token = credentials.sessionToken {
            query.append(.init("X-Amz-Security-Token", token))
        }
        query.append(.init("X-Amz-SignedHeaders", headers.signedNames))
        var presigned = request
        presigned.query = query
        let canonical = canonicalRequest(presigned, headers: headers, payload: payload.text)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time)
        let signature = signature(of: stringToSign, at: time)
        var encoded = Array(canonicalQuery(query).utf8)
        encoded.append(contentsOf: "&X-Amz-Signature=".utf8)
        encoded.append(contentsOf: signature.utf8)
        if !signSessionToken, let token = credentials.sessionToken {
            encoded.append(contentsOf: "&X-Amz-Security-Token=".utf8)
            URIEncoding.append(token, keepSlash: false, to: &encoded)
        }
        let required = request.headers.filter {
            let name = $0.name.lowercased()
            return name != "host" && headers.signed.contains(name)
        }
        return PresignedRequest(
            query: String(decoding: encoded, as: UTF8.self),
            signedHeaders: required,
            canonicalRequest: canonical,
            stringToSign: stringToSign,
            signature: signature
        )
    }

    // MARK: - POST policies

    /// The signature of a base64-encoded POST policy: `hex(HMAC(signingKey, policy))`.
    public func signature(ofPolicy base64Policy: String, at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(Array(base64Policy.utf8)))
    }

    // MARK: - Stages

    /// The canonical headers: names lowercased, values trimmed with inner runs of whitespace collapsed (folded
    /// lines too), repeated names joined with commas, sorted by name.
    struct CanonicalHeaders {
        var lines: String
        var signedNames: String
        var signed: Set<String>
    }

    func canonicalHeaders(
        _ headers: [SigningRequest.Header],
        signing: Set<String>?
    ) throws(SigV4Error) -> CanonicalHeaders {
        var merged: [String: String] = [:]
        var order: [String] = []
        for header in headers {
            let name = header.name.lowercased()
            guard !Self.unsignedHeaders.contains(name) else { continue }
            guard name == "host" || signing.map({ $0.contains(name) }) ?? true else { continue }
            let value = Self.collapse(header.value)
            if let existing = merged[name] {
                merged[name] = existing + "," + value
            } else {
                merged[name] = value
                order.append(name)
            }
        }
        guard merged["host"] != nil else {
            throw SigV4Error(.invalidRequest, "the request has no Host header: SigV4 signs the host")
        }
        let names = order.sorted()
        var lines = ""
        for name in names {
            lines += name + ":" + merged[name]! + "\n"
        }
        return CanonicalHeaders(lines: lines, signedNames: names.joined(separator: ";"), signed: Set(names))
    }

    /// Trims and collapses every run of spaces, tabs and line breaks to one space.
    static func collapse(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
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

    func canonicalRequest(_ request: SigningRequest, headers: CanonicalHeaders, payload: String) -> String {
        var text = request.method
        text += "\n"
        text += canonicalURI(request.path)
        text += "\n"
        text += canonicalQuery(request.query)
        text += "\n"
        text += headers.lines
        text += "\n"
        text += headers.signedNames
        text += "\n"
        text += payload
        return text
    }

    func canonicalURI(_ path: String) -> String {
        switch uriRule {
        case .s3:
            return path.isEmpty ? "/" : path
        case .generic(let normalize):
            let normalized = normalize ? Self.normalize(path) : (path.isEmpty ? "/" : path)
            return URIEncoding.encode(normalized, keepSlash: true)
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

    func canonicalQuery(_ items: [SigningRequest.QueryItem]) -> String {
        guard !items.isEmpty else { return "" }
        let encoded = items.map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var out = ""
        for (index, item) in encoded.enumerated() {
            if index > 0 { out += "&" }
            out += item.0 + "=" + item.1
        }
        return out
    }

    func stringToSign(canonicalRequest: String, at time: SigningTime) -> String {
        let digest = SHA256.hash(data: Array(canonicalRequest.utf8))
        return "\(Self.algorithm)\n\(time.amzDate)\n\(credentialScope(at: time))\n\(Hex.string(digest))"
    }

    func signature(of stringToSign: String, at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(Array(stringToSign.utf8)))
    }
}

/// The derived signing key for one day, and the key that derives it.
final class SigningKeyCache: Sendable {
    private let secret: [UInt8]
    private let region: String
    private let service: String
    private let current = Mutex<(date: Substring, key: SigningKey)?>(nil)

    init(credentials: AWSCredentials, region: String, service: String) {
        self.secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
        self.region = region
        self.service = service
    }

    /// The key for `time`'s day: derived on the first call of each day (four HMACs), cached after.
    func key(for time: SigningTime) -> SigningKey {
        let date = time.dateStamp
        if let cached = current.withLock({ $0 }), cached.date == date { return cached.key }
        var key = SymmetricKey(data: secret)
        for part in [String(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let signingKey = SigningKey(key: key)
        current.withLock { $0 = (date, signingKey) }
        return signingKey
    }
}

/// A derived SigV4 signing key.
struct SigningKey: @unchecked Sendable {
    // @unchecked Sendable: SymmetricKey is an immutable value; swift-crypto does not mark it Sendable here.
    let key: SymmetricKey

    func authenticate(_ bytes: [UInt8]) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: bytes, using: key)
    }
}
