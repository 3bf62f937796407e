import LambdaCodable

extension S3Notification {
    /// Decodes an S3 notification carried as text: an SQS body, an SNS message, or an SNS notification envelope
    /// (SNS to SQS without raw delivery) that holds one.
    /// - Parameters:
    ///   - text: The notification's JSON, or an SNS envelope whose `Message` holds it.
    ///   - path: Where the text sits, for error messages (`Records[0].body`).
    /// - Throws: `LambdaEventError.invalidNestedPayload`, naming the path.
    public static func decode(_ text: String, path: String) throws(LambdaEventError) -> S3Notification {
        let document: JSONDocument
        do {
            document = try JSONDocument(Array(text.utf8))
        } catch {
            throw LambdaEventError(.invalidNestedPayload, "\(path) is not valid JSON: \(error)")
        }
        guard document.tokens[0].kind == .object else {
            throw LambdaEventError(
                .invalidNestedPayload,
                "\(path): expected an S3 notification, found \(document.describe(0))"
            )
        }
        let top = Members(document, object: 0)
        if top["Records"] != nil {
            return .records(try EventShape.decode(S3Event.self, from: document, kind: "S3", pathPrefix: path))
        }
        if top.string("Event", equals: "s3:TestEvent") {
            return .test(try EventShape.decode(S3TestEvent.self, from: document, kind: "S3", pathPrefix: path))
        }
        if top.string("Type", equals: "Notification"), top["Message"] != nil {
            let envelope = try EventShape.decode(SNSNotification.self, from: document, kind: "SNS", pathPrefix: path)
            return try decode(envelope.message, path: "\(path).Message")
        }
        throw LambdaEventError(
            .invalidNestedPayload,
            "\(path): expected an S3 notification (Records, or an s3:TestEvent), found keys [\(top.names.joined(separator: ", "))]"
        )
    }
}

extension SQSEvent.Message {
    /// The S3 notification in the body, whether S3 sent it straight to the queue or through SNS.
    public func s3Notification() throws(LambdaEventError) -> S3Notification {
        try S3Notification.decode(body, path: "body")
    }
}

extension SNSEvent.Message {
    /// The S3 notification in the message.
    public func s3Notification() throws(LambdaEventError) -> S3Notification {
        try S3Notification.decode(message, path: "Sns.Message")
    }
}
