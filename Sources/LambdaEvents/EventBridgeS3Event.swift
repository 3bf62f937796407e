/// An S3 event delivered through Amazon EventBridge: `Object Created`, `Object Deleted`, `Object Restore
/// Completed`…
public struct EventBridgeS3Event: Codable, Sendable, Equatable {
    public var version: String
    public var id: String
    /// `"Object Created"`, `"Object Deleted"`…
    public var detailType: String
    /// `"aws.s3"`.
    public var source: String
    public var account: String
    public var time: String
    public var region: String
    public var resources: [String]
    public var detail: Detail

    enum CodingKeys: String, CodingKey {
        case version, id, source, account, time, region, resources, detail
        case detailType = "detail-type"
    }

    public struct Detail: Codable, Sendable, Equatable {
        public var version: String
        public var bucket: Bucket
        public var object: Object
        public var requestId: String?
        public var requester: String?
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

    public struct Bucket: Codable, Sendable, Equatable {
        public var name: String
    }

    public struct Object: Codable, Sendable, Equatable {
        /// The key as EventBridge sends it (not form-encoded).
        public var key: String
        public var size: Int64?
        public var etag: String?
        public var versionId: String?
        public var sequencer: String?

        enum CodingKeys: String, CodingKey {
            case key, size, etag, sequencer
            case versionId = "version-id"
        }
    }
}
