/// What `HEAD` tells about an object.
public struct S3ObjectHead: Sendable, Equatable {
    /// The object's size in bytes (`Content-Length`).
    public var size: Int64
    /// `Content-Type`, as stored with the object; `nil` when S3 sent none.
    public var contentType: String?
    /// `ETag`, quoted as S3 sends it; the MD5 of the body for single-part uploads without SSE-KMS.
    public var eTag: String?
    /// `x-amz-version-id`; `nil` when the bucket is not versioned.
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
    /// One object of the page.
    public struct Entry: Sendable, Equatable {
        /// The object's full key.
        public var key: String
        /// The object's size in bytes.
        public var size: Int64
        /// `ETag`, quoted as S3 sends it.
        public var eTag: String?
        /// ISO 8601, as `ListObjectsV2` sends it: `2026-11-29T12:00:00.000Z` (sorts as text).
        public var lastModified: String?

        /// An entry for `key`, of `size` bytes.
        public init(key: String, size: Int64, eTag: String? = nil, lastModified: String? = nil) {
            self.key = key
            self.size = size
            self.eTag = eTag
            self.lastModified = lastModified
        }
    }

    /// The page's objects, in key order (UTF-8 byte order).
    public var entries: [Entry]
    /// Pass it back to get the next page; `nil` on the last.
    public var continuationToken: String?
}
