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
    }

    public var entries: [Entry]
    /// Pass it back to get the next page; `nil` on the last.
    public var continuationToken: String?
}
