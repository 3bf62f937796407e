import ArgumentParser
import Benchmarks
import Foundation
import LambdaEvents

struct EventsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Decode time per event: LambdaJSONDecoder against Foundation's JSONDecoder, and dispatch by shape.",
        discussion: """
            Decodes an HTTP API v2 request with JWT claims and an S3 notification from Events/, each as its typed \
            value, three ways, and reports the median time per decode over batches. Build in release first \
            (make bench does).
            """
    )

    @Option(help: "The folder with the sample events.")
    var events = "Events"

    @Option(help: "Timed batches per measurement; the median is reported.")
    var batches = 60

    @Option(help: "Decodes per batch.")
    var batchSize = 1_000

    @Option(help: "The CPU to pin to.")
    var cpu = 1

    @Flag(help: "Do not pin to one CPU.")
    var noPin = false

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    func validate() throws {
        guard batches > 0, batchSize > 0 else { throw ValidationError("--batches and --batch-size must be positive") }
    }

    func run() throws {
        if !noPin { try CPUPinning.ensurePinned(to: cpu) }
        func load(_ name: String) throws -> [UInt8] {
            let path = (events as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path); run from the project root or pass --events")
            }
            return Array(data)
        }
        let benchmark = EventDecodingBenchmark(batches: batches, batchSize: batchSize)
        let apiName = "apigw-http-v2-jwt-id-token.json"
        let s3Name = "s3-objectcreated-put.json"
        let api = try load(apiName)
        let s3 = try load(s3Name)
        var measurements = try benchmark.measure(APIGatewayV2Request.self, named: apiName, bytes: api)
        measurements += try benchmark.measure(S3Event.self, named: s3Name, bytes: s3)
        let report = EventsBenchReport(
            measurements: measurements,
            sizes: [apiName: api.count, s3Name: s3.count],
            cpu: noPin ? nil : cpu
        )
        print(json ? report.json() : report.text())
    }
}

/// The event decoding benchmark's results and goals.
struct EventsBenchReport: Codable {
    var measurements: [EventDecodingBenchmark.Measurement]
    var sizes: [String: Int]
    var cpu: Int?

    struct Goal: Codable {
        var name: String
        var measured: String
        var met: Bool
    }

    private func time(_ event: String, _ method: String) -> Double? {
        measurements.first { $0.event.hasPrefix(event) && $0.method.hasPrefix(method) }?.microsecondsPerDecode
    }

    var goals: [Goal] {
        var goals: [Goal] = []
        if let ours = time("apigw", "LambdaJSONDecoder") {
            goals.append(
                Goal(name: "API Gateway v2 decode <= 20 us", measured: String(format: "%.1f us", ours), met: ours <= 20)
            )
        }
        for event in ["apigw", "s3"] {
            if let ours = time(event, "LambdaJSONDecoder"), let routed = time(event, "LambdaEvent") {
                let extra = (routed / ours - 1) * 100
                goals.append(
                    Goal(
                        name: "dispatch by shape adds <= 10% (\(event))",
                        measured: String(format: "%+.1f%%", extra),
                        met: extra <= 10
                    )
                )
            }
        }
        return goals
    }

    func text() -> String {
        var lines = [
            "Event decoding: median time per decode, \(cpu.map { "pinned to CPU \($0)" } ?? "unpinned").", "",
        ]
        var rows = [["event", "bytes", "method", "per decode", "vs JSONDecoder"]]
        for measurement in measurements {
            let baseline = time(String(measurement.event.prefix(4)), "JSONDecoder") ?? measurement.microsecondsPerDecode
            rows.append([
                measurement.event,
                String(sizes[measurement.event] ?? 0),
                measurement.method,
                String(format: "%.1f us", measurement.microsecondsPerDecode),
                String(format: "%.2fx", baseline / measurement.microsecondsPerDecode),
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            lines.append(
                row.enumerated().map { column, cell in
                    column == 0 || column == 2
                        ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - cell.count) + cell
                }.joined(separator: "  ")
            )
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        lines.append("Goals:")
        for goal in goals { lines.append("  [\(goal.met ? "met" : "MISSED")] \(goal.name): \(goal.measured)") }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        struct Output: Codable {
            var report: EventsBenchReport
            var goals: [Goal]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Output(report: self, goals: goals))).map { String(decoding: $0, as: UTF8.self) }
            ?? "{}"
    }
}
