import Foundation
import LocalLambda
import NIOCore
import NIOPosix

/// Measures Runtime API clients against the local emulator: echo cycle latency and throughput, cold start (init),
/// first invocation, peak memory.
public struct RuntimeBenchmark: Sendable {
    /// A runtime to measure.
    public struct Subject: Sendable {
        public var name: String
        public var arguments: [String]
        public var environment: [String: String]
        /// The event for this subject; the benchmark's payload when `nil`.
        public var payload: [UInt8]?
        /// Documents the emulator serves this subject under `/_local/` (a JWKS, say).
        public var staticFiles: [String: [UInt8]]
        /// Checks the first response of every fresh runtime (each cold start, and the one measured warm): a message
        /// when it is not what the subject must answer (a benchmark of error responses measures nothing useful).
        public var validate: (@Sendable ([UInt8]) -> String?)?

        public init(
            name: String,
            arguments: [String],
            environment: [String: String] = [:],
            payload: [UInt8]? = nil,
            staticFiles: [String: [UInt8]] = [:],
            validate: (@Sendable ([UInt8]) -> String?)? = nil
        ) {
            self.name = name
            self.arguments = arguments
            self.environment = environment
            self.payload = payload
            self.staticFiles = staticFiles
            self.validate = validate
        }
    }

    /// What one subject measured.
    public struct Measurement: Sendable, Codable {
        public var name: String
        public var invocations: Int
        public var cycleP50Microseconds: Double
        public var cycleP99Microseconds: Double
        public var invocationsPerSecond: Double
        /// Init: exec to the first `/next`, median of `coldStarts`.
        public var coldStartMedianMilliseconds: Double
        /// The invocation right after each cold start, as the warm cycles measure it (queued to answered), median
        /// of `coldStarts`; with ``coldStartMedianMilliseconds``, what lambda-perf calls the first invocation.
        public var firstInvocationMedianMicroseconds: Double
        public var coldStarts: Int
        public var peakResidentBytes: Int?
    }

    public var invocations: Int
    public var warmup: Int
    public var coldStarts: Int
    public var payload: [UInt8]

    public init(invocations: Int = 20_000, warmup: Int = 1_000, coldStarts: Int = 20, payload: [UInt8]) {
        self.invocations = invocations
        self.warmup = warmup
        self.coldStarts = coldStarts
        self.payload = payload
    }

    /// Invocations per subject in one round; subjects take turns round by round, so a slow spell of the machine
    /// hits every subject alike instead of whichever happened to be running.
    public var roundSize = 1_000

    /// Measures every subject, interleaved: first `coldStarts` starts each (exec to first `/next`, then the first
    /// invocation of the fresh process, then a stop), taking turns; then `warmup` invocations each; then rounds of
    /// `roundSize` sequential echo invocations, taking turns, until each has `invocations`. `progress` receives a
    /// line now and then.
    public func measure(
        _ subjects: [Subject],
        progress: @Sendable (String) -> Void
    ) async throws -> [Measurement] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var emulators: [RuntimeAPIEmulator] = []
        func shutdown() async {
            for emulator in emulators { await emulator.shutdown() }
            try? await group.shutdownGracefully()
        }
        do {
            for subject in subjects {
                var configuration = EmulatorConfiguration()
                configuration.port = 0
                configuration.timeoutSeconds = 60
                configuration.staticFiles = subject.staticFiles
                let emulator = RuntimeAPIEmulator(
                    configuration: configuration,
                    command: RuntimeCommand(
                        arguments: subject.arguments,
                        environment: subject.environment,
                        output: .inherit
                    ),
                    eventLoop: group.next()
                )
                try await emulator.start()
                emulators.append(emulator)
            }
            let measurements = try await run(subjects, on: emulators, progress: progress)
            await shutdown()
            return measurements
        } catch {
            await shutdown()
            throw error
        }
    }

    private func run(
        _ subjects: [Subject],
        on emulators: [RuntimeAPIEmulator],
        progress: @Sendable (String) -> Void
    ) async throws -> [Measurement] {
        var starts = Array(repeating: [UInt64](), count: subjects.count)
        var firsts = Array(repeating: [UInt64](), count: subjects.count)
        for round in 1...coldStarts {
            for index in subjects.indices {
                starts[index].append(try await emulators[index].startRuntime().get())
                firsts[index].append(try await firstInvocation(of: subjects[index], on: emulators[index]))
                _ = try await emulators[index].stopRuntime().get()
            }
            if round == coldStarts || round % 5 == 0 { progress("cold starts: \(round)/\(coldStarts) each") }
        }

        for index in subjects.indices {
            _ = try await emulators[index].startRuntime().get()
            _ = try await firstInvocation(of: subjects[index], on: emulators[index])
            let payload = subjects[index].payload ?? self.payload
            _ = try await cycles(warmup, payload: payload, on: emulators[index])
        }
        progress("warmed up: \(warmup) invocations each")

        var samples = Array(repeating: [UInt64](), count: subjects.count)
        var busy = Array(repeating: Int64(0), count: subjects.count)
        var done = 0
        while done < invocations {
            let size = min(roundSize, invocations - done)
            for index in subjects.indices {
                let start = NIODeadline.now()
                let payload = subjects[index].payload ?? self.payload
                samples[index].append(contentsOf: try await cycles(size, payload: payload, on: emulators[index]))
                busy[index] += (NIODeadline.now() - start).nanoseconds
            }
            done += size
            if done == invocations || (done / roundSize) % 5 == 0 {
                progress("invocations: \(done)/\(invocations) each")
            }
        }

        var measurements: [Measurement] = []
        for (index, subject) in subjects.enumerated() {
            let sorted = samples[index].sorted()
            let peak = await emulators[index].runtimeProcess()?.peakResidentBytes()
            _ = try await emulators[index].stopRuntime().get()
            measurements.append(
                Measurement(
                    name: subject.name,
                    invocations: invocations,
                    cycleP50Microseconds: Double(Self.percentile(sorted, 0.50)) / 1_000,
                    cycleP99Microseconds: Double(Self.percentile(sorted, 0.99)) / 1_000,
                    invocationsPerSecond: Double(invocations) / (Double(busy[index]) / 1e9),
                    coldStartMedianMilliseconds: Double(Self.percentile(starts[index].sorted(), 0.50)) / 1e6,
                    firstInvocationMedianMicroseconds: Double(Self.percentile(firsts[index].sorted(), 0.50)) / 1_000,
                    coldStarts: coldStarts,
                    peakResidentBytes: peak
                )
            )
        }
        return measurements
    }

    /// Invokes a freshly started runtime once with the subject's payload and checks the answer (status `ok`, then
    /// the subject's `validate`): a benchmark of error responses measures nothing useful.
    /// - Returns: The invocation's duration, queued to answered, in nanoseconds.
    private func firstInvocation(of subject: Subject, on emulator: RuntimeAPIEmulator) async throws -> UInt64 {
        let first = await emulator.invoke(InvocationRequest(payload: subject.payload ?? payload))
        guard first.status == .ok else {
            let message = first.error.map { ": \($0.errorType): \($0.errorMessage)" } ?? ""
            throw BenchmarkError(message: "\(subject.name) failed its first invocation: \(first.status)\(message)")
        }
        if let problem = subject.validate?(first.body) {
            throw BenchmarkError(message: "\(subject.name) answered wrongly: \(problem)")
        }
        return first.durationNanoseconds
    }

    /// Runs `count` invocations back to back on the emulator's loop; each sample is one full cycle, from the
    /// moment the invocation is queued (right after the previous answer) to the moment its answer arrives.
    private func cycles(_ count: Int, payload: [UInt8], on emulator: RuntimeAPIEmulator) async throws -> [UInt64] {
        let loop = emulator.eventLoop
        let promise = loop.makePromise(of: [UInt64].self)
        let request = InvocationRequest(payload: payload)
        loop.execute {
            let recorder = NIOLoopBound(CycleRecorder(target: count, promise: promise), eventLoop: loop)
            Self.step(emulator, request, recorder)
        }
        return try await promise.futureResult.get()
    }

    private static func step(
        _ emulator: RuntimeAPIEmulator,
        _ request: InvocationRequest,
        _ recorder: NIOLoopBound<CycleRecorder>
    ) {
        emulator.enqueueOnLoop(request).whenComplete { outcome in
            let state = recorder.value
            switch outcome {
            case .success(let result) where result.status == .ok:
                state.samples.append(result.durationNanoseconds)
                if state.samples.count == state.target {
                    state.promise.succeed(state.samples)
                } else {
                    step(emulator, request, recorder)
                }
            case .success(let result):
                let message = result.error.map { "\($0.errorType): \($0.errorMessage)" } ?? "status \(result.status)"
                state.promise.fail(BenchmarkError(message: "an invocation failed: \(message)"))
            case .failure(let error):
                state.promise.fail(error)
            }
        }
    }

    static func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))
        return sorted[index]
    }
}

/// Samples of one cycle run; lives on the emulator's loop.
private final class CycleRecorder {
    let target: Int
    let promise: EventLoopPromise<[UInt64]>
    var samples: [UInt64] = []

    init(target: Int, promise: EventLoopPromise<[UInt64]>) {
        self.target = target
        self.promise = promise
        samples.reserveCapacity(target)
    }
}

/// A benchmark could not run to the end.
public struct BenchmarkError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
