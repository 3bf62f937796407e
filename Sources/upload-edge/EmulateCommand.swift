import ArgumentParser
import Dispatch
import Foundation
import LambdaRuntime
import LocalLambda
import NIOCore
import NIOPosix
import Synchronization

struct EmulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve the Lambda Runtime API on 127.0.0.1 and run a runtime against it.",
        discussion: """
            Starts the runtime (the built bootstrap, or COMMAND after --) with AWS_LAMBDA_RUNTIME_API pointing here, \
            and restarts it after a crash or init error, as Lambda does. Invoke it the way you invoke the Runtime \
            Interface Emulator:

              curl -d @Events/s3-objectcreated-put.json \\
                http://127.0.0.1:9001/2015-03-31/functions/function/invocations

            The function timeout comes from AWS_LAMBDA_FUNCTION_TIMEOUT (seconds, default 300) or --timeout. \
            With --concurrency N (or AWS_LAMBDA_MAX_CONCURRENCY) above 1 it serves up to N invocations at once, as \
            Lambda Managed Instances do: the runtime gets AWS_LAMBDA_MAX_CONCURRENCY=N and JSON logs, and a \
            timed-out invocation does not stop it (its late answer is refused with 410). Every invocation carries \
            Lambda-Runtime-Invocation-Id; streamed responses (chunked, error trailers) are accepted; a runtime that \
            registers as an internal extension gets SIGTERM, and 500 ms, when it is stopped.
            """
    )

    @Option(help: "The port to listen on, on 127.0.0.1.")
    var port: Int = 9001

    @Option(help: "The handler the runtime runs: its _HANDLER.")
    var handler: String = "echo"

    @Option(help: "The bootstrap to run (default: the one built beside upload-edge). Ignored with a COMMAND.")
    var bootstrap: String?

    @Option(help: "The function timeout in seconds (overrides AWS_LAMBDA_FUNCTION_TIMEOUT).")
    var timeout: Int?

    @Option(help: "Invocations in flight at once, 1 to 1024 (overrides AWS_LAMBDA_MAX_CONCURRENCY).")
    var concurrency: Int?

    @Flag(help: "Do not start a runtime: wait for one started by hand to connect.")
    var noRuntime = false

    @Argument(parsing: .postTerminator, help: "The runtime command to run instead of bootstrap, after --.")
    var command: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        if let concurrency, !(1...EmulatorConfiguration.concurrencyLimit).contains(concurrency) {
            throw ValidationError(
                "--concurrency must be a whole number from 1 to \(EmulatorConfiguration.concurrencyLimit)"
            )
        }
    }

    func run() async throws {
        var configuration = try EmulatorConfiguration.fromEnvironment()
        configuration.port = port
        if let timeout { configuration.timeoutSeconds = timeout }
        if let concurrency { configuration.maxConcurrency = concurrency }

        let arguments: [String]? =
            noRuntime
            ? nil
            : (command.isEmpty
                ? [try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap")] : command)
        let runtimeCommand = arguments.map {
            RuntimeCommand(arguments: $0, environment: [LambdaEnvironment.handler: handler])
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let emulator = RuntimeAPIEmulator(
            configuration: configuration,
            command: runtimeCommand,
            eventLoop: group.next()
        )
        try await emulator.start()
        let invokeURL = "http://\(emulator.runtimeAPIAddress)/2015-03-31/functions/function/invocations"
        print(
            "Runtime API listening on http://\(emulator.runtimeAPIAddress) (timeout \(configuration.timeoutSeconds) s, "
                + "\(configuration.maxConcurrency) invocation\(configuration.maxConcurrency == 1 ? "" : "s") at once)"
        )
        if let arguments {
            print("Runtime: \(arguments.joined(separator: " ")) with _HANDLER=\(handler)")
        } else {
            print("No runtime started: run one with AWS_LAMBDA_RUNTIME_API=\(emulator.runtimeAPIAddress)")
        }
        print("Invoke:  curl -sS -d @Events/<file>.json \(invokeURL)")
        print("Stop:    Ctrl-C")

        if runtimeCommand != nil {
            do {
                let nanoseconds = try await emulator.startRuntime().get()
                print("Runtime ready: first /next \(String(format: "%.1f", Double(nanoseconds) / 1e6)) ms after start")
            } catch {
                print("Runtime did not become ready: \(error). It is started again on the next invocation.")
            }
        }

        await waitForTerminationSignal()
        print("\nStopping the runtime and the emulator.")
        await emulator.shutdown()
        try? await group.shutdownGracefully()
    }
}

/// Suspends until SIGINT or SIGTERM arrives.
func waitForTerminationSignal() async {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let queue = DispatchQueue(label: "signals")
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let once = SignalOnce(continuation)
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { once.resume() }
            source.resume()
            once.keep(source)
        }
    }
}

/// Resumes a continuation once, whichever signal comes first, and keeps the signal sources alive.
private final class SignalOnce: Sendable {
    private struct State: @unchecked Sendable {
        // @unchecked Sendable: dispatch sources are thread-safe objects; the struct is only reached through the
        // mutex below.
        var continuation: CheckedContinuation<Void, Never>?
        var sources: [any DispatchSourceSignal] = []
    }

    private let state: Mutex<State>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.state = Mutex(State(continuation: continuation))
    }

    func keep(_ source: any DispatchSourceSignal) {
        state.withLock { $0.sources.append(source) }
    }

    func resume() {
        state.withLock { state in
            state.continuation?.resume()
            state.continuation = nil
        }
    }
}
