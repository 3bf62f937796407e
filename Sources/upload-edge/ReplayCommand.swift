import ArgumentParser
import Foundation
import LambdaRuntime
import LocalLambda

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run event files through the real bootstrap, via the local Runtime API emulator.",
        discussion: """
            Each file is one invocation. Directories are searched for *.json (directories named _… are skipped). \
            Where NAME.expected.json sits beside NAME.json, the response (or, for a failed invocation, \
            {"errorType","errorMessage"}) must equal it; in the expected file, a string "~REGEX" matches any string \
            the expression matches whole, and an object matches a string holding that JSON (an API response body). \
            The runtime gets the environment and the emulator the documents of the configuration directory \
            (_replay beside the events, or --config). The exit status is 1 when any event failed unexpectedly or \
            differed from its expected file. With --concurrency N the events go up to N at a time to one runtime \
            serving them as Lambda Managed Instances do (AWS_LAMBDA_MAX_CONCURRENCY=N, JSON logs); the report \
            keeps the order of the files, and each event's logs are the lines carrying its request id.
            """
    )

    @Argument(help: "Event files or directories of them.")
    var paths: [String]

    @Option(
        help:
            "The handler to run each event through: the runtime's _HANDLER. The default, route, sends each event to the handler for its kind."
    )
    var handler: String = "route"

    @Flag(help: "Print one JSON object per event instead of a table.")
    var json = false

    @Option(help: "The bootstrap to run (default: the one built beside upload-edge).")
    var bootstrap: String?

    @Option(help: "The function timeout per invocation, in seconds.")
    var timeout: Int = 30

    @Option(
        help: ArgumentHelp(
            "A replay configuration directory: an `environment` file and `static/` documents (default: _replay in the first event directory).",
            valueName: "directory"
        )
    )
    var config: String?

    @Flag(help: "Replay without any configuration directory.")
    var noConfig = false

    @Option(help: "Events in flight at once, 1 to 1024: above 1, the runtime runs as under Lambda Managed Instances.")
    var concurrency: Int = 1

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if noConfig, config != nil { throw ValidationError("--config and --no-config contradict each other") }
        guard (1...EmulatorConfiguration.concurrencyLimit).contains(concurrency) else {
            throw ValidationError(
                "--concurrency is \(concurrency); it must be a whole number from 1 to "
                    + "\(EmulatorConfiguration.concurrencyLimit)"
            )
        }
    }

    func run() async throws {
        let files = try EventReplay.eventFiles(in: paths)
        guard !files.isEmpty else {
            throw ValidationError("no event files (*.json) under \(paths.joined(separator: ", "))")
        }
        let bootstrapPath = try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap")
        var options = EventReplay.Options(
            bootstrapPath: bootstrapPath,
            timeoutSeconds: timeout,
            concurrency: concurrency
        )
        if !noConfig, let directory = config ?? ReplayConfiguration.defaultDirectory(for: paths) {
            options = options.adding(try ReplayConfiguration.load(directory))
            if !json { Swift.print("Configuration: \(directory)") }
        }
        let replay = EventReplay(options: options)
        var printer = ReplayPrinter(json: json)
        printer.begin(count: files.count)
        do {
            if concurrency > 1 {
                if !json { Swift.print("Sending up to \(concurrency) events at a time.\n") }
                let (outcomes, otherLogs) = try await replay.replayConcurrently(files: files, handler: handler)
                for outcome in outcomes { printer.print(outcome) }
                let rest = otherLogs.trimmingCharacters(in: .whitespacesAndNewlines)
                if !rest.isEmpty, !json {
                    Swift.print("Runtime output not tied to one event:")
                    Swift.print(ReplayPrinter.indented(rest, prefix: "    | ") + "\n")
                }
            } else {
                for file in files {
                    printer.print(try await replay.replay(file: file, handler: handler))
                }
            }
        } catch {
            await replay.shutdown()
            throw error
        }
        await replay.shutdown()
        printer.end()
        if printer.failures > 0 { throw ExitCode(1) }
    }
}

/// Writes replay outcomes as a readable report or as JSON lines.
struct ReplayPrinter {
    let json: Bool
    private(set) var failures = 0
    private var rows: [EventReplay.Outcome] = []

    init(json: Bool) {
        self.json = json
    }

    func begin(count: Int) {
        if !json { Swift.print("Replaying \(count) event\(count == 1 ? "" : "s") through the real runtime.\n") }
    }

    mutating func print(_ outcome: EventReplay.Outcome) {
        if outcome.failed { failures += 1 }
        rows.append(outcome)
        if json {
            Swift.print(Self.jsonLine(outcome))
            return
        }
        let result = outcome.result
        Swift.print(
            "==> \(outcome.event)  handler=\(outcome.handler)  status=\(result.status.rawValue)  "
                + "\(Self.milliseconds(result.durationMilliseconds))"
        )
        if result.streamed {
            let firstByte = result.firstByteNanoseconds.map {
                ", first byte after " + Self.milliseconds(Double($0) / 1e6)
            }
            if result.status == .error {
                Swift.print(
                    "    streamed \(result.body.count) bytes\(firstByte ?? ""), then FAILED mid-stream (error trailers):"
                )
            } else {
                Swift.print("    streamed \(result.body.count) bytes\(firstByte ?? "")")
            }
        }
        if let error = result.error {
            Swift.print("    \(error.errorType): \(error.errorMessage)")
        }
        if result.streamed, result.status == .error, !result.body.isEmpty {
            Swift.print("    what was streamed before the error:")
            Swift.print(Self.indented(Self.shortened(String(decoding: result.body, as: UTF8.self))))
        }
        if result.echoedInvocationID == false {
            Swift.print("    note: the runtime did not echo \(RuntimeAPI.Header.invocationID) on its answer")
        }
        if result.status == .ok {
            let text = JSONText.pretty(result.body) ?? String(decoding: result.body, as: UTF8.self)
            Swift.print(Self.indented(Self.shortened(text)))
        }
        switch outcome.check {
        case .none: break
        case .matched: Swift.print("    matches \(EventReplay.expectedPath(for: outcome.event))")
        case .mismatched(let difference):
            Swift.print("    DIFFERS from \(EventReplay.expectedPath(for: outcome.event)): \(difference)")
        }
        let logs = outcome.logs.trimmingCharacters(in: .whitespacesAndNewlines)
        if !logs.isEmpty {
            Swift.print("    logs:")
            Swift.print(Self.indented(logs, prefix: "    | "))
        }
        Swift.print("")
    }

    func end() {
        guard !json else { return }
        let eventWidth = min(60, max(5, rows.map(\.event.count).max() ?? 5))
        let handlerWidth = max(7, rows.map(\.handler.count).max() ?? 7)
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        Swift.print(
            "\(pad("EVENT", eventWidth))  \(pad("HANDLER", handlerWidth))  \(pad("STATUS", 10))  "
                + "\(pad("DURATION", 10))  CHECK"
        )
        for row in rows {
            let check: String
            switch row.check {
            case .none: check = row.failed ? "FAILED" : "-"
            case .matched: check = "expected"
            case .mismatched: check = "DIFFERS"
            }
            let duration = Self.milliseconds(row.result.durationMilliseconds)
            Swift.print(
                "\(pad(row.event, eventWidth))  \(pad(row.handler, handlerWidth))  "
                    + "\(pad(row.result.status.rawValue, 10))  "
                    + "\(String(repeating: " ", count: max(0, 10 - duration.count)))\(duration)  \(check)"
            )
        }
        let counts = Dictionary(grouping: rows, by: \.result.status).mapValues(\.count)
        let summary = InvocationStatus.allCases.compactMap { status in
            counts[status].map { "\($0) \(status.rawValue)" }
        }.joined(separator: ", ")
        Swift.print(
            "\n\(rows.count) event\(rows.count == 1 ? "" : "s"): \(summary); "
                + (failures == 0 ? "no failures." : "\(failures) FAILED.")
        )
    }

    /// `{"event","handler","status","durationMs","response","error"?,"expected"?,"difference"?,"logs"?}`
    static func jsonLine(_ outcome: EventReplay.Outcome) -> String {
        let result = outcome.result
        var fields: [String] = [
            "\"event\":\(JSONString.quoted(outcome.event))",
            "\"handler\":\(JSONString.quoted(outcome.handler))",
            "\"status\":\(JSONString.quoted(result.status.rawValue))",
            "\"durationMs\":\(String(format: "%.3f", result.durationMilliseconds))",
        ]
        if result.streamed { fields.append("\"streamed\":true") }
        if let echoed = result.echoedInvocationID { fields.append("\"echoedInvocationId\":\(echoed)") }
        let response = JSONText.compact(result.body) ?? JSONString.quoted(String(decoding: result.body, as: UTF8.self))
        fields.append("\"response\":\(response)")
        if let error = result.error {
            fields.append(
                "\"error\":{\"errorType\":\(JSONString.quoted(error.errorType)),"
                    + "\"errorMessage\":\(JSONString.quoted(error.errorMessage))}"
            )
        }
        switch outcome.check {
        case .none: break
        case .matched: fields.append("\"expected\":\"match\"")
        case .mismatched(let difference):
            fields.append("\"expected\":\"mismatch\"")
            fields.append("\"difference\":\(JSONString.quoted(difference))")
        }
        if !outcome.logs.isEmpty { fields.append("\"logs\":\(JSONString.quoted(outcome.logs))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func milliseconds(_ value: Double) -> String {
        String(format: value < 10 ? "%.2f ms" : "%.0f ms", value)
    }

    static func indented(_ text: String, prefix: String = "    ") -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
    }

    /// Long responses are cut in the table view; `--json` always has them whole.
    static func shortened(_ text: String, maxLines: Int = 60) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > maxLines else { return text }
        return lines.prefix(maxLines).joined(separator: "\n") + "\n… \(lines.count - maxLines) more lines (see --json)"
    }
}
