/// Messages from an SNS topic, as Lambda delivers them.
public struct SNSEvent: Codable, Sendable, Equatable {
    public var records: [Record]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    public struct Record: Codable, Sendable, Equatable {
        public var eventVersion: String
        public var eventSubscriptionArn: String
        /// `"aws:sns"`.
        public var eventSource: String
        public var sns: Message

        enum CodingKeys: String, CodingKey {
            case eventVersion = "EventVersion"
            case eventSubscriptionArn = "EventSubscriptionArn"
            case eventSource = "EventSource"
            case sns = "Sns"
        }
    }

    /// The SNS message inside a Lambda record. Note Lambda's casing: `SigningCertUrl`, `UnsubscribeUrl`.
    public struct Message: Codable, Sendable, Equatable {
        public var type: String
        public var messageId: String
        public var topicArn: String
        public var subject: String?
        /// The payload, as a string: JSON payloads need a second decode (`s3Notification()`).
        public var message: String
        public var timestamp: String
        public var signatureVersion: String
        public var signature: String
        public var signingCertURL: String
        public var unsubscribeURL: String?
        public var messageAttributes: [String: MessageAttribute]?

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case messageId = "MessageId"
            case topicArn = "TopicArn"
            case subject = "Subject"
            case message = "Message"
            case timestamp = "Timestamp"
            case signatureVersion = "SignatureVersion"
            case signature = "Signature"
            case signingCertURL = "SigningCertUrl"
            case unsubscribeURL = "UnsubscribeUrl"
            case messageAttributes = "MessageAttributes"
        }
    }

    public struct MessageAttribute: Codable, Sendable, Equatable {
        public var type: String
        public var value: String

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case value = "Value"
        }
    }
}

/// An SNS notification as SNS itself sends it: to HTTP endpoints, and to SQS queues without raw message delivery.
/// Note SNS's casing: `SigningCertURL`, `UnsubscribeURL`.
public struct SNSNotification: Codable, Sendable, Equatable {
    /// `"Notification"`.
    public var type: String
    public var messageId: String
    public var topicArn: String
    public var subject: String?
    public var message: String
    public var timestamp: String
    public var signatureVersion: String
    public var signature: String
    public var signingCertURL: String
    public var unsubscribeURL: String?
    public var messageAttributes: [String: SNSEvent.MessageAttribute]?

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case messageId = "MessageId"
        case topicArn = "TopicArn"
        case subject = "Subject"
        case message = "Message"
        case timestamp = "Timestamp"
        case signatureVersion = "SignatureVersion"
        case signature = "Signature"
        case signingCertURL = "SigningCertURL"
        case unsubscribeURL = "UnsubscribeURL"
        case messageAttributes = "MessageAttributes"
    }
}
