import LambdaRuntime

/// What an event is about, in a few typed facts: for logs, and for the `inspect` handler that replay uses to
/// show events flowing through the runtime. Never includes secrets (tokens) or bodies, only their sizes.
public enum EventSummary {
    /// The summary of `event`: `{"kind": …, …facts}`.
    public static func of(_ event: LambdaEvent) -> JSONValue {
        var facts: [String: JSONValue]
        switch event {
        case .apiGatewayV2(let request), .functionURL(let request):
            facts = [
                "method": .string(request.requestContext.http.method),
                "path": .string(request.rawPath),
                "bodyBytes": .integer(Int64((try? request.bodyBytes())??.count ?? 0)),
                "authorizer": .string(authorizerName(request.requestContext.authorizer)),
            ]
            if let claims = CognitoClaims(request) { facts["claims"] = summary(claims) }
            if let context = request.requestContext.authorizer?.lambda { facts["lambdaContext"] = context }
        case .apiGatewayV1(let request):
            facts = [
                "method": .string(request.httpMethod),
                "path": .string(request.path),
                "bodyBytes": .integer(Int64((try? request.bodyBytes())??.count ?? 0)),
            ]
            if let claims = CognitoClaims(request) { facts["claims"] = summary(claims) }
        case .tokenAuthorizer(let event):
            facts = [
                "methodArn": .string(event.methodArn),
                "tokenBytes": .integer(Int64(event.authorizationToken?.utf8.count ?? 0)),
            ]
        case .requestAuthorizer(let event):
            facts = ["methodArn": .string(event.methodArn), "version": event.version.map(JSONValue.string) ?? .null]
        case .v2Authorizer(let event):
            facts = [
                "routeArn": event.routeArn.map(JSONValue.string) ?? .null,
                "identitySources": .integer(Int64(event.identitySource?.count ?? 0)),
            ]
        case .s3(let event):
            facts = ["records": .array(event.records.map(summary))]
        case .s3Test(let event):
            facts = ["bucket": event.bucket.map(JSONValue.string) ?? .null]
        case .eventBridgeS3(let event):
            facts = [
                "detailType": .string(event.detailType),
                "bucket": .string(event.detail.bucket.name),
                "key": .string(event.detail.object.key),
                "size": event.detail.object.size.map(JSONValue.integer) ?? .null,
                "reason": event.detail.reason.map(JSONValue.string) ?? .null,
            ]
        case .guardDutyMalwareScan(let event):
            facts = [
                "bucket": .string(event.detail.s3ObjectDetails.bucketName),
                "key": .string(event.detail.s3ObjectDetails.objectKey),
                "scanStatus": event.detail.scanStatus.map(JSONValue.string) ?? .null,
                "result": .string(event.detail.result.description),
                "threats": .array(
                    (event.detail.scanResultDetails?.threats ?? []).compactMap { $0.name.map(JSONValue.string) }
                ),
            ]
        case .sqs(let event):
            facts = [
                "messages": .array(
                    event.records.map { message in
                        [
                            "messageId": .string(message.messageId),
                            "notification": notification { () throws(LambdaEventError) in try message.s3Notification()
                            },
                        ]
                    }
                )
            ]
        case .sns(let event):
            facts = [
                "messages": .array(
                    event.records.map { record in
                        [
                            "messageId": record.sns.messageId.map(JSONValue.string) ?? .null,
                            "notification": notification { () throws(LambdaEventError) in
                                try record.sns.s3Notification()
                            },
                        ]
                    }
                )
            ]
        case .preTokenGenerationV1(let event):
            facts = [
                "triggerSource": event.triggerSource.map(JSONValue.string) ?? .null,
                "userName": event.userName.map(JSONValue.string) ?? .null,
                "groups": .array((event.request.groupConfiguration?.groupsToOverride ?? []).map(JSONValue.string)),
            ]
        case .preTokenGenerationV2(let event):
            facts = [
                "triggerSource": event.triggerSource.map(JSONValue.string) ?? .null,
                "userName": event.userName.map(JSONValue.string) ?? .null,
                "groups": .array((event.request.groupConfiguration?.groupsToOverride ?? []).map(JSONValue.string)),
                "scopes": .array((event.request.scopes ?? []).map(JSONValue.string)),
            ]
        }
        facts["kind"] = .string(event.kind.rawValue)
        return .object(facts)
    }

    static func authorizerName(_ authorizer: APIGatewayV2Request.Authorizer?) -> String {
        if authorizer?.jwt != nil { return "jwt" }
        if authorizer?.lambda != nil { return "lambda" }
        if authorizer?.iam != nil { return "iam" }
        return "none"
    }

    static func summary(_ claims: CognitoClaims) -> JSONValue {
        [
            "sub": claims.subject.map(JSONValue.string) ?? .null,
            "username": claims.username.map(JSONValue.string) ?? .null,
            "tokenUse": claims.tokenUse.map { .string($0.rawValue) } ?? .null,
            "clientId": claims.clientID.map(JSONValue.string) ?? .null,
            "groups": .array(claims.groups.map(JSONValue.string)),
            "scopes": .array(claims.scopes.map(JSONValue.string)),
            "expiresAt": claims.expiresAt.map(JSONValue.integer) ?? .null,
        ]
    }

    static func summary(_ record: S3Event.Record) -> JSONValue {
        [
            "eventName": .string(record.eventName.rawValue),
            "bucket": .string(record.s3.bucket.name),
            "key": record.s3.object.decodedKey.map(JSONValue.string) ?? .null,
            "size": record.s3.object.size.map(JSONValue.integer) ?? .null,
        ]
    }

    static func notification(_ decode: () throws(LambdaEventError) -> S3Notification) -> JSONValue {
        do {
            switch try decode() {
            case .records(let event): return ["records": .array(event.records.map(summary))]
            case .test(let test): return ["test": test.bucket.map(JSONValue.string) ?? .null]
            }
        } catch {
            return ["error": .string(error.message)]
        }
    }
}
