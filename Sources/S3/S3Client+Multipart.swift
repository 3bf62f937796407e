import S3Presigning
import SigV4

/// One part of a multipart upload, as `ListParts` reports it.
public struct S3UploadedPart: Sendable, Equatable {
    /// The part's number, 1 to 10,000.
    public var partNumber: Int
    /// Quoted, as S3 sends it.
    public var eTag: String
    /// The part's size in bytes.
    public var size: Int64
    /// Base64 SHA-256 of the part, when the upload was created with that checksum algorithm.
    public var checksumSHA256: String?

    /// A part numbered `partNumber` of `size` bytes, with the `eTag` (and checksum) S3 reported for it.
    public init(partNumber: Int, eTag: String, size: Int64, checksumSHA256: String? = nil) {
        self.partNumber = partNumber
        self.eTag = eTag
        self.size = size
        self.checksumSHA256 = checksumSHA256
    }
}

/// One page of `ListParts`.
public struct S3PartList: Sendable, Equatable {
    /// The page's parts, in ascending part number order.
    public var parts: [S3UploadedPart]
    /// The marker of the next page, `nil` on the last.
    public var nextPartNumberMarker: Int?
}

extension S3Client {
    /// What a multipart upload's object will carry.
    public struct MultipartOptions: Sendable, Equatable {
        /// The object's `Content-Type`, stored with it; `nil` sends none.
        public var contentType: String?
        /// `x-amz-meta-*` values, by name without the prefix.
        public var metadata: [String: String]
        /// SSE-KMS with this key.
        public var kmsKeyID: String?
        /// `x-amz-checksum-algorithm: SHA256`: every part must then carry its SHA-256, which S3 checks.
        public var checksumSHA256: Bool
        /// The object's tags, set when it is completed.
        public var tags: [String: String]

        /// Options that set nothing on the object unless given; see each property.
        public init(
            contentType: String? = nil,
            metadata: [String: String] = [:],
            kmsKeyID: String? = nil,
            checksumSHA256: Bool = false,
            tags: [String: String] = [:]
        ) {
            self.contentType = contentType
            self.metadata = metadata
            self.kmsKeyID = kmsKeyID
            self.checksumSHA256 = checksumSHA256
            self.tags = tags
        }
    }

    /// `CreateMultipartUpload`: starts an upload and returns its id.
    public func createMultipartUpload(
        bucket: String,
        key: String,
        options: MultipartOptions = .init()
    ) throws(S3Error) -> String {
        var headers =
            PutOptions(
                contentType: options.contentType,
                metadata: options.metadata,
                kmsKeyID: options.kmsKeyID,
                tags: options.tags
            ).headers
        if options.checksumSHA256 { headers.append(.init(S3API.checksumAlgorithm, "SHA256")) }
        let response = try send(
            "POST",
            bucket: bucket,
            key: key,
            query: [.init(S3API.uploads, "")],
            headers: headers,
            operation: "CreateMultipartUpload"
        )
        let root = try Self.parse(response.body, operation: "CreateMultipartUpload")
        guard let uploadID = root.text("UploadId"), !uploadID.isEmpty else {
            throw S3Error(
                .invalidResponse,
                awsCode: "MissingUploadId",
                status: response.status,
                message: "CreateMultipartUpload answered without an UploadId"
            )
        }
        return uploadID
    }

    /// One page of the parts S3 holds for an upload, in part number order.
    public func listParts(
        bucket: String,
        key: String,
        uploadID: String,
        partNumberMarker: Int? = nil,
        maxParts: Int = 1000
    ) throws(S3Error) -> S3PartList {
        var query: [SigningRequest.QueryItem] = [.init(S3API.maxParts, String(maxParts))]
        if let partNumberMarker { query.append(.init(S3API.partNumberMarker, String(partNumberMarker))) }
        query.append(.init(S3API.uploadID, uploadID))
        let response = try send("GET", bucket: bucket, key: key, query: query, operation: "ListParts")
        let root = try Self.parse(response.body, operation: "ListParts")
        var parts: [S3UploadedPart] = []
        for part in root.all("Part") {
            guard let number = part.text("PartNumber").flatMap({ Int($0) }), let eTag = part.text("ETag"),
                let size = part.text("Size").flatMap({ Int64($0) })
            else {
                throw S3Error(
                    .invalidResponse,
                    awsCode: "MalformedXML",
                    status: response.status,
                    message: "ListParts: a Part without PartNumber, ETag or Size"
                )
            }
            parts.append(
                S3UploadedPart(partNumber: number, eTag: eTag, size: size, checksumSHA256: part.text("ChecksumSHA256"))
            )
        }
        let truncated = root.text("IsTruncated") == "true"
        let next = truncated ? root.text("NextPartNumberMarker").flatMap { Int($0) } : nil
        if truncated, next == nil || next! <= (partNumberMarker ?? 0) {
            throw S3Error(
                .invalidResponse,
                awsCode: "MalformedXML",
                status: response.status,
                message: "ListParts: a truncated page without a NextPartNumberMarker past \(partNumberMarker ?? 0)"
            )
        }
        return S3PartList(parts: parts, nextPartNumberMarker: next)
    }

    /// Every part S3 holds for an upload, page after page.
    public func listAllParts(bucket: String, key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart] {
        var parts: [S3UploadedPart] = []
        var marker: Int?
        repeat {
            let page = try listParts(bucket: bucket, key: key, uploadID: uploadID, partNumberMarker: marker)
            parts += page.parts
            marker = page.nextPartNumberMarker
        } while marker != nil
        return parts
    }

    /// `CompleteMultipartUpload` with `parts` (ascending), returning the object's ETag.
    /// - Parameters:
    ///   - bucket: The upload's bucket.
    ///   - key: The upload's key.
    ///   - uploadID: The id `CreateMultipartUpload` answered with.
    ///   - parts: Every part, in ascending part number order, with the ETags S3 answered.
    ///   - noOverwrite: Sends `If-None-Match: *`: S3 answers 412 when the key already holds an object.
    public func completeMultipartUpload(
        bucket: String,
        key: String,
        uploadID: String,
        parts: [S3UploadedPart],
        noOverwrite: Bool = false
    ) throws(S3Error) -> String {
        guard !parts.isEmpty, zip(parts, parts.dropFirst()).allSatisfy({ $0.partNumber < $1.partNumber }) else {
            throw S3Error(
                .invalidRequest,
                awsCode: "InvalidPartOrder",
                message: "CompleteMultipartUpload needs at least one part, in ascending part number order"
            )
        }
        var xml = "<CompleteMultipartUpload xmlns=\"\(S3API.xmlNamespace)\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber>"
            xml += "<ETag>\(S3Presigner.escapeXML(part.eTag))</ETag>"
            if let checksum = part.checksumSHA256 {
                xml += "<ChecksumSHA256>\(S3Presigner.escapeXML(checksum))</ChecksumSHA256>"
            }
            xml += "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var headers: [SigningRequest.Header] = [.init("Content-Type", "application/xml")]
        if noOverwrite { headers.append(.init(S3API.ifNoneMatch, "*")) }
        let response = try send(
            "POST",
            bucket: bucket,
            key: key,
            query: [.init(S3API.uploadID, uploadID)],
            headers: headers,
            body: Array(xml.utf8),
            operation: "CompleteMultipartUpload"
        )
        let root = try Self.parse(response.body, operation: "CompleteMultipartUpload")
        return root.text("ETag") ?? response.headers["etag"] ?? ""
    }

    /// `UploadPart` signed in headers (the function's own uploads; clients get presigned part URLs). Returns the
    /// part's ETag.
    public func uploadPart(
        bucket: String,
        key: String,
        uploadID: String,
        partNumber: Int,
        body: [UInt8]
    ) throws(S3Error) -> String {
        let response = try send(
            "PUT",
            bucket: bucket,
            key: key,
            query: [.init("partNumber", String(partNumber)), .init(S3API.uploadID, uploadID)],
            body: body,
            operation: "UploadPart"
        )
        guard let eTag = response.headers["etag"] else {
            throw S3Error(
                .invalidResponse,
                awsCode: "MissingETag",
                status: response.status,
                message: "UploadPart answered without an ETag"
            )
        }
        return eTag
    }

    /// `AbortMultipartUpload`: S3 discards every part. An upload S3 no longer knows counts as aborted.
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) throws(S3Error) {
        do {
            _ = try send(
                "DELETE",
                bucket: bucket,
                key: key,
                query: [.init(S3API.uploadID, uploadID)],
                operation: "AbortMultipartUpload"
            )
        } catch  where error.code == .noSuchUpload {
            return
        }
    }
}
