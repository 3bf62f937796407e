import Foundation
import LambdaRuntime
import NIOCore
import NIOPosix

/// Replays event files through a real `bootstrap` process, one emulator per handler.
public final class EventReplay {
    /// What replay needs to know.
    public struct Options: Sendable {
        /// The runtime to start: usually the built `bootstrap`.
        public var bootstrapPath: String
        /// The function timeout for each invocation.
        public var timeoutSeconds: Int
        /// Extra environment for the runtime.
        public var environment: [String: String]
        /// Documents the emulator serves under `/_local/` (see `EmulatorConfiguration.staticFiles`).
        public var staticFiles: [String: [UInt8]]
        /// Invocations in flight at once; above 1 the emulator and runtime work as Lambda Managed Instances do.
        public var concurrency: Int

        public init(
            bootstrapPath: String,
            timeoutSeconds: Int = 30,
            environment: [String: String] = [:],
            staticFiles: [String: [UInt8]] = [:],
            concurrency: Int = 1
        ) {
            self.bootstrapPath = bootstrapPath
            self.timeoutSeconds = timeoutSeconds
            self.environment = environment
            self.staticFiles = staticFiles
            self.concurrency = concurrency
        }

        /// Options with a replay configuration directory's environment and static files added.
        public func adding(_ configuration: ReplayConfiguration) -> Options {
            var options = self
            options.environment.merge(configuration.environment) { _, new in new }
            options.staticFiles.merge(configuration.staticFiles) { _, new in new }
            return options
        }
    }

    /// How a response compared with the `NAME.expected.json` beside its event.
    public enum Check: Sendable, Equatable {
        /// There is no expected file.
        case none
        case matched
        /// The first difference, as `path: expected X, got Y`.
        case mismatched(String)
    }

    /// One replayed event.
    public struct Outcome: Sendable {
        public var event: String
        public var handler: String
        public var result: InvocationResult
        public var check: Check
        /// What the runtime wrote while handling this event.
        public var logs: String

        /// Whether this outcome makes replay fail: a mismatch, or a failure no expected file anticipated.
        public var failed: Bool {
            switch check {
            case .mismatched: true
            case .matched: false
            case .none: result.status != .ok
            }
        }
    }

    /// The suffix of expected-response files, which are never replayed themselves.
    public static let expectedSuffix = ".expected.json"

    private let options: Options
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var functions: [String: (emulator: RuntimeAPIEmulator, output: OutputCollector)] = [:]

    public init(options: Options) {
        self.options = options
    }

    /// The event files under `paths`: files as given, directories searched recursively for `*.json` (expected
    /// files excluded), in a stable order.
    /// - Throws: `LocalLambdaError.unreadableEvent` for a path that does not exist.
    public static func eventFiles(in paths: [String]) throws(LocalLambdaError) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LocalLambdaError(.unreadableEvent, "\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let enumerator = manager.enumerator(atPath: path)
            var found: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                // Directories named _… or .… hold configuration (Events/_replay), not events.
                if relative.split(separator: "/").dropLast().contains(where: { $0.hasPrefix("_") || $0.hasPrefix(".") })
                {
                    continue
                }
                guard relative.hasSuffix(".json"), !relative.hasSuffix(expectedSuffix) else { continue }
                found.append((path as NSString).appendingPathComponent(relative))
            }
            files.append(contentsOf: found.sorted())
        }
        return files
    }

    /// Replays `file` through the handler `handler`, starting its emulator and runtime on first use.
    public func replay(file: String, handler: String) async throws(LocalLambdaError) -> Outcome {
        guard let payload = FileManager.default.contents(atPath: file) else {
            throw LocalLambdaError(.unreadableEvent, "\(file): cannot read the file")
        }
        let function = try await function(for: handler)
        _ = function.output.take()
        let result = await function.emulator.invoke(InvocationRequest(payload: Array(payload)))
        let logs = function.output.take()
        return Outcome(
            event: file,
            handler: handler,
            result: result,
            check: Self.check(result, against: Self.expectedPath(for: file)),
            logs: logs
        )
    }

    /// Replays `files` through `handler` with up to `options.concurrency` invocations in flight, and returns the
    /// outcomes in the order of `files`, with the runtime's output not tied to any of them.
    ///
    /// Under Managed Instances the runtime logs JSON, one line per record with its `requestId`: each outcome gets
    /// the lines that carry its request id.
    public func replayConcurrently(
        files: [String],
        handler: String
    ) async throws(LocalLambdaError) -> (outcomes: [Outcome], otherLogs: String) {
        var requests: [InvocationRequest] = []
        for file in files {
            guard let payload = FileManager.default.contents(atPath: file) else {
                throw LocalLambdaError(.unreadableEvent, "\(file): cannot read the file")
            }
            requests.append(InvocationRequest(payload: Array(payload), requestID: UUID().uuidString.lowercased()))
        }
        let function = try await function(for: handler)
        _ = function.output.take()
        let emulator = function.emulator
        let width = max(1, options.concurrency)
        let requestList = requests
        let results = await withTaskGroup(of: (Int, InvocationResult).self) { group in
            var results = [InvocationResult?](repeating: nil, count: requests.count)
            var next = 0
            while next < min(width, requests.count) {
                let index = next
                group.addTask { (index, await emulator.invoke(requestList[index])) }
                next += 1
            }
            for await (index, result) in group {
                results[index] = result
                if next < requests.count {
                    let index = next
                    group.addTask { (index, await emulator.invoke(requestList[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
        var lines = function.output.take().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var outcomes: [Outcome] = []
        for (file, result) in zip(files, results) {
            let own = lines.filter { $0.contains(result.requestID) }
            lines.removeAll { $0.contains(result.requestID) }
            outcomes.append(
                Outcome(
                    event: file,
                    handler: handler,
                    result: result,
                    check: Self.check(result, against: Self.expectedPath(for: file)),
                    logs: own.joined(separator: "\n")
                )
            )
        }
        return (outcomes, lines.joined(separator: "\n"))
    }

    /// Stops every runtime and emulator.
    public func shutdown() async {
        for function in functions.values {
            await function.emulator.shutdown()
            function.output.stop()
        }
        functions.removeAll()
        try? await group.shutdownGracefully()
    }

    /// `Events/x.json` → `Events/x.expected.json`.
    public static func expectedPath(for event: String) -> String {
        (event.hasSuffix(".json") ? String(event.dropLast(5)) : event) + expectedSuffix
    }

    /// The JSON replay reports as the invocation's answer: the response for `ok`, else the error object.
    public static func reportedJSON(_ result: InvocationResult) -> JSONValue? {
        if result.status == .ok { return JSONText.value(result.body) }
        guard let error = result.error else { return nil }
        return .object(["errorType": .string(error.errorType), "errorMessage": .string(error.errorMessage)])
    }

    static func check(_ result: InvocationResult, against expectedPath: String) -> Check {
        guard let expectedBytes = FileManager.default.contents(atPath: expectedPath) else { return .none }
        guard let expected = JSONText.value(Array(expectedBytes)) else {
            return .mismatched("\(expectedPath) is not valid JSON")
        }
        guard let actual = reportedJSON(result) else {
            return .mismatched(
                "(top level): expected JSON, got \(result.body.count) bytes that are not JSON (status \(result.status.rawValue))"
            )
        }
        if result.status != .ok, expected["errorType"] == nil {
            return .mismatched("(top level): expected a response, got status \(result.status.rawValue)")
        }
        if let difference = JSONText.firstDifference(expected: expected, actual: actual) {
            return .mismatched(difference)
        }
        return .matched
    }

    private func function(
        for handler: String
    ) async throws(LocalLambdaError) -> (
        emulator: RuntimeAPIEmulator, output: OutputCollector
    ) {
        if let existing = functions[handler] { return existing }
        guard FileManager.default.isExecutableFile(atPath: options.bootstrapPath) else {
            throw LocalLambdaError(
                .invalidConfiguration,
                "no runtime at \(options.bootstrapPath); build it with `swift build --product bootstrap`, "
                    + "or pass --bootstrap PATH"
            )
        }
        let output = OutputCollector()
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.timeoutSeconds = options.timeoutSeconds
        configuration.functionName = "upload-edge-\(handler)"
        configuration.staticFiles = options.staticFiles
        configuration.maxConcurrency = max(1, options.concurrency)
        var environment = options.environment
        environment[LambdaEnvironment.handler] = handler
        let command = RuntimeCommand(
            arguments: [options.bootstrapPath],
            environment: environment,
            output: .pipe,
            outputReceiver: { _, descriptor in output.add(descriptor) }
        )
        let emulator = RuntimeAPIEmulator(configuration: configuration, command: command, eventLoop: group.next())
        try await emulator.start()
        functions[handler] = (emulator, output)
        return (emulator, output)
    }
}
