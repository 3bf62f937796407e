import ArgumentParser
import Benchmarks
import Foundation

struct ChecksBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks",
        abstract: "object-created's whole-file checks and metadata strip, against reading the same bytes from S3.",
        discussion: """
            Puts a 10 MB JPEG (with EXIF, GPS and a comment to strip) and a 10 MB PDF (FlateDecode streams) in the S3 \
            at --endpoint (LocalStack: Tests/Scripts/services.sh start), then times, taking turns: reading each \
            through the S3 client in 1 MiB ranged GETs, and reading and checking it as object-created does. The \
            ratio holds across machines; the MB/s do not. Unpinned: the S3 runs on this machine too.
            """
    )

    @Option(help: "Passes of each measure per file.")
    var passes = 15

    @Option(help: "The S3 to read from (path style).")
    var endpoint = ProcessInfo.processInfo.environment["UPLOAD_EDGE_LOCALSTACK"] ?? "http://127.0.0.1:4566"

    func run() throws {
        let benchmark = ObjectCheckBenchmark(passes: passes) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let results: [ObjectCheckBenchmark.Result]
        do {
            results = try benchmark.measure(endpoint: endpoint)
        } catch {
            throw ValidationError(
                "this benchmark needs an S3 at \(endpoint) (start one with Tests/Scripts/services.sh start): \(error)"
            )
        }
        print("object-created's checks against \(endpoint), median of \(passes) passes each, taking turns:")
        print("file                                                  read only       read + checks   overhead")
        for result in results {
            print(
                result.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %7.1f MB/s    %7.1f MB/s    %+5.1f %%",
                        result.readMBps,
                        result.checkMBps,
                        result.overhead * 100
                    )
            )
        }
        let worst = results.map(\.overhead).max() ?? 0
        print(
            "\nGoal: the checks add at most 25% over the read: \(worst <= 0.25 ? "met" : "MISSED") "
                + String(format: "(worst %+.1f %%)", worst * 100)
        )
    }
}
