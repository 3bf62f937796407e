import Foundation
import LambdaRuntime
import Logging
import TestSupport

/// Runs the runtime loop on a thread of its own (it blocks) against a scripted Runtime API.
func runLoop(
    _ registry: HandlerRegistry,
    handler: String?,
    api: ScriptedRuntimeAPI?,
    maxInvocations: Int? = nil,
    function: FunctionConfiguration = .init(),
    concurrency: Int = 1,
    log: RecordingLogHandler.Store = .init()
) async -> RuntimeExit {
    let settings = RuntimeLoop.Settings(
        runtimeAPI: api?.endpoint,
        handlerName: handler,
        function: function,
        maxConcurrency: concurrency,
        gracefulShutdown: false
    )
    let logger = RecordingLogHandler.logger(log)
    return await withCheckedContinuation { continuation in
        Thread {
            continuation.resume(
                returning: RuntimeLoop.run(
                    registry: registry,
                    settings: settings,
                    logger: logger,
                    maxInvocations: maxInvocations
                )
            )
        }.start()
    }
}

extension HandlerRegistry {
    /// A registry with one handler.
    static func only(_ name: String, _ handler: @escaping @Sendable () throws -> any LambdaHandler) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.register(name, handler)
        return registry
    }
}

/// An error with a message the test chooses.
struct TestError: Error, CustomStringConvertible {
    var description: String
}
