import Foundation
import LambdaRuntime
import LocalLambda
import NIOCore
import NIOPosix
import TestSupport

/// Runs `body` with an emulator on a free port, then shuts it down.
func withEmulator<Result>(
    command: RuntimeCommand?,
    timeoutSeconds: Int = 30,
    concurrency: Int = 1,
    _ body: (RuntimeAPIEmulator) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var configuration = EmulatorConfiguration()
    configuration.port = 0
    configuration.timeoutSeconds = timeoutSeconds
    configuration.maxConcurrency = concurrency
    let emulator = RuntimeAPIEmulator(configuration: configuration, command: command, eventLoop: group.next())
    try await emulator.start()
    do {
        let result = try await body(emulator)
        await emulator.shutdown()
        try await group.shutdownGracefully()
        return result
    } catch {
        await emulator.shutdown()
        try? await group.shutdownGracefully()
        throw error
    }
}

/// A command that runs the test bootstrap with `handler`, its output discarded.
func fixture(_ handler: String, environment: [String: String] = [:]) -> RuntimeCommand {
    RuntimeCommand(
        arguments: [BuiltProducts.fixtureBootstrap],
        environment: environment.merging(["_HANDLER": handler]) { _, new in new },
        output: .discard
    )
}

/// Sends one HTTP request to the emulator on a background thread (the client blocks).
func http(
    _ emulator: RuntimeAPIEmulator,
    _ method: String,
    _ path: String,
    headers: [(String, String)] = [],
    body: [UInt8] = []
) async throws -> TestHTTP.Response {
    let port = emulator.port
    return try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(
                with: Result {
                    try TestHTTP.request(port: port, method: method, path: path, headers: headers, body: body)
                }
            )
        }.start()
    }
}

extension RuntimeAPIEmulator {
    /// Invokes with a text payload.
    func invoke(_ text: String) async -> InvocationResult {
        await invoke(InvocationRequest(payload: Array(text.utf8)))
    }
}

extension InvocationResult {
    var text: String { String(decoding: body, as: UTF8.self) }
}
