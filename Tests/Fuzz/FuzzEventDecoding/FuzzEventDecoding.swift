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

/// The program's entry point. SwiftPM links an executable with `main` defined as `<module>_main` (so that tests
/// can link executables), which would leave libFuzzer's own `main` out: this one starts libFuzzer's driver.
@_cdecl("FuzzEventDecoding_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}

/// libFuzzer's driver: parses its flags from the command line and calls `callback` with each input.
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayEventDecoding {
    static func main() {
        let count = CorpusReplay.run(CommandLine.arguments, EventDecodingFuzzer.check)
        print("replayed \(count) inputs, no crash")
    }
}

/// Reads corpus files and hands each to a check.
enum CorpusReplay {
    /// Replays every input under `arguments` (after the program name); returns how many there were. Exits with a
    /// message when there are no arguments or a path cannot be read.
    static func run(_ arguments: [String], _ check: ([UInt8]) -> Void) -> Int {
        let paths = arguments.dropFirst()
        guard !paths.isEmpty else { fail("usage: \(arguments.first ?? "fuzz") <corpus directory or file>…") }
        var count = 0
        for file in paths.flatMap(files) {
            guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            check(Array(data))
            count += 1
        }
        return count
    }

    /// `path` when it is a file; the files under it, sorted, when it is a directory.
    static func files(_ path: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            guard FileManager.default.fileExists(atPath: path) else { fail("no such file or directory: \(path)") }
            return [path]
        }
        return names.sorted().flatMap { files(path + "/" + $0) }
    }

    static func fail(_ message: String) -> Never {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
}
#endif
