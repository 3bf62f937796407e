import ArgumentParser
import Benchmarks
import Foundation

/// `bench runtime --concurrency` and `--streaming`: Managed Instances throughput and streaming rate, ours and
/// swift-aws-lambda-runtime's in the same run.
struct ConcurrencyBenchRun {
    let command: RuntimeBenchCommand
    let counts: [Int]

    func peer(_ name: String) -> String? {
        let path = (command.peers as NSString).appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("  \(line)\n".utf8))
    }

    func run() async throws {
        let benchBootstrap = try SiblingExecutable.resolve(
            command.benchBootstrap,
            name: "bench-bootstrap",
            product: "bench-bootstrap"
        )
        var subjects: [(name: String, arguments: [String], environment: [String: String])] = [
            ("bootstrap, sync handler (usleep 5 ms)", [benchBootstrap], ["_HANDLER": "sleep-5ms"]),
            ("bootstrap, async handler (Task.sleep 5 ms)", [benchBootstrap], ["_HANDLER": "async-sleep-5ms"]),
        ]
        if let peer = peer("peer-sleep5") {
            subjects.append(("swift-aws-lambda-runtime LambdaManagedRuntime (Task.sleep 5 ms)", [peer], [:]))
        } else {
            Self.progress("no peer-sleep5 in \(command.peers): swift-aws-lambda-runtime is left out")
        }
        let benchmark = ConcurrencyBenchmark(invocations: command.rounds ?? 1_000, warmup: 100)
        var results: [ConcurrencyBenchmark.Measurement] = []
        for subject in subjects {
            for workers in counts {
                Self.progress("\(subject.name): \(workers) worker\(workers == 1 ? "" : "s")…")
                results.append(
                    try await benchmark.measure(
                        name: subject.name,
                        arguments: subject.arguments,
                        environment: subject.environment,
                        workers: workers
                    )
                )
            }
        }
        if command.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        print("Managed Instances: a handler that waits 5 ms, \(benchmark.invocations) invocations per row, kept")
        print("`workers` in flight through the emulator (AWS_LAMBDA_MAX_CONCURRENCY = workers).\n")
        print("| runtime | workers | invocations/s | × one worker | p50 | p99 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for result in results {
            let one = results.first { $0.name == result.name && $0.workers == 1 }
            let speedUp = one.map { String(format: "%.2f×", result.invocationsPerSecond / $0.invocationsPerSecond) }
            print(
                "| \(result.name) | \(result.workers) | \(String(format: "%.0f", result.invocationsPerSecond)) | "
                    + "\(speedUp ?? "-") | \(String(format: "%.2f ms", result.p50Milliseconds)) | "
                    + "\(String(format: "%.2f ms", result.p99Milliseconds)) |"
            )
        }
        if let most = counts.max(), most > 1 {
            print("")
            for name in Set(results.map(\.name)).sorted() {
                let theirs = results.filter { $0.name == name }
                guard let one = theirs.first(where: { $0.workers == 1 }),
                    let top = theirs.first(where: { $0.workers == most })
                else { continue }
                print(
                    "\(name): \(most) workers reach \(String(format: "%.2f", top.invocationsPerSecond / one.invocationsPerSecond))× one."
                )
            }
        }
    }

    func runStreaming() async throws {
        let bootstrap = try SiblingExecutable.resolve(command.bootstrap, name: "bootstrap", product: "bootstrap")
        let size = 4 * 1024 * 1024
        // A JSON string of 4 MB: what a handler streaming a generated document sends.
        let payload = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size - 2) + Array("\"".utf8)
        var subjects: [(String, [String], [String: String])] = [
            ("bootstrap echo (buffered)", [bootstrap], ["_HANDLER": "echo"]),
            ("bootstrap stream-echo (3 chunks)", [bootstrap], ["_HANDLER": "stream-echo"]),
        ]
        if let echo = peer("peer-echo") { subjects.append(("swift-aws-lambda-runtime echo (buffered)", [echo], [:])) }
        if let stream = peer("peer-stream-echo") {
            subjects.append(("swift-aws-lambda-runtime stream-echo (3 chunks)", [stream], [:]))
        }
        let benchmark = ConcurrencyBenchmark()
        let count = command.rounds ?? 40
        var results: [ConcurrencyBenchmark.StreamMeasurement] = []
        for (name, arguments, environment) in subjects {
            Self.progress("\(name): \(count) × 4 MB…")
            results.append(
                try await benchmark.measureTransfer(
                    name: name,
                    arguments: arguments,
                    environment: environment,
                    payload: payload,
                    count: count
                )
            )
        }
        if command.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        print("Response streaming: a 4 MB event echoed back, \(count) invocations each, through the emulator.\n")
        print("| runtime | MB/s | × buffered echo | p50 | first byte p50 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        let buffered = results.first?.megabytesPerSecond ?? 1
        for result in results {
            print(
                "| \(result.name) | \(String(format: "%.0f", result.megabytesPerSecond)) | "
                    + "\(String(format: "%.2f×", result.megabytesPerSecond / buffered)) | "
                    + "\(String(format: "%.2f ms", result.p50Milliseconds)) | "
                    + "\(result.firstByteP50Milliseconds.map { String(format: "%.2f ms", $0) } ?? "-") |"
            )
        }
    }
}
