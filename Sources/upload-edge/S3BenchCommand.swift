import ArgumentParser
import Benchmarks
import Foundation

struct S3BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3",
        abstract: "The S3 client's cost per request against bare libcurl, and object-created's objects per second.",
        discussion: """
            The overhead runs against a trivial HTTP server in this process, pinned to one CPU. The throughput \
            uploads fresh objects to the S3 at --endpoint (LocalStack: Tests/Scripts/services.sh start) and \
            validates each one, unpinned, since the S3 runs on the same machine.
            """
    )

    @Option(help: "Requests measured per kind.")
    var iterations = 20_000

    @Option(help: "Objects to upload and validate.")
    var objects = 500

    @Option(help: "The S3 to validate against (path style).")
    var endpoint = ProcessInfo.processInfo.environment["UPLOAD_EDGE_LOCALSTACK"] ?? "http://127.0.0.1:4566"

    @Flag(help: "Skip the throughput part (no S3 needed).")
    var overheadOnly = false

    @Option(help: "The CPU to pin to for the overhead part.")
    var cpu = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    func run() throws {
        let progress: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let benchmark = S3ClientBenchmark(iterations: iterations, progress: progress)
        var throughput: S3ClientBenchmark.Throughput?
        if !overheadOnly {
            // Unpinned: LocalStack runs on this machine and needs the other CPU.
            do {
                throughput = try benchmark.measureValidation(endpoint: endpoint, objects: objects)
            } catch {
                throw ValidationError(
                    "the throughput part needs an S3 at \(endpoint) (start one with Tests/Scripts/services.sh start, "
                        + "or pass --overhead-only): \(error)"
                )
            }
        }
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let timings = try benchmark.measureOverhead()
        print(
            "S3 client against a trivial local HTTP server (\(iterations) each, interleaved), "
                + (noPin ? "unpinned:" : "pinned to CPU \(cpu):")
        )
        print("measure                                           p50         p99        mean")
        for timing in timings {
            print(
                timing.name.padding(toLength: 46, withPad: " ", startingAt: 0)
                    + String(format: "  %7.2f µs  %7.2f µs  %7.2f µs", timing.p50, timing.p99, timing.mean)
            )
        }
        let overhead = timings[1].p50 - timings[2].p50
        print(String(format: "client overhead over bare libcurl, p50: %.2f µs", overhead))
        if let throughput {
            print(
                "\nobject-created against \(endpoint): \(throughput.objects) fresh objects validated and tagged in "
                    + String(
                        format: "%.2f s: %.0f objects/s, p50 %.2f ms per object (4 S3 requests each)",
                        throughput.seconds,
                        throughput.perSecond,
                        throughput.p50Milliseconds
                    )
            )
        }
        let signing = timings[0].p50
        print(
            "\nGoal: signing and request building <= 20 µs per S3 call: \(signing <= 20 ? "met" : "MISSED") "
                + String(format: "(%.2f µs)", signing)
        )
    }
}
