import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One worker of the runtime: its own Runtime API client (its own libcurl handle and keep-alive connection), its
/// own handler instance, its own `/next`. With `AWS_LAMBDA_MAX_CONCURRENCY` = N the runtime runs N of them.
///
/// States and transitions, per invocation:
/// - waiting: `GET /next`. Unreachable: retried `RuntimeLoop.maxNextRetries` times, then
///   `.runtimeAPIUnreachable`. A non-200 answer: `.runtimeAPIFailed`.
/// - handling: the handler runs; its result goes to `/response` (buffered, or streamed as it is written), a thrown
///   error to `/error` (or, once a stream has started, to the stream's trailers). The answer echoes
///   `Lambda-Runtime-Invocation-Id` when `/next` sent one.
/// - answered: 202 goes back to waiting. A 4xx (410 for an invocation that timed out, 413 for an oversized
///   response, 400/403 for a bad request id) is logged and the worker goes back to waiting; a 5xx ends it with
///   `.runtimeAPIFailed`.
final class RuntimeWorker {
    private let client: RuntimeAPIClient
    private var handler: RegisteredHandler
    private let function: FunctionConfiguration
    private let logger: Logger
    /// Set only when this is the process's one worker: `_X_AMZN_TRACE_ID` is process-wide, so with several
    /// invocations at once it would name the wrong one.
    private let traceIDVariable: TraceIDVariable?

    init(
        client: RuntimeAPIClient,
        handler: RegisteredHandler,
        function: FunctionConfiguration,
        logger: Logger,
        setsTraceIDVariable: Bool
    ) {
        self.client = client
        self.handler = handler
        self.function = function
        self.logger = logger
        self.traceIDVariable = setsTraceIDVariable ? TraceIDVariable() : nil
    }

    /// Fetches, handles and answers invocations while `budget` allows, or until the Runtime API fails.
    func run(budget: InvocationBudget) -> RuntimeExit {
        while budget.take() {
            let invocation: RuntimeAPIClient.Invocation
            do {
                invocation = try nextInvocation()
            } catch {
                logger.critical("stopping: \(error)")
                if case .transport = error.code { return .runtimeAPIUnreachable }
                return .runtimeAPIFailed
            }
            traceIDVariable?.update(invocation.traceID)
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
                function: function,
                logger: invocationLogger
            )
            let (delivery, responseSize) = handle(invocation, context: context)
            if let end = settle(delivery, invocation: invocation, responseSize: responseSize, logger: invocationLogger)
            {
                return end
            }
        }
        return .finished
    }

    private typealias Delivery = Result<RuntimeAPIClient.PostResult, LambdaRuntimeError>

    private func handle(_ invocation: RuntimeAPIClient.Invocation, context: LambdaContext) -> (Delivery, Int) {
        switch handler {
        case .buffered(var buffered):
            let result = Result(catching: { try buffered.handle(invocation.event, context: context) })
            handler = .buffered(buffered)
            return answer(result, invocation: invocation, context: context)
        case .async(let handler):
            return answer(
                handler.handleBlocking(invocation.event, context: context),
                invocation: invocation,
                context: context
            )
        case .streaming(var streaming):
            let outcome = stream(with: &streaming, invocation: invocation, context: context)
            handler = .streaming(streaming)
            return outcome
        }
    }

    private func answer(
        _ result: Result<[UInt8], any Error>,
        invocation: RuntimeAPIClient.Invocation,
        context: LambdaContext
    ) -> (Delivery, Int) {
        switch result {
        case .success(let response):
            let delivery = Delivery { () throws(LambdaRuntimeError) in
                try client.postResponse(
                    requestID: invocation.requestID,
                    invocationID: invocation.invocationID,
                    body: response
                )
            }
            return (delivery, response.count)
        case .failure(let error):
            return (postError(error, invocation: invocation, logger: context.logger), 0)
        }
    }

    private func postError(_ error: any Error, invocation: RuntimeAPIClient.Invocation, logger: Logger) -> Delivery {
        let payload = LambdaErrorPayload(error)
        logger.error(
            "handler failed",
            metadata: ["errorType": .string(payload.errorType), "errorMessage": .string(payload.errorMessage)]
        )
        return Delivery { () throws(LambdaRuntimeError) in
            try client.postError(requestID: invocation.requestID, invocationID: invocation.invocationID, error: payload)
        }
    }

    /// Runs a streaming handler. The first byte starts the chunked POST on an upload thread, which pulls what the
    /// handler writes; this thread does not touch the client again until the upload has ended.
    private func stream(
        with streaming: inout any StreamingLambdaHandler,
        invocation: RuntimeAPIClient.Invocation,
        context: LambdaContext
    ) -> (Delivery, Int) {
        let client = UploadingClient(client)
        var upload: OneShot<Delivery>?
        let stream = LambdaResponseStream { contentType in
            let channel = StreamChannel()
            let finished = OneShot<Delivery>()
            upload = finished
            let requestID = invocation.requestID
            let invocationID = invocation.invocationID
            NativeThread.detach {
                let delivery = Delivery { () throws(LambdaRuntimeError) in
                    try client.value.postStreamingResponse(
                        requestID: requestID,
                        invocationID: invocationID,
                        contentType: contentType,
                        channel: channel
                    )
                }
                channel.uploadDidEnd("the POST of the stream was answered or failed before the handler finished")
                finished.fulfil(delivery)
            }
            return channel
        }
        let result = Result(catching: { try streaming.handle(invocation.event, context: context, stream: stream) })
        switch result {
        case .success:
            do {
                let channel = try stream.startIfNeeded()
                channel.finish(error: nil)
            } catch {
                return (.failure(error), stream.bytesWritten)
            }
        case .failure(let error):
            guard let channel = stream.openedChannel else {
                return (postError(error, invocation: invocation, logger: context.logger), 0)
            }
            let payload = LambdaErrorPayload(error)
            context.logger.error(
                "handler failed after streaming \(stream.bytesWritten) bytes; the stream ends with error trailers",
                metadata: ["errorType": .string(payload.errorType), "errorMessage": .string(payload.errorMessage)]
            )
            channel.finish(error: payload)
        }
        return (upload!.wait(), stream.bytesWritten)
    }

    /// Logs how Lambda took the answer. Returns an end only when the worker must stop.
    private func settle(
        _ delivery: Delivery,
        invocation: RuntimeAPIClient.Invocation,
        responseSize: Int,
        logger: Logger
    ) -> RuntimeExit? {
        switch delivery {
        case .success(.accepted):
            return nil
        case .success(.rejected(let status, let body)) where status == RuntimeAPIClient.PostResult.goneStatus:
            let message =
                "Lambda answered 410 Gone (\(body)): invocation \(invocation.invocationID ?? invocation.requestID) "
                + "timed out before its answer was ready, so Lambda dropped the answer; going on to the next "
                + "invocation"
            logger.warning("\(message)")
        case .success(.rejected(let status, let body)) where status == 413:
            let message =
                "the response of \(responseSize) bytes is over Lambda's limit of \(RuntimeAPI.maxResponseBytes) "
                + "bytes; Lambda refused it (413: \(body)) and fails the invocation. Return less, stream it, or put "
                + "the payload in S3 and return its key."
            logger.error("\(message)")
        case .success(.rejected(let status, let body)):
            logger.error("Lambda refused the answer (\(status): \(body))")
        case .failure(let error):
            if case .unexpectedStatus = error.code {
                logger.critical("stopping: \(error)")
                return .runtimeAPIFailed
            }
            // The connection broke while answering. Lambda times this invocation out; `/next` decides whether the
            // Runtime API is still there.
            logger.error("could not deliver the answer: \(error)")
        }
        return nil
    }

    private func nextInvocation() throws(LambdaRuntimeError) -> RuntimeAPIClient.Invocation {
        var retry = 0
        while true {
            do {
                return try client.nextInvocation()
            } catch {
                guard case .transport = error.code, retry < RuntimeLoop.maxNextRetries else { throw error }
                retry += 1
                logger.warning("\(error); retry \(retry) of \(RuntimeLoop.maxNextRetries)")
                usleep(useconds_t(retry * RuntimeLoop.nextRetryBackoffMilliseconds * 1000))
            }
        }
    }
}

/// The worker's client, lent to the upload thread of a streamed response.
///
/// `@unchecked Sendable`: while the upload thread uses the client, the worker thread only waits for the upload to
/// end (`OneShot.wait`), so the two never touch the libcurl handle at the same time.
private struct UploadingClient: @unchecked Sendable {
    let value: RuntimeAPIClient
    init(_ value: RuntimeAPIClient) { self.value = value }
}

/// How many more invocations the workers may take: unlimited in Lambda, a fixed number in tests.
final class InvocationBudget: Sendable {
    private let limited: Bool
    private let remaining: Atomic<Int>

    init(_ limit: Int?) {
        limited = limit != nil
        remaining = Atomic(limit ?? 0)
    }

    /// Takes one invocation from the budget; `false` when none is left.
    func take() -> Bool {
        guard limited else { return true }
        return remaining.subtract(1, ordering: .relaxed).newValue >= 0
    }
}
