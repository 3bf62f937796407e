/// An S3 event notification: one or more records (delivered directly, or inside SQS and SNS messages).
public struct S3Event: Codable, Sendable, Equatable {
    public var records: [Record]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    public struct Record: Codable, Sendable, Equatable {
        /// `2.1`, `2.2`, `2.3`…: not pinned, newer versions only add fields.
        public var eventVersion: String
        public var eventSource: String
        public var awsRegion: String
        /// ISO 8601, e.g. `2026-11-25T14:27:15.123Z`.
        public var eventTime: String
        public var eventName: S3EventName
        public var userIdentity: PrincipalIdentity?
        public var requestParameters: RequestParameters?
        public var responseElements: [String: String]?
        public var s3: Entity
        /// Only in `ObjectRestore:Completed` events.
        public var glacierEventData: GlacierEventData?
    }

    public struct PrincipalIdentity: Codable, Sendable, Equatable {
        public var principalId: String
    }

    public struct RequestParameters: Codable, Sendable, Equatable {
        public var sourceIPAddress: String
    }

    public struct Entity: Codable, Sendable, Equatable {
        public var s3SchemaVersion: String
        public var configurationId: String
        public var bucket: Bucket
        public var object: Object
    }

    public struct Bucket: Codable, Sendable, Equatable {
        public var name: String
        public var ownerIdentity: PrincipalIdentity?
        public var arn: String
    }

    public struct Object: Codable, Sendable, Equatable {
        /// The key as S3 sends it: form-encoded (`+` for a space, `%2B` for a plus). See `decodedKey`.
        public var key: String
        /// Absent for deletions. Up to 5 TB, so 64-bit.
        public var size: Int64?
        /// Absent for deletions and some copies; ends in `-<parts>` for multipart uploads (not an MD5 then).
        public var eTag: String?
        /// Absent for unversioned buckets; the string `"null"` for some copies.
        public var versionId: String?
        public var sequencer: String?

        /// The object's real key, form-decoded; `nil` only if S3 sent a malformed escape.
        public var decodedKey: String? { FormDecoding.decode(key) }
    }

    public struct GlacierEventData: Codable, Sendable, Equatable {
        public var restoreEventData: RestoreEventData

        public struct RestoreEventData: Codable, Sendable, Equatable {
            public var lifecycleRestorationExpiryTime: String
            public var lifecycleRestoreStorageClass: String
        }
    }
}

/// The `s3:TestEvent` message S3 sends when a notification is configured. It has no `Records`.
public struct S3TestEvent: Codable, Sendable, Equatable {
    public var service: String
    /// `"s3:TestEvent"`.
    public var event: String
    public var time: String
    public var bucket: String
    /// S3 sends both; moto's test events leave them out.
    public var requestId: String?
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
    case records(S3Event)
    case test(S3TestEvent)
}

/// An S3 event name, `<category>:<action>` (`ObjectCreated:Put`, `ObjectRemoved:DeleteMarkerCreated`,
/// `ObjectRestore:Completed`, `LifecycleExpiration:Delete`, …). Any name decodes; the known ones have constants.
public struct S3EventName: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// The part before the colon: `ObjectCreated`, `ObjectRemoved`, `ObjectRestore`…
    public var category: Substring { rawValue.split(separator: ":", maxSplits: 1).first ?? "" }

    public var isObjectCreated: Bool { category == "ObjectCreated" }
    public var isObjectRemoved: Bool { category == "ObjectRemoved" }

    public static let objectCreatedPut = S3EventName(rawValue: "ObjectCreated:Put")
    public static let objectCreatedPost = S3EventName(rawValue: "ObjectCreated:Post")
    public static let objectCreatedCopy = S3EventName(rawValue: "ObjectCreated:Copy")
    public static let objectCreatedCompleteMultipartUpload = S3EventName(
        rawValue: "ObjectCreated:CompleteMultipartUpload"
    )
    public static let objectRemovedDelete = S3EventName(rawValue: "ObjectRemoved:Delete")
    public static let objectRemovedDeleteMarkerCreated = S3EventName(rawValue: "ObjectRemoved:DeleteMarkerCreated")
    public static let objectRestorePost = S3EventName(rawValue: "ObjectRestore:Post")
    public static let objectRestoreCompleted = S3EventName(rawValue: "ObjectRestore:Completed")
    public static let objectRestoreDelete = S3EventName(rawValue: "ObjectRestore:Delete")
}
