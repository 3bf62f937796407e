import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in Runtime API for tests: it records the exact bytes of every request and answers from a script.
///
/// It listens on 127.0.0.1 on a port of its own, serves connections one after another on its own thread, and
/// answers request `n` with `script[n]`; past the end of the script it answers 500, which stops a runtime.
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
    }

    private let listener: Int32
    public let port: Int
    private let script: [Reply]
    private let state = Mutex(State())

    /// Starts listening and serving.
    public init(script: [Reply]) throws {
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
            handle(client, connection: number)
            close(client)
        }
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
            let length =
                headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            while buffer.count < headEnd! + length {
                let count = recv(client, &chunk, chunk.count, 0)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
            }
            let raw = Array(buffer[0..<(headEnd! + length)])
            buffer.removeFirst(headEnd! + length)
            let request = Request(
                raw: raw,
                method: requestLine.count > 0 ? String(requestLine[0]) : "",
                path: requestLine.count > 1 ? String(requestLine[1]) : "",
                headers: headers,
                body: Array(raw[headEnd!...]),
                connection: connection
            )
            let index = state.withLock { state -> Int in
                state.requests.append(request)
                return state.requests.count - 1
            }
            let reply =
                index < script.count
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
