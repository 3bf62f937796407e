import ArgumentParser
import Benchmarks
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct PackageBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Cold start and echo cycle of the deployment zip, run under chroot, against the bare binary.",
        discussion: """
            Unzips the package (deploy/package.sh) into an otherwise empty directory and runs its bootstrap there \
            under chroot with LAMBDA_TASK_ROOT=/var/task, as Lambda would, with nothing from this host. The same \
            bootstrap unpackaged, on the host's libraries, runs alongside. chroot(8) itself is one more exec in \
            the packaged figures. Needs root.
            """
    )

    @Option(help: "The package to measure.")
    var zip = "dist/upload-edge-lambda.zip"

    @Option(help: "The unpackaged bootstrap to compare with.")
    var bootstrap = ".build-lambda/release/bootstrap"

    @Option(help: "Sequential invocations measured per subject.")
    var invocations = 10_000

    @Option(help: "Cold starts measured per subject; the median is reported.")
    var coldStarts = 20

    @Option(help: "The CPU to pin to.")
    var cpu = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("chroot needs root: run as root (CI and make bench do)") }
        guard FileManager.default.fileExists(atPath: zip) else {
            throw ValidationError("\(zip) does not exist: build it with deploy/package.sh")
        }
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ue-package-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root + "/var/task", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        unzip.arguments = ["-q", zip, "-d", root + "/var/task"]
        try unzip.run()
        unzip.waitUntilExit()
        guard unzip.terminationStatus == 0 else { throw ValidationError("unzip \(zip) failed") }

        let subjects = [
            RuntimeBenchmark.Subject(
                name: "bootstrap, unpackaged (host libraries)",
                arguments: [bootstrap],
                environment: ["_HANDLER": "echo"]
            ),
            RuntimeBenchmark.Subject(
                name: "upload-edge-lambda.zip under chroot",
                arguments: ["/usr/sbin/chroot", root, "/var/task/bootstrap"],
                environment: ["_HANDLER": "echo", "LAMBDA_TASK_ROOT": "/var/task"]
            ),
        ]
        let benchmark = RuntimeBenchmark(
            invocations: invocations,
            coldStarts: coldStarts,
            payload: Array(SampleEvent.s3ObjectCreated.utf8)
        )
        let measurements = try await benchmark.measure(subjects) { line in
            FileHandle.standardError.write(Data("  \(line)\n".utf8))
        }
        let zipBytes = (try FileManager.default.attributesOfItem(atPath: zip)[.size] as? Int) ?? 0
        print("The deployment package (\(invocations) echo invocations, \(coldStarts) cold starts each):")
        print("subject                                    cold start  first invoke   cycle p50   cycle p99   peak RSS")
        for measurement in measurements {
            print(
                measurement.name.padding(toLength: 42, withPad: " ", startingAt: 0)
                    + String(
                        format: " %8.2f ms  %9.1f µs  %7.1f µs  %7.1f µs  %6.1f MB",
                        measurement.coldStartMedianMilliseconds,
                        measurement.firstInvocationMedianMicroseconds,
                        measurement.cycleP50Microseconds,
                        measurement.cycleP99Microseconds,
                        Double(measurement.peakResidentBytes ?? 0) / 1_048_576
                    )
            )
        }
        print(String(format: "\n%@: %.1f MB", zip, Double(zipBytes) / 1_048_576))
    }
}
