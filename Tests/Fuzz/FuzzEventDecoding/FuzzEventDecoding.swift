import FuzzSupport
import LambdaCodable
import LambdaEvents
import LambdaRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Lambda events from arbitrary bytes: `LambdaEvent.decode` by shape and as every kind, and `LambdaJSONDecoder` as
/// every event and response type the package has, plus a few plain ones.
enum EventDecodingFuzzer {
    /// Decodes `input` every way; traps when dispatch by shape disagrees with itself: the kind `decode` picks must
    /// be the one `kind(of:)` tells, and decoding as that kind must give the same event.
    static func check(_ input: [UInt8]) {
        if let event = try? LambdaEvent.decode(input) {
            let kind = try? LambdaEvent.kind(of: input)
            guard kind == event.kind else {
                fatalError("decode took the input for \(event.kind), kind(of:) for \(String(describing: kind))")
            }
            guard (try? LambdaEvent.decode(event.kind, from: input)) == event else {
                fatalError("decoding as \(event.kind) gave another event than decoding by shape")
            }
            use(event)
        }
        for kind in LambdaEventKind.allCases {
            if let event = try? LambdaEvent.decode(kind, from: input) { use(event) }
        }
        _ = try? S3Notification.decode(String(decoding: input, as: UTF8.self), path: "body")
        _ = try? JSONValue(parsing: input)

        decode(APIGatewayV2Request.self, input)
        decode(APIGatewayRequest.self, input)
        decode(APIGatewayTokenAuthorizerEvent.self, input)
        decode(APIGatewayRequestAuthorizerEvent.self, input)
        decode(APIGatewayV2AuthorizerEvent.self, input)
        decode(S3Event.self, input)
        decode(S3TestEvent.self, input)
        decode(EventBridgeS3Event.self, input)
        decode(GuardDutyMalwareScanEvent.self, input)
        decode(SQSEvent.self, input)
        decode(SNSEvent.self, input)
        decode(SNSNotification.self, input)
        decode(CognitoPreTokenGenerationV1Event.self, input)
        decode(CognitoPreTokenGenerationV2Event.self, input)
        decode(APIGatewayV2Response.self, input)
        decode(APIGatewayResponse.self, input)
        decode(APIGatewaySimpleAuthorizerResponse.self, input)
        decode(APIGatewayAuthorizerPolicyResponse.self, input)
        decode(SQSBatchResponse.self, input)
        decode(OneOrMany<String>.self, input)
        decode(S3EventName.self, input)
        decode(LambdaEventKind.self, input)
        decode(JSONValue.self, input)
        decode([String: JSONValue].self, input)
        decode([String: [String]].self, input)
        decode([Double?].self, input)
        decode([Int8].self, input)
        decode([UInt64].self, input)
        decode([Float].self, input)
        decode([Bool].self, input)
        decode(String.self, input)
        decode(Int.self, input)
    }

    /// What handlers do with a decoded event: summarise it and read the S3 notifications inside queue messages.
    static func use(_ event: LambdaEvent) {
        _ = EventSummary.of(event)
        switch event {
        case .sqs(let sqs): for message in sqs.records { _ = try? message.s3Notification() }
        case .sns(let sns): for record in sns.records { _ = try? record.sns.s3Notification() }
        default: break
        }
    }

    /// Decodes `input` as `type`, and encodes what it got.
    static func decode<T: Codable>(_ type: T.Type, _ input: [UInt8]) {
        guard let value = try? LambdaJSONDecoder().decode(type, from: input) else { return }
        _ = try? LambdaJSONEncoder().encode(value)
    }
}

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    EventDecodingFuzzer.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry point, which SwiftPM names `<module>_main`: it starts libFuzzer's driver.
@_cdecl("FuzzEventDecoding_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    LibFuzzer.run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayEventDecoding {
    static func main() { CorpusReplay.main(EventDecodingFuzzer.check) }
}
#endif
