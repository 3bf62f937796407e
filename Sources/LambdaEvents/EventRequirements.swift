/// An event type that states which of its JSON members decoding refuses to do without.
///
/// A member is required only when a handler cannot work without it; AWS sends the others too, but test tools,
/// emulators and hand-written events often leave them out. The lists are the contract <doc:RequiredFields> documents
/// and the tests check both ways: deleting a listed member is refused with its path, deleting any other still
/// decodes.
package protocol EventRequirements: Decodable {
    /// The JSON paths of the required members, parents before children; `[]` stands for every element of an array
    /// (`Records[].s3.object.key`). Members of a required member's optional parent are not listed.
    static var requiredFields: [String] { get }
}

extension APIGatewayV2Request: EventRequirements {
    /// The upload API routes on the method and the raw path.
    package static let requiredFields = [
        "rawPath", "requestContext", "requestContext.http", "requestContext.http.method",
    ]
}

extension APIGatewayRequest: EventRequirements {
    /// The upload API routes on the method and the path.
    package static let requiredFields = ["path", "httpMethod"]
}

extension APIGatewayTokenAuthorizerEvent: EventRequirements {
    /// The policy's resource is made from the method ARN; a missing token is an unauthorised request, not a bad event.
    package static let requiredFields = ["methodArn"]
}

extension APIGatewayRequestAuthorizerEvent: EventRequirements {
    /// The policy's resource is made from the method ARN; the token may come from several members, or none.
    package static let requiredFields = ["methodArn"]
}

extension APIGatewayV2AuthorizerEvent: EventRequirements {
    /// Nothing: the simple response names no resource, and a request without a token is refused, not broken.
    package static let requiredFields: [String] = []
}

extension S3Event: EventRequirements {
    /// What happened, to which object in which bucket.
    package static let requiredFields = [
        "Records", "Records[].eventName", "Records[].s3", "Records[].s3.bucket", "Records[].s3.bucket.name",
        "Records[].s3.object", "Records[].s3.object.key",
    ]
}

extension S3TestEvent: EventRequirements {
    /// Nothing: the test message is acknowledged, never acted on.
    package static let requiredFields: [String] = []
}

extension EventBridgeS3Event: EventRequirements {
    /// What happened (`detail-type`), to which object in which bucket.
    package static let requiredFields = [
        "detail-type", "detail", "detail.bucket", "detail.bucket.name", "detail.object", "detail.object.key",
    ]
}

extension GuardDutyMalwareScanEvent: EventRequirements {
    /// Which object was scanned; a missing verdict counts as `FAILED`.
    package static let requiredFields = [
        "detail", "detail.s3ObjectDetails", "detail.s3ObjectDetails.bucketName", "detail.s3ObjectDetails.objectKey",
    ]
}

extension SQSEvent: EventRequirements {
    /// The body is the work; the id is how a failed message is reported for retry.
    package static let requiredFields = ["Records", "Records[].messageId", "Records[].body"]
}

extension SNSEvent: EventRequirements {
    /// The message is the work.
    package static let requiredFields = ["Records", "Records[].Sns", "Records[].Sns.Message"]
}

extension SNSNotification: EventRequirements {
    /// The message is the work.
    package static let requiredFields = ["Message"]

    /// The members `S3Notification.decode(_:path:)` tells an SNS envelope by.
    package static let shapeFields = ["Type", "Message"]
}

extension CognitoPreTokenGenerationV1Event: EventRequirements {
    /// The user's attributes hold the `sub` the upload prefix is made of.
    package static let requiredFields = ["request", "request.userAttributes"]
}

extension CognitoPreTokenGenerationV2Event: EventRequirements {
    /// The user's attributes hold the `sub` the upload prefix is made of.
    package static let requiredFields = ["request", "request.userAttributes"]
}

extension LambdaEventKind {
    /// The members `LambdaEvent.kind(of:)` tells this kind by: without one of them, an event is taken for another
    /// kind, or for none. Concrete paths: `Records[0]` is the first record, the only one looked at.
    package var shapeFields: [String] {
        switch self {
        case .apiGatewayV2: ["rawPath", "requestContext"]
        case .functionURL: ["rawPath", "requestContext", "requestContext.domainName"]
        case .apiGatewayV1: ["httpMethod", "path"]
        case .tokenAuthorizer: ["type"]
        case .requestAuthorizer: ["type", "methodArn"]
        case .v2Authorizer: ["type", "routeArn"]
        case .s3, .sqs: ["Records", "Records[0].eventSource"]
        case .sns: ["Records", "Records[0].EventSource"]
        case .s3Test: ["Event"]
        case .eventBridgeS3, .guardDutyMalwareScan: ["detail-type", "source"]
        case .preTokenGenerationV1: ["triggerSource", "version"]
        case .preTokenGenerationV2: ["triggerSource"]
        }
    }
}
