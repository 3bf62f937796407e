/// What `HEAD` tells about an object.
public struct S3ObjectHead: Sendable, Equatable {
    public var size: Int64
    public var contentType: String?
    public var eTag: String?
    public var versionID: String?
    /// `x-amz-server-side-encryption`: `aws:kms`, `AES256`, …
    public var serverSideEncryption: String?
    /// `x-amz-server-side-encryption-aws-kms-key-id`: the key's ARN.
    public var kmsKeyID: String?
    /// `x-amz-meta-*` values, by lowercased name without the prefix.
    public var metadata: [String: String]
    /// `Last-Modified`, as S3 sends it (RFC 1123).
    public var lastModified: String?

    /// From the headers of a `HEAD` or `GET` response, names lowercased.
    public init(headers: [String: String]) throws(S3Error) {
        guard let length = headers["content-length"].flatMap({ Int64($0) }) else {
            throw S3Error(.invalidResponse, awsCode: "MissingContentLength", message: "HEAD answered without a size")
        }
        size = length
        contentType = headers["content-type"]
        eTag = headers["etag"]
        versionID = headers["x-amz-version-id"]
        serverSideEncryption = headers["x-amz-server-side-encryption"]
        kmsKeyID = headers["x-amz-server-side-encryption-aws-kms-key-id"]
        lastModified = headers["last-modified"]
        var metadata: [String: String] = [:]
        for (name, value) in headers where name.hasPrefix("x-amz-meta-") {
            metadata[String(name.dropFirst("x-amz-meta-".count))] = value
        }
        self.metadata = metadata
    }
}

/// One page of `ListObjectsV2`.
public struct S3ObjectList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var size: Int64
        public var eTag: String?
        /// ISO 8601, as `ListObjectsV2` sends it: `2026-11-29T12:00:00.000Z` (sorts as text).
        public var lastModified: String?

        public init(key: String, size: Int64, eTag: String? = nil, lastModified: String? = nil) {
            self.key = key
            self.size = size
            self.eTag = eTag
            self.lastModified = lastModified
        }
    }

    public var entries: [Entry]
    /// Pass it back to get the next page; `nil` on the last.
    public var continuationToken: String?
}
