/// An S3 event delivered through Amazon EventBridge: `Object Created`, `Object Deleted`, `Object Restore
/// Completed`…
///
/// Only `detail-type`, the bucket name and the key are required: they say what happened to which object. Every
/// other member is optional (see <doc:RequiredFields>).
public struct EventBridgeS3Event: Codable, Sendable, Equatable {
    /// The EventBridge envelope's version, `"0"`.
    public var version: String?
    /// The event's unique id, a UUID.
    public var id: String?
    /// `"Object Created"`, `"Object Deleted"`…
    public var detailType: String
    /// `"aws.s3"`.
    public var source: String?
    /// The bucket owner's AWS account, 12 digits.
    public var account: String?
    /// ISO 8601 without fractions: `2026-11-25T16:14:31Z`.
    public var time: String?
    /// The bucket's region: `eu-west-1`.
    public var region: String?
    /// The bucket's ARN.
    public var resources: [String]?
    /// What happened to which object.
    public var detail: Detail

    enum CodingKeys: String, CodingKey {
        case version, id, source, account, time, region, resources, detail
        case detailType = "detail-type"
    }

    /// The object event itself.
    public struct Detail: Codable, Sendable, Equatable {
        /// The detail's schema version, `"0"`.
        public var version: String?
        /// The bucket.
        public var bucket: Bucket
        /// The object.
        public var object: Object
        /// S3's id of the request that caused the event.
        public var requestId: String?
        /// The AWS account or service principal that made the request.
        public var requester: String?
        /// The client's IP address.
        public var sourceIPAddress: String?
        /// `PutObject`, `POST Object`, `CopyObject`, `CompleteMultipartUpload`, `DeleteObject`, `Lifecycle
        /// Expiration`…
        public var reason: String?
        /// Deletions: `Permanently Deleted` or `Delete Marker Created`.
        public var deletionType: String?

        enum CodingKeys: String, CodingKey {
            case version, bucket, object, requester, reason
            case requestId = "request-id"
            case sourceIPAddress = "source-ip-address"
            case deletionType = "deletion-type"
        }
    }

    /// The bucket of an EventBridge S3 event.
    public struct Bucket: Codable, Sendable, Equatable {
        /// The bucket's name.
        public var name: String
    }

    /// The object of an EventBridge S3 event.
    public struct Object: Codable, Sendable, Equatable {
        /// The key as EventBridge sends it (not form-encoded).
        public var key: String
        /// The object's size in bytes; absent for deletions.
        public var size: Int64?
        /// The object's ETag, without quotes; ends in `-<parts>` for multipart uploads.
        public var etag: String?
        /// The object's version, in versioned buckets.
        public var versionId: String?
        /// Hex that orders events for one key: the larger is the later (pad the shorter with leading zeros first).
        public var sequencer: String?

        enum CodingKeys: String, CodingKey {
            case key, size, etag, sequencer
            case versionId = "version-id"
        }
    }
}
