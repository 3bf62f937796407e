import ArgumentParser
import Benchmarks
import Foundation
import LocalLambda

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their numbers and compare against a named peer in the same run.",
        subcommands: [
            RuntimeBenchCommand.self, EventsBenchCommand.self, PresignBenchCommand.self, UploadBenchCommand.self,
            S3BenchCommand.self, PackageBenchCommand.self, MultipartBenchCommand.self, ChecksBenchCommand.self,
        ]
    )
}

struct RuntimeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Echo cycle, cold start, memory and size of bootstrap, against a raw C client and awslambdaric.",
        discussion: """
            All clients run against the same in-process Runtime API emulator, with the emulator and the client \
            pinned to one CPU (taskset), so cross-CPU wake-ups do not dominate. The raw-socket C client is the \
            emulator's ceiling: the least any client can cost. Build in release first (make bench does).

            --concurrency 1,2,4 measures Lambda Managed Instances instead: a handler that waits 5 ms (I/O-bound), \
            sync and async, in bench-bootstrap, with that many workers and the emulator serving that many \
            invocations at once; invocations per second and p50/p99, and each count's speed-up over one worker. \
            --streaming measures MB/s of stream-echo against the buffered echo for a 4 MB event. Both run \
            swift-aws-lambda-runtime's peers in the same run when --peers holds them (peer-sleep5, peer-echo, \
            peer-stream-echo; see make bench).
            """
    )

    @Option(help: "Sequential invocations measured per client.")
    var invocations: Int = 20_000

    @Option(help: "Cold starts (exec to first /next) measured per client; the median is reported.")
    var coldStarts: Int = 20

    @Option(help: "The CPU to pin the emulator and the clients to.")
    var cpu: Int = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    @Option(help: "The bootstrap to measure (default: the one built beside upload-edge).")
    var bootstrap: String?

    @Option(help: "The raw-socket C client (default: the one built beside upload-edge).")
    var rawClient: String?

    @Option(help: "The Python with awslambdaric installed.")
    var python: String = ProcessInfo.processInfo.environment["UPLOAD_EDGE_PYTHON"] ?? "python3"

    @Flag(help: "Leave awslambdaric out.")
    var skipAwslambdaric = false

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Measure Managed Instances instead: worker counts, comma-separated (e.g. 1,2,4).",
            valueName: "counts"
        )
    )
    var concurrency: String?

    @Flag(help: "Measure response streaming instead: stream-echo against echo, 4 MB events.")
    var streaming = false

    @Option(help: "Invocations per worker count (--concurrency) or per response mode (--streaming).")
    var rounds: Int?

    @Option(help: "The runtime with the 5 ms handlers (default: bench-bootstrap beside upload-edge).")
    var benchBootstrap: String?

    @Option(help: "A directory with swift-aws-lambda-runtime's peer binaries, measured when present.")
    var peers: String = "/work/peers/swift-aws-lambda-runtime-peer/bin"

    @Option(help: "aws-lambda-cpp's echo runtime, measured beside bootstrap when present.")
    var cppPeer: String = "/work/peers/aws-lambda-cpp-peer/bin/echo"

    func validate() throws {
        guard cpu >= 0 else { throw ValidationError("--cpu must be a CPU number (0, 1, ...)") }
        guard invocations > 0, coldStarts > 0 else {
            throw ValidationError("--invocations and --cold-starts must be positive")
        }
    }

    /// `--concurrency`'s worker counts.
    func workerCounts() throws -> [Int]? {
        guard let concurrency else { return nil }
        let counts = concurrency.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 1024 }) else {
            throw ValidationError("--concurrency is \"\(concurrency)\"; give worker counts from 1 to 1024, e.g. 1,2,4")
        }
        return counts.map { $0! }
    }

    func run() async throws {
        if let counts = try workerCounts() {
            return try await ConcurrencyBenchRun(command: self, counts: counts).run()
        }
        if streaming { return try await ConcurrencyBenchRun(command: self, counts: []).runStreaming() }
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        let bootstrapPath = try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap")
        let rawClientPath = try SiblingExecutable.resolve(
            rawClient,
            name: "raw-runtime-client",
            product: "raw-runtime-client"
        )
        var subjects = [
            RuntimeBenchmark.Subject(name: "raw C client (floor)", arguments: [rawClientPath]),
            RuntimeBenchmark.Subject(
                name: "bootstrap (Swift, libcurl)",
                arguments: [bootstrapPath],
                environment: ["_HANDLER": "echo"]
            ),
        ]
        // The peers, built from their public sources outside the repository, run in the same run when present.
        for (name, path) in [
            ("swift-aws-lambda-runtime (peer-echo)", (peers as NSString).appendingPathComponent("peer-echo")),
            ("aws-lambda-cpp (echo)", cppPeer),
        ] {
            if FileManager.default.isExecutableFile(atPath: path) {
                subjects.append(RuntimeBenchmark.Subject(name: name, arguments: [path]))
            } else {
                FileHandle.standardError.write(Data("  no \(path): \(name) is left out\n".utf8))
            }
        }
        var handlerDirectory: String?
        if !skipAwslambdaric {
            try AwslambdaricCheck.require(python: python)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-bench-\(getpid())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "def handler(event, context):\n    return event\n".write(
                toFile: directory + "/echo_handler.py",
                atomically: true,
                encoding: .utf8
            )
            handlerDirectory = directory
            subjects.append(
                RuntimeBenchmark.Subject(
                    name: "awslambdaric (Python)",
                    arguments: [python, "-m", "awslambdaric", "echo_handler.handler"],
                    environment: ["PYTHONPATH": directory, "LAMBDA_TASK_ROOT": directory]
                )
            )
        }
        defer { if let handlerDirectory { try? FileManager.default.removeItem(atPath: handlerDirectory) } }

        let benchmark = RuntimeBenchmark(
            invocations: invocations,
            coldStarts: coldStarts,
            payload: Array(SampleEvent.s3ObjectCreated.utf8)
        )
        let measurements = try await benchmark.measure(subjects) { line in
            FileHandle.standardError.write(Data("  \(line)\n".utf8))
        }
        let size = try BinarySize.measure(bootstrapPath)
        let report = RuntimeBenchReport(
            measurements: measurements,
            binary: size,
            payloadBytes: benchmark.payload.count,
            cpu: noPin ? nil : cpu
        )
        print(json ? report.json() : report.text())
    }
}

/// A realistic 1 KB event: an S3 ObjectCreated:Put notification.
enum SampleEvent {
    static let s3ObjectCreated = """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",\
        "eventTime":"2026-11-25T14:27:15.123Z","eventName":"ObjectCreated:Put",\
        "userIdentity":{"principalId":"AWS:AROAEXAMPLEROLEID:upload-edge-presign"},\
        "requestParameters":{"sourceIPAddress":"203.0.113.17"},\
        "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810",\
        "x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},\
        "s3":{"s3SchemaVersion":"1.0","configurationId":"upload-edge-object-created",\
        "bucket":{"name":"upload-edge-uploads-123456789012","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},\
        "arn":"arn:aws:s3:::upload-edge-uploads-123456789012"},\
        "object":{"key":"uploads/7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f/2c1e7a3b-5d4f-4e6a-9b8c-7d6e5f4a3b2c/holiday+photo.jpg",\
        "size":482133,"eTag":"d41d8cd98f00b204e9800998ecf8427e","versionId":"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",\
        "sequencer":"0055AED6DCD90281E5"}}}]}
        """
}
