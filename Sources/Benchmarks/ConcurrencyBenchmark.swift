import Foundation
import LocalLambda
import NIOCore
import NIOPosix
import Synchronization

/// Throughput of an I/O-bound handler with 1, 2, 4… workers (Lambda Managed Instances), through the emulator
/// serving that many invocations at once, and the response streaming rate against a buffered echo.
public struct ConcurrencyBenchmark: Sendable {
    /// One runtime at one concurrency.
    public struct Measurement: Sendable, Codable {
        public var name: String
        public var workers: Int
        public var invocations: Int
        public var invocationsPerSecond: Double
        /// From the invocation becoming active to its answer.
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
    }

    /// One response mode's transfer rate.
    public struct StreamMeasurement: Sendable, Codable {
        public var name: String
        public var payloadBytes: Int
        public var invocations: Int
        /// Payload bytes delivered per second of invocation time (event in, response back).
        public var megabytesPerSecond: Double
        /// For a streamed answer: the median time to its first byte.
        public var firstByteP50Milliseconds: Double?
        public var p50Milliseconds: Double
    }

    public var invocations: Int
    public var warmup: Int

    public init(invocations: Int = 1_000, warmup: Int = 100) {
        self.invocations = invocations
        self.warmup = warmup
    }

    /// Runs `arguments` under an emulator serving `workers` at once, keeping `workers` invocations in flight
    /// until `invocations` have ended.
    public func measure(
        name: String,
        arguments: [String],
        environment: [String: String],
        workers: Int,
        payload: [UInt8] = Array("{}".utf8)
    ) async throws -> Measurement {
        try await withEmulator(arguments: arguments, environment: environment, workers: workers) { emulator in
            _ = try await emulator.startRuntime().get()
            _ = try await Self.closedLoop(emulator, count: warmup, inFlight: workers, payload: payload)
            let started = NIODeadline.now()
            let durations = try await Self.closedLoop(emulator, count: invocations, inFlight: workers, payload: payload)
            let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            let sorted = durations.sorted()
            return Measurement(
                name: name,
                workers: workers,
                invocations: invocations,
                invocationsPerSecond: Double(invocations) / seconds,
                p50Milliseconds: Double(RuntimeBenchmark.percentile(sorted, 0.50)) / 1e6,
                p99Milliseconds: Double(RuntimeBenchmark.percentile(sorted, 0.99)) / 1e6
            )
        }
    }

    /// Sends `payload` to `arguments` `count` times in a row and measures the rate, buffered or streamed.
    public func measureTransfer(
        name: String,
        arguments: [String],
        environment: [String: String],
        payload: [UInt8],
        count: Int
    ) async throws -> StreamMeasurement {
        try await withEmulator(arguments: arguments, environment: environment, workers: 1) { emulator in
            _ = try await emulator.startRuntime().get()
            var durations: [UInt64] = []
            var firstBytes: [UInt64] = []
            for round in 0..<(count + 2) {
                let result = await emulator.invoke(InvocationRequest(payload: payload))
                guard result.status == .ok, result.body.count == payload.count else {
                    let why = result.error.map { "\($0.errorType): \($0.errorMessage)" } ?? "\(result.body.count) bytes"
                    throw BenchmarkError(message: "\(name) did not echo the \(payload.count)-byte event: \(why)")
                }
                // Two warm-up rounds.
                guard round >= 2 else { continue }
                durations.append(result.durationNanoseconds)
                if let first = result.firstByteNanoseconds { firstBytes.append(first) }
            }
            let total = Double(durations.reduce(0, +)) / 1e9
            let sorted = durations.sorted()
            return StreamMeasurement(
                name: name,
                payloadBytes: payload.count,
                invocations: count,
                megabytesPerSecond: Double(payload.count * count) / 1e6 / total,
                firstByteP50Milliseconds: firstBytes.isEmpty
                    ? nil : Double(RuntimeBenchmark.percentile(firstBytes.sorted(), 0.50)) / 1e6,
                p50Milliseconds: Double(RuntimeBenchmark.percentile(sorted, 0.50)) / 1e6
            )
        }
    }

    private func withEmulator<Result: Sendable>(
        arguments: [String],
        environment: [String: String],
        workers: Int,
        _ body: (RuntimeAPIEmulator) async throws -> Result
    ) async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.timeoutSeconds = 60
        configuration.maxConcurrency = workers
        // Managed Instances log JSON; an echo benchmark wants no log lines at all.
        var environment = environment
        environment["AWS_LAMBDA_LOG_LEVEL"] = environment["AWS_LAMBDA_LOG_LEVEL"] ?? "WARN"
        let emulator = RuntimeAPIEmulator(
            configuration: configuration,
            command: RuntimeCommand(arguments: arguments, environment: environment, output: .inherit),
            eventLoop: group.next()
        )
        try await emulator.start()
        do {
            let result = try await body(emulator)
            await emulator.shutdown()
            try? await group.shutdownGracefully()
            return result
        } catch {
            await emulator.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Keeps `inFlight` invocations going until `count` have ended; returns each one's duration.
    static func closedLoop(
        _ emulator: RuntimeAPIEmulator,
        count: Int,
        inFlight: Int,
        payload: [UInt8]
    ) async throws -> [UInt64] {
        let started = Counter()
        return try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<inFlight {
                group.addTask {
                    var durations: [UInt64] = []
                    while started.next() <= count {
                        let result = await emulator.invoke(InvocationRequest(payload: payload))
                        guard result.status == .ok else {
                            let why = result.error.map { "\($0.errorType): \($0.errorMessage)" } ?? "\(result.status)"
                            throw BenchmarkError(message: "an invocation failed: \(why)")
                        }
                        durations.append(result.durationNanoseconds)
                    }
                    return durations
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}

/// A count shared by the closed loop's tasks.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new count.
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
