/// Messages from an SQS queue, in batches.
///
/// Only each message's `messageId` and `body` are required: the body is the work, and the id is how a failure is
/// reported (`SQSBatchResponse`). Every other member is optional (see <doc:RequiredFields>).
public struct SQSEvent: Codable, Sendable, Equatable {
    /// The batch, up to the event source mapping's batch size.
    public var records: [Message]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    /// One message of the batch.
    public struct Message: Codable, Sendable, Equatable {
        /// SQS's id for the message, a UUID: what `SQSBatchResponse` names to retry it.
        public var messageId: String
        /// The handle that deletes the message; Lambda deletes the batch's messages itself when it succeeds.
        public var receiptHandle: String?
        /// The message, as a string: JSON payloads need a second decode (`s3Notification()`).
        public var body: String
        /// SQS's system attributes: `ApproximateReceiveCount`, `SentTimestamp` (epoch milliseconds), `SenderId`…
        public var attributes: [String: String]?
        /// The sender's message attributes.
        public var messageAttributes: [String: MessageAttribute]?
        /// The MD5 of `body`, lowercase hex.
        public var md5OfBody: String?
        /// The MD5 of the message attributes, when there are any.
        public var md5OfMessageAttributes: String?
        /// `"aws:sqs"`.
        public var eventSource: String?
        /// The queue's ARN.
        public var eventSourceARN: String?
        /// The queue's region: `eu-west-1`.
        public var awsRegion: String?
    }

    /// An SQS message attribute: a typed value.
    public struct MessageAttribute: Codable, Sendable, Equatable {
        /// The value of a `String` or `Number` attribute.
        public var stringValue: String?
        /// The value of a `Binary` attribute, base64.
        public var binaryValue: String?
        /// Reserved by SQS for future use; not filled in today.
        public var stringListValues: [String]?
        /// Reserved by SQS for future use; not filled in today.
        public var binaryListValues: [String]?
        /// `String`, `Number` or `Binary`, with an optional custom suffix: `Number.int`.
        public var dataType: String?
    }
}

/// The answer that reports which messages of an SQS batch failed, so only they are retried
/// (`ReportBatchItemFailures`).
public struct SQSBatchResponse: Codable, Sendable, Equatable {
    /// The messages to retry; empty when the whole batch succeeded.
    public var batchItemFailures: [ItemFailure]

    /// A response failing `batchItemFailures`.
    public init(batchItemFailures: [ItemFailure] = []) {
        self.batchItemFailures = batchItemFailures
    }

    /// A response failing the messages with these ids.
    public init(failedMessageIDs: [String]) {
        self.init(batchItemFailures: failedMessageIDs.map(ItemFailure.init(itemIdentifier:)))
    }

    /// One message to retry.
    public struct ItemFailure: Codable, Sendable, Equatable {
        /// The failed message's `messageId`.
        public var itemIdentifier: String

        /// The failure of the message `itemIdentifier`.
        public init(itemIdentifier: String) {
            self.itemIdentifier = itemIdentifier
        }
    }
}
