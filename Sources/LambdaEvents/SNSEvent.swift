/// Messages from an SNS topic, as Lambda delivers them.
///
/// Only each record's `Sns.Message` is required: it is what the handler reads. Every other member is optional (see
/// <doc:RequiredFields>).
public struct SNSEvent: Codable, Sendable, Equatable {
    /// The messages; Lambda delivers one per invocation.
    public var records: [Record]

    enum CodingKeys: String, CodingKey {
        case records = "Records"
    }

    /// One delivery: the subscription it came through, and the message.
    public struct Record: Codable, Sendable, Equatable {
        /// `"1.0"`.
        public var eventVersion: String?
        /// The ARN of the subscription that delivered the message.
        public var eventSubscriptionArn: String?
        /// `"aws:sns"`.
        public var eventSource: String?
        /// The message.
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
        /// `"Notification"`.
        public var type: String?
        /// SNS's id for the message, a UUID.
        public var messageId: String?
        /// The topic the message was published to.
        public var topicArn: String?
        /// The subject the publisher gave, if any (`Amazon S3 Notification` for S3).
        public var subject: String?
        /// The payload, as a string: JSON payloads need a second decode (`s3Notification()`).
        public var message: String
        /// ISO 8601: when SNS accepted the message.
        public var timestamp: String?
        /// `"1"` (SHA1) or `"2"` (SHA256): how `signature` was made.
        public var signatureVersion: String?
        /// The message's signature, base64, to check against the certificate at `signingCertURL`.
        public var signature: String?
        /// Where SNS's signing certificate is.
        public var signingCertURL: String?
        /// The link that removes the subscription.
        public var unsubscribeURL: String?
        /// The publisher's message attributes.
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

    /// An SNS message attribute, as a typed string.
    public struct MessageAttribute: Codable, Sendable, Equatable {
        /// `String`, `String.Array`, `Number` or `Binary`.
        public var type: String?
        /// The value as text: a number's digits, a binary value's base64, an array's JSON.
        public var value: String?

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case value = "Value"
        }
    }
}

/// An SNS notification as SNS itself sends it: to HTTP endpoints, and to SQS queues without raw message delivery.
/// Note SNS's casing: `SigningCertURL`, `UnsubscribeURL`.
///
/// Only `Message` is required: it holds the S3 notification. Every other member is optional (see
/// <doc:RequiredFields>).
public struct SNSNotification: Codable, Sendable, Equatable {
    /// `"Notification"`.
    public var type: String?
    /// SNS's id for the message, a UUID.
    public var messageId: String?
    /// The topic the message was published to.
    public var topicArn: String?
    /// The subject the publisher gave, if any.
    public var subject: String?
    /// The payload, as a string: JSON payloads need a second decode (`S3Notification.decode(_:path:)`).
    public var message: String
    /// ISO 8601: when SNS accepted the message.
    public var timestamp: String?
    /// `"1"` (SHA1) or `"2"` (SHA256): how `signature` was made.
    public var signatureVersion: String?
    /// The message's signature, base64, to check against the certificate at `signingCertURL`.
    public var signature: String?
    /// Where SNS's signing certificate is.
    public var signingCertURL: String?
    /// The link that removes the subscription.
    public var unsubscribeURL: String?
    /// The publisher's message attributes.
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
