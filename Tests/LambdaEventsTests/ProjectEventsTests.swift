import Foundation
import LambdaCodable
import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

/// Every sample in `Events/` decodes as the kind its name says, and round-trips.
@Suite("The project's samples in Events/")
struct ProjectEventsTests {
    static func expectedKind(_ name: String) -> LambdaEventKind {
        switch true {
        case name.hasPrefix("apigw-http-v2-"): .apiGatewayV2
        case name.hasPrefix("apigw-rest-v1-"): .apiGatewayV1
        case name.hasPrefix("lambdaurl-"): .functionURL
        case name.hasPrefix("authorizer-rest-token"): .tokenAuthorizer
        case name.hasPrefix("authorizer-http-v2"): .v2Authorizer
        case name.hasPrefix("authorizer-"): .requestAuthorizer
        case name == "s3-testevent.json": .s3Test
        case name.hasPrefix("s3-"): .s3
        case name.hasPrefix("eventbridge-s3-"): .eventBridgeS3
        case name.hasPrefix("eventbridge-guardduty-"): .guardDutyMalwareScan
        case name.hasPrefix("sqs-"): .sqs
        case name.hasPrefix("sns-"): .sns
        case name.hasPrefix("cognito-pretokengen-v1"): .preTokenGenerationV1
        default: .preTokenGenerationV2
        }
    }

    @Test func thereIsASampleOfEveryKind() {
        let kinds = Set(ProjectEvents.files.map { Self.expectedKind(($0 as NSString).lastPathComponent) })
        #expect(kinds == Set(LambdaEventKind.allCases))
    }

    @Test(arguments: ProjectEvents.files)
    func decodesAsItsKindAndItsNestedPayloads(path: String) throws {
        let name = (path as NSString).lastPathComponent
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let event = try LambdaEvent.decode(bytes)
        #expect(event.kind == Self.expectedKind(name))
        #expect(try LambdaEvent.kind(of: bytes) == event.kind)
        switch event {
        case .sqs(let sqs):
            for message in sqs.records { _ = try message.s3Notification() }
        case .sns(let sns):
            for record in sns.records { _ = try record.sns.s3Notification() }
        case .apiGatewayV2(let request):
            _ = try request.bodyBytes()
        case .apiGatewayV1(let request):
            _ = try request.bodyBytes()
        default:
            break
        }
    }

    @Test(arguments: ProjectEvents.files)
    func roundTripsThroughTheEncoder(path: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let event = try LambdaEvent.decode(bytes)
        let encoded = try event.encoded()
        #expect(try LambdaEvent.decode(encoded) == event)
    }
}

extension LambdaEvent {
    /// The event encoded back to JSON.
    func encoded() throws -> [UInt8] {
        let encoder = LambdaJSONEncoder()
        switch self {
        case .apiGatewayV2(let value), .functionURL(let value): return try encoder.encode(value)
        case .apiGatewayV1(let value): return try encoder.encode(value)
        case .tokenAuthorizer(let value): return try encoder.encode(value)
        case .requestAuthorizer(let value): return try encoder.encode(value)
        case .v2Authorizer(let value): return try encoder.encode(value)
        case .s3(let value): return try encoder.encode(value)
        case .s3Test(let value): return try encoder.encode(value)
        case .eventBridgeS3(let value): return try encoder.encode(value)
        case .guardDutyMalwareScan(let value): return try encoder.encode(value)
        case .sqs(let value): return try encoder.encode(value)
        case .sns(let value): return try encoder.encode(value)
        case .preTokenGenerationV1(let value): return try encoder.encode(value)
        case .preTokenGenerationV2(let value): return try encoder.encode(value)
        }
    }
}
