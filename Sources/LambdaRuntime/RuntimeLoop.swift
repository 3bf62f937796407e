import Logging

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
/// - init: read the configuration and build the handler. A failure is posted to `/runtime/init/error`, then the
///   process exits with `RuntimeExit.initFailed`.
/// - waiting: `GET /next`. Unreachable: retried `maxNextRetries` times, then `.runtimeAPIUnreachable`. A non-200
///   answer: `.runtimeAPIFailed`.
/// - handling: the handler runs; its result goes to `/response`, a thrown error to `/error`. A 4xx answer (413
///   for an oversized response, 400/403 for a bad request id) is logged and the loop goes back to waiting; a
///   5xx ends it with `.runtimeAPIFailed`.
public enum RuntimeLoop {
    /// How many times a failed connection to `/next` is retried before the process gives up and exits.
    package static let maxNextRetries = 3
    /// The pause before retry `n` (1-based) is `n` times this.
    package static let nextRetryBackoffMilliseconds = 50

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
        let end = run(registry: registry, settings: .fromEnvironment(), logger: logger)
        exit(end.exitCode)
    }

    /// What the runtime reads from its environment at start.
    package struct Settings: Sendable {
        /// `AWS_LAMBDA_RUNTIME_API`: the Runtime API's `host:port`.
        package var runtimeAPI: String?
        /// `_HANDLER`: the name of the handler to run.
        package var handlerName: String?
        package var function: FunctionConfiguration

        package init(runtimeAPI: String?, handlerName: String?, function: FunctionConfiguration = .init()) {
            self.runtimeAPI = runtimeAPI
            self.handlerName = handlerName
            self.function = function
        }

        package static func fromEnvironment() -> Settings {
            Settings(
                runtimeAPI: ProcessEnvironment.nonEmptyValue(LambdaEnvironment.runtimeAPI),
                handlerName: ProcessEnvironment.nonEmptyValue(LambdaEnvironment.handler),
                function: .fromEnvironment()
            )
        }
    }

    /// Runs the runtime in this thread until it must stop, or until `maxInvocations` have been answered.
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
        let client: RuntimeAPIClient
        do {
            client = try RuntimeAPIClient(endpoint: endpoint)
        } catch {
            logger.critical("cannot create the Runtime API client: \(error)")
            return .notConfigured
        }

        let handlerResult: Result<any LambdaHandler, any Error> = Result {
            guard let name = settings.handlerName else {
                throw LambdaRuntimeError(
                    .handlerNotConfigured,
                    "_HANDLER is not set; set it (the function's Handler property) to one of: "
                        + registry.names.map { "\"\($0)\"" }.joined(separator: ", ")
                )
            }
            return try registry.makeHandler(named: name)
        }
        var handler: any LambdaHandler
        switch handlerResult {
        case .success(let built):
            handler = built
        case .failure(let error):
            return reportInitError(error, client: client, logger: logger)
        }

        let traceIDVariable = TraceIDVariable()
        var answered = 0
        while maxInvocations.map({ answered < $0 }) ?? true {
            let invocation: RuntimeAPIClient.Invocation
            do {
                invocation = try nextInvocation(client: client, logger: logger)
            } catch {
                logger.critical("stopping: \(error)")
                if case .transport = error.code { return .runtimeAPIUnreachable }
                return .runtimeAPIFailed
            }
            traceIDVariable.update(invocation.traceID)
            var invocationLogger = logger
            invocationLogger[metadataKey: LambdaLogHandler.requestIDKey] = .string(invocation.requestID)
            let context = LambdaContext(
                requestID: invocation.requestID,
                deadlineMilliseconds: invocation.deadlineMilliseconds,
                invokedFunctionARN: invocation.invokedFunctionARN,
                traceID: invocation.traceID,
                rawClientContext: invocation.clientContext,
                rawCognitoIdentity: invocation.cognitoIdentity,
                tenantID: invocation.tenantID,
                function: settings.function,
                logger: invocationLogger
            )

            let delivery: Result<RuntimeAPIClient.PostResult, LambdaRuntimeError>
            var responseSize = 0
            switch Result(catching: { try handler.handle(invocation.event, context: context) }) {
            case .success(let response):
                responseSize = response.count
                delivery = Result { () throws(LambdaRuntimeError) in
                    try client.postResponse(requestID: invocation.requestID, body: response)
                }
            case .failure(let error):
                let payload = LambdaErrorPayload(error)
                invocationLogger.error(
                    "handler failed",
                    metadata: ["errorType": .string(payload.errorType), "errorMessage": .string(payload.errorMessage)]
                )
                delivery = Result { () throws(LambdaRuntimeError) in
                    try client.postError(requestID: invocation.requestID, error: payload)
                }
            }
            switch delivery {
            case .success(.accepted):
                break
            case .success(.rejected(let status, let body)) where status == 413:
                let message =
                    "the response of \(responseSize) bytes is over Lambda's limit of \(RuntimeAPI.maxResponseBytes) "
                    + "bytes; Lambda refused it (413: \(body)) and fails the invocation. Return less, or put the "
                    + "payload in S3 and return its key."
                invocationLogger.error("\(message)")
            case .success(.rejected(let status, let body)):
                invocationLogger.error("Lambda refused the answer (\(status): \(body))")
            case .failure(let error):
                if case .unexpectedStatus = error.code {
                    invocationLogger.critical("stopping: \(error)")
                    return .runtimeAPIFailed
                }
                // The connection broke while answering. Lambda times this invocation out; `/next` decides
                // whether the Runtime API is still there.
                invocationLogger.error("could not deliver the answer: \(error)")
            }
            answered += 1
        }
        return .finished
    }

    private static func nextInvocation(
        client: RuntimeAPIClient,
        logger: Logger
    ) throws(LambdaRuntimeError) -> RuntimeAPIClient.Invocation {
        var retry = 0
        while true {
            do {
                return try client.nextInvocation()
            } catch {
                guard case .transport = error.code, retry < maxNextRetries else { throw error }
                retry += 1
                logger.warning("\(error); retry \(retry) of \(maxNextRetries)")
                usleep(useconds_t(retry * nextRetryBackoffMilliseconds * 1000))
            }
        }
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
