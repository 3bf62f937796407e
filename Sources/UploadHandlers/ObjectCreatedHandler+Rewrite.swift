import S3

extension ObjectCreatedHandler {
    /// Objects up to this size are rewritten with one PUT; larger ones in parts of this size.
    static let rewritePartBytes: Int64 = 8 * 1024 * 1024

    /// Replaces the object with its stripped copy, keeping its type, metadata (plus the original's SHA-256),
    /// SSE-KMS key and tags. The verdict tags go: they were for the original bytes, and the stripped object gets a
    /// scan of its own.
    /// - Returns: The object as it is now.
    func rewrite(_ object: Subject, with file: TemporaryFile, originalSHA256: String) throws(S3Error) -> Subject {
        let head = object.head
        var metadata = head.metadata
        metadata[Self.originalDigestMetadata] = originalSHA256
        var tags = try client.getObjectTagging(bucket: object.bucket, key: object.key)
        for name in [Self.guardDutyTag, Self.scanTag, Self.threatTag, Self.scanETagTag] { tags[name] = nil }
        // Validated already: the event of this very PUT finds it pending and only waits for its verdict.
        tags[Self.statusTag] = "pending"
        let kmsKey = head.serverSideEncryption == "aws:kms" ? head.kmsKeyID : configuration.upload.kmsKeyID
        let size = file.count
        do {
            if size <= Self.rewritePartBytes {
                try client.putObject(
                    bucket: object.bucket,
                    key: object.key,
                    body: try file.read(at: 0, length: Int(size)),
                    options: .init(contentType: head.contentType, metadata: metadata, kmsKeyID: kmsKey, tags: tags)
                )
            } else {
                let uploadID = try client.createMultipartUpload(
                    bucket: object.bucket,
                    key: object.key,
                    options: .init(contentType: head.contentType, metadata: metadata, kmsKeyID: kmsKey, tags: tags)
                )
                do {
                    var parts: [S3UploadedPart] = []
                    var offset: Int64 = 0
                    while offset < size {
                        let length = Int(min(Self.rewritePartBytes, size - offset))
                        let eTag = try client.uploadPart(
                            bucket: object.bucket,
                            key: object.key,
                            uploadID: uploadID,
                            partNumber: parts.count + 1,
                            body: try file.read(at: offset, length: length)
                        )
                        parts.append(S3UploadedPart(partNumber: parts.count + 1, eTag: eTag, size: Int64(length)))
                        offset += Int64(length)
                    }
                    _ = try client.completeMultipartUpload(
                        bucket: object.bucket,
                        key: object.key,
                        uploadID: uploadID,
                        parts: parts
                    )
                } catch {
                    try? client.abortMultipartUpload(bucket: object.bucket, key: object.key, uploadID: uploadID)
                    throw error
                }
            }
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error(.invalidRequest, awsCode: "StripFailed", message: "\(error)")
        }
        var rewritten = object
        rewritten.head = try client.headObject(bucket: object.bucket, key: object.key)
        return rewritten
    }
}
