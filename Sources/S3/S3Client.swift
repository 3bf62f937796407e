import Crypto
import CurlHTTP
import LambdaRuntime
import S3Presigning
import SigV4

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An S3 client over libcurl, signing every request with SigV4 headers.
///
/// One libcurl easy handle carries every request, so the connection to each host stays open. Failures that may pass
/// (5xx, `SlowDown`, resets, timeouts) are retried with bounded, jittered backoff; every request has a timeout.
/// Not thread-safe: one client per thread, as the Lambda runtime runs one handler at a time.
public final class S3Client {
    /// Where requests go: the region and how bucket and key become a URL.
    public let endpoint: S3Endpoint
    /// How failed requests are retried.
    public let retry: RetryPolicy
    private let http: CurlHTTPClient
    private let signer: SigV4Signer
    private let now: @Sendable () -> SigningTime
    private var random = SystemRandomNumberGenerator()
    /// Waits between retries; tests replace it to count the waits.
    package var sleep: (Int) -> Void = { milliseconds in usleep(useconds_t(milliseconds) * 1000) }

    /// Creates a client with its own libcurl handle; nothing is sent until the first request.
    /// - Parameters:
    ///   - credentials: The credentials every request is signed with.
    ///   - endpoint: Where requests go, and how bucket and key become a URL.
    ///   - http: Timeouts and the CA bundle; the request timeout applies to every attempt.
    ///   - retry: How many attempts, and the backoff between them.
    ///   - now: The signing time source.
    /// - Throws: `S3Error.Code.invalidRequest` when libcurl cannot be set up or the endpoint's region is empty.
    public init(
        credentials: AWSCredentials,
        endpoint: S3Endpoint,
        http: CurlHTTPClient.Configuration = .init(),
        retry: RetryPolicy = .init(),
        now: @escaping @Sendable () -> SigningTime = { SigningTime.now() }
    ) throws(S3Error) {
        self.endpoint = endpoint
        self.retry = retry
        self.now = now
        do {
            self.http = try CurlHTTPClient(configuration: http)
            self.signer = try SigV4Signer(
                credentials: credentials,
                region: endpoint.region,
                service: "s3",
                uriRule: .s3
            )
        } catch {
            throw S3Error(.invalidRequest, awsCode: "ClientSetup", message: "\(error)")
        }
    }

    // MARK: - Operations

    /// `HEAD` an object: its size, type, encryption and metadata.
    public func headObject(bucket: String, key: String) throws(S3Error) -> S3ObjectHead {
        let response = try send("HEAD", bucket: bucket, key: key, operation: "HeadObject")
        return try S3ObjectHead(headers: response.headers)
    }

    /// `GET` an object, or the bytes `range` of it (inclusive, as in HTTP). A range past the end is clipped by S3.
    public func getObject(bucket: String, key: String, range: ClosedRange<Int64>? = nil) throws(S3Error) -> [UInt8] {
        var headers: [SigningRequest.Header] = []
        if let range { headers.append(.init("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        return try send("GET", bucket: bucket, key: key, headers: headers, operation: "GetObject").body
    }

    /// What a `PutObject` stores besides the body.
    public struct PutOptions: Sendable, Equatable {
        /// The object's `Content-Type`, stored with it; `nil` sends none.
        public var contentType: String?
        /// `x-amz-meta-*` values, by name without the prefix.
        public var metadata: [String: String]
        /// SSE-KMS with this key.
        public var kmsKeyID: String?
        /// The object's tags, set with it (`x-amz-tagging`).
        public var tags: [String: String]

        /// Options that store nothing but the body unless given; see each property.
        public init(
            contentType: String? = nil,
            metadata: [String: String] = [:],
            kmsKeyID: String? = nil,
            tags: [String: String] = [:]
        ) {
            self.contentType = contentType
            self.metadata = metadata
            self.kmsKeyID = kmsKeyID
            self.tags = tags
        }

        var headers: [SigningRequest.Header] {
            var headers: [SigningRequest.Header] = []
            if let type = contentType { headers.append(.init("Content-Type", type)) }
            for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
                headers.append(.init("x-amz-meta-\(name)", value))
            }
            if let kmsKeyID {
                headers.append(.init(S3API.serverSideEncryption, "aws:kms"))
                headers.append(.init(S3API.kmsKeyID, kmsKeyID))
            }
            if !tags.isEmpty {
                headers.append(.init(S3API.taggingHeader, S3Client.taggingHeaderValue(tags)))
            }
            return headers
        }
    }

    /// Tags as `x-amz-tagging` carries them: a URL query, sorted by key.
    static func taggingHeaderValue(_ tags: [String: String]) -> String {
        tags.sorted(by: { $0.key < $1.key }).map { "\(URIEncoding.encode($0.key))=\(URIEncoding.encode($0.value))" }
            .joined(separator: "&")
    }

    /// Stores an object: tools and tests, and object-created's rewrite of a stripped image (users upload with
    /// presigned requests). Returns its ETag.
    @discardableResult
    public func putObject(
        bucket: String,
        key: String,
        body: [UInt8],
        options: PutOptions = .init()
    ) throws(S3Error) -> String? {
        try send("PUT", bucket: bucket, key: key, headers: options.headers, body: body, operation: "PutObject")
            .headers["etag"]
    }

    /// The object's tags.
    public func getObjectTagging(bucket: String, key: String) throws(S3Error) -> [String: String] {
        let response = try send(
            "GET",
            bucket: bucket,
            key: key,
            query: [.init(S3API.tagging, "")],
            operation: "GetObjectTagging"
        )
        let root = try Self.parse(response.body, operation: "GetObjectTagging")
        var tags: [String: String] = [:]
        for tag in root["TagSet"]?.all("Tag") ?? [] {
            if let name = tag.text("Key") { tags[name] = tag.text("Value") ?? "" }
        }
        return tags
    }

    /// Replaces the object's tags.
    /// - Throws: `.invalidRequest` for more than 10 tags or a key or value over S3's limits.
    public func putObjectTagging(bucket: String, key: String, tags: [String: String]) throws(S3Error) {
        guard tags.count <= S3API.maxTags else {
            throw S3Error(.invalidRequest, awsCode: "InvalidTag", message: "\(tags.count) tags; S3 allows 10")
        }
        var xml = "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
        for (name, value) in tags.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.count <= S3API.maxTagKey, value.count <= S3API.maxTagValue else {
                throw S3Error(
                    .invalidRequest,
                    awsCode: "InvalidTag",
                    message: "tag \"\(name.prefix(40))\": keys are 1 to 128 characters, values up to 256"
                )
            }
            xml += "<Tag><Key>\(S3Presigner.escapeXML(name))</Key><Value>\(S3Presigner.escapeXML(value))</Value></Tag>"
        }
        xml += "</TagSet></Tagging>"
        let body = Array(xml.utf8)
        // S3 requires an integrity header on PutObjectTagging.
        let md5 = Base64.encode(Array(Insecure.MD5.hash(data: body)))
        _ = try send(
            "PUT",
            bucket: bucket,
            key: key,
            query: [.init(S3API.tagging, "")],
            headers: [.init(S3API.contentMD5, md5), .init("Content-Type", "application/xml")],
            body: body,
            operation: "PutObjectTagging"
        )
    }

    /// What a copy keeps of the source and how the copy is encrypted.
    public struct CopyOptions: Sendable, Equatable {
        /// SSE-KMS with this key (`nil`: the bucket's default encryption).
        public var kmsKeyID: String?
        /// Keeps the source's tags (`x-amz-tagging-directive: COPY`); metadata is always kept.
        public var copyTags: Bool
        /// The copy's tags, written by the same request (`REPLACE` with `x-amz-tagging`), instead of the source's.
        /// A copy that must carry given tags should use this: the source's tags can change under a concurrent
        /// writer (GuardDuty merges its tag by reading and rewriting the set) between a tag write and the copy.
        public var tags: [String: String]?

        /// Options that keep the source's tags and use the bucket's default encryption unless told otherwise.
        public init(kmsKeyID: String? = nil, copyTags: Bool = true, tags: [String: String]? = nil) {
            self.kmsKeyID = kmsKeyID
            self.copyTags = copyTags
            self.tags = tags
        }
    }

    /// Copies an object within S3, keeping its metadata (and, by default, its tags).
    ///
    /// S3 does not carry SSE-KMS over on its own: pass the source's key in `options` to keep it.
    public func copyObject(
        from source: (bucket: String, key: String),
        to destination: (bucket: String, key: String),
        options: CopyOptions = .init()
    ) throws(S3Error) {
        var headers: [SigningRequest.Header] = [
            .init(S3API.copySource, "/\(source.bucket)/\(URIEncoding.encode(source.key, keepSlash: true))"),
            .init(S3API.metadataDirective, "COPY"),
            .init(S3API.taggingDirective, options.copyTags && options.tags == nil ? "COPY" : "REPLACE"),
        ]
        if let tags = options.tags {
            guard tags.count <= S3API.maxTags else {
                throw S3Error(.invalidRequest, awsCode: "InvalidTag", message: "\(tags.count) tags; S3 allows 10")
            }
            if !tags.isEmpty { headers.append(.init(S3API.taggingHeader, Self.taggingHeaderValue(tags))) }
        }
        if let kmsKeyID = options.kmsKeyID {
            headers.append(.init(S3API.serverSideEncryption, "aws:kms"))
            headers.append(.init(S3API.kmsKeyID, kmsKeyID))
        }
        _ = try send(
            "PUT",
            bucket: destination.bucket,
            key: destination.key,
            headers: headers,
            operation: "CopyObject"
        )
    }

    /// Creates a bucket in the client's region (tools, tests and benchmarks).
    public func createBucket(_ bucket: String) throws(S3Error) {
        let body = Array(
            ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(endpoint.region)</LocationConstraint></CreateBucketConfiguration>").utf8
        )
        _ = try send(
            "PUT",
            bucket: bucket,
            key: "",
            headers: [.init("Content-Type", "application/xml")],
            body: body,
            operation: "CreateBucket"
        )
    }

    /// Deletes an object. Deleting a key that does not exist succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) throws(S3Error) {
        _ = try send("DELETE", bucket: bucket, key: key, operation: "DeleteObject")
    }

    /// One page of the keys under `prefix`.
    public func listObjectsV2(
        bucket: String,
        prefix: String = "",
        continuationToken: String? = nil,
        maxKeys: Int = 1000
    ) throws(S3Error) -> S3ObjectList {
        var query: [SigningRequest.QueryItem] = [.init(S3API.listType, "2"), .init(S3API.maxKeys, String(maxKeys))]
        if !prefix.isEmpty { query.append(.init(S3API.prefix, prefix)) }
        if let continuationToken { query.append(.init(S3API.continuationToken, continuationToken)) }
        let response = try send("GET", bucket: bucket, key: "", query: query, operation: "ListObjectsV2")
        let root = try Self.parse(response.body, operation: "ListObjectsV2")
        let entries = root.all("Contents").compactMap { item -> S3ObjectList.Entry? in
            guard let key = item.text("Key") else { return nil }
            return .init(
                key: key,
                size: item.text("Size").flatMap { Int64($0) } ?? 0,
                eTag: item.text("ETag"),
                lastModified: item.text("LastModified")
            )
        }
        let truncated = root.text("IsTruncated") == "true"
        return S3ObjectList(entries: entries, continuationToken: truncated ? root.text("NextContinuationToken") : nil)
    }

    /// Every key under `prefix`, page after page.
    public func listAllObjects(bucket: String, prefix: String = "") throws(S3Error) -> [S3ObjectList.Entry] {
        var entries: [S3ObjectList.Entry] = []
        var token: String?
        repeat {
            let page = try listObjectsV2(bucket: bucket, prefix: prefix, continuationToken: token)
            entries += page.entries
            token = page.continuationToken
        } while token != nil
        return entries
    }

    // MARK: - Requests

    /// A signed request, ready for libcurl: what `send` does before each attempt. Public for the benchmark, which
    /// times signing and request building apart from the network.
    public struct PreparedRequest: Sendable {
        /// The HTTP method, as signed.
        public var method: String
        /// The full URL, query included, exactly as signed; libcurl derives `Host` from it.
        public var url: String
        /// Every header to send as name and value, `Authorization` and the `X-Amz-*` ones included, but `Host`.
        public var headers: [(String, String)]
    }

    /// Builds and signs a request for `bucket`/`key` at the current time.
    public func prepare(
        _ method: String,
        bucket: String,
        key: String,
        query: [SigningRequest.QueryItem] = [],
        headers: [SigningRequest.Header] = [],
        body: [UInt8] = []
    ) throws(S3Error) -> PreparedRequest {
        let location: S3Endpoint.Location
        do {
            if !key.isEmpty { try S3Names.validateKey(key) }
            location = try endpoint.location(bucket: bucket, key: key)
        } catch {
            throw S3Error(.invalidRequest, awsCode: "InvalidArgument", message: error.message)
        }
        var request = SigningRequest(method: method, path: location.path, query: query, headers: headers)
        request.headers.insert(.init("Host", location.host), at: 0)
        let payload = PayloadHash.sha256(of: body)
        let signed: SigV4Signer.SignedRequest
        do {
            signed = try signer.signHeaders(request, payload: payload, at: now(), addContentSHA256Header: true)
        } catch {
            throw S3Error(.invalidRequest, awsCode: "Signing", message: error.message)
        }
        var url = location.base + location.path
        if !query.isEmpty {
            url += "?"
            url += query.map { "\(URIEncoding.encode($0.name))=\(URIEncoding.encode($0.value))" }.joined(separator: "&")
        }
        // libcurl sets Host from the URL, exactly as signed.
        let wire = signed.request.headers.lazy.filter { $0.name != "Host" }.map { ($0.name, $0.value) }
        return PreparedRequest(method: method, url: url, headers: Array(wire))
    }

    func send(
        _ method: String,
        bucket: String,
        key: String,
        query: [SigningRequest.QueryItem] = [],
        headers: [SigningRequest.Header] = [],
        body: [UInt8] = [],
        operation: String
    ) throws(S3Error) -> CurlHTTPClient.Response {
        var attempt = 0
        while true {
            attempt += 1
            // Signed afresh each attempt: a retry after a long backoff must not carry a stale X-Amz-Date.
            let prepared = try prepare(method, bucket: bucket, key: key, query: query, headers: headers, body: body)
            var failure: S3Error
            do {
                let response = try http.send(
                    prepared.method,
                    prepared.url,
                    headers: prepared.headers,
                    body: body.isEmpty ? nil : body
                )
                if (200..<300).contains(response.status), !Self.isErrorIn200(response, operation: operation) {
                    return response
                }
                failure = S3Error.from(
                    status: (200..<300).contains(response.status) ? 500 : response.status,
                    body: response.body,
                    headers: response.headers,
                    operation: operation
                )
            } catch {
                failure = S3Error(
                    error.code == .timeout ? .timeout : .transport,
                    awsCode: error.code == .timeout ? "RequestTimeout" : "NetworkError",
                    message: "\(operation): \(error.message)"
                )
            }
            failure.attempts = attempt
            guard failure.isRetryable, attempt < retry.maxAttempts else { throw failure }
            sleep(retry.delayMilliseconds(beforeRetry: attempt, using: &random))
        }
    }

    /// A copy or a multipart completion can fail after S3 has sent `200`: the error is then the body, and is treated
    /// as a 500.
    private static func isErrorIn200(_ response: CurlHTTPClient.Response, operation: String) -> Bool {
        guard operation == "CopyObject" || operation == "CompleteMultipartUpload", !response.body.isEmpty else {
            return false
        }
        return (try? XMLElement.parse(response.body))?.name == "Error"
    }

    static func parse(_ body: [UInt8], operation: String) throws(S3Error) -> XMLElement {
        do {
            return try XMLElement.parse(body)
        } catch {
            throw S3Error(.invalidResponse, awsCode: "MalformedXML", message: "\(operation): \(error)")
        }
    }
}
