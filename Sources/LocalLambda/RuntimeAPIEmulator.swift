import Foundation
import LambdaRuntime
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local Lambda Runtime API: serves `/next`, `/response`, `/error` and `/runtime/init/error` to one runtime
/// process, plus the RIE's invoke endpoint, and starts and restarts that process the way Lambda does.
///
/// Invocations start in order, up to `maxConcurrency` at once (one, unless it emulates Lambda Managed Instances).
/// Each moves through:
/// - queued → active: there is room; its timeout starts, and the runtime is started if none runs;
/// - active → dispatched: a `/next` long-poll picks it up, with its request id and invocation id;
/// - dispatched → finished: `/response` (ok, or error when over the size limit; buffered, or streamed and chunked
///   with the error in trailers), `/error` (error);
/// - active or dispatched → finished: `/runtime/init/error` (init-error), the runtime exiting (crash), the
///   timeout (timeout; with one at a time the runtime is killed and started afresh for the next invocation, with
///   more it goes on, and the late answer gets 410 Gone).
///
/// A runtime that registers with the Extensions API (as an internal extension) is sent SIGTERM when it is
/// stopped, and given `shutdownGrace` to exit before SIGKILL, as Lambda does.
///
/// All state lives on one event loop: the server's channels, the queue and the process supervisor all run there.
public final class RuntimeAPIEmulator: @unchecked Sendable {
    // @unchecked Sendable: every mutable property below is read and written only on `eventLoop`; each entry point
    // from another thread hops there first (`execute`/`submit`), and `preconditionInEventLoop` guards the rest.

    public let eventLoop: any EventLoop
    public let configuration: EmulatorConfiguration
    let command: RuntimeCommand?

    private var serverChannel: (any Channel)?
    private var queue = CircularBuffer<Invocation>()
    /// Active invocations, oldest first: at most `configuration.maxConcurrency`.
    private var active: [Invocation] = []
    private var waiters = CircularBuffer<NextWaiter>()
    /// Ended request ids, and whether each timed out (its late answer is 410, not 403).
    private var answered: [String: Bool] = [:]
    private var answeredOrder = CircularBuffer<String>()
    /// Extension event polls parked until the runtime stops.
    var extensionPolls: [NextWaiter] = []
    var runtime: RuntimeProcess?
    private var generation = 0
    private var firstNextPromise: EventLoopPromise<UInt64>?
    private var exitPromises: [EventLoopPromise<ChildProcess.Termination?>] = []
    private var isShutDown = false

    /// How many answered request ids are remembered, to tell a second answer (403) from an unknown id (400).
    static let rememberedAnswers = 4096
    /// How long a runtime may linger after reporting an init error before it is killed.
    static let initErrorGrace = TimeAmount.milliseconds(500)
    /// How long a runtime that registered an internal extension has from SIGTERM to its exit: Lambda's shutdown
    /// phase with internal extensions only.
    public static let shutdownGrace = TimeAmount.milliseconds(500)

    /// - Parameters:
    ///   - configuration: Address, timeout and the function's identity.
    ///   - command: How to start the runtime; `nil` when the runtime is started by someone else and simply
    ///     connects.
    ///   - eventLoop: The loop that runs the server and holds the state.
    public init(configuration: EmulatorConfiguration, command: RuntimeCommand?, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.command = command
        self.eventLoop = eventLoop
    }

    /// The port the server listens on, once started.
    public private(set) var port: Int = 0

    /// The `host:port` a runtime puts in `AWS_LAMBDA_RUNTIME_API`.
    public var runtimeAPIAddress: String { "\(configuration.host):\(port)" }

    /// Starts listening.
    /// - Throws: `LocalLambdaError.bindFailed` when the address is taken or not allowed.
    public func start() async throws(LocalLambdaError) {
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false,
                        withErrorHandling: true
                    )
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHTTPHandler(emulator: self))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            let port = channel.localAddress?.port ?? configuration.port
            try await eventLoop.submit {
                self.serverChannel = channel
                self.port = port
            }.get()
        } catch {
            throw LocalLambdaError(
                .bindFailed,
                "cannot listen on \(configuration.host):\(configuration.port): \(error). "
                    + "Is another emulator running? Pick another port with --port."
            )
        }
    }

    /// Runs one invocation and waits for its end, whatever it is.
    public func invoke(_ request: InvocationRequest) async -> InvocationResult {
        let promise = eventLoop.makePromise(of: InvocationResult.self)
        eventLoop.execute { self.enqueue(request, promise: promise) }
        do {
            return try await promise.futureResult.get()
        } catch {
            return InvocationResult(
                requestID: request.requestID ?? "",
                status: .crash,
                body: [],
                error: LambdaErrorPayload(errorType: "Runtime.Unknown", errorMessage: "\(error)"),
                durationNanoseconds: 0
            )
        }
    }

    /// Queues an invocation; must be called on `eventLoop`. The future completes on `eventLoop`.
    public func enqueueOnLoop(_ request: InvocationRequest) -> EventLoopFuture<InvocationResult> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: InvocationResult.self)
        enqueue(request, promise: promise)
        return promise.futureResult
    }

    /// Starts the runtime now, without an invocation (Lambda's init), and reports how long it took from the
    /// spawn to its first `/next`, in nanoseconds.
    public func startRuntime() -> EventLoopFuture<UInt64> {
        eventLoop.flatSubmit {
            let promise = self.eventLoop.makePromise(of: UInt64.self)
            self.firstNextPromise = promise
            if self.runtime == nil {
                do {
                    try self.spawnRuntime()
                } catch {
                    self.firstNextPromise = nil
                    promise.fail(error)
                }
            }
            return promise.futureResult
        }
    }

    /// Stops the runtime and waits until it has exited: SIGTERM and `shutdownGrace` first when it registered an
    /// extension, else (and after that) SIGKILL to its whole process group.
    public func stopRuntime() -> EventLoopFuture<ChildProcess.Termination?> {
        eventLoop.flatSubmit {
            guard let runtime = self.runtime else { return self.eventLoop.makeSucceededFuture(nil) }
            let promise = self.eventLoop.makePromise(of: ChildProcess.Termination?.self)
            self.exitPromises.append(promise)
            self.stop(runtime)
            return promise.futureResult
        }
    }

    /// The running runtime's process, if any.
    public func runtimeProcess() async -> ChildProcess? {
        try? await eventLoop.submit { self.runtime?.child }.get()
    }

    /// Stops the runtime, fails waiting invocations and closes the server.
    public func shutdown() async {
        let closed: EventLoopFuture<Void> = eventLoop.flatSubmit {
            self.isShutDown = true
            let error = LocalLambdaError(.shutdown, "the emulator shut down")
            for invocation in self.active {
                invocation.timeout?.cancel()
                invocation.promise.fail(error)
            }
            self.active.removeAll()
            while let queued = self.queue.popFirst() { queued.promise.fail(error) }
            while let waiter = self.waiters.popFirst() { waiter.close() }
            let stopped: EventLoopFuture<ChildProcess.Termination?>
            if let runtime = self.runtime {
                let promise = self.eventLoop.makePromise(of: ChildProcess.Termination?.self)
                self.exitPromises.append(promise)
                self.stop(runtime)
                stopped = promise.futureResult
            } else {
                stopped = self.eventLoop.makeSucceededFuture(nil)
            }
            let server = self.serverChannel?.close() ?? self.eventLoop.makeSucceededVoidFuture()
            return stopped.and(server).map { _ in () }
        }
        _ = try? await closed.get()
    }

    // MARK: - Invocation flow (on the event loop)

    private func enqueue(_ request: InvocationRequest, promise: EventLoopPromise<InvocationResult>) {
        guard !isShutDown else {
            promise.fail(LocalLambdaError(.shutdown, "the emulator shut down"))
            return
        }
        queue.append(
            Invocation(
                id: request.requestID ?? Identifiers.requestID(),
                invocationID: Identifiers.requestID(),
                payload: request.payload,
                traceID: request.traceID ?? Identifiers.traceID(epochSeconds: Int(WallClock.nowMilliseconds() / 1000)),
                clientContext: request.clientContext,
                cognitoIdentity: request.cognitoIdentity,
                tenantID: request.tenantID,
                promise: promise
            )
        )
        pump()
    }

    /// Moves the queue forward: activates the next invocation, starts a runtime for it, hands it to a waiting
    /// `/next`.
    private func pump() {
        while active.count < max(1, configuration.maxConcurrency), let next = queue.popFirst() {
            activate(next)
        }
        guard let first = active.first(where: { !$0.dispatched }) else { return }
        if runtime == nil, command != nil {
            do {
                try spawnRuntime()
            } catch {
                finish(
                    first,
                    status: .crash,
                    error: LambdaErrorPayload(errorType: "Runtime.InvalidEntrypoint", errorMessage: "\(error)")
                )
                return
            }
        }
        if let runtime, runtime.initError != nil || runtime.killed { return }
        while let invocation = active.first(where: { !$0.dispatched }), let waiter = waiters.popFirst() {
            dispatch(invocation, to: waiter)
        }
    }

    private func activate(_ invocation: Invocation) {
        active.append(invocation)
        invocation.activatedAt = NIODeadline.now().uptimeNanoseconds
        invocation.deadlineMilliseconds = WallClock.nowMilliseconds() + Int64(configuration.timeoutSeconds) * 1000
        invocation.timeout = eventLoop.scheduleTask(in: .seconds(Int64(configuration.timeoutSeconds))) {
            [self, invocation] in
            guard self.active.contains(where: { $0 === invocation }) else { return }
            self.timedOut(invocation)
        }
    }

    private func dispatch(_ invocation: Invocation, to waiter: NextWaiter) {
        invocation.dispatched = true
        var headers = HTTPHeaders()
        headers.reserveCapacity(9)
        headers.add(name: RuntimeAPI.Header.requestID, value: invocation.id)
        headers.add(name: RuntimeAPI.Header.deadline, value: String(invocation.deadlineMilliseconds))
        headers.add(name: RuntimeAPI.Header.invokedFunctionARN, value: configuration.functionARN)
        headers.add(name: RuntimeAPI.Header.traceID, value: invocation.traceID)
        headers.add(name: RuntimeAPI.Header.invocationID, value: invocation.invocationID)
        if let clientContext = invocation.clientContext {
            headers.add(name: RuntimeAPI.Header.clientContext, value: clientContext)
        }
        if let cognitoIdentity = invocation.cognitoIdentity {
            headers.add(name: RuntimeAPI.Header.cognitoIdentity, value: cognitoIdentity)
        }
        if let tenantID = invocation.tenantID {
            headers.add(name: RuntimeAPI.Header.tenantID, value: tenantID)
        }
        headers.add(name: "Content-Type", value: "application/json")
        waiter.respond(status: .ok, headers: headers, body: invocation.payload)
    }

    private func finish(
        _ invocation: Invocation,
        status: InvocationStatus,
        body: [UInt8]? = nil,
        error: LambdaErrorPayload?,
        answer: RuntimeAnswer? = nil,
        pumping: Bool = true
    ) {
        guard let index = active.firstIndex(where: { $0 === invocation }) else { return }
        active.remove(at: index)
        invocation.timeout?.cancel()
        remember(invocation.id, timedOut: status == .timeout)
        let elapsed = NIODeadline.now().uptimeNanoseconds - invocation.activatedAt
        var result = InvocationResult(
            requestID: invocation.id,
            status: status,
            body: body ?? error?.jsonBytes() ?? [],
            error: error,
            durationNanoseconds: elapsed
        )
        if let answer {
            result.streamed = answer.streamed
            result.firstByteNanoseconds = answer.firstByteAt.map { $0 - min($0, invocation.activatedAt) }
            result.echoedInvocationID = answer.invocationID != nil
        }
        invocation.promise.succeed(result)
        if pumping { pump() }
    }

    private func timedOut(_ invocation: Invocation) {
        let seconds = configuration.timeoutSeconds
        finish(
            invocation,
            status: .timeout,
            error: LambdaErrorPayload(
                errorType: "Sandbox.Timedout",
                errorMessage: "RequestId: \(invocation.id) Error: Task timed out after \(seconds).00 seconds"
            )
        )
        // Lambda does not reuse a runtime that overran: it is stopped, and the next invocation inits afresh. Managed
        // Instances keep it: the other invocations in flight go on, and the late answer is refused.
        if configuration.maxConcurrency <= 1, let runtime { kill(runtime) }
    }

    private func remember(_ id: String, timedOut: Bool) {
        if answered.updateValue(timedOut, forKey: id) != nil { return }
        answeredOrder.append(id)
        if answeredOrder.count > Self.rememberedAnswers, let oldest = answeredOrder.popFirst() {
            answered[oldest] = nil
        }
    }

    // MARK: - Runtime API requests (called by RuntimeAPIHTTPHandler on the event loop)

    func nextRequested(by waiter: NextWaiter) {
        if let runtime {
            if runtime.initError != nil {
                waiter.respondError(
                    status: .forbidden,
                    type: "InvalidStateTransition",
                    message: "State transition from InitError to Ready failed for runtime: init already failed"
                )
                return
            }
            if !runtime.sawNext {
                runtime.sawNext = true
                if let promise = firstNextPromise {
                    firstNextPromise = nil
                    promise.succeed(NIODeadline.now().uptimeNanoseconds - runtime.spawnedAt)
                }
            }
        }
        waiters.append(waiter)
        pump()
    }

    func waiterClosed(_ waiter: NextWaiter) {
        if let index = waiters.firstIndex(where: { $0 === waiter }) {
            waiters.remove(at: index)
        }
    }

    /// Answers `/response` and `/error`, buffered or streamed. Returns the status and body for the runtime.
    func answerReceived(_ answer: RuntimeAnswer) -> (HTTPResponseStatus, String) {
        let requestID = answer.requestID
        let isError = answer.isError
        guard let current = active.first(where: { $0.id == requestID && $0.dispatched }) else {
            if answered[requestID] == true {
                return (
                    .gone,
                    Self.errorJSON(
                        type: "InvocationGone",
                        message: "Invocation \(requestID) timed out before this answer came; it was not delivered"
                    )
                )
            }
            if answered[requestID] == false {
                let target = isError ? "InvocationErrorResponse" : "InvocationResponse"
                return (
                    .forbidden,
                    Self.errorJSON(
                        type: "InvalidStateTransition",
                        message: "State transition from RuntimeResponseSentState to \(target) failed for runtime. "
                            + "Error: State transition is not allowed"
                    )
                )
            }
            return (.badRequest, Self.errorJSON(type: "InvalidRequestID", message: "Invalid request ID"))
        }
        if let echoed = answer.invocationID, echoed != current.invocationID {
            // Not this invocation's answer: it must not be delivered as this invocation's.
            return (
                .badRequest,
                Self.errorJSON(
                    type: "InvalidInvocationID",
                    message: "\(RuntimeAPI.Header.invocationID) \"\(echoed.prefix(64))\" is not the id sent with "
                        + "request \(requestID)"
                )
            )
        }
        let bodyLength = answer.bodyLength
        let limit = answer.streamed ? RuntimeAPI.maxStreamedResponseBytes : configuration.maxResponseBytes
        if !isError, bodyLength > limit {
            finish(
                current,
                status: .error,
                error: LambdaErrorPayload(
                    errorType: "Function.ResponseSizeTooLarge",
                    errorMessage:
                        "Response payload size (\(bodyLength) bytes) exceeded maximum allowed payload size (\(limit) bytes)."
                ),
                answer: answer
            )
            return (
                .payloadTooLarge,
                Self.errorJSON(
                    type: "RequestEntityTooLarge",
                    message: "Exceeded maximum allowed payload size (\(limit) bytes)."
                )
            )
        }
        let bytes = Array(answer.body.readableBytesView)
        if isError {
            let error = Self.errorPayload(bytes, typeHeader: answer.errorTypeHeader)
            finish(current, status: .error, body: bytes, error: error, answer: answer)
        } else if let type = answer.trailerErrorType {
            // An error after the first streamed byte: the bytes so far, and the error from the trailers.
            let decoded = answer.trailerErrorBody.flatMap(Base64.decode) ?? []
            let error = Self.errorPayload(decoded, typeHeader: type)
            finish(current, status: .error, body: bytes, error: error, answer: answer)
        } else {
            finish(current, status: .ok, body: bytes, error: nil, answer: answer)
        }
        return (.accepted, #"{"status":"OK"}"#)
    }

    /// Answers `/runtime/init/error`.
    func initErrorReceived(body: ByteBuffer, errorTypeHeader: String?) -> (HTTPResponseStatus, String) {
        let payload = Self.errorPayload(Array(body.readableBytesView), typeHeader: errorTypeHeader)
        if let runtime {
            guard !runtime.sawNext else {
                return (
                    .forbidden,
                    Self.errorJSON(
                        type: "InvalidStateTransition",
                        message: "State transition from Ready to InitError failed for runtime: init already finished"
                    )
                )
            }
            runtime.initError = payload
            // The runtime should exit on its own; one that lingers is stopped, as Lambda does.
            let generation = runtime.generation
            eventLoop.scheduleTask(in: Self.initErrorGrace) { [self] in
                guard let lingering = self.runtime, lingering.generation == generation else { return }
                self.kill(lingering)
            }
        }
        for invocation in active where !invocation.dispatched {
            finish(invocation, status: .initError, body: Array(body.readableBytesView), error: payload, pumping: false)
        }
        return (.accepted, #"{"status":"OK"}"#)
    }

    // MARK: - The runtime process

    private func spawnRuntime() throws(LocalLambdaError) {
        guard let command else { return }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in Self.lambdaDefaults(configuration) where environment[key] == nil {
            environment[key] = value
        }
        // The runtime is told the concurrency the emulator serves, whatever the shell it runs in says.
        environment[LambdaEnvironment.maxConcurrency] =
            configuration.maxConcurrency > 1 ? String(configuration.maxConcurrency) : nil
        // A value may name the emulator's address, which is known only once it listens.
        let placeholder = "${\(LambdaEnvironment.runtimeAPI)}"
        environment.merge(
            command.environment.mapValues { $0.replacingOccurrences(of: placeholder, with: runtimeAPIAddress) }
        ) { _, new in new }
        environment[LambdaEnvironment.runtimeAPI] = runtimeAPIAddress
        let spawnedAt = NIODeadline.now().uptimeNanoseconds
        let child = try ChildProcess.spawn(
            arguments: command.arguments,
            environment: environment,
            output: command.output
        )
        generation += 1
        let process = RuntimeProcess(child: child, generation: generation, spawnedAt: spawnedAt)
        runtime = process
        let loop = eventLoop
        let generation = self.generation
        let thread = Thread { [self] in
            let termination = child.waitForTermination()
            loop.execute { self.runtimeExited(generation: generation, termination) }
        }
        thread.name = "runtime-\(child.pid)-reaper"
        thread.start()
        if let outputDescriptor = child.outputDescriptor {
            if let receiver = command.outputReceiver {
                receiver(child.pid, outputDescriptor)
            } else {
                close(outputDescriptor)
            }
        }
    }

    private func kill(_ process: RuntimeProcess) {
        process.killed = true
        process.child.signal(SIGKILL)
        // The killed runtime's parked `/next` must not pick up the next invocation.
        while let waiter = waiters.popFirst() { waiter.close() }
    }

    /// Stops a runtime: SIGKILL at once, or, when it registered an extension, SIGTERM and `shutdownGrace` first.
    private func stop(_ process: RuntimeProcess) {
        guard process.extensionID != nil, !process.killed else { return kill(process) }
        process.killed = true
        while let waiter = waiters.popFirst() { waiter.close() }
        process.child.signal(SIGTERM)
        let generation = process.generation
        eventLoop.scheduleTask(in: Self.shutdownGrace) { [self] in
            guard let lingering = self.runtime, lingering.generation == generation else { return }
            lingering.child.signal(SIGKILL)
        }
    }

    private func runtimeExited(generation: Int, _ termination: ChildProcess.Termination) {
        guard let process = runtime, process.generation == generation else { return }
        runtime = nil
        while let waiter = waiters.popFirst() { waiter.close() }
        for poll in extensionPolls { poll.close() }
        extensionPolls.removeAll()
        if let promise = firstNextPromise {
            firstNextPromise = nil
            promise.fail(
                LocalLambdaError(.spawnFailed, "the runtime exited (\(termination)) before its first /next")
            )
        }
        for promise in exitPromises { promise.succeed(termination) }
        exitPromises.removeAll()
        if !process.killed {
            let reason =
                termination == .exited(0)
                ? "Runtime exited without providing a reason"
                : "Runtime exited with error: \(termination)"
            for invocation in active where process.initError == nil || invocation.dispatched {
                finish(
                    invocation,
                    status: .crash,
                    error: LambdaErrorPayload(
                        errorType: "Runtime.ExitError",
                        errorMessage: "RequestId: \(invocation.id) Error: \(reason)"
                    ),
                    pumping: false
                )
            }
        }
        if !isShutDown { pump() }
    }

    // MARK: - Helpers

    /// The environment the RIE gives a runtime where the emulator's own environment does not say otherwise.
    static func lambdaDefaults(_ configuration: EmulatorConfiguration) -> [String: String] {
        [
            LambdaEnvironment.functionName: configuration.functionName,
            LambdaEnvironment.functionVersion: "$LATEST",
            LambdaEnvironment.functionMemorySize: "3008",
            LambdaEnvironment.logGroupName: "/aws/lambda/\(configuration.functionName)",
            LambdaEnvironment.logStreamName: "$LATEST",
            "AWS_REGION": configuration.region,
            "AWS_DEFAULT_REGION": configuration.region,
            LambdaEnvironment.functionTimeout: String(configuration.timeoutSeconds),
        ].merging(
            configuration.maxConcurrency > 1
                ? [
                    LambdaEnvironment.maxConcurrency: String(configuration.maxConcurrency),
                    LambdaEnvironment.logFormat: "JSON",
                ] : [:]
        ) { old, _ in old }
    }

    /// Lambda's error body for the Runtime API's own errors, with the RIE's trailing newline.
    static func errorJSON(type: String, message: String) -> String {
        LambdaErrorPayload(errorType: type, errorMessage: message).jsonObjectWithoutStackTrace + "\n"
    }

    /// Reads `errorType` and `errorMessage` from an error body; the header's type wins, as in Lambda.
    static func errorPayload(_ body: [UInt8], typeHeader: String?) -> LambdaErrorPayload {
        struct Body: Decodable {
            var errorType: String?
            var errorMessage: String?
        }
        let decoded = try? JSONDecoder().decode(Body.self, from: Data(body))
        return LambdaErrorPayload(
            errorType: typeHeader ?? decoded?.errorType ?? "Runtime.Unknown",
            errorMessage: decoded?.errorMessage ?? String(decoding: body, as: UTF8.self)
        )
    }
}

extension LambdaErrorPayload {
    /// `{"errorMessage":…,"errorType":…}`, the shape of the Runtime API's own errors.
    var jsonObjectWithoutStackTrace: String {
        "{\"errorMessage\":\(JSONString.quoted(errorMessage)),\"errorType\":\(JSONString.quoted(errorType))}"
    }
}

/// One invocation from its enqueueing to its end. Lives on the emulator's event loop.
final class Invocation {
    let id: String
    /// `Lambda-Runtime-Invocation-Id`: sent with the invocation, and expected back on its answer.
    let invocationID: String
    let payload: [UInt8]
    let traceID: String
    let clientContext: String?
    let cognitoIdentity: String?
    let tenantID: String?
    let promise: EventLoopPromise<InvocationResult>
    var activatedAt: UInt64 = 0
    var deadlineMilliseconds: Int64 = 0
    var timeout: Scheduled<Void>?
    var dispatched = false

    init(
        id: String,
        invocationID: String,
        payload: [UInt8],
        traceID: String,
        clientContext: String?,
        cognitoIdentity: String?,
        tenantID: String?,
        promise: EventLoopPromise<InvocationResult>
    ) {
        self.id = id
        self.invocationID = invocationID
        self.payload = payload
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
        self.promise = promise
    }
}

/// The runtime process the emulator started. Lives on the emulator's event loop.
final class RuntimeProcess {
    let child: ChildProcess
    let generation: Int
    let spawnedAt: UInt64
    var sawNext = false
    var initError: LambdaErrorPayload?
    var killed = false
    /// The id the Extensions API gave it, when it registered as an extension.
    var extensionID: String?

    init(child: ChildProcess, generation: Int, spawnedAt: UInt64) {
        self.child = child
        self.generation = generation
        self.spawnedAt = spawnedAt
    }
}

/// Request and trace ids in the formats Lambda uses.
///
/// They only need to be unique, not unguessable, so they come from a SplitMix64 generator seeded once from the
/// system's random source: no system call per invocation.
enum Identifiers {
    // Shared by every emulator of the process, each on its own event loop (the tests run several at once, and
    // `serve` runs two): an atomic, so concurrent callers never race and never get the same id. ThreadSanitizer
    // found the plain `static var` this replaces.
    private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4 UUID, lowercase, as Lambda's request ids are.
    static func requestID() -> String {
        let high = (next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var out = [UInt8]()
        out.reserveCapacity(36)
        appendHex(high >> 32, digits: 8, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(high >> 16, digits: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(high, digits: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(low >> 48, digits: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(low, digits: 12, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// An X-Ray trace header: `Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0`.
    static func traceID(epochSeconds: Int) -> String {
        var out = Array("Root=1-".utf8)
        out.reserveCapacity(72)
        appendHex(UInt64(truncatingIfNeeded: epochSeconds), digits: 8, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(next(), digits: 8, to: &out)
        appendHex(next(), digits: 16, to: &out)
        out.append(contentsOf: ";Parent=".utf8)
        appendHex(next(), digits: 16, to: &out)
        out.append(contentsOf: ";Sampled=0".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendHex(_ value: UInt64, digits: Int, to out: inout [UInt8]) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            out.append(hexDigits[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }
}
