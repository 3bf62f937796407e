import Crypto
import FoundationEssentials
import SigV4

/// Multipart uploads, for files over 5 GB: a header-signed CreateMultipartUpload, presigned UploadPart URLs, and a
/// header-signed CompleteMultipartUpload.
extension S3Presigner {
    /// The smallest part S3 accepts, but for the last one.
    public static let minimumPartBytes: Int64 = 5 * 1024 * 1024
    /// Part numbers run from 1 to this.
    public static let maximumPartNumber = 10_000

    /// `POST /{key}?uploads`: starts an upload and answers with its `UploadId`.
    public func createMultipartUpload(
        bucket: String,
        key: String,
        options: PutOptions = .init(),
        at time: SigningTime
    ) throws(S3PresignError) -> SignedHTTPRequest {
        var headers: [SigningRequest.Header] = []
        if let contentType = options.contentType { headers.append(.init("Content-Type", contentType)) }
        if options.serverSideEncryptionKMS || options.kmsKeyID != nil {
            headers.append(.init("x-amz-server-side-encryption", "aws:kms"))
        }
        if let kmsKeyID = options.kmsKeyID {
            headers.append(.init("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyID))
        }
        for name in options.metadata.keys.sorted() {
            try Self.validateMetadataName(name)
            headers.append(.init("x-amz-meta-\(name.lowercased())", options.metadata[name]!))
        }
        return try signHeaders(
            method: "POST",
            bucket: bucket,
            key: key,
            query: [.init("uploads", "")],
            headers: headers,
            body: [],
            payloadHash: Self.sha256Hex([]),
            at: time
        )
    }

    /// A presigned `PUT /{key}?partNumber={n}&uploadId={id}` for one part.
    ///
    /// - Parameters:
    ///   - bucket: The upload's bucket.
    ///   - key: The upload's key.
    ///   - uploadID: The id `CreateMultipartUpload` answered with.
    ///   - partNumber: The part, 1 to 10,000.
    ///   - contentLength: Signs `Content-Length`: S3 refuses a part of any other size.
    ///   - checksumSHA256: Signs `x-amz-checksum-sha256` (base64): S3 refuses a part whose bytes hash otherwise
    ///     (`BadDigest`).
    ///   - expires: Seconds the URL stays valid, 1 to 604,800.
    ///   - time: The signing time, from which `expires` counts.
    /// - Throws: `S3PresignError.invalidCondition` for a part number outside 1...10,000, an empty upload id or a
    ///   negative length.
    public func presignUploadPart(
        bucket: String,
        key: String,
        uploadID: String,
        partNumber: Int,
        contentLength: Int64? = nil,
        checksumSHA256: String? = nil,
        expires: Int,
        at time: SigningTime
    ) throws(S3PresignError) -> PresignedURL {
        guard (1...Self.maximumPartNumber).contains(partNumber) else {
            throw S3PresignError(
                .invalidCondition,
                "part number \(partNumber) is outside 1...\(Self.maximumPartNumber)"
            )
        }
        guard !uploadID.isEmpty else { throw S3PresignError(.invalidCondition, "the upload id is empty") }
        var headers: [SigningRequest.Header] = []
        if let contentLength {
            guard contentLength >= 0 else {
                throw S3PresignError(.invalidCondition, "Content-Length \(contentLength) is negative")
            }
            headers.append(.init("Content-Length", String(contentLength)))
        }
        if let checksumSHA256 { headers.append(.init("x-amz-checksum-sha256", checksumSHA256)) }
        return try presign(
            method: "PUT",
            bucket: bucket,
            key: key,
            query: [.init("partNumber", String(partNumber)), .init("uploadId", uploadID)],
            headers: headers,
            expires: expires,
            at: time
        )
    }

    /// One uploaded part: its number and the ETag S3 answered with.
    public struct CompletedPart: Sendable, Equatable {
        /// The part's number, 1 to ``S3Presigner/maximumPartNumber``, as it was uploaded.
        public var partNumber: Int
        /// The `ETag` S3 answered the part's PUT with, sent back as it came.
        public var eTag: String

        /// A part uploaded as `partNumber`, for which S3 answered `eTag`.
        public init(partNumber: Int, eTag: String) {
            self.partNumber = partNumber
            self.eTag = eTag
        }
    }

    /// `POST /{key}?uploadId={id}` with the part list: assembles the object.
    /// - Throws: `S3PresignError.invalidCondition` when there are no parts or they are not in ascending order.
    public func completeMultipartUpload(
        bucket: String,
        key: String,
        uploadID: String,
        parts: [CompletedPart],
        at time: SigningTime
    ) throws(S3PresignError) -> SignedHTTPRequest {
        guard !parts.isEmpty else {
            throw S3PresignError(.invalidCondition, "a multipart upload needs at least one part")
        }
        guard zip(parts, parts.dropFirst()).allSatisfy({ $0.partNumber < $1.partNumber }) else {
            throw S3PresignError(.invalidCondition, "parts must be listed in ascending part number order")
        }
        var xml =
            #"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
        for part in parts {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(Self.escapeXML(part.eTag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        return try signHeaders(
            method: "POST",
            bucket: bucket,
            key: key,
            query: [.init("uploadId", uploadID)],
            headers: [.init("Content-Type", "application/xml"), .init("Content-Length", String(body.count))],
            body: body,
            payloadHash: Self.sha256Hex(body),
            at: time
        )
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// `text` with the five characters XML reserves escaped, for request bodies (the S3 client's too).
    package static func escapeXML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
