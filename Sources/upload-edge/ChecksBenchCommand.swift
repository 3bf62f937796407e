import ArgumentParser
import Benchmarks
import Foundation

struct ChecksBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks",
        abstract: "object-created's whole-file checks and metadata strip, against reading the same bytes from S3.",
        discussion: """
            Puts a 10 MB JPEG (with EXIF, GPS and a comment to strip) and two 10 MB PDFs (one of images, page \
            content and object streams; one of nothing but FlateDecode object streams, the worst case) in the S3 \
            at --endpoint (LocalStack: Tests/Scripts/services.sh start), then times, taking turns: reading each \
            through the S3 client in 1 MiB ranged GETs, and reading and checking it as object-created does. The \
            ratio holds across machines; the MB/s do not. Pinned to one CPU (--cpu), as a function with one vCPU \
            runs: the reading thread and the checks share it, while the S3 (LocalStack) has the other.
            """
    )

    @Option(help: "Passes of each measure per file.")
    var passes = 15

    @Option(help: "The S3 to read from (path style).")
    var endpoint = ProcessInfo.processInfo.environment["UPLOAD_EDGE_LOCALSTACK"] ?? "http://127.0.0.1:4566"

    @Option(help: "The CPU to pin to.")
    var cpu = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    func run() throws {
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let benchmark = ObjectCheckBenchmark(passes: passes) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let results: [ObjectCheckBenchmark.Result]
        do {
            results = try benchmark.measure(endpoint: endpoint)
        } catch {
            throw ValidationError(
                "this benchmark needs an S3 at \(endpoint) (start one with Tests/Scripts/services.sh start): \(error)"
            )
        }
        print(
            "object-created's checks against \(endpoint), median of \(passes) passes each, taking turns, "
                + (noPin ? "unpinned:" : "pinned to CPU \(cpu):")
        )
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
        let goal = results.filter { !$0.name.contains("worst case") }
        let worst = goal.map(\.overhead).max() ?? 0
        print(
            "\nGoal: the checks add at most 25% over the read, for the JPEG and the PDF: "
                + "\(worst <= 0.25 ? "met" : "MISSED") " + String(format: "(worst %+.1f %%)", worst * 100)
                + "; the all-object-stream PDF is reported, not held to it"
        )
    }
}
