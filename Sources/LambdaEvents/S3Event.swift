/// An S3 event notification: one or more records (delivered directly, or inside SQS and SNS messages).
///
/// Each record must name its event, bucket and key: without them there is nothing to act on. Every other member is
/// optional (see <doc:RequiredFields>).
public struct S3Event: Codable, Sendable, Equatable {
    /// The notifications, one per object event; S3 sends one per message.
    public var records: [Record]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    /// One object event: what happened, to which object, when, and by whom.
    public struct Record: Codable, Sendable, Equatable {
        /// `2.1`, `2.2`, `2.3`…: not pinned, newer versions only add fields.
        public var eventVersion: String?
        /// `"aws:s3"`.
        public var eventSource: String?
        /// The bucket's region: `eu-west-1`.
        public var awsRegion: String?
        /// ISO 8601, e.g. `2026-11-25T14:27:15.123Z`: when S3 finished processing the request.
        public var eventTime: String?
        /// What happened: `ObjectCreated:Put`, `ObjectRemoved:Delete`…
        public var eventName: S3EventName
        /// Who made the request that caused the event.
        public var userIdentity: PrincipalIdentity?
        /// Where the request came from.
        public var requestParameters: RequestParameters?
        /// S3's ids for the request: `x-amz-request-id` and `x-amz-id-2`, for support cases.
        public var responseElements: [String: String]?
        /// The bucket and the object.
        public var s3: Entity
        /// Only in `ObjectRestore:Completed` events.
        public var glacierEventData: GlacierEventData?
    }

    /// An AWS principal, by id.
    public struct PrincipalIdentity: Codable, Sendable, Equatable {
        /// The principal's id: `AWS:AROA…:session` for a role session, a canonical id for a bucket owner.
        public var principalId: String?
    }

    /// What S3 records about the request that caused an event.
    public struct RequestParameters: Codable, Sendable, Equatable {
        /// The client's IP address.
        public var sourceIPAddress: String?
    }

    /// The bucket and object an event is about, and the notification configuration that sent it.
    public struct Entity: Codable, Sendable, Equatable {
        /// `"1.0"`.
        public var s3SchemaVersion: String?
        /// The id of the bucket's notification configuration that matched.
        public var configurationId: String?
        /// The bucket.
        public var bucket: Bucket
        /// The object.
        public var object: Object
    }

    /// The bucket of an S3 event.
    public struct Bucket: Codable, Sendable, Equatable {
        /// The bucket's name.
        public var name: String
        /// The bucket owner.
        public var ownerIdentity: PrincipalIdentity?
        /// The bucket's ARN: `arn:aws:s3:::name`.
        public var arn: String?
    }

    /// The object of an S3 event.
    public struct Object: Codable, Sendable, Equatable {
        /// The key as S3 sends it: form-encoded (`+` for a space, `%2B` for a plus). See `decodedKey`.
        public var key: String
        /// The object's size in bytes. Absent for deletions. Up to 5 TB, so 64-bit.
        public var size: Int64?
        /// Absent for deletions and some copies; ends in `-<parts>` for multipart uploads (not an MD5 then).
        public var eTag: String?
        /// Absent for unversioned buckets; the string `"null"` for some copies.
        public var versionId: String?
        /// Hex that orders events for one key: the larger is the later (pad the shorter with leading zeros first).
        public var sequencer: String?

        /// The object's real key, form-decoded; `nil` only if S3 sent a malformed escape.
        public var decodedKey: String? { FormDecoding.decode(key) }
    }

    /// What an `ObjectRestore:Completed` event adds: the restored copy.
    public struct GlacierEventData: Codable, Sendable, Equatable {
        /// When the restored copy expires, and where it is kept.
        public var restoreEventData: RestoreEventData?

        /// The restored copy of an archived object.
        public struct RestoreEventData: Codable, Sendable, Equatable {
            /// ISO 8601: when the temporary copy is removed.
            public var lifecycleRestorationExpiryTime: String?
            /// The storage class of the archived original: `GLACIER`, `DEEP_ARCHIVE`…
            public var lifecycleRestoreStorageClass: String?
        }
    }
}

/// The `s3:TestEvent` message S3 sends when a notification is configured. It has no `Records`.
///
/// Nothing is required: the message is acknowledged, never acted on (see <doc:RequiredFields>).
public struct S3TestEvent: Codable, Sendable, Equatable {
    /// `"Amazon S3"`.
    public var service: String?
    /// `"s3:TestEvent"`.
    public var event: String?
    /// ISO 8601: when the notification was configured.
    public var time: String?
    /// The bucket whose notification was configured.
    public var bucket: String?
    /// S3's request id. S3 sends it and `hostId`; moto's test events leave them out.
    public var requestId: String?
    /// S3's host id (`x-amz-id-2`).
    public var hostId: String?

    enum CodingKeys: String, CodingKey {
        case service = "Service"
        case event = "Event"
        case time = "Time"
        case bucket = "Bucket"
        case requestId = "RequestId"
        case hostId = "HostId"
    }
}

/// What S3 delivers to a notification target: records, or the test message.
public enum S3Notification: Sendable, Equatable {
    /// Object events.
    case records(S3Event)
    /// The message S3 sends when the notification is configured.
    case test(S3TestEvent)
}

/// An S3 event name, `<category>:<action>` (`ObjectCreated:Put`, `ObjectRemoved:DeleteMarkerCreated`,
/// `ObjectRestore:Completed`, `LifecycleExpiration:Delete`, …). Any name decodes; the known ones have constants.
public struct S3EventName: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    /// The name as S3 spells it: `ObjectCreated:Put`.
    public var rawValue: String

    /// The event name spelled `rawValue`.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Decodes the name from a JSON string.
    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the name as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The name as S3 spells it.
    public var description: String { rawValue }

    /// The part before the colon: `ObjectCreated`, `ObjectRemoved`, `ObjectRestore`…
    public var category: Substring { rawValue.split(separator: ":", maxSplits: 1).first ?? "" }

    /// Whether an object was written: put, posted, copied or completed as a multipart upload.
    public var isObjectCreated: Bool { category == "ObjectCreated" }
    /// Whether an object was deleted, or hidden behind a delete marker.
    public var isObjectRemoved: Bool { category == "ObjectRemoved" }

    /// An object written by `PutObject`.
    public static let objectCreatedPut = S3EventName(rawValue: "ObjectCreated:Put")
    /// An object written by a browser form `POST`.
    public static let objectCreatedPost = S3EventName(rawValue: "ObjectCreated:Post")
    /// An object written by `CopyObject`.
    public static let objectCreatedCopy = S3EventName(rawValue: "ObjectCreated:Copy")
    /// An object written by `CompleteMultipartUpload`.
    public static let objectCreatedCompleteMultipartUpload = S3EventName(
        rawValue: "ObjectCreated:CompleteMultipartUpload"
    )
    /// An object deleted for good (an unversioned bucket, or a version deleted by id).
    public static let objectRemovedDelete = S3EventName(rawValue: "ObjectRemoved:Delete")
    /// A delete marker put on top of a versioned object.
    public static let objectRemovedDeleteMarkerCreated = S3EventName(rawValue: "ObjectRemoved:DeleteMarkerCreated")
    /// A restore of an archived object started.
    public static let objectRestorePost = S3EventName(rawValue: "ObjectRestore:Post")
    /// A restore of an archived object finished: the temporary copy is readable.
    public static let objectRestoreCompleted = S3EventName(rawValue: "ObjectRestore:Completed")
    /// The temporary copy of a restored object expired.
    public static let objectRestoreDelete = S3EventName(rawValue: "ObjectRestore:Delete")
}
