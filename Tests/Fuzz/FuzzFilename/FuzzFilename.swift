import FuzzSupport
import UploadHandlers

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

/// Filename hints from arbitrary bytes: `UploadKey.sanitiseFilename` on the bytes as UTF-8.
enum FilenameFuzzer {
    /// The characters `sanitiseFilename` turns into `_`.
    static let replaced: Set<Unicode.Scalar> = Set("\"*:<>?|^{}[]%#~`".unicodeScalars)

    /// Sanitises the input decoded as UTF-8 (invalid sequences repaired), and again through `String(validating:)`
    /// when it is valid UTF-8; the two must agree byte for byte.
    static func check(_ input: [UInt8]) {
        let repaired = sanitise(String(decoding: input, as: UTF8.self))
        if let valid = String(validating: input, as: UTF8.self) {
            let again = sanitise(valid)
            guard again.map({ Array($0.utf8) }) == repaired.map({ Array($0.utf8) }) else {
                fatalError("one hint sanitised twice: \(String(describing: repaired)), \(String(describing: again))")
            }
        }
    }

    /// The filename for `hint`, or nil when it is refused; traps when the filename breaks the segment's contract.
    static func sanitise(_ hint: String) -> String? {
        let name: String
        do {
            name = try UploadKey.sanitiseFilename(hint)
        } catch {
            return nil
        }
        func broken(_ problem: String) -> Never {
            fatalError("sanitiseFilename(\(hint.debugDescription)) gave \(name.debugDescription): \(problem)")
        }
        if name.isEmpty { broken("empty") }
        if name.allSatisfy({ $0 == "." }) { broken("a dot segment") }
        if name.utf8.count > UploadKey.maxFilenameBytes { broken("longer than \(UploadKey.maxFilenameBytes) bytes") }
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == "\\" { broken("it holds a path separator") }
            if scalar == "\0" { broken("it holds NUL") }
            if replaced.contains(scalar) { broken("it holds \(scalar), which becomes _") }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
                broken("it holds U+\(String(scalar.value, radix: 16, uppercase: true)), which is removed")
            default: break
            }
            if scalar.properties.isBidiControl { broken("it holds a bidi control") }
        }
        return name
    }
}

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FilenameFuzzer.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry point, which SwiftPM names `<module>_main`: it starts libFuzzer's driver.
@_cdecl("FuzzFilename_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    LibFuzzer.run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayFilename {
    static func main() { CorpusReplay.main(FilenameFuzzer.check) }
}
#endif
