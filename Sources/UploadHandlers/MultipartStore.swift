import S3

/// The S3 calls of a multipart upload that `presign` makes itself (the parts go from the client, presigned).
public protocol MultipartStore: Sendable {
    /// Starts an upload of `key`: its content type, owner metadata, SSE-KMS and SHA-256 part checksums.
    func create(key: String, contentType: String, owner: String) throws(S3Error) -> String
    /// Every part S3 holds, all pages.
    func parts(key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart]
    /// Completes with `parts`, never over an existing object. Returns the object's ETag.
    func complete(key: String, uploadID: String, parts: [S3UploadedPart]) throws(S3Error) -> String
    func abort(key: String, uploadID: String) throws(S3Error)
}

/// `MultipartStore` on S3.
public final class S3MultipartStore: MultipartStore, @unchecked Sendable {
    // @unchecked: the S3 client is not thread-safe, and this is used only from the runtime's one handler thread,
    // one invocation at a time (see LambdaHandler).
    let bucket: String
    let kmsKeyID: String?
    let client: S3Client

    public init(bucket: String, kmsKeyID: String?, client: S3Client) {
        self.bucket = bucket
        self.kmsKeyID = kmsKeyID
        self.client = client
    }

    public func create(key: String, contentType: String, owner: String) throws(S3Error) -> String {
        try client.createMultipartUpload(
            bucket: bucket,
            key: key,
            options: .init(
                contentType: contentType,
                metadata: ["owner": owner],
                kmsKeyID: kmsKeyID,
                checksumSHA256: true
            )
        )
    }

    public func parts(key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart] {
        try client.listAllParts(bucket: bucket, key: key, uploadID: uploadID)
    }

    public func complete(key: String, uploadID: String, parts: [S3UploadedPart]) throws(S3Error) -> String {
        try client.completeMultipartUpload(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            parts: parts,
            noOverwrite: true
        )
    }

    public func abort(key: String, uploadID: String) throws(S3Error) {
        try client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
    }
}
