import FuzzSupport
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

/// Runtime API response headers from arbitrary bytes: `RuntimeResponseHeaders` fed line by line and as one block.
enum RuntimeHeadersFuzzer {
    /// The headers the runtime keeps from `/next` (`RuntimeAPIClient`'s list).
    static let names = [
        RuntimeAPI.Header.requestID,
        RuntimeAPI.Header.deadline,
        RuntimeAPI.Header.invokedFunctionARN,
        RuntimeAPI.Header.traceID,
        RuntimeAPI.Header.clientContext,
        RuntimeAPI.Header.cognitoIdentity,
        RuntimeAPI.Header.tenantID,
        RuntimeAPI.Header.invocationID,
    ]

    /// Feeds `input` as libcurl would, one line (up to and with each LF) at a time, each line in a buffer of its
    /// own so that AddressSanitizer sees any read past its end; then feeds it again as one block.
    ///
    /// Traps when the two disagree, when a kept value holds CR, LF or NUL, or when a kept value (valid UTF-8) is
    /// not bytes of the input.
    static func check(_ input: [UInt8]) {
        var byLine = RuntimeResponseHeaders(capturing: names)
        var start = 0
        while start < input.count {
            let end = input[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? input.count
            let line = Array(input[start..<end])
            line.withUnsafeBytes { byLine.receive(line: $0) }
            start = end
        }
        var byBlock = RuntimeResponseHeaders(capturing: names)
        byBlock.receive(block: input)

        guard byLine.values == byBlock.values else {
            fatalError("line by line kept \(byLine.values), the block kept \(byBlock.values)")
        }
        for (name, value) in zip(names, byBlock.values) {
            guard let value else { continue }
            if value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }) {
                fatalError("\(name) kept a value with CR, LF or NUL: \(value.debugDescription)")
            }
            // A value without U+FFFD was valid UTF-8, so its bytes are the input's.
            if !value.unicodeScalars.contains("\u{FFFD}"), !contains(input, Array(value.utf8)) {
                fatalError("\(name) kept \(value.debugDescription), which is not in the input")
            }
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        for offset in 0...(haystack.count - needle.count)
        where haystack[offset..<(offset + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RuntimeHeadersFuzzer.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry point, which SwiftPM names `<module>_main`: it starts libFuzzer's driver.
@_cdecl("FuzzRuntimeHeaders_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    LibFuzzer.run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayRuntimeHeaders {
    static func main() { CorpusReplay.main(RuntimeHeadersFuzzer.check) }
}
#endif
