import S3

/// The S3 calls of a multipart upload that `presign` makes itself (the parts go from the client, presigned).
public protocol MultipartStore: Sendable {
    /// Starts an upload of `key`: its content type, owner metadata, SSE-KMS and SHA-256 part checksums.
    func create(key: String, contentType: String, owner: String) throws(S3Error) -> String
    /// Every part S3 holds, all pages.
    func parts(key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart]
    /// Completes with `parts`, never over an existing object. Returns the object's ETag.
    func complete(key: String, uploadID: String, parts: [S3UploadedPart]) throws(S3Error) -> String
    /// Aborts the upload, so S3 frees (and stops charging for) the parts it holds.
    func abort(key: String, uploadID: String) throws(S3Error)
}

/// `MultipartStore` on S3.
public final class S3MultipartStore: MultipartStore, @unchecked Sendable {
    // @unchecked: the S3 client is not thread-safe, and this is used only from the runtime's one handler thread,
    // one invocation at a time (see LambdaHandler).
    let bucket: String
    let kmsKeyID: String?
    let client: S3Client

    /// A store for uploads to `bucket`.
    /// - Parameters:
    ///   - bucket: The upload bucket.
    ///   - kmsKeyID: The KMS key new uploads are encrypted with; `nil` for the bucket's default.
    ///   - client: The S3 client; used from one thread only.
    public init(bucket: String, kmsKeyID: String?, client: S3Client) {
        self.bucket = bucket
        self.kmsKeyID = kmsKeyID
        self.client = client
    }

    /// Starts an upload of `key` with its content type, `owner` metadata, SSE-KMS and SHA-256 part checksums.
    /// - Returns: S3's upload ID.
    /// - Throws: `S3Error` when S3 refuses or cannot be reached.
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

    /// Every part S3 holds for the upload, reading all pages of the listing.
    /// - Throws: `S3Error`, e.g. `NoSuchUpload` when the upload was completed or aborted.
    public func parts(key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart] {
        try client.listAllParts(bucket: bucket, key: key, uploadID: uploadID)
    }

    /// Completes the upload with `parts`, refusing to replace an object already at `key`.
    /// - Returns: The new object's ETag.
    /// - Throws: `S3Error`, e.g. a failed precondition when `key` already exists.
    public func complete(key: String, uploadID: String, parts: [S3UploadedPart]) throws(S3Error) -> String {
        try client.completeMultipartUpload(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            parts: parts,
            noOverwrite: true
        )
    }

    /// Aborts the upload and frees the parts S3 holds.
    /// - Throws: `S3Error` when S3 refuses or cannot be reached.
    public func abort(key: String, uploadID: String) throws(S3Error) {
        try client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
    }
}
