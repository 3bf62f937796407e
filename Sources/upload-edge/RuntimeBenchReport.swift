import Benchmarks
import Foundation

/// The runtime benchmark's results, with the issue's goals checked against them.
struct RuntimeBenchReport: Codable {
    var measurements: [RuntimeBenchmark.Measurement]
    var binary: BinarySize
    var payloadBytes: Int
    /// The CPU everything was pinned to; `nil` when unpinned.
    var cpu: Int?

    /// A goal and whether the run met it.
    struct Goal: Codable {
        var name: String
        var measured: String
        var met: Bool
    }

    var floor: RuntimeBenchmark.Measurement? { measurements.first { $0.name.hasPrefix("raw C") } }
    var swift: RuntimeBenchmark.Measurement? { measurements.first { $0.name.hasPrefix("bootstrap") } }
    var python: RuntimeBenchmark.Measurement? { measurements.first { $0.name.hasPrefix("awslambdaric") } }

    /// The peers built from their public sources: swift-aws-lambda-runtime and aws-lambda-cpp.
    var peers: [RuntimeBenchmark.Measurement] {
        measurements.filter { $0.name.hasPrefix("swift-aws-lambda-runtime") || $0.name.hasPrefix("aws-lambda-cpp") }
    }

    /// Issue 15's goals for the shipped binary: ratios to peers in this run, and absolute sizes.
    var goals: [Goal] {
        var goals: [Goal] = []
        if let swift, let floor {
            let ratio = swift.cycleP50Microseconds / floor.cycleP50Microseconds
            goals.append(
                Goal(name: "cycle p50 <= 1.6x the raw C client's", measured: Self.ratio(ratio), met: ratio <= 1.6)
            )
        }
        if let swift, let python {
            let ratio = swift.coldStartMedianMilliseconds / python.coldStartMedianMilliseconds
            goals.append(
                Goal(name: "cold start <= 0.12x awslambdaric's", measured: Self.ratio(ratio), met: ratio <= 0.12)
            )
        }
        if let swift {
            for peer in peers {
                let ratio = swift.coldStartMedianMilliseconds / peer.coldStartMedianMilliseconds
                goals.append(
                    Goal(name: "cold start below \(peer.name)'s", measured: Self.ratio(ratio), met: ratio < 1)
                )
            }
        }
        if let swift, let peak = swift.peakResidentBytes {
            goals.append(Goal(name: "echo peak RSS <= 10 MB", measured: Self.megabytes(peak), met: peak <= 10 << 20))
            for peer in peers {
                guard let theirs = peer.peakResidentBytes else { continue }
                goals.append(
                    Goal(
                        name: "echo peak RSS below \(peer.name)'s (\(Self.megabytes(theirs)))",
                        measured: Self.megabytes(peak),
                        met: peak < theirs
                    )
                )
            }
        }
        goals.append(
            Goal(
                name: "stripped static bootstrap <= 15 MB",
                measured: Self.megabytes(binary.strippedBytes) + (binary.staticSwiftStdlib ? "" : " (not static!)"),
                met: binary.staticSwiftStdlib && binary.strippedBytes <= 15 << 20
            )
        )
        return goals
    }

    func text() -> String {
        var lines: [String] = []
        let count = measurements.first?.invocations ?? 0
        lines.append(
            "Runtime benchmark: \(count) sequential echo invocations of a \(payloadBytes)-byte S3 event per client, "
                + (cpu.map { "emulator and client pinned to CPU \($0)." } ?? "unpinned.")
        )
        lines.append("")
        let header = ["client", "cycle p50", "cycle p99", "invocations/s", "cold start", "first invoke", "peak RSS"]
        var rows = [header]
        for measurement in measurements {
            rows.append([
                measurement.name,
                String(format: "%.1f us", measurement.cycleP50Microseconds),
                String(format: "%.1f us", measurement.cycleP99Microseconds),
                String(format: "%.0f", measurement.invocationsPerSecond),
                String(format: "%.2f ms", measurement.coldStartMedianMilliseconds),
                String(format: "%.1f us", measurement.firstInvocationMedianMicroseconds),
                measurement.peakResidentBytes.map(Self.megabytes) ?? "n/a",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                column == 0
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            lines.append(cells.joined(separator: "  "))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        lines.append(
            "cold start = exec to first /next, first invoke = the invocation right after it, "
                + "medians of \(measurements.first?.coldStarts ?? 0); "
                + "bootstrap binary \(Self.megabytes(binary.bytes)), stripped \(Self.megabytes(binary.strippedBytes))"
                + (binary.staticSwiftStdlib ? " (static Swift stdlib)" : " (dynamic Swift stdlib)")
        )
        lines.append("")
        lines.append("Goals:")
        for goal in goals {
            lines.append("  [\(goal.met ? "met" : "MISSED")] \(goal.name): \(goal.measured)")
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        struct Output: Codable {
            var report: RuntimeBenchReport
            var goals: [Goal]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(Output(report: self, goals: goals))).map { String(decoding: $0, as: UTF8.self) }
            ?? "{}"
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    static func ratio(_ value: Double) -> String {
        String(format: "%.2fx", value)
    }
}
