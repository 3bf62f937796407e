// Full Foundation (JSONEncoder, Date parsing, FileHandle) is fine here: UploadClient belongs to the upload-edge CLI
// and never links into bootstrap.
// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// The upload API's wire constants: routes, headers, the token's environment variable (issue 12's contract).
public enum UploadAPI {
    /// `GET` for the caller's limits, `POST` to start an upload.
    static let uploads = "/uploads"
    /// `GET` lists the parts S3 holds, `DELETE` aborts.
    static let multipart = "/uploads/multipart"
    /// `POST`: presigned URLs for up to `maximumPartsPerSigning` parts.
    static let signParts = "/uploads/multipart/parts"
    /// `POST`: assembles the object.
    static let complete = "/uploads/multipart/complete"

    /// The most parts one `POST /uploads/multipart/parts` may sign.
    public static let maximumPartsPerSigning = 100
    /// S3's largest single PUT, when the API does not say (`singleUploadMaxBytes`).
    public static let defaultSingleUploadMaxBytes: Int64 = 5 * 1024 * 1024 * 1024

    /// Where `upload-edge upload` reads the bearer token when `--token` is not given.
    public static let tokenVariable = "UPLOAD_EDGE_TOKEN"

    static let checksumHeader = "x-amz-checksum-sha256"
    static let etagHeader = "etag"

    /// The Content-Type the API accepts for each file extension (lowercased, without the dot).
    public static let contentTypes: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "pdf": "application/pdf",
    ]

    /// `value` percent-encoded for a query string: everything but RFC 3986's unreserved characters.
    static func queryEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0x0F)])"
            }
        }
        return out
    }

    /// An RFC 3339 UTC time (`2026-12-02T06:00:00Z`, with or without fractional seconds).
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// `GET /uploads`: what the caller may upload.
public struct UploadLimits: Sendable, Equatable, Decodable {
    public var maxBytes: Int64
    public var allowedTypes: [String]
    public var keyPrefix: String?
    public var expiresSeconds: Int?
    /// Files of this size or more go multipart; `nil` from an API without multipart uploads.
    public var multipartThreshold: Int64?
    /// Informational: the create answer's `partSize` is the one that counts.
    public var partSize: Int64?
    public var singleUploadMaxBytes: Int64?

    public init(
        maxBytes: Int64,
        allowedTypes: [String],
        multipartThreshold: Int64?,
        partSize: Int64? = nil,
        singleUploadMaxBytes: Int64? = nil
    ) {
        self.maxBytes = maxBytes
        self.allowedTypes = allowedTypes
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.singleUploadMaxBytes = singleUploadMaxBytes
    }

    /// Whether a file of `size` bytes goes up in parts.
    public func usesMultipart(size: Int64) -> Bool {
        guard let multipartThreshold else { return false }
        return size >= multipartThreshold || size > (singleUploadMaxBytes ?? UploadAPI.defaultSingleUploadMaxBytes)
    }
}

/// `POST /uploads` with method PUT: one presigned PUT.
struct PutGrant: Decodable {
    var method: String
    var url: String
    var headers: [String: String]?
    var key: String
}

/// `POST /uploads` with method MULTIPART: the upload S3 started, and the session that names it.
struct MultipartGrant: Decodable {
    var key: String
    var uploadId: String
    var session: String
    var partSize: Int64
    var partCount: Int
    var expiresAt: String?
}

/// `POST /uploads/multipart/parts`: one presigned part URL and the headers to send with it exactly.
struct SignedPart: Decodable {
    var partNumber: Int
    var url: String
    var headers: [String: String]?
}

struct SignedParts: Decodable {
    var parts: [SignedPart]
    var expiresAt: String?
}

/// `GET /uploads/multipart`: one part S3 holds.
struct ListedPart: Decodable {
    var partNumber: Int
    var etag: String
    var size: Int64
    var checksumSHA256: String?
}

struct ListedParts: Decodable {
    var parts: [ListedPart]
}

/// `POST /uploads/multipart/complete`'s answer.
struct CompletedObject: Decodable {
    var key: String
    var size: Int64?
    var etag: String?
}

/// `{"error", "message"}`, or API Gateway's own `{"message"}`.
struct APIErrorBody: Decodable {
    var error: String?
    var message: String?
}
