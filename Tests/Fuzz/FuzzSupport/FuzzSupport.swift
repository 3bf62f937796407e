// What every fuzz target shares: the start of libFuzzer's driver, and the corpus replay of a normal build.

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

#if FUZZING
/// libFuzzer's driver, for a target built with `-sanitize=fuzzer -DFUZZING` (Tests/Scripts/fuzz.sh).
///
/// SwiftPM links an executable with `main` defined as `<module>_main` (so that tests can link executables), which
/// leaves libFuzzer's own `main` out: each target's `<module>_main` calls `run` instead.
public enum LibFuzzer {
    /// Parses libFuzzer's flags from the command line and calls `callback` with each input.
    public static func run(
        _ argc: CInt,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt {
        var argc = argc
        var argv = argv
        return LLVMFuzzerRunDriver(&argc, &argv, callback)
    }
}

@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// Reads corpus files and hands each to a check: a fuzz target's `main` in a normal build.
public enum CorpusReplay {
    /// Replays every input under the command line's paths through `check`, and says how many.
    public static func main(_ check: ([UInt8]) -> Void) {
        let count = run(CommandLine.arguments, check)
        print("replayed \(count) inputs, no crash")
    }

    /// Replays every input under `arguments` (after the program name); returns how many there were. Exits with a
    /// message when there are no arguments or a path cannot be read.
    public static func run(_ arguments: [String], _ check: ([UInt8]) -> Void) -> Int {
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
