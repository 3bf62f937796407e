import ArgumentParser
import Benchmarks
import Foundation

struct PresignBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presign",
        abstract: "Presigned PUT URLs and POST policies per second, against botocore in the same run.",
        discussion: "Runs Tests/Scripts/botocore_oracle.py bench with --python for botocore's figures."
    )

    @Option(help: "Seconds to time each operation.")
    var seconds: Double = 2

    @Option(help: "The Python with botocore installed.")
    var python: String = ProcessInfo.processInfo.environment["UPLOAD_EDGE_PYTHON"] ?? "python3"

    @Option(help: "The botocore oracle script.")
    var oracle = "Tests/Scripts/botocore_oracle.py"

    @Option(help: "The CPU to pin to.")
    var cpu = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    func run() throws {
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let ours = try PresignBenchmark(seconds: seconds).measure()
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, oracle, "bench", "--seconds", String(seconds)]
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let theirs = try? JSONDecoder().decode([String: [String: Double]].self, from: output)
        else {
            throw ValidationError(
                "botocore's benchmark failed: is botocore installed for \(python)? (make bench installs it)"
            )
        }
        let botocore = [theirs["put"]?["microseconds"] ?? .nan, theirs["post"]?["microseconds"] ?? .nan]
        print("Presigning, \(noPin ? "unpinned" : "pinned to CPU \(cpu)"): median of \(seconds) s runs each.\n")
        print("operation                               UploadEdge          botocore       ratio")
        print("--------------------------------------  ------------------  -------------  ------")
        for (index, measurement) in ours.enumerated() {
            let ratio = botocore[index] / measurement.microseconds
            print(
                measurement.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %6.2f us %7.0f/s  %8.1f us  %5.0fx",
                        measurement.microseconds,
                        measurement.perSecond,
                        botocore[index],
                        ratio
                    )
            )
        }
        let put = ours[0].microseconds
        let post = ours[1].microseconds
        print("\nGoals:")
        print("  [\(put <= 4 ? "met" : "MISSED")] PUT URL <= 4 us: \(String(format: "%.2f us", put))")
        print("  [\(post <= 4 ? "met" : "MISSED")] POST policy <= 4 us: \(String(format: "%.2f us", post))")
        let minimum = min(botocore[0] / put, botocore[1] / post)
        print(
            "  [\(minimum >= 50 ? "met" : "MISSED")] at least 50x botocore: \(String(format: "%.0fx", minimum)) (the lower of the two)"
        )
    }
}
