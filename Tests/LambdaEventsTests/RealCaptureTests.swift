import Foundation
import LambdaCodable
import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

/// Every real capture in `../shared/fixtures/events/` decodes, as the kind its name says.
@Suite("Real captures", .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason)))
struct RealCaptureTests {
    static let files = SharedMaterial.jsonFiles(in: "fixtures/events")

    /// The kind a capture must be detected as, from its file name. `nil`: not an event Lambda receives (a
    /// response, or an SNS envelope), checked by its own test.
    static func expectedKind(_ name: String) -> LambdaEventKind? {
        switch true {
        case name.hasPrefix("cognito-pretokengen-v1"): return .preTokenGenerationV1
        // Mislabelled upstream: a V2-shaped request whose version says "1". The version decides.
        case name == "cognito-pretokengen-v2-request-powertools.json": return .preTokenGenerationV1
        case name.hasPrefix("cognito-pretokengen-v2"): return .preTokenGenerationV2
        case name == "s3-testevent.json": return .s3Test
        case name.hasPrefix("s3-"): return .s3
        case name.hasPrefix("sqs-"): return .sqs
        case name.hasPrefix("eventbridge-"): return .eventBridgeS3
        case name.hasPrefix("lambdaurl-"): return .functionURL
        case name.hasPrefix("apigw-v2-"), name.hasPrefix("http-api-v2-"): return .apiGatewayV2
        case name.hasPrefix("apigw-v1-"), name.hasPrefix("rest-v1-"): return .apiGatewayV1
        case name == "rest-lambda-authorizer-token-event.json": return .tokenAuthorizer
        case name.hasPrefix("rest-lambda-authorizer-request"), name == "http-api-lambda-authorizer-v1-request.json":
            return .requestAuthorizer
        case name.hasPrefix("http-api-lambda-authorizer-v2-request"): return .v2Authorizer
        default: return nil
        }
    }

    @Test(arguments: files.filter { expectedKind(($0 as NSString).lastPathComponent) != nil })
    func decodesAsItsKind(path: String) throws {
        let name = (path as NSString).lastPathComponent
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let event = try LambdaEvent.decode(bytes)
        #expect(event.kind == Self.expectedKind(name))
        switch event {
        case .sqs(let sqs):
            for message in sqs.records { _ = try message.s3Notification() }
        case .sns(let sns):
            for record in sns.records { _ = try record.sns.s3Notification() }
        case .s3(let s3):
            for record in s3.records { #expect(record.s3.object.decodedKey != nil) }
        default:
            break
        }
    }

    @Test(arguments: files.filter { ($0 as NSString).lastPathComponent.hasPrefix("snsenvelope-") })
    func decodesSNSEnvelopesAndTheS3NotificationInside(path: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let envelope = try LambdaJSONDecoder().decode(SNSNotification.self, from: bytes)
        #expect(envelope.signingCertURL?.hasPrefix("https://") == true)
        let notification = try S3Notification.decode(String(decoding: bytes, as: UTF8.self), path: "body")
        if path.hasSuffix("testevent.json") {
            guard case .test = notification else { throw TestFailure("expected a test event") }
        } else {
            guard case .records(let event) = notification else { throw TestFailure("expected records") }
            #expect(!event.records.isEmpty)
        }
    }

    @Test func decodesTheAuthorizerResponseCaptures() throws {
        guard let directory = SharedMaterial.directory else { return }
        let policy = try LambdaJSONDecoder().decode(
            APIGatewayAuthorizerPolicyResponse.self,
            from: Array(
                try #require(
                    FileManager.default.contents(
                        atPath: directory + "/fixtures/events/lambda-authorizer-iam-policy-response.json"
                    )
                )
            )
        )
        #expect(policy.policyDocument.statement.first?.action.all == ["execute-api:Invoke"])
        let simple = try LambdaJSONDecoder().decode(
            APIGatewaySimpleAuthorizerResponse.self,
            from: Array(
                try #require(
                    FileManager.default.contents(
                        atPath: directory + "/fixtures/events/http-api-lambda-authorizer-simple-response.json"
                    )
                )
            )
        )
        #expect(simple.isAuthorized == true)
    }

    @Test func readsTheShapeFactsTheCapturesShow() throws {
        guard let directory = SharedMaterial.directory else { return }
        func event(_ name: String) throws -> LambdaEvent {
            try LambdaEvent.decode(
                Array(try #require(FileManager.default.contents(atPath: directory + "/fixtures/events/" + name)))
            )
        }
        guard case .s3(let removed) = try event("s3-objectremoved-delete.json") else { throw TestFailure("kind") }
        #expect(removed.records[0].s3.object.size == nil)
        #expect(removed.records[0].s3.object.eTag == nil)
        guard case .s3(let copy) = try event("s3-objectcreated-copy.json") else { throw TestFailure("kind") }
        #expect(copy.records[0].s3.object.eTag == nil)
        #expect(copy.records[0].s3.object.versionId == "null")
        guard case .s3(let multipart) = try event("s3-objectcreated-completemultipartupload.json") else {
            throw TestFailure("kind")
        }
        #expect((multipart.records[0].s3.object.size ?? 0) > Int64(Int32.max))
        guard case .s3(let plus) = try event("s3-encodedkey-plus.json") else { throw TestFailure("kind") }
        #expect(plus.records[1].s3.object.key == "New+File.jpg")
        #expect(plus.records[1].s3.object.decodedKey == "New File.jpg")
        guard case .apiGatewayV2(let noAuth) = try event("apigw-v2-http-noauth.json") else { throw TestFailure("kind") }
        #expect(noAuth.body == nil)
        guard case .apiGatewayV1(let rest) = try event("rest-v1-cognito-authorizer-id-token.json") else {
            throw TestFailure("kind")
        }
        let claims = try #require(CognitoClaims(rest))
        #expect(claims.expiresAt != nil)
        #expect(claims.subject != nil)
    }
}
