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
    static let unsignedHeaders: [StaticString] = [
        "authorization", "user-agent", "x-amzn-trace-id", "expect", "connection", "transfer-encoding",
    ]

    /// Whether the lowercased header name `name` is one of ``unsignedHeaders``.
    static func isUnsigned(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        unsignedHeaders.contains { ASCII.equals(name, $0) }
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
        let key = keys.key(for: time)
        var query = request.query
        query.reserveCapacity(query.count + 7)
        query.append(.init("X-Amz-Algorithm", Self.algorithm))
        query.append(.init("X-Amz-Credential", key.credential))
        query.append(.init("X-Amz-Date", time.amzDate))
        query.append(.init("X-Amz-Expires", String(expires)))
        if signSessionToken, let token = credentials.sessionToken {
            query.append(.init("X-Amz-Security-Token", token))
        }
        query.append(.init("X-Amz-SignedHeaders", headers.signedNames))
        // The canonical query is also the URL's query: encode and sort it once.
        var encoded = canonicalQuery(query, extraCapacity: 17 + 64)
        let canonical = canonicalRequest(request, headers: headers, payload: payload.text, query: encoded)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time, key: key)
        let signature = Hex.string(key.authenticate(stringToSign))
        encoded.append(contentsOf: "&X-Amz-Signature=".utf8)
        encoded.append(contentsOf: signature.utf8)
        if !signSessionToken, let token = credentials.sessionToken {
            encoded.append(contentsOf: "&X-Amz-Security-Token=".utf8)
            URIEncoding.append(token, keepSlash: false, to: &encoded)
        }
        return PresignedRequest(
            query: String(decoding: encoded, as: UTF8.self),
            signedHeaders: headers.signedWithoutHost,
            canonicalRequestBytes: canonical,
            stringToSignBytes: stringToSign,
            signature: signature
        )
    }

    // MARK: - POST policies

    /// The signature of a base64-encoded POST policy: `hex(HMAC(signingKey, policy))`.
    public func signature(ofPolicy base64Policy: String, at time: SigningTime) -> String {
        var policy = base64Policy
        let key = keys.key(for: time)
        return policy.withUTF8 { Hex.string(key.authenticate(UnsafeRawBufferPointer($0))) }
    }

    /// `<access key id>/<credential scope>`: the `X-Amz-Credential` of `time`'s day.
    package func credential(at time: SigningTime) -> String {
        keys.key(for: time).credential
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
        /// The signed headers as given (name in its own case), `host` left out: what a presigned URL's client sends.
        var signedWithoutHost: [SigningRequest.Header]
    }

    func canonicalHeaders(
        _ headers: [SigningRequest.Header],
        signing: Set<String>?
    ) throws(SigV4Error) -> CanonicalHeaders {
        // Every kept name, lowercased, goes into one buffer; entries are ranges of it and sort by their bytes, so
        // no name becomes a String of its own and no comparison goes through String's Unicode ordering.
        var names: [UInt8] = []
        names.reserveCapacity(headers.count * 24)
        var entries: [(name: Range<Int>, header: Int)] = []
        entries.reserveCapacity(headers.count)
        var signedWithoutHost: [SigningRequest.Header] = []
        signedWithoutHost.reserveCapacity(headers.count)
        var hasHost = false
        for (index, header) in headers.enumerated() {
            let start = names.count
            ASCII.appendLowercased(header.name, to: &names)
            let (unsigned, host) = names.withUnsafeBufferPointer { all in
                let name = UnsafeBufferPointer(rebasing: all[start...])
                return (Self.isUnsigned(name), ASCII.equals(name, "host"))
            }
            if host {
                hasHost = true
            } else if unsigned
                || signing.map({ !$0.contains(String(decoding: names[start...], as: UTF8.self)) }) ?? false
            {
                names.removeSubrange(start...)
                continue
            } else {
                signedWithoutHost.append(header)
            }
            entries.append((start..<names.count, index))
        }
        guard hasHost else {
            throw SigV4Error(.invalidRequest, "the request has no Host header: SigV4 signs the host")
        }
        var lines: [UInt8] = []
        var signedNames: [UInt8] = []
        names.withUnsafeBufferPointer { names in
            // Insertion sort: a request has a handful of headers, and it is stable, so repeated headers keep the
            // order they were given in.
            for index in entries.indices.dropFirst() {
                let entry = entries[index]
                var slot = index
                while slot > 0, ASCII.compare(names, entry.name, entries[slot - 1].name) < 0 {
                    entries[slot] = entries[slot - 1]
                    slot -= 1
                }
                if slot != index { entries[slot] = entry }
            }
            var valueBytes = 0
            for entry in entries { valueBytes += headers[entry.header].value.utf8.count }
            lines.reserveCapacity(names.count * 2 + valueBytes + entries.count * 2)
            signedNames.reserveCapacity(names.count + entries.count)
            var index = 0
            while index < entries.count {
                let name = entries[index].name
                let nameBytes = UnsafeBufferPointer(rebasing: names[name])
                lines.append(contentsOf: nameBytes)
                lines.append(UInt8(ascii: ":"))
                Self.appendCollapsed(headers[entries[index].header].value, to: &lines)
                index += 1
                while index < entries.count, ASCII.compare(names, entries[index].name, name) == 0 {
                    lines.append(UInt8(ascii: ","))
                    Self.appendCollapsed(headers[entries[index].header].value, to: &lines)
                    index += 1
                }
                lines.append(0x0A)
                if !signedNames.isEmpty { signedNames.append(UInt8(ascii: ";")) }
                signedNames.append(contentsOf: nameBytes)
            }
        }
        return CanonicalHeaders(
            lines: lines,
            signedNames: String(decoding: signedNames, as: UTF8.self),
            signedWithoutHost: signedWithoutHost
        )
    }

    /// Whether `bytes` has no leading or trailing whitespace, no tab or line break, and no two spaces in a row.
    static func isCollapsed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
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

    /// Appends `value` trimmed, with every run of spaces, tabs and line breaks collapsed to one space.
    static func appendCollapsed(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            // Most values are clean: one pass to check, one copy.
            if isCollapsed(bytes) {
                out.append(contentsOf: bytes)
                return
            }
            var wroteAny = false
            var pendingSpace = false
            for byte in bytes {
                if ASCII.isSpace(byte) {
                    pendingSpace = wroteAny
                    continue
                }
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append(byte)
                wroteAny = true
            }
        }
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
    func canonicalQuery(_ items: [SigningRequest.QueryItem], extraCapacity: Int = 0) -> [UInt8] {
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
            func precedes(
                _ left: (name: Range<Int>, value: Range<Int>),
                _ right: (name: Range<Int>, value: Range<Int>)
            )
                -> Bool
            {
                let byName = ASCII.compare(bytes, left.name, right.name)
                return byName != 0 ? byName < 0 : ASCII.compare(bytes, left.value, right.value) < 0
            }
            // Insertion sort: queries are short, and the signer's own parameters arrive almost in order.
            for index in ranges.indices.dropFirst() {
                let range = ranges[index]
                var slot = index
                while slot > 0, precedes(range, ranges[slot - 1]) {
                    ranges[slot] = ranges[slot - 1]
                    slot -= 1
                }
                if slot != index { ranges[slot] = range }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + items.count * 2 + extraCapacity)
        for (index, range) in ranges.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: encoded[range.name])
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: encoded[range.value])
        }
        return out
    }

    func stringToSign(canonicalRequest: [UInt8], at time: SigningTime) -> [UInt8] {
        stringToSign(canonicalRequest: canonicalRequest, at: time, key: keys.key(for: time))
    }

    func stringToSign(canonicalRequest: [UInt8], at time: SigningTime, key: SigningKey) -> [UInt8] {
        var hasher = SHA256()
        canonicalRequest.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize()
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: Self.algorithm.utf8)
        out.append(0x0A)
        out.append(contentsOf: time.amzDate.utf8)
        out.append(0x0A)
        out.append(contentsOf: key.scope.utf8)
        out.append(0x0A)
        digest.withUnsafeBytes { Hex.append(rawBytes: $0, to: &out) }
        return out
    }

    func signature(of stringToSign: [UInt8], at time: SigningTime) -> String {
        Hex.string(keys.key(for: time).authenticate(stringToSign))
    }
}

extension Hex {
    /// A digest in hex, written straight into the string's storage.
    static func string(_ digest: SHA256Digest) -> String {
        digest.withUnsafeBytes { string(rawBytes: $0) }
    }

    /// Appends `bytes` in hex, two digits a byte, written in place.
    static func append(rawBytes bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count * 2))
        out.withUnsafeMutableBufferPointer { out in
            for (index, byte) in bytes.enumerated() {
                out[start + 2 * index] = digit(byte >> 4)
                out[start + 2 * index + 1] = digit(byte & 0x0F)
            }
        }
    }

    static func string(rawBytes bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digit(byte >> 4)
                out[2 * index + 1] = digit(byte & 0x0F)
            }
            return bytes.count * 2
        }
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
        return text.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { out in
                for (index, byte) in bytes.enumerated() {
                    out[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                }
                return bytes.count
            }
        }
    }

    /// Appends `text` with ASCII uppercase letters lowered.
    static func appendLowercased(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes {
                out.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            }
        }
    }

    /// Whether `bytes` are exactly `name`'s.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// Byte order of two ranges of `bytes`: negative, zero or positive, the shorter first on a tie.
    static func compare(_ bytes: UnsafeBufferPointer<UInt8>, _ left: Range<Int>, _ right: Range<Int>) -> Int {
        let common = min(left.count, right.count)
        for offset in 0..<common {
            let leftByte = bytes[left.lowerBound + offset]
            let rightByte = bytes[right.lowerBound + offset]
            if leftByte != rightByte { return Int(leftByte) - Int(rightByte) }
        }
        return left.count - right.count
    }
}

/// The derived signing key for one day, and the key that derives it.
final class SigningKeyCache: Sendable {
    private let secret: [UInt8]
    private let accessKeyID: String
    private let region: String
    private let service: String
    private let current = Locked<(day: Int64, key: SigningKey)?>(nil)

    init(credentials: AWSCredentials, region: String, service: String) {
        self.secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
        self.accessKeyID = credentials.accessKeyID
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
        let day = time.epochDay
        if let cached = current.withLock({ $0 }), cached.day == day { return cached.key }
        let date = time.dateStamp
        var key = SymmetricKey(data: secret)
        for part in [String(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let signingKey = SigningKey(
            key: key,
            scope: scope,
            credential: "\(accessKeyID)/\(scope)"
        )
        current.withLock { $0 = (day, signingKey) }
        return signingKey
    }
}

/// A derived SigV4 signing key.
struct SigningKey: @unchecked Sendable {
    // @unchecked Sendable: both are values that are only ever copied, never mutated in place; swift-crypto does
    // not mark them Sendable here.
    let key: SymmetricKey
    /// The credential scope of the key's day.
    let scope: String
    /// `<access key id>/<scope>`, the `X-Amz-Credential` value.
    let credential: String
    /// HMAC's inner and outer hashes (RFC 2104) with the key's pads already absorbed: each signature copies them
    /// instead of hashing the pads again, and calls `SHA256` directly rather than `HMAC`'s generic `update(data:)`,
    /// which costs more than the hashing at these sizes.
    private let inner: SHA256
    private let outer: SHA256

    init(key: SymmetricKey, scope: String, credential: String) {
        self.key = key
        self.scope = scope
        self.credential = credential
        // The key is a 32-byte HMAC-SHA256 output, shorter than the 64-byte block: it is zero-padded, not hashed.
        var innerPad = [UInt8](repeating: 0x36, count: 64)
        var outerPad = [UInt8](repeating: 0x5C, count: 64)
        key.withUnsafeBytes { bytes in
            precondition(bytes.count <= 64, "a SigV4 signing key is 32 bytes")
            for (index, byte) in bytes.enumerated() {
                innerPad[index] ^= byte
                outerPad[index] ^= byte
            }
        }
        var inner = SHA256()
        innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    func authenticate(_ bytes: [UInt8]) -> SHA256Digest {
        bytes.withUnsafeBytes { authenticate($0) }
    }

    /// `HMAC-SHA256(key, bytes)`: `H(outer pad ‖ H(inner pad ‖ bytes))`.
    func authenticate(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var inner = self.inner
        inner.update(bufferPointer: bytes)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
