import LambdaRuntime
import SigV4

/// A browser upload form: the URL to POST to and the fields to send before the file.
public struct PresignedPost: Sendable, Equatable {
    /// The form's `action`: the bucket's URL, `https://bucket.s3.region.amazonaws.com/` or path style.
    public var url: String
    /// In order; the file field must come after all of them.
    public var fields: [(name: String, value: String)]
    /// The policy document, before base64, for inspection and logs.
    public var policyJSON: String

    /// Whether both have the same URL, the same policy and the same fields in the same order.
    public static func == (lhs: PresignedPost, rhs: PresignedPost) -> Bool {
        lhs.url == rhs.url && lhs.policyJSON == rhs.policyJSON
            && lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    /// The value of field `name`.
    public func field(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }
}

/// What a POST policy allows: one upload to one key (or key prefix), of a size range and a content type.
public struct PostPolicy: Sendable, Equatable {
    /// How the form's `key` must look.
    public enum KeyCondition: Sendable, Equatable {
        /// Exactly this key.
        case exact(String)
        /// Any key that starts with this prefix; the form sends `prefix${filename}` and S3 puts the file's name in.
        case startsWith(String)
    }

    /// How the form's `Content-Type`, which S3 stores with the object, must look.
    public enum ContentTypeCondition: Sendable, Equatable {
        /// Exactly this type; the form's fields carry it.
        case exact(String)
        /// Any type that starts with this prefix, for example `image/`; the form must add a `Content-Type` field.
        case startsWith(String)
    }

    /// The bucket the form uploads to.
    public var bucket: String
    /// The key, or key prefix, the upload must have.
    public var key: KeyCondition
    /// `content-length-range`: the file's size in bytes must lie in it.
    public var contentLength: ClosedRange<Int64>?
    /// The `Content-Type` the upload must have; `nil` allows any.
    public var contentType: ContentTypeCondition?
    /// SSE-KMS: `x-amz-server-side-encryption: aws:kms`, and this key when set.
    public var kmsKeyID: String?
    /// Requires SSE-KMS (`x-amz-server-side-encryption: aws:kms`) without naming a key; implied by ``kmsKeyID``.
    public var serverSideEncryptionKMS: Bool
    /// `x-amz-meta-*` values, by name without the prefix.
    public var metadata: [String: String]
    /// `success_action_status`: 200, 201 (an XML body) or 204 (the default).
    public var successActionStatus: Int?
    /// Seconds the form stays usable.
    public var expires: Int

    /// A policy for one upload to `bucket` under `key`, usable for `expires` seconds; the other conditions are off
    /// unless given.
    public init(
        bucket: String,
        key: KeyCondition,
        contentLength: ClosedRange<Int64>? = nil,
        contentType: ContentTypeCondition? = nil,
        kmsKeyID: String? = nil,
        serverSideEncryptionKMS: Bool = false,
        metadata: [String: String] = [:],
        successActionStatus: Int? = nil,
        expires: Int
    ) {
        self.bucket = bucket
        self.key = key
        self.contentLength = contentLength
        self.contentType = contentType
        self.kmsKeyID = kmsKeyID
        self.serverSideEncryptionKMS = serverSideEncryptionKMS
        self.metadata = metadata
        self.successActionStatus = successActionStatus
        self.expires = expires
    }
}

extension S3Presigner {
    /// A presigned POST: the policy document, base64-encoded and signed, with the form fields that satisfy it.
    /// - Throws: `S3PresignError` for an invalid bucket, key, expiry, size range, status or metadata name.
    public func presignPost(_ policy: PostPolicy, at time: SigningTime) throws(S3PresignError) -> PresignedPost {
        try Self.validateExpiry(policy.expires)
        let url = try endpoint.postURL(bucket: policy.bucket)
        var conditions: [PolicyCondition] = []
        conditions.reserveCapacity(12 + policy.metadata.count)
        conditions.append(.equals("bucket", policy.bucket))
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(11 + policy.metadata.count)

        switch policy.key {
        case .exact(let key):
            try S3Names.validateKey(key)
            conditions.append(.equals("key", key))
            fields.append(("key", key))
        case .startsWith(let prefix):
            try S3Names.validateKey(prefix + "${filename}")
            conditions.append(.startsWith("$key", prefix))
            fields.append(("key", prefix + "${filename}"))
        }
        if let range = policy.contentLength {
            guard range.lowerBound >= 0, range.upperBound >= 1 else {
                throw S3PresignError(
                    .invalidCondition,
                    "content-length-range \(range.lowerBound)...\(range.upperBound) allows no upload; use a positive maximum"
                )
            }
            conditions.append(.contentLengthRange(range.lowerBound, range.upperBound))
        }
        switch policy.contentType {
        case .exact(let type)?:
            conditions.append(.equals("Content-Type", type))
            fields.append(("Content-Type", type))
        case .startsWith(let prefix)?:
            conditions.append(.startsWith("$Content-Type", prefix))
        case nil:
            break
        }
        if policy.serverSideEncryptionKMS || policy.kmsKeyID != nil {
            conditions.append(.equals("x-amz-server-side-encryption", "aws:kms"))
            fields.append(("x-amz-server-side-encryption", "aws:kms"))
        }
        if let key = policy.kmsKeyID {
            conditions.append(.equals("x-amz-server-side-encryption-aws-kms-key-id", key))
            fields.append(("x-amz-server-side-encryption-aws-kms-key-id", key))
        }
        for name in policy.metadata.isEmpty ? [] : policy.metadata.keys.sorted() {
            try Self.validateMetadataName(name)
            let field = "x-amz-meta-\(name.lowercased())"
            conditions.append(.equals(field, policy.metadata[name]!))
            fields.append((field, policy.metadata[name]!))
        }
        if let status = policy.successActionStatus {
            guard [200, 201, 204].contains(status) else {
                throw S3PresignError(.invalidCondition, "success_action_status \(status) is not 200, 201 or 204")
            }
            conditions.append(.equals("success_action_status", String(status)))
            fields.append(("success_action_status", String(status)))
        }
        let credential = credential(at: time)
        conditions.append(.equals("x-amz-algorithm", "AWS4-HMAC-SHA256"))
        conditions.append(.equals("x-amz-credential", credential))
        conditions.append(.equals("x-amz-date", time.amzDate))
        fields.append(("x-amz-algorithm", "AWS4-HMAC-SHA256"))
        fields.append(("x-amz-credential", credential))
        fields.append(("x-amz-date", time.amzDate))
        if let token = credentials.sessionToken {
            conditions.append(.equals("x-amz-security-token", token))
            fields.append(("x-amz-security-token", token))
        }

        let expiration = time.adding(seconds: Int64(policy.expires)).iso8601
        let json = PolicyCondition.document(expiration: expiration, conditions: conditions)
        let encoded = json.withUnsafeBytes { Base64.encode($0) }
        fields.append(("policy", encoded))
        fields.append(("x-amz-signature", signature(ofPolicy: encoded, at: time)))
        return PresignedPost(url: url, fields: fields, policyJSON: String(decoding: json, as: UTF8.self))
    }
}

/// One condition of a POST policy.
enum PolicyCondition {
    case equals(String, String)
    case startsWith(String, String)
    case contentLengthRange(Int64, Int64)

    /// `{"expiration": …, "conditions": [...]}`.
    static func document(expiration: String, conditions: [PolicyCondition]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: #"{"expiration":"#.utf8)
        JSONString.append(expiration, to: &out)
        out.append(contentsOf: #","conditions":["#.utf8)
        for (index, condition) in conditions.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch condition {
            case .equals(let name, let value):
                out.append(UInt8(ascii: "{"))
                JSONString.append(name, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONString.append(value, to: &out)
                out.append(UInt8(ascii: "}"))
            case .startsWith(let name, let prefix):
                out.append(contentsOf: #"["starts-with","#.utf8)
                JSONString.append(name, to: &out)
                out.append(UInt8(ascii: ","))
                JSONString.append(prefix, to: &out)
                out.append(UInt8(ascii: "]"))
            case .contentLengthRange(let low, let high):
                out.append(contentsOf: #"["content-length-range",\#(low),\#(high)]"#.utf8)
            }
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
