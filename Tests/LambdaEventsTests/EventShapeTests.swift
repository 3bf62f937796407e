import Foundation
import LambdaCodable
import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

/// The shape facts of the project's samples: what AWS really sends, read right.
@Suite("Event shapes")
struct EventShapeTests {
    private func event(_ name: String) throws -> LambdaEvent {
        try LambdaEvent.decode(try ProjectEvents.bytes(name))
    }

    @Test func decodesFormEncodedS3KeysPlusAsSpaceAndPercent2BAsPlus() throws {
        guard case .s3(let event) = try event("s3-objectcreated-unicode-key.json") else { throw TestFailure("kind") }
        let object = event.records[0].s3.object
        #expect(object.key.hasSuffix("R%C3%A9sum%C3%A9+2026%2Bfinal+%281%29.pdf"))
        #expect(object.decodedKey?.hasSuffix("/Résumé 2026+final (1).pdf") == true)
        #expect(FormDecoding.decode("a%2") == nil)
        #expect(FormDecoding.decode("%FF%FE") == nil)
    }

    @Test func readsSizesOver4GBAndEventsWithoutSizeOrETag() throws {
        guard case .s3(let multipart) = try event("s3-objectcreated-multipart-5gb.json") else {
            throw TestFailure("kind")
        }
        #expect(multipart.records[0].s3.object.size == 5_905_580_032)
        #expect(multipart.records[0].eventName == .objectCreatedCompleteMultipartUpload)
        #expect(multipart.records[0].s3.object.eTag?.hasSuffix("-705") == true)

        guard case .s3(let removed) = try event("s3-objectremoved-delete.json") else { throw TestFailure("kind") }
        #expect(removed.records[0].s3.object.size == nil)
        #expect(removed.records[0].s3.object.eTag == nil)
        #expect(removed.records[0].eventName.isObjectRemoved)

        guard case .s3(let copy) = try event("s3-objectcreated-copy.json") else { throw TestFailure("kind") }
        #expect(copy.records[0].s3.object.eTag == nil)
        #expect(copy.records[0].s3.object.versionId == "null")
        #expect(copy.records[0].eventVersion == "2.2")

        guard case .s3(let restore) = try event("s3-objectrestore-completed.json") else { throw TestFailure("kind") }
        #expect(restore.records[0].eventName == .objectRestoreCompleted)
        #expect(restore.records[0].glacierEventData?.restoreEventData?.lifecycleRestoreStorageClass != nil)
    }

    @Test func tellsTheTestEventWhichHasNoRecords() throws {
        guard case .s3Test(let test) = try event("s3-testevent.json") else { throw TestFailure("kind") }
        #expect(test.event == "s3:TestEvent")
        #expect(test.service == "Amazon S3")
    }

    @Test func decodesS3NotificationsInsideSQSBodiesDirectlyOrThroughSNS() throws {
        guard case .sqs(let direct) = try event("sqs-s3-objectcreated.json") else { throw TestFailure("kind") }
        #expect(direct.records.count == 2)
        for message in direct.records {
            guard case .records(let s3) = try message.s3Notification() else { throw TestFailure("records") }
            #expect(s3.records[0].eventName.isObjectCreated)
        }
        guard case .sqs(let viaSNS) = try event("sqs-sns-s3-objectcreated.json") else { throw TestFailure("kind") }
        guard case .records(let inner) = try viaSNS.records[0].s3Notification() else { throw TestFailure("records") }
        #expect(inner.records[0].s3.bucket.name == "upload-edge-uploads-123456789012")
        guard case .sqs(let test) = try event("sqs-s3-testevent.json") else { throw TestFailure("kind") }
        guard case .test = try test.records[0].s3Notification() else { throw TestFailure("test") }
    }

    @Test func readsLambdasSNSCasingAndSNSsOwn() throws {
        guard case .sns(let sns) = try event("sns-s3-objectcreated.json") else { throw TestFailure("kind") }
        #expect(sns.records[0].sns.signingCertURL?.hasPrefix("https://sns.eu-west-1.amazonaws.com/") == true)
        #expect(sns.records[0].eventSource == "aws:sns")
        guard case .records = try sns.records[0].sns.s3Notification() else { throw TestFailure("records") }
        // The envelope's own casing is SigningCertURL: Lambda's key does not read it.
        let envelope = Array(
            #"{"Type":"Notification","MessageId":"m","TopicArn":"t","Message":"{}","Timestamp":"x","SignatureVersion":"1","Signature":"s","SigningCertURL":"https://c"}"#
                .utf8
        )
        #expect(try LambdaJSONDecoder().decode(SNSNotification.self, from: envelope).signingCertURL == "https://c")
        #expect(try LambdaJSONDecoder().decode(SNSEvent.Message.self, from: envelope).signingCertURL == nil)
    }

    @Test func readsEventBridgeObjectCreatedAndDeleted() throws {
        guard case .eventBridgeS3(let created) = try event("eventbridge-s3-object-created.json") else {
            throw TestFailure("kind")
        }
        #expect(created.detailType == "Object Created")
        #expect(created.detail.reason == "PutObject")
        #expect(created.detail.object.size != nil)
        #expect(created.detail.object.etag != nil)
        guard case .eventBridgeS3(let deleted) = try event("eventbridge-s3-object-deleted.json") else {
            throw TestFailure("kind")
        }
        #expect(deleted.detailType == "Object Deleted")
        #expect(deleted.detail.deletionType == "Permanently Deleted")
        #expect(deleted.detail.object.size == nil)
    }

    @Test func readsHTTPAPIRequestsWithEveryAuthorizer() throws {
        guard case .apiGatewayV2(let jwt) = try event("apigw-http-v2-jwt-access-token.json") else {
            throw TestFailure("kind")
        }
        #expect(jwt.requestContext.authorizer?.jwt?.scopes == ["openid", "email", "upload/write"])
        #expect(jwt.cookies?.count == 2)
        guard case .apiGatewayV2(let lambda) = try event("apigw-http-v2-lambda-authorizer.json") else {
            throw TestFailure("kind")
        }
        #expect(lambda.requestContext.authorizer?.lambda?["maxBytes"] == .integer(10_485_760))
        #expect(lambda.requestContext.authorizer?.lambda?["verified"] == .bool(true))
        guard case .apiGatewayV2(let iam) = try event("apigw-http-v2-iam-authorizer.json") else {
            throw TestFailure("kind")
        }
        #expect(iam.requestContext.authorizer?.iam?.userArn != nil)
        #expect(iam.body == nil)
        #expect(try iam.bodyBytes() == nil)
    }

    @Test func decodesBase64Bodies() throws {
        guard case .apiGatewayV2(let form) = try event("apigw-http-v2-form-base64-body.json") else {
            throw TestFailure("kind")
        }
        #expect(form.isBase64Encoded == true)
        let body = try #require(try form.bodyBytes())
        #expect(
            String(decoding: body, as: UTF8.self) == "filename=holiday+photo.jpg&contentType=image%2Fjpeg&size=482133"
        )
        var broken = form
        broken.body = "not base64!"
        #expect(throws: LambdaEventError.self) { try broken.bodyBytes() }
    }

    @Test func readsRESTRequestsWithANullBodyAndMultiValueMaps() throws {
        guard case .apiGatewayV1(let get) = try event("apigw-rest-v1-cognito-authorizer.json") else {
            throw TestFailure("kind")
        }
        #expect(get.body == nil)
        #expect(get.multiValueHeaders?.isEmpty == false)
        #expect(get.requestContext?.claims?["sub"] != nil)
        let raw = String(decoding: try ProjectEvents.bytes("apigw-rest-v1-cognito-authorizer.json"), as: UTF8.self)
        #expect(raw.contains(#""body": null"#))
    }

    @Test func tellsFunctionURLsFromHTTPAPIsByTheirDomain() throws {
        #expect(try event("lambdaurl-post-json.json").kind == .functionURL)
        #expect(try event("apigw-http-v2-presign-post.json").kind == .apiGatewayV2)
    }

    @Test func readsEveryAuthorizerEvent() throws {
        guard case .tokenAuthorizer(let token) = try event("authorizer-rest-token.json") else {
            throw TestFailure("kind")
        }
        #expect(token.authorizationToken?.hasPrefix("Bearer ") == true)
        guard case .requestAuthorizer(let rest) = try event("authorizer-rest-request.json") else {
            throw TestFailure("kind")
        }
        #expect(rest.version == nil)
        guard case .requestAuthorizer(let v1) = try event("authorizer-http-v1-request.json") else {
            throw TestFailure("kind")
        }
        #expect(v1.version == "1.0")
        guard case .v2Authorizer(let v2) = try event("authorizer-http-v2-request.json") else {
            throw TestFailure("kind")
        }
        #expect(v2.identitySource?.isEmpty == false)
    }

    @Test func readsBothPreTokenGenerationVersions() throws {
        guard case .preTokenGenerationV1(let v1) = try event("cognito-pretokengen-v1.json") else {
            throw TestFailure("kind")
        }
        #expect(v1.triggerSource?.hasPrefix("TokenGeneration_") == true)
        #expect(v1.response == .init())
        guard case .preTokenGenerationV2(let v2) = try event("cognito-pretokengen-v2.json") else {
            throw TestFailure("kind")
        }
        #expect(v2.request.scopes?.isEmpty == false)
    }
}
