import Foundation
import LambdaRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in Runtime API for tests: it records the exact bytes of every request and answers from a script.
///
/// It listens on 127.0.0.1 on a port of its own. With a script, it serves connections one after another on its own
/// thread, and answers request `n` with `script[n]`; past the end of the script it answers 500, which stops a
/// runtime. With `invocations`, it is a strict concurrent Runtime API: every connection has its own thread, each
/// `/next` takes the next invocation (or waits while answers are outstanding, then answers 500), every answer gets
/// 202, and it counts how many invocations were handed out and not yet answered at the same time.
///
/// Bodies are read as sent: `Content-Length`, or chunked, with each chunk and every trailer recorded.
public final class ScriptedRuntimeAPI: Sendable {
    /// One recorded request.
    public struct Request: Sendable {
        /// Everything the client sent for this request, head and body, byte for byte.
        public var raw: [UInt8]
        public var method: String
        public var path: String
        /// Header lines in the order sent, names as sent.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// The connection it came on, counting from 1.
        public var connection: Int
        /// For a chunked body: each chunk's bytes, in order (the closing zero-length chunk not included).
        public var chunks: [[UInt8]] = []
        /// For a chunked body: the trailer fields after the last chunk.
        public var trailers: [(name: String, value: String)] = []

        /// The first trailer with this name, any case.
        public func trailer(_ name: String) -> String? {
            trailers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The head as text, for assertions on exact lines.
        public var head: String {
            let text = String(decoding: raw, as: UTF8.self)
            return text.components(separatedBy: "\r\n\r\n").first ?? text
        }

        /// The first header with this name, any case.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// One scripted answer.
    public struct Reply: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        public init(status: Int, reason: String = "OK", headers: [(String, String)] = [], body: [UInt8] = []) {
            self.status = status
            self.reason = reason
            self.headers = headers
            self.body = body
        }

        /// A `/next` answer carrying an invocation.
        public static func invocation(
            id: String,
            event: String,
            deadline: Int64 = 1_900_000_000_000,
            arn: String = "arn:aws:lambda:eu-west-1:123456789012:function:test",
            extraHeaders: [(String, String)] = []
        ) -> Reply {
            Reply(
                status: 200,
                headers: [
                    ("Lambda-Runtime-Aws-Request-Id", id),
                    ("Lambda-Runtime-Deadline-Ms", String(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", arn),
                    ("Content-Type", "application/json"),
                ] + extraHeaders,
                body: Array(event.utf8)
            )
        }

        /// Closes the connection without answering: what a client sees as a reset.
        public static let reset = Reply(status: 0, reason: "")

        public static let accepted = Reply(
            status: 202,
            reason: "Accepted",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"status":"OK"}"#.utf8)
        )
    }

    private struct State {
        var requests: [Request] = []
        var connections = 0
        var stopped = false
        var queue: [Reply] = []
        /// Request ids handed out by `/next` and not answered yet.
        var outstanding = Set<String>()
        var mostOutstanding = 0
    }

    private let listener: Int32
    public let port: Int
    private let script: [Reply]
    private let routed: Bool
    private let state = Locked(State())

    /// A strict concurrent Runtime API that hands out `invocations` (see the type's summary).
    public convenience init(invocations: [Reply]) throws {
        try self.init(script: invocations, routed: true)
    }

    /// Starts listening and serving.
    public convenience init(script: [Reply]) throws {
        try self.init(script: script, routed: false)
    }

    private init(script: [Reply], routed: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestFailure("bind/listen failed")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.script = script
        self.routed = routed
        if routed { state.withLock { $0.queue = script } }
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    deinit {
        stop()
    }

    /// The `host:port` for `AWS_LAMBDA_RUNTIME_API`.
    public var endpoint: String { "127.0.0.1:\(port)" }

    /// The requests received so far.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// How many connections were accepted.
    public var connections: Int { state.withLock { $0.connections } }

    /// With `invocations`: the most invocations handed out and not yet answered at one time.
    public var mostInvocationsInFlight: Int { state.withLock { $0.mostOutstanding } }

    /// Stops accepting.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                close(listener)
                return
            }
            let number = state.withLock { state -> Int in
                state.connections += 1
                return state.connections
            }
            if routed {
                let thread = Thread { [self] in
                    self.handle(client, connection: number)
                    close(client)
                }
                thread.start()
            } else {
                handle(client, connection: number)
                close(client)
            }
        }
    }

    /// A strict Runtime API's answer to `request`: `/next` waits for an invocation, answers 202.
    private func routedReply(to request: Request) -> Reply {
        let exhausted = Reply(status: 500, reason: "Internal Server Error", body: Array("no more invocations".utf8))
        if request.path.hasSuffix("/invocation/next") {
            while true {
                let taken = state.withLock { state -> Reply?? in
                    if state.stopped { return .some(nil) }
                    if !state.queue.isEmpty {
                        let reply = state.queue.removeFirst()
                        let id = reply.headers.first { $0.0 == "Lambda-Runtime-Aws-Request-Id" }?.1 ?? ""
                        state.outstanding.insert(id)
                        state.mostOutstanding = max(state.mostOutstanding, state.outstanding.count)
                        return .some(reply)
                    }
                    return state.outstanding.isEmpty ? .some(nil) : nil
                }
                if let taken { return taken ?? exhausted }
                usleep(1_000)
            }
        }
        let parts = request.path.split(separator: "/")
        if parts.count >= 5, parts[parts.count - 3] == "invocation" {
            let id = String(parts[parts.count - 2])
            _ = state.withLock { $0.outstanding.remove(id) }
        }
        return .accepted
    }

    private func handle(_ client: Int32, connection: Int) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read one request: the head, then Content-Length bytes of body.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = Self.find([13, 10, 13, 10], in: buffer).map { $0 + 4 }
                if headEnd != nil { break }
                let count = recv(client, &chunk, chunk.count, 0)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
            }
            let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let requestLine = lines.removeFirst().split(separator: " ")
            let headers = lines.compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (
                    String(line[..<colon]),
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                )
            }
            func fill(_ count: Int) -> Bool {
                while buffer.count < count {
                    let received = recv(client, &chunk, chunk.count, 0)
                    if received <= 0 { return false }
                    buffer.append(contentsOf: chunk[0..<received])
                }
                return true
            }
            /// The next CRLF-ended line at `offset`, and the offset after it.
            func line(at offset: Int) -> (String, Int)? {
                while true {
                    if let end = Self.find([13, 10], in: Array(buffer[offset...])) {
                        return (String(decoding: buffer[offset..<(offset + end)], as: UTF8.self), offset + end + 2)
                    }
                    let received = recv(client, &chunk, chunk.count, 0)
                    if received <= 0 { return nil }
                    buffer.append(contentsOf: chunk[0..<received])
                }
            }
            var body: [UInt8] = []
            var chunks: [[UInt8]] = []
            var trailers: [(name: String, value: String)] = []
            var end = headEnd!
            let chunked = headers.contains {
                $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked")
            }
            if chunked {
                while true {
                    guard let (sizeLine, afterSize) = line(at: end),
                        let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16)
                    else { return }
                    end = afterSize
                    if size == 0 {
                        while true {
                            guard let (field, afterField) = line(at: end) else { return }
                            end = afterField
                            if field.isEmpty { break }
                            if let colon = field.firstIndex(of: ":") {
                                trailers.append(
                                    (
                                        String(field[..<colon]),
                                        String(field[field.index(after: colon)...])
                                            .trimmingCharacters(in: .whitespaces)
                                    )
                                )
                            }
                        }
                        break
                    }
                    guard fill(end + size + 2) else { return }
                    chunks.append(Array(buffer[end..<(end + size)]))
                    body += chunks.last!
                    end += size + 2
                }
            } else {
                let length =
                    headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
                guard fill(end + length) else { return }
                body = Array(buffer[end..<(end + length)])
                end += length
            }
            let raw = Array(buffer[0..<end])
            buffer.removeFirst(end)
            var request = Request(
                raw: raw,
                method: requestLine.count > 0 ? String(requestLine[0]) : "",
                path: requestLine.count > 1 ? String(requestLine[1]) : "",
                headers: headers,
                body: body,
                connection: connection
            )
            request.chunks = chunks
            request.trailers = trailers
            let index = state.withLock { state -> Int in
                state.requests.append(request)
                return state.requests.count - 1
            }
            let reply =
                routed
                ? routedReply(to: request)
                : index < script.count
                    ? script[index]
                    : Reply(status: 500, reason: "Internal Server Error", body: Array("script exhausted".utf8))
            if reply.status == 0 { return }
            var response = "HTTP/1.1 \(reply.status) \(reply.reason)\r\n"
            for (name, value) in reply.headers { response += "\(name): \(value)\r\n" }
            if !reply.headers.contains(where: { $0.0.lowercased() == "content-length" }) {
                response += "Content-Length: \(reply.body.count)\r\n"
            }
            response += "\r\n"
            let bytes = Array(response.utf8) + reply.body
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes {
                    send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count <= 0 { return }
                sent += count
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

/// A failure in test setup, with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
