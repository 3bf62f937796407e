/// Messages from an SQS queue, in batches.
public struct SQSEvent: Codable, Sendable, Equatable {
    public var records: [Message]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    public struct Message: Codable, Sendable, Equatable {
        public var messageId: String
        public var receiptHandle: String
        /// The message, as a string: JSON payloads need a second decode (`s3Notification()`).
        public var body: String
        public var attributes: [String: String]
        public var messageAttributes: [String: MessageAttribute]
        public var md5OfBody: String
        public var md5OfMessageAttributes: String?
        public var eventSource: String
        public var eventSourceARN: String
        public var awsRegion: String
    }

    public struct MessageAttribute: Codable, Sendable, Equatable {
        public var stringValue: String?
        public var binaryValue: String?
        public var stringListValues: [String]?
        public var binaryListValues: [String]?
        public var dataType: String
    }
}

/// The answer that reports which messages of an SQS batch failed, so only they are retried
/// (`ReportBatchItemFailures`).
public struct SQSBatchResponse: Codable, Sendable, Equatable {
    public var batchItemFailures: [ItemFailure]

    public init(batchItemFailures: [ItemFailure] = []) {
        self.batchItemFailures = batchItemFailures
    }

    /// A response failing the messages with these ids.
    public init(failedMessageIDs: [String]) {
        self.init(batchItemFailures: failedMessageIDs.map(ItemFailure.init(itemIdentifier:)))
    }

    public struct ItemFailure: Codable, Sendable, Equatable {
        public var itemIdentifier: String

        public init(itemIdentifier: String) {
            self.itemIdentifier = itemIdentifier
        }
    }
}
