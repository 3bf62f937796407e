import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The custom runtime: initialise the handler `_HANDLER` names, then fetch, handle and answer invocations until
/// Lambda stops the process.
///
/// States and transitions:
/// - init: read the configuration, then build one handler per worker (`AWS_LAMBDA_MAX_CONCURRENCY` workers under
///   Lambda Managed Instances, otherwise one), all before the first `/next`. A failure is posted to
///   `/runtime/init/error` once, then the process exits with `RuntimeExit.initFailed`. With graceful shutdown on,
///   the runtime also registers as an internal extension here.
/// - running: each worker waits on `/next`, handles, answers (see `RuntimeWorker`). The first worker to stop
///   ends the process with its reason.
/// - shutdown: on SIGTERM (graceful shutdown only) the shutdown hooks run and the process exits within 500 ms.
public enum RuntimeLoop {
    /// How many times a failed connection to `/next` is retried before the process gives up and exits.
    package static let maxNextRetries = 3
    /// The pause before retry `n` (1-based) is `n` times this.
    package static let nextRetryBackoffMilliseconds = 50
    /// The most workers the runtime starts, whatever `AWS_LAMBDA_MAX_CONCURRENCY` says.
    package static let maxWorkers = 1024

    /// Runs the runtime and exits the process when it ends. This is what a `bootstrap`'s `main` calls.
    public static func main(registry: HandlerRegistry) -> Never {
        // A Runtime API connection closing mid-write must be an error, not a signal that kills the process.
        signal(SIGPIPE, SIG_IGN)
        let logConfiguration = LogConfiguration.fromEnvironment()
        LoggingSystem.bootstrap { _ in
            LambdaLogHandler(format: logConfiguration.format, level: logConfiguration.level)
        }
        var logger = Logger(label: "LambdaRuntime")
        logger.logLevel = logConfiguration.level
        for warning in logConfiguration.warnings {
            logger.warning("\(warning)")
        }
        let settings = Settings.fromEnvironment()
        for warning in settings.warnings {
            logger.warning("\(warning)")
        }
        if settings.maxConcurrency > 1, logConfiguration.format == .text {
            let message =
                "\(LambdaEnvironment.maxConcurrency) is \(settings.maxConcurrency) but the log format is Text: "
                + "Lambda Managed Instances take JSON logs only, so set AWS_LAMBDA_LOG_FORMAT=JSON (Lambda does "
                + "this for LMI functions); each JSON line carries its own requestId"
            logger.warning("\(message)")
        }
        let end = run(registry: registry, settings: settings, logger: logger)
        exit(end.exitCode)
    }

    /// What the runtime reads from its environment at start.
    package struct Settings: Sendable {
        /// `AWS_LAMBDA_RUNTIME_API`: the Runtime API's `host:port`.
        package var runtimeAPI: String?
        /// `_HANDLER`: the name of the handler to run.
        package var handlerName: String?
        /// The function's name, version, memory and log destination.
        package var function: FunctionConfiguration
        /// `AWS_LAMBDA_MAX_CONCURRENCY`: how many workers to run; 1 outside Lambda Managed Instances.
        package var maxConcurrency: Int
        /// `LAMBDA_RUNTIME_GRACEFUL_SHUTDOWN`: `nil` when unset (then on exactly when shutdown hooks exist).
        package var gracefulShutdown: Bool?
        /// Problems with the values, to log at start.
        package var warnings: [String]

        /// Settings from explicit values: one worker, graceful shutdown decided by the hooks, and no warnings
        /// unless given.
        package init(
            runtimeAPI: String?,
            handlerName: String?,
            function: FunctionConfiguration = .init(),
            maxConcurrency: Int = 1,
            gracefulShutdown: Bool? = nil,
            warnings: [String] = []
        ) {
            self.runtimeAPI = runtimeAPI
            self.handlerName = handlerName
            self.function = function
            self.maxConcurrency = maxConcurrency
            self.gracefulShutdown = gracefulShutdown
            self.warnings = warnings
        }

        /// Reads the settings from the process's environment; a value it cannot use becomes a warning, never a failure.
        package static func fromEnvironment() -> Settings {
            var warnings: [String] = []
            let concurrency = parseConcurrency(
                ProcessEnvironment.nonEmptyValue(LambdaEnvironment.maxConcurrency),
                warnings: &warnings
            )
            var graceful: Bool?
            if let text = ProcessEnvironment.nonEmptyValue(LambdaEnvironment.gracefulShutdown) {
                switch text.lowercased() {
                case "true", "1", "yes": graceful = true
                case "false", "0", "no": graceful = false
                default:
                    warnings.append(
                        "\(LambdaEnvironment.gracefulShutdown) is \"\(text)\"; set it to true or false. Ignoring it."
                    )
                }
            }
            return Settings(
                runtimeAPI: ProcessEnvironment.nonEmptyValue(LambdaEnvironment.runtimeAPI),
                handlerName: ProcessEnvironment.nonEmptyValue(LambdaEnvironment.handler),
                function: .fromEnvironment(),
                maxConcurrency: concurrency,
                gracefulShutdown: graceful,
                warnings: warnings
            )
        }

        /// Reads `AWS_LAMBDA_MAX_CONCURRENCY`: a whole number from 1 to `maxWorkers`. Anything else is 1 (or the
        /// cap), with a warning that says what to set.
        package static func parseConcurrency(_ text: String?, warnings: inout [String]) -> Int {
            guard let text else { return 1 }
            guard let value = Int(text), value >= 1 else {
                warnings.append(
                    "\(LambdaEnvironment.maxConcurrency) is \"\(text)\", not a whole number of at least 1; "
                        + "running one worker"
                )
                return 1
            }
            guard value <= maxWorkers else {
                warnings.append(
                    "\(LambdaEnvironment.maxConcurrency) is \(value); running the most this runtime starts, "
                        + "\(maxWorkers)"
                )
                return maxWorkers
            }
            return value
        }
    }

    /// Runs the runtime until it must stop, or until `maxInvocations` have been answered. One worker runs on this
    /// thread; more run on threads of their own, and this thread waits for them.
    /// - Returns: Why the runtime stopped.
    package static func run(
        registry: HandlerRegistry,
        settings: Settings,
        logger: Logger,
        maxInvocations: Int? = nil
    ) -> RuntimeExit {
        guard let endpoint = settings.runtimeAPI else {
            let message =
                "\(LambdaEnvironment.runtimeAPI) is not set, so there is no Runtime API to poll. bootstrap runs "
                + "inside Lambda, or locally under `upload-edge emulate`, which sets it."
            logger.critical("\(message)")
            return .notConfigured
        }
        var clients: [RuntimeAPIClient] = []
        do {
            for _ in 0..<settings.maxConcurrency {
                clients.append(try RuntimeAPIClient(endpoint: endpoint))
            }
        } catch {
            logger.critical("cannot create the Runtime API client: \(error)")
            return .notConfigured
        }

        // Every worker's handler is built before any `/next`, so a failing factory is one init error.
        var handlers: [RegisteredHandler] = []
        do {
            guard let name = settings.handlerName else {
                throw LambdaRuntimeError(
                    .handlerNotConfigured,
                    "_HANDLER is not set; set it (the function's Handler property) to one of: "
                        + registry.names.map { "\"\($0)\"" }.joined(separator: ", ")
                )
            }
            for _ in 0..<settings.maxConcurrency {
                handlers.append(try registry.makeRegisteredHandler(named: name))
            }
        } catch {
            return reportInitError(error, client: clients[0], logger: logger)
        }

        let hooks = registry.shutdownHooks
        if settings.gracefulShutdown ?? !hooks.isEmpty {
            do {
                try GracefulShutdown.start(endpoint: endpoint, hooks: hooks, logger: logger)
            } catch {
                // Not fatal: the function still serves, it only loses its shutdown hooks.
                logger.error("graceful shutdown is off: \(error)")
            }
        }

        let budget = InvocationBudget(maxInvocations)
        let workers = zip(clients, handlers).map { client, handler in
            RuntimeWorker(
                client: client,
                handler: handler,
                function: settings.function,
                logger: logger,
                setsTraceIDVariable: settings.maxConcurrency == 1
            )
        }
        if workers.count == 1 {
            return workers[0].run(budget: budget)
        }
        logger.debug("starting \(workers.count) workers (\(LambdaEnvironment.maxConcurrency))")
        let group = WorkerGroup(count: workers.count)
        for worker in workers {
            let owned = OwnedWorker(worker)
            NativeThread.detach { group.workerEnded(owned.value.run(budget: budget)) }
        }
        return group.end.wait()
    }

    private static func reportInitError(_ error: any Error, client: RuntimeAPIClient, logger: Logger) -> RuntimeExit {
        let payload = LambdaErrorPayload(error)
        logger.critical(
            "init failed",
            metadata: ["errorType": .string(payload.errorType), "errorMessage": .string(payload.errorMessage)]
        )
        do {
            if case .rejected(let status, let body) = try client.postInitError(payload) {
                logger.error("Lambda refused the init error (\(status): \(body))")
            }
        } catch {
            logger.error("could not report the init error: \(error)")
        }
        return .initFailed
    }
}

/// A worker handed to the thread that runs it.
///
/// `@unchecked Sendable`: the worker is built on the init thread, passed once to its own thread and used only
/// there afterwards; nothing else keeps a reference to it.
private struct OwnedWorker: @unchecked Sendable {
    let value: RuntimeWorker
    init(_ value: RuntimeWorker) { self.value = value }
}

/// Collects the workers' ends: the first one that is not `.finished` ends the runtime; otherwise the last to
/// finish does.
private final class WorkerGroup: Sendable {
    let end = OneShot<RuntimeExit>()
    private let running: Locked<Int>

    init(count: Int) {
        running = Locked(count)
    }

    func workerEnded(_ exit: RuntimeExit) {
        if exit != .finished {
            end.fulfil(exit)
            return
        }
        let left = running.withLock { count in
            count -= 1
            return count
        }
        if left == 0 { end.fulfil(.finished) }
    }
}

/// Why the runtime loop stopped.
package enum RuntimeExit: Equatable, Sendable {
    /// `maxInvocations` were answered (tests only; in Lambda the loop never finishes).
    case finished
    /// `AWS_LAMBDA_RUNTIME_API` is unset or the client could not be built; nothing could be reported.
    case notConfigured
    /// Init failed and was reported to `/runtime/init/error`.
    case initFailed
    /// `/next` stayed unreachable after `RuntimeLoop.maxNextRetries` retries.
    case runtimeAPIUnreachable
    /// The Runtime API answered with a status the runtime must stop after (5xx, or a non-200 `/next`).
    case runtimeAPIFailed

    /// The process exit status for this end.
    package var exitCode: Int32 {
        switch self {
        case .finished: 0
        case .initFailed: 1
        case .runtimeAPIUnreachable, .runtimeAPIFailed: 2
        case .notConfigured: 3
        }
    }
}
