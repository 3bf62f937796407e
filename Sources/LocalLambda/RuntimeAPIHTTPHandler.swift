import LambdaRuntime
import NIOCore
import NIOHTTP1

/// Routes one connection's HTTP requests to the emulator: the Runtime API, and the RIE's invoke endpoint.
final class RuntimeAPIHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The RIE's invoke path; any function name is accepted in place of `function`.
    static let invokePrefix = "/2015-03-31/functions/"
    static let invokeSuffix = "/invocations"
    /// The Invoke API's request payload limit (synchronous invocations).
    static let maxRequestBytes = 6_291_456

    private let emulator: RuntimeAPIEmulator
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyLength = 0
    private var bodyLimit = 0
    private var firstByteAt: UInt64?
    private var waiter: NextWaiter?
    private var extensionPoll: NextWaiter?

    init(emulator: RuntimeAPIEmulator) {
        self.emulator = emulator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = nil
            self.bodyLength = 0
            self.firstByteAt = nil
            // Keep one byte past the limit, so "over the limit" is known without holding an unbounded body.
            if !head.uri.utf8.starts(with: RuntimeAPI.invocationPrefix.utf8) {
                self.bodyLimit = Self.maxRequestBytes + 1
            } else if Self.isStreamed(head) {
                self.bodyLimit = RuntimeAPI.maxStreamedResponseBytes + 1
            } else {
                self.bodyLimit = emulator.configuration.maxResponseBytes + 1
            }
        case .body(var chunk):
            if firstByteAt == nil { firstByteAt = NIODeadline.now().uptimeNanoseconds }
            bodyLength += chunk.readableBytes
            let room = bodyLimit - (body?.readableBytes ?? 0)
            if room > 0, let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                if body == nil {
                    body = slice
                } else {
                    body!.writeImmutableBuffer(slice)
                }
            }
        case .end(let trailers):
            guard let head else { return }
            self.head = nil
            route(
                context: context,
                head: head,
                body: body ?? context.channel.allocator.buffer(capacity: 0),
                trailers: trailers
            )
            body = nil
        }
    }

    /// A `/response` whose runtime said it streams.
    static func isStreamed(_ head: HTTPRequestHead) -> Bool {
        head.headers.first(name: RuntimeAPI.Header.responseMode)?.lowercased() == RuntimeAPI.streamingResponseMode
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let waiter {
            waiter.isOpen = false
            emulator.waiterClosed(waiter)
            self.waiter = nil
        }
        if let extensionPoll {
            extensionPoll.isOpen = false
            emulator.extensionPollClosed(extensionPoll)
            self.extensionPoll = nil
        }
        context.fireChannelInactive()
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer, trailers: HTTPHeaders?)
    {
        let keepAlive = head.isKeepAlive
        let path = head.uri.firstIndex(of: "?").map { String(head.uri[..<$0]) } ?? head.uri
        let responder = NextWaiter(handler: self, context: context, keepAlive: keepAlive)

        if path == RuntimeAPI.nextPath {
            guard head.method == .GET else { return responder.methodNotAllowed(head.method) }
            waiter = responder
            emulator.nextRequested(by: responder)
            return
        }
        // Byte comparisons: the stdlib's, not Foundation's string search, on this per-invocation path.
        if path.utf8.starts(with: RuntimeAPI.invocationPrefix.utf8) {
            let rest = path.utf8.dropFirst(RuntimeAPI.invocationPrefix.utf8.count)
            let isError: Bool
            let requestID: Substring.UTF8View
            if rest.reversed().starts(with: "/response".utf8.reversed()) {
                isError = false
                requestID = rest.dropLast("/response".utf8.count)
            } else if rest.reversed().starts(with: "/error".utf8.reversed()) {
                isError = true
                requestID = rest.dropLast("/error".utf8.count)
            } else {
                return responder.notFound(path)
            }
            guard !requestID.contains(UInt8(ascii: "/")) else { return responder.notFound(path) }
            guard head.method == .POST else { return responder.methodNotAllowed(head.method) }
            let streamed = !isError && Self.isStreamed(head)
            let (status, answer) = emulator.answerReceived(
                RuntimeAnswer(
                    requestID: String(Substring(requestID)),
                    isError: isError,
                    body: body,
                    bodyLength: bodyLength,
                    errorTypeHeader: head.headers.first(name: RuntimeAPI.Header.functionErrorType),
                    invocationID: head.headers.first(name: RuntimeAPI.Header.invocationID),
                    streamed: streamed,
                    firstByteAt: firstByteAt,
                    trailerErrorType: streamed ? trailers?.first(name: RuntimeAPI.Header.functionErrorType) : nil,
                    trailerErrorBody: streamed ? trailers?.first(name: RuntimeAPI.Header.functionErrorBody) : nil
                )
            )
            return responder.respond(status: status, json: answer)
        }
        if path == ExtensionsAPI.registerPath {
            guard head.method == .POST else { return responder.methodNotAllowed(head.method) }
            let (status, headers, answer) = emulator.extensionRegistrationReceived(
                name: head.headers.first(name: ExtensionsAPI.Header.name),
                body: body
            )
            var all = headers
            if !all.contains(name: "Content-Type") { all.add(name: "Content-Type", value: "application/json") }
            return responder.respond(status: status, headers: all, body: Array(answer.utf8))
        }
        if path == ExtensionsAPI.nextEventPath {
            guard head.method == .GET else { return responder.methodNotAllowed(head.method) }
            extensionPoll = responder
            emulator.extensionEventRequested(
                by: responder,
                id: head.headers.first(name: ExtensionsAPI.Header.identifier)
            )
            return
        }
        if path == RuntimeAPI.initErrorPath {
            guard head.method == .POST else { return responder.methodNotAllowed(head.method) }
            let (status, answer) = emulator.initErrorReceived(
                body: body,
                errorTypeHeader: head.headers.first(name: RuntimeAPI.Header.functionErrorType)
            )
            return responder.respond(status: status, json: answer)
        }
        if path.utf8.starts(with: Self.invokePrefix.utf8),
            path.utf8.reversed().starts(with: Self.invokeSuffix.utf8.reversed())
        {
            guard head.method == .POST else { return responder.methodNotAllowed(head.method) }
            guard bodyLength <= Self.maxRequestBytes else {
                return responder.respond(
                    status: .payloadTooLarge,
                    json:
                        #"{"Type":"User","message":"Request must be smaller than \#(Self.maxRequestBytes) bytes for the InvokeFunction operation"}"#
                )
            }
            invoke(responder: responder, head: head, body: body)
            return
        }
        if path.utf8.starts(with: EmulatorConfiguration.staticPrefix.utf8),
            let document = emulator.configuration.staticFiles[path]
        {
            guard head.method == .GET else { return responder.methodNotAllowed(head.method) }
            return responder.respond(status: .ok, json: String(decoding: document, as: UTF8.self))
        }
        responder.notFound(path)
    }

    private func invoke(responder: NextWaiter, head: HTTPRequestHead, body: ByteBuffer) {
        var clientContext: String? = nil
        if let encoded = head.headers.first(name: "X-Amz-Client-Context") {
            guard let decoded = Base64.decode(encoded) else {
                return responder.respond(
                    status: .badRequest,
                    json: #"{"Type":"User","message":"X-Amz-Client-Context must be base64-encoded JSON"}"#
                )
            }
            clientContext = String(decoding: decoded, as: UTF8.self)
        }
        let request = InvocationRequest(
            payload: Array(body.readableBytesView),
            traceID: head.headers.first(name: "X-Amzn-Trace-Id"),
            clientContext: clientContext,
            cognitoIdentity: head.headers.first(name: "X-Amz-Cognito-Identity"),
            tenantID: head.headers.first(name: "X-Amz-Tenant-Id"),
            requestID: head.headers.first(name: "X-Amzn-RequestId")
        )
        let responder = NIOLoopBound(responder, eventLoop: emulator.eventLoop)
        emulator.enqueueOnLoop(request).whenComplete { result in
            let responder = responder.value
            switch result {
            case .success(let outcome):
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "X-Amzn-RequestId", value: outcome.requestID)
                headers.add(name: "X-Amz-Executed-Version", value: "$LATEST")
                if outcome.status != .ok {
                    // The Invoke API's marker of a failed invocation; the body is the error.
                    headers.add(name: "X-Amz-Function-Error", value: "Unhandled")
                }
                var buffer = responder.context.channel.allocator.buffer(capacity: outcome.body.count)
                buffer.writeBytes(outcome.body)
                responder.respond(status: .ok, headers: headers, body: buffer)
            case .failure(let error):
                responder.respond(
                    status: .serviceUnavailable,
                    json: RuntimeAPIEmulator.errorJSON(type: "ServiceException", message: "\(error)")
                )
            }
        }
    }

    fileprivate func write(
        context: ChannelHandlerContext,
        status: HTTPResponseStatus,
        headers: HTTPHeaders,
        body: ByteBuffer?,
        keepAlive: Bool
    ) {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        if let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    fileprivate func finishedWaiting(_ waiter: NextWaiter) {
        if self.waiter === waiter { self.waiter = nil }
        if extensionPoll === waiter { extensionPoll = nil }
    }
}

/// Something that answers one HTTP request later: a parked `/next`, or an invoke waiting for its result.
/// Lives on the emulator's event loop.
final class NextWaiter {
    private let handler: RuntimeAPIHTTPHandler
    let context: ChannelHandlerContext
    private let keepAlive: Bool
    var isOpen = true

    init(handler: RuntimeAPIHTTPHandler, context: ChannelHandlerContext, keepAlive: Bool) {
        self.handler = handler
        self.context = context
        self.keepAlive = keepAlive
    }

    func respond(status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8]) {
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        respond(status: status, headers: headers, body: buffer)
    }

    func respond(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        guard isOpen else { return }
        isOpen = false
        handler.finishedWaiting(self)
        handler.write(context: context, status: status, headers: headers, body: body, keepAlive: keepAlive)
    }

    func respond(status: HTTPResponseStatus, json: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        respond(status: status, headers: headers, body: Array(json.utf8))
    }

    func respondError(status: HTTPResponseStatus, type: String, message: String) {
        respond(status: status, json: RuntimeAPIEmulator.errorJSON(type: type, message: message))
    }

    func notFound(_ path: String) {
        respondError(status: .notFound, type: "NotFound", message: "no Runtime API route for \(path)")
    }

    func methodNotAllowed(_ method: HTTPMethod) {
        respondError(status: .methodNotAllowed, type: "MethodNotAllowed", message: "\(method) is not allowed here")
    }

    /// Closes the connection without an answer (its runtime was stopped).
    func close() {
        guard isOpen else { return }
        isOpen = false
        handler.finishedWaiting(self)
        context.close(promise: nil)
    }
}

/// Standard base64 decoding (RFC 4648), for the `X-Amz-Client-Context` header.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var table = [Int16](repeating: -1, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = Int16(index)
        }
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            let value = table[Int(byte)]
            guard value >= 0 else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
