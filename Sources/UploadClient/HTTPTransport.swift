import CurlHTTP

/// An HTTP answer: status, headers (names lowercased), body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// One connection's worth of HTTP: blocking, used by one thread at a time.
public protocol HTTPConnection: AnyObject {
    /// Sends one request and reads the whole answer.
    /// - Throws: `HTTPClientError` when there is no answer (`.transport`, `.timeout`, `.invalidURL`).
    func send(
        _ method: String,
        _ url: String,
        headers: [(String, String)],
        body: [UInt8]?,
        timeout: Duration
    ) throws -> HTTPResponse
}

/// Makes connections: each worker thread gets its own, so parts go up in parallel.
public protocol HTTPTransport: Sendable {
    func makeConnection() throws -> any HTTPConnection
}

/// The project's libcurl client: one `CurlHTTPClient` (one easy handle, one kept-alive connection) per connection.
public struct CurlTransport: HTTPTransport {
    public init() {}

    public func makeConnection() throws -> any HTTPConnection {
        CurlConnection(client: try CurlHTTPClient())
    }
}

final class CurlConnection: HTTPConnection {
    let client: CurlHTTPClient

    init(client: CurlHTTPClient) {
        self.client = client
    }

    func send(
        _ method: String,
        _ url: String,
        headers: [(String, String)],
        body: [UInt8]?,
        timeout: Duration
    ) throws -> HTTPResponse {
        let milliseconds =
            Int(timeout.components.seconds) * 1_000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        let answer = try client.send(method, url, headers: headers, body: body, timeoutMilliseconds: milliseconds)
        return HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body)
    }
}
