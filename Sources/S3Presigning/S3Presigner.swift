import SigV4

/// Presigned S3 requests: PUT and GET URLs, POST policies, and the requests of multipart uploads.
public struct S3Presigner: Sendable {
    /// Where the presigned requests go: the region and the addressing style.
    public let endpoint: S3Endpoint
    private let signer: SigV4Signer

    /// A presigner that signs with `credentials` for `endpoint`'s region.
    /// - Throws: `S3PresignError.signing` when a SigV4 signer cannot be made for that region.
    public init(credentials: AWSCredentials, endpoint: S3Endpoint) throws(S3PresignError) {
        self.endpoint = endpoint
        do {
            self.signer = try SigV4Signer(
                credentials: credentials,
                region: endpoint.region,
                service: "s3",
                uriRule: .s3
            )
        } catch {
            throw S3PresignError(.signing, error.message)
        }
    }

    /// A presigned request: where to send it, and the headers to send exactly as signed.
    public struct PresignedURL: Sendable, Equatable {
        /// The HTTP method the URL is signed for: `PUT` (objects and parts) or `GET`.
        public var method: String
        /// The full URL with the signature in its query; until it expires, it works for anyone who has it.
        public var url: String
        /// Every signed header but `Host`: a client that leaves one out, or changes it, is refused.
        public var headers: [String: String]
    }

    /// What a presigned PUT binds, besides the bucket and key.
    public struct PutOptions: Sendable, Equatable {
        /// Signs `Content-Type`: the upload must send exactly this type, which S3 stores; `nil` leaves it free.
        public var contentType: String?
        /// Server-side encryption with KMS: `x-amz-server-side-encryption: aws:kms`, and this key when set.
        public var kmsKeyID: String?
        /// Uses SSE-KMS even without a key id (the bucket's default key).
        public var serverSideEncryptionKMS: Bool
        /// `x-amz-meta-*` values, by name without the prefix.
        public var metadata: [String: String]
        /// The base64 SHA-256 of the body: S3 checks the upload against it.
        public var checksumSHA256: String?
        /// Signs `If-None-Match: *`, so the PUT can never overwrite an existing object.
        public var noOverwrite: Bool
        /// Signs `Content-Length`: the body must be exactly this many bytes.
        public var contentLength: Int64?

        /// Options that bind nothing beyond the bucket and key unless given; see each property.
        public init(
            contentType: String? = nil,
            kmsKeyID: String? = nil,
            serverSideEncryptionKMS: Bool = false,
            metadata: [String: String] = [:],
            checksumSHA256: String? = nil,
            noOverwrite: Bool = false,
            contentLength: Int64? = nil
        ) {
            self.contentType = contentType
            self.kmsKeyID = kmsKeyID
            self.serverSideEncryptionKMS = serverSideEncryptionKMS
            self.metadata = metadata
            self.checksumSHA256 = checksumSHA256
            self.noOverwrite = noOverwrite
            self.contentLength = contentLength
        }
    }

    /// A presigned PUT of `key`.
    /// - Throws: `S3PresignError` for an invalid bucket, key, expiry or metadata name.
    public func presignPut(
        bucket: String,
        key: String,
        options: PutOptions = .init(),
        expires: Int,
        at time: SigningTime
    ) throws(S3PresignError) -> PresignedURL {
        var headers: [SigningRequest.Header] = []
        headers.reserveCapacity(4 + options.metadata.count)
        if let length = options.contentLength {
            guard length >= 0 else {
                throw S3PresignError(.invalidCondition, "Content-Length \(length) is negative")
            }
            headers.append(.init("Content-Length", String(length)))
        }
        if let contentType = options.contentType { headers.append(.init("Content-Type", contentType)) }
        if options.serverSideEncryptionKMS || options.kmsKeyID != nil {
            headers.append(.init("x-amz-server-side-encryption", "aws:kms"))
        }
        if let kmsKeyID = options.kmsKeyID {
            headers.append(.init("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyID))
        }
        if !options.metadata.isEmpty {
            for name in options.metadata.keys.sorted() {
                try Self.validateMetadataName(name)
                headers.append(.init("x-amz-meta-\(name.lowercased())", options.metadata[name]!))
            }
        }
        if let checksum = options.checksumSHA256 { headers.append(.init("x-amz-checksum-sha256", checksum)) }
        if options.noOverwrite { headers.append(.init("If-None-Match", "*")) }
        return try presign(
            method: "PUT",
            bucket: bucket,
            key: key,
            query: [],
            headers: headers,
            expires: expires,
            at: time
        )
    }

    /// A presigned GET of `key`.
    /// - Parameters:
    ///   - bucket: The object's bucket.
    ///   - key: The object's key.
    ///   - contentDisposition: Signed as `response-content-disposition`: S3 answers with this `Content-Disposition`
    ///     (`attachment; …` keeps a browser from rendering the object inline).
    ///   - contentType: Signed as `response-content-type`: S3 answers with this `Content-Type`.
    ///   - expires: Seconds the URL stays valid, 1 to 604,800.
    ///   - time: The signing time, from which `expires` counts.
    /// - Throws: `S3PresignError` for an invalid bucket, key or expiry.
    public func presignGet(
        bucket: String,
        key: String,
        contentDisposition: String? = nil,
        contentType: String? = nil,
        expires: Int,
        at time: SigningTime
    ) throws(S3PresignError) -> PresignedURL {
        var query: [SigningRequest.QueryItem] = []
        if let contentDisposition { query.append(.init("response-content-disposition", contentDisposition)) }
        if let contentType { query.append(.init("response-content-type", contentType)) }
        return try presign(
            method: "GET",
            bucket: bucket,
            key: key,
            query: query,
            headers: [],
            expires: expires,
            at: time
        )
    }

    /// Presigns `method` on `key` with `headers` signed (besides `Host`).
    func presign(
        method: String,
        bucket: String,
        key: String,
        query: [SigningRequest.QueryItem],
        headers: [SigningRequest.Header],
        expires: Int,
        at time: SigningTime
    ) throws(S3PresignError) -> PresignedURL {
        try S3Names.validateKey(key)
        try Self.validateExpiry(expires)
        let location = try endpoint.location(bucket: bucket, key: key)
        var allHeaders: [SigningRequest.Header] = []
        allHeaders.reserveCapacity(headers.count + 1)
        allHeaders.append(.init("host", location.host))
        allHeaders.append(contentsOf: headers)
        let request = SigningRequest(method: method, path: location.path, query: query, headers: allHeaders)
        let presigned: SigV4Signer.PresignedRequest
        do {
            presigned = try signer.presign(request, expires: expires, payload: .unsigned, at: time)
        } catch {
            throw S3PresignError(.signing, error.message)
        }
        var signed: [String: String] = [:]
        if !presigned.signedHeaders.isEmpty {
            signed.reserveCapacity(presigned.signedHeaders.count)
            for header in presigned.signedHeaders { signed[header.name] = header.value }
        }
        return PresignedURL(method: method, url: location.url(query: presigned.query), headers: signed)
    }

    static func validateExpiry(_ seconds: Int) throws(S3PresignError) {
        guard (1...SigV4Signer.maxExpirySeconds).contains(seconds) else {
            throw S3PresignError(
                .invalidExpiry,
                "expiry \(seconds) s is out of range: presigned requests last 1 to \(SigV4Signer.maxExpirySeconds) "
                    + "seconds (7 days)"
            )
        }
    }

    /// Metadata names become header names: letters, digits, `-` and `_` only.
    static func validateMetadataName(_ name: String) throws(S3PresignError) {
        guard !name.isEmpty,
            name.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            })
        else {
            throw S3PresignError(
                .invalidCondition,
                "metadata name \"\(name)\" must be letters, digits, '-' or '_' (it becomes x-amz-meta-\(name))"
            )
        }
    }

    /// The signature of a base64 policy.
    func signature(ofPolicy base64: String, at time: SigningTime) -> String {
        signer.signature(ofPolicy: base64, at: time)
    }

    var credentials: AWSCredentials { signer.credentials }
    func credentialScope(at time: SigningTime) -> String { signer.credentialScope(at: time) }
    /// `<access key id>/<credential scope>`, cached for the day.
    func credential(at time: SigningTime) -> String { signer.credential(at: time) }

    /// Signs a request with an `Authorization` header (multipart upload control requests).
    func signHeaders(
        method: String,
        bucket: String,
        key: String,
        query: [SigningRequest.QueryItem],
        headers: [SigningRequest.Header],
        body: [UInt8],
        payloadHash: String,
        at time: SigningTime
    ) throws(S3PresignError) -> SignedHTTPRequest {
        try S3Names.validateKey(key)
        let location = try endpoint.location(bucket: bucket, key: key)
        let request = SigningRequest(
            method: method,
            path: location.path,
            query: query,
            headers: [.init("Host", location.host)] + headers
        )
        let signed: SigV4Signer.SignedRequest
        do {
            signed = try signer.signHeaders(
                request,
                payload: .sha256Hex(payloadHash),
                at: time,
                addContentSHA256Header: true
            )
        } catch {
            throw S3PresignError(.signing, error.message)
        }
        let queryString = query.map { "\(URIEncoding.encode($0.name))=\(URIEncoding.encode($0.value))" }
            .joined(separator: "&")
        return SignedHTTPRequest(
            method: method,
            url: "\(location.base)\(location.path)" + (queryString.isEmpty ? "" : "?\(queryString)"),
            headers: signed.request.headers.filter { $0.name.lowercased() != "host" }.map { ($0.name, $0.value) },
            body: body
        )
    }
}

/// A request signed with an `Authorization` header, ready to send.
public struct SignedHTTPRequest: Sendable {
    /// The HTTP method: `POST` for CreateMultipartUpload and CompleteMultipartUpload.
    public var method: String
    /// The full URL, query included; the signature is in the `Authorization` header, not here.
    public var url: String
    /// Every header to send, as name and value, `Authorization` and the `X-Amz-*` ones included; `Host` is left to
    /// the HTTP client, which derives it from ``url``.
    public var headers: [(String, String)]
    /// The body, exactly as signed (its SHA-256 is in `X-Amz-Content-SHA256`); empty for none.
    public var body: [UInt8]
}
