/// The handlers a `bootstrap` binary offers, by the name `_HANDLER` selects, and the hooks it runs at shutdown.
///
/// Each entry is a factory. The runtime calls it once per worker at init (once, unless Lambda Managed Instances
/// runs several workers), so each worker has its own handler instance: a handler may keep mutable state without
/// locks. A factory that throws is reported to Lambda as an init error.
public struct HandlerRegistry: Sendable {
    /// A closure that builds one byte handler; the runtime calls it once per worker at init.
    public typealias Factory = @Sendable () throws -> any LambdaHandler

    private var factories: [String: @Sendable () throws -> RegisteredHandler] = [:]
    private var hooks: [ShutdownHook] = []

    /// An empty registry: no handlers and no shutdown hooks.
    public init() {}

    /// Registers a byte handler under `name`, replacing any earlier one.
    public mutating func register(_ name: String, _ factory: @escaping @Sendable () throws -> any LambdaHandler) {
        factories[name] = { .buffered(try factory()) }
    }

    /// Registers a streaming handler under `name`, replacing any earlier one.
    public mutating func register<Handler: StreamingLambdaHandler & SendableMetatype>(
        _ name: String,
        _ factory: @escaping @Sendable () throws -> Handler
    ) {
        factories[name] = { .streaming(try factory()) }
    }

    /// Registers an async handler under `name`, replacing any earlier one.
    public mutating func register<Handler: AsyncLambdaHandler>(
        _ name: String,
        _ factory: @escaping @Sendable () throws -> Handler
    ) {
        factories[name] = { .async(try factory()) }
    }

    /// Adds a hook to run when Lambda shuts the environment down (SIGTERM): flush logs or metrics there. Hooks run
    /// in the order added and must finish quickly: the process exits 500 ms after SIGTERM whatever they do.
    ///
    /// Registering a hook turns graceful shutdown on (the runtime registers an internal extension so that Lambda
    /// sends SIGTERM), unless `LAMBDA_RUNTIME_GRACEFUL_SHUTDOWN=false`.
    public mutating func onShutdown(_ name: String, _ hook: @escaping @Sendable () -> Void) {
        hooks.append(ShutdownHook(name: name, run: hook))
    }

    /// The registered names, sorted.
    public var names: [String] { factories.keys.sorted() }

    /// The shutdown hooks, in the order added.
    package var shutdownHooks: [ShutdownHook] { hooks }

    /// Builds the byte handler registered under `name`.
    /// - Throws: `LambdaRuntimeError` with code `.unknownHandler` when no handler has that name or it is not a byte
    ///   handler; whatever the factory throws when its setup fails.
    public func makeHandler(named name: String) throws -> any LambdaHandler {
        guard case .buffered(let handler) = try makeRegisteredHandler(named: name) else {
            throw LambdaRuntimeError(.unknownHandler, "the handler \"\(name)\" streams or is async, not a byte handler")
        }
        return handler
    }

    /// Builds the handler registered under `name`, of whichever form.
    package func makeRegisteredHandler(named name: String) throws -> RegisteredHandler {
        guard let factory = factories[name] else {
            let available = names.map { "\"\($0)\"" }.joined(separator: ", ")
            throw LambdaRuntimeError(
                .unknownHandler,
                "_HANDLER is \"\(name)\", which names no handler in this bootstrap; set it to one of: \(available)"
            )
        }
        return try factory()
    }
}

/// A handler as the runtime runs it: one of the three forms.
package enum RegisteredHandler {
    /// A byte handler: the event's bytes in, the whole response out.
    case buffered(any LambdaHandler)
    /// A streaming handler, which writes its response to a `LambdaResponseStream` as it goes.
    case streaming(any StreamingLambdaHandler)
    /// An async handler, awaited on Swift's concurrency runtime by the worker thread.
    case async(any AsyncLambdaHandler)
}

/// Work to do before the process exits at shutdown.
package struct ShutdownHook: Sendable {
    /// The name given to `onShutdown(_:_:)`, which identifies the hook.
    package var name: String
    /// The work, run on the thread that received SIGTERM; the process exits at the deadline whether it is done or not.
    package var run: @Sendable () -> Void
}
