import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `HTTPAPIGateway` over HTTP/1.1 with SwiftNIO, on 127.0.0.1 only.
public final class HTTPAPIServer: Sendable {
    let gateway: HTTPAPIGateway
    let channel: any Channel
    /// The port it listens on.
    public let port: Int
    /// The largest request body accepted for the page and the API, which take small JSON.
    static let maxBodyBytes = 1_048_576

    /// Binds to `127.0.0.1:port` (0 for any free port).
    /// - Parameter maxUploadBytes: The largest body of a request to `/upload…` (a POST form with its file, or one
    ///   part), held in memory on its way to S3.
    public init(
        gateway: HTTPAPIGateway,
        port: Int,
        group: any EventLoopGroup,
        maxUploadBytes: Int = 64 * 1_048_576
    ) async throws {
        self.gateway = gateway
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        GatewayHTTPHandler(gateway: gateway, maxUploadBytes: maxUploadBytes)
                    )
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress?.port ?? port
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Collects one request, hands it to the gateway off the event loop, and writes the answer back.
final class GatewayHTTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let gateway: HTTPAPIGateway
    let maxUploadBytes: Int
    // The request being read: touched only on the channel's event loop.
    nonisolated(unsafe) private var head: HTTPRequestHead?
    nonisolated(unsafe) private var body: [UInt8] = []
    nonisolated(unsafe) private var limit = HTTPAPIServer.maxBodyBytes
    nonisolated(unsafe) private var tooLarge = false

    init(gateway: HTTPAPIGateway, maxUploadBytes: Int) {
        self.gateway = gateway
        self.maxUploadBytes = maxUploadBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
            let upload =
                head.uri == HTTPAPIGateway.uploadPath || head.uri.hasPrefix(HTTPAPIGateway.uploadPath + "/")
                || head.uri.hasPrefix(HTTPAPIGateway.uploadPath + "?")
            limit = upload ? maxUploadBytes : HTTPAPIServer.maxBodyBytes
            if let length = head.headers.first(name: "content-length").flatMap(Int.init) {
                body.reserveCapacity(min(length, limit))
            }
        case .body(var chunk):
            if body.count + chunk.readableBytes > limit {
                tooLarge = true
            } else if let bytes = chunk.readBytes(length: chunk.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let channel = context.channel
            let keepAlive = head.isKeepAlive
            if tooLarge {
                Self.write(
                    HTTPAPIGateway.Response.json(413, ["message": "Request Entity Too Large"]),
                    method: head.method,
                    keepAlive: false,
                    to: channel
                )
                return
            }
            var headers: [String: String] = [:]
            for (name, value) in head.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { $0 + "," + value } ?? value
            }
            let request = HTTPAPIGateway.Request(
                method: head.method.rawValue,
                uri: head.uri,
                headers: headers,
                body: body,
                sourceIP: channel.remoteAddress?.ipAddress ?? "127.0.0.1"
            )
            body = []
            let gateway = self.gateway
            let method = head.method
            Task {
                let response = await gateway.handle(request)
                Self.write(response, method: method, keepAlive: keepAlive, to: channel)
            }
        }
    }

    static func write(_ response: HTTPAPIGateway.Response, method: HTTPMethod, keepAlive: Bool, to channel: any Channel)
    {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(
            version: .http1_1,
            status: HTTPResponseStatus(statusCode: response.status),
            headers: headers
        )
        channel.eventLoop.execute {
            channel.write(HTTPServerResponsePart.head(head), promise: nil)
            if method != .HEAD, !response.body.isEmpty {
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
            }
            channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
