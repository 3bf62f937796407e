import Crypto
import CurlHTTP
import Foundation
import Synchronization
import UploadClient

/// A clock the tests move by hand; `sleep` moves it instead of sleeping and records how long it was asked for.
final class TestClock: Sendable {
    private let state = Mutex((now: Date(timeIntervalSince1970: 1_796_000_000), sleeps: [Duration]()))

    var now: Date { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(_ seconds: Double) { state.withLock { $0.now += seconds } }

    func sleep(_ duration: Duration) {
        state.withLock {
            $0.sleeps.append(duration)
            $0.now += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}

/// The multipart API of issue 12 and the S3 behind it, in memory: it checks what a real one checks (the bearer,
/// the session, ≤ 100 parts per signing, Content-Length and x-amz-checksum-sha256 against the body, URL expiry,
/// complete's part list) and records every request.
final class FakeUploadAPI: HTTPTransport {
    static let base = "http://api.test/api"
    static let token = "TOKEN-eyJraWQiOiJzZWNyZXQ"
    static let sessionPrefix = "SESSION-c2VjcmV0LXNlc3Npb24"

    struct Upload {
        var key: String
        var session: String
        var size: Int64
        var partSize: Int64
        var partCount: Int
        var parts: [Int: (etag: String, checksum: String, bytes: [UInt8])] = [:]
    }

    struct Request: Sendable {
        var method: String
        var path: String
        /// The part numbers of a signing call, or the part of a PUT.
        var parts: [Int]
    }

    struct State {
        var limits: [String: Any] = [
            "maxBytes": 1 << 30, "allowedTypes": ["image/png", "image/jpeg", "application/pdf"],
            "keyPrefix": "uploads/sub/", "expiresSeconds": 300, "multipartThreshold": 64 * 1024,
            "partSize": 1024, "singleUploadMaxBytes": 5 * 1024 * 1024 * 1024,
        ]
        var partSize: Int64 = 1024
        var urlLifetime: Double = 300
        var uploads: [String: Upload] = [:]
        var objects: [String: [UInt8]] = [:]
        var requests: [Request] = []
        var nextID = 1
        /// Part number → 500 answers still to give.
        var serverErrors: [Int: Int] = [:]
        /// Part number → connection failures still to give.
        var connectionFailures: [Int: Int] = [:]
        /// Part numbers whose next PUT S3 answers "Request has expired" whatever the URL says.
        var expireOnce: Set<Int> = []
        /// Answers for a route ("GET /uploads", "POST /uploads", …): status and JSON body.
        var forced: [String: (Int, String)] = [:]
        /// Every request fails to connect.
        var unreachable = false
        /// Seconds the clock moves on each part PUT.
        var secondsPerPart: Double = 0
    }

    let state = Mutex(State())
    let clock: TestClock

    init(clock: TestClock) {
        self.clock = clock
    }

    func makeConnection() throws -> any HTTPConnection { FakeConnection(api: self) }

    var requests: [Request] { state.withLock { $0.requests } }

    func requests(_ method: String, _ path: String) -> [Request] {
        requests.filter { $0.method == method && $0.path == path }
    }

    /// The part numbers PUT to S3, in order.
    var partPuts: [Int] { requests("PUT", "/s3/part").flatMap(\.parts) }

    // MARK: - Routing

    func handle(_ method: String, _ url: String, headers: [(String, String)], body: [UInt8]) throws -> HTTPResponse {
        let (path, query) = Self.split(url)
        let header = Dictionary(headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 })
        return try state.withLock { state throws -> HTTPResponse in
            if state.unreachable { throw HTTPClientError(.transport, "Failed to connect to api.test port 80") }
            if path.hasPrefix("http://s3.test/") {
                return try s3(method, path, query, header, body, &state)
            }
            guard path.hasPrefix(Self.base) else { return Self.json(404, #"{"message":"not found"}"#) }
            let route = "\(method) \(path.dropFirst(Self.base.count))"
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            var parts: [Int] = []
            if let list = object["parts"] as? [[String: Any]] { parts = list.compactMap { $0["partNumber"] as? Int } }
            state.requests.append(Request(method: method, path: String(path.dropFirst(Self.base.count)), parts: parts))
            if let (status, text) = state.forced[route] { return Self.json(status, text) }
            guard header["authorization"] == "Bearer \(Self.token)" else {
                return Self.json(401, #"{"message":"Unauthorized"}"#)
            }
            switch route {
            case "GET /uploads":
                return Self.json(200, Self.text(state.limits))
            case "POST /uploads":
                return create(object, &state)
            case "POST /uploads/multipart/parts":
                return sign(object, &state)
            case "GET /uploads/multipart":
                guard let upload = find(query, &state) else {
                    return Self.json(404, #"{"error":"NoSuchUpload","message":"the upload is gone"}"#)
                }
                let listed = upload.parts.keys.sorted().map { number -> [String: Any] in
                    let part = upload.parts[number]!
                    return [
                        "partNumber": number, "etag": part.etag, "size": part.bytes.count,
                        "checksumSHA256": part.checksum,
                    ]
                }
                return Self.json(200, Self.text(["parts": listed]))
            case "POST /uploads/multipart/complete":
                return complete(object, &state)
            case "DELETE /uploads/multipart":
                if let id = query["uploadId"] { state.uploads[id] = nil }
                return HTTPResponse(status: 204)
            default:
                return Self.json(404, #"{"message":"Not Found"}"#)
            }
        }
    }

    private func create(_ request: [String: Any], _ state: inout State) -> HTTPResponse {
        let size = Int64(request["size"] as? Int ?? -1)
        let key = "uploads/sub/\(state.nextID)/\(request["filename"] as? String ?? "")"
        state.nextID += 1
        if request["method"] as? String == "PUT" {
            let checksum = request["checksumSHA256"] as? String ?? ""
            let url = "http://s3.test/bucket/\(key)?put=1&expires=\(Int(clock.now.timeIntervalSince1970 + 300))"
            let headers = [
                "Content-Type": request["contentType"] as? String ?? "", "x-amz-checksum-sha256": checksum,
            ]
            return Self.json(200, Self.text(["method": "PUT", "url": url, "headers": headers, "key": key]))
        }
        let partSize = state.partSize
        let count = max(1, Int((size + partSize - 1) / partSize))
        let id = "upload-\(state.nextID)"
        let session = "\(Self.sessionPrefix)-\(id)"
        state.uploads[id] = Upload(key: key, session: session, size: size, partSize: partSize, partCount: count)
        return Self.json(
            200,
            Self.text([
                "method": "MULTIPART", "key": key, "uploadId": id, "session": session, "partSize": partSize,
                "partCount": count, "expiresAt": "2026-12-03T06:00:00Z", "maxBytes": 1 << 30,
            ])
        )
    }

    private func find(_ fields: [String: String], _ state: inout State) -> Upload? {
        guard let id = fields["uploadId"], let upload = state.uploads[id], upload.key == fields["key"],
            upload.session == fields["session"]
        else { return nil }
        return upload
    }

    private func sign(_ request: [String: Any], _ state: inout State) -> HTTPResponse {
        let fields = request.compactMapValues { $0 as? String }
        guard let upload = find(fields, &state) else {
            return Self.json(403, #"{"error":"Forbidden","message":"the session does not match"}"#)
        }
        let parts = request["parts"] as? [[String: Any]] ?? []
        guard (1...100).contains(parts.count) else {
            return Self.json(400, #"{"error":"BadRequest","message":"sign 1 to 100 parts per call"}"#)
        }
        let expires = clock.now.timeIntervalSince1970 + state.urlLifetime
        var signed: [[String: Any]] = []
        for part in parts {
            let number = part["partNumber"] as? Int ?? 0
            let checksum = part["checksumSHA256"] as? String ?? ""
            guard (1...upload.partCount).contains(number) else {
                return Self.json(400, #"{"error":"BadRequest","message":"partNumber outside 1…partCount"}"#)
            }
            let length =
                number == upload.partCount ? upload.size - Int64(number - 1) * upload.partSize : upload.partSize
            let url =
                "http://s3.test/bucket/\(upload.key)?partNumber=\(number)&uploadId=\(fields["uploadId"]!)"
                + "&expires=\(Int(expires))&checksum=\(UploadTestSupport.encode(checksum))&length=\(length)"
            signed.append([
                "partNumber": number, "url": url,
                "headers": ["Content-Length": String(length), "x-amz-checksum-sha256": checksum],
            ])
        }
        let expiresAt = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: expires))
        return Self.json(200, Self.text(["parts": signed, "expiresAt": expiresAt]))
    }

    private func complete(_ request: [String: Any], _ state: inout State) -> HTTPResponse {
        let fields = request.compactMapValues { $0 as? String }
        guard let id = fields["uploadId"], var upload = find(fields, &state) else {
            return Self.json(404, #"{"error":"NoSuchUpload","message":"no such upload"}"#)
        }
        let sent = request["parts"] as? [[String: Any]] ?? []
        let missing = (1...upload.partCount).filter { upload.parts[$0] == nil }
        guard missing.isEmpty else {
            let names = missing.map(String.init).joined(separator: ", ")
            return Self.json(409, #"{"error":"IncompleteUpload","message":"parts \#(names) are missing"}"#)
        }
        for part in sent {
            let number = part["partNumber"] as? Int ?? 0
            guard let stored = upload.parts[number], stored.etag == part["etag"] as? String,
                stored.checksum == part["checksumSHA256"] as? String
            else {
                return Self.json(409, #"{"error":"IncompleteUpload","message":"part \#(number) is wrong"}"#)
            }
        }
        let bytes = (1...upload.partCount).flatMap { upload.parts[$0]!.bytes }
        state.objects[upload.key] = bytes
        upload.parts = [:]
        state.uploads[id] = nil
        return Self.json(
            200,
            Self.text([
                "key": upload.key, "size": bytes.count,
                "etag": "\"\(UploadTestSupport.md5(bytes))-\(upload.partCount)\"",
            ])
        )
    }

    private func s3(
        _ method: String,
        _ path: String,
        _ query: [String: String],
        _ headers: [String: String],
        _ body: [UInt8],
        _ state: inout State
    ) throws -> HTTPResponse {
        let key = String(path.dropFirst("http://s3.test/bucket/".count))
        let number = Int(query["partNumber"] ?? "") ?? 0
        state.requests.append(Request(method: method, path: number > 0 ? "/s3/part" : "/s3/put", parts: [number]))
        let checksum = Data(SHA256.hash(data: body)).base64EncodedString()
        if state.secondsPerPart > 0 { clock.advance(state.secondsPerPart) }
        if let left = state.connectionFailures[number], left > 0 {
            state.connectionFailures[number] = left - 1
            throw HTTPClientError(.transport, "PUT http://s3.test/bucket/\(key) failed: Connection reset by peer")
        }
        if let left = state.serverErrors[number], left > 0 {
            state.serverErrors[number] = left - 1
            return Self.xml(500, "InternalError", "We encountered an internal error. Please try again.")
        }
        let expired = Double(query["expires"] ?? "") ?? 0 < clock.now.timeIntervalSince1970
        if expired || state.expireOnce.remove(number) != nil {
            return Self.xml(403, "AccessDenied", "Request has expired")
        }
        guard headers["x-amz-checksum-sha256"] == checksum else {
            return Self.xml(
                400,
                "BadDigest",
                "The SHA256 checksum you specified did not match the calculated checksum."
            )
        }
        let etag = "\"\(UploadTestSupport.md5(body))\""
        if number == 0 {
            guard query["put"] == "1" else { return Self.xml(400, "InvalidRequest", "no such URL") }
            state.objects[key] = body
            return HTTPResponse(status: 200, headers: ["etag": etag])
        }
        guard headers["content-length"] == String(body.count), query["length"] == String(body.count),
            query["checksum"] == checksum
        else {
            return Self.xml(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
        }
        guard let id = query["uploadId"], state.uploads[id] != nil else {
            return Self.xml(404, "NoSuchUpload", "The specified upload does not exist.")
        }
        state.uploads[id]!.parts[number] = (etag, checksum, body)
        return HTTPResponse(status: 200, headers: ["etag": etag])
    }

    // MARK: - Helpers

    static func split(_ url: String) -> (String, [String: String]) {
        let parts = url.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let field = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query[field[0]] = field.count == 2 ? field[1].removingPercentEncoding : ""
            }
        }
        return (String(parts[0]), query)
    }

    static func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "application/json"], body: Array(text.utf8))
    }

    static func xml(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: ["content-type": "application/xml"],
            body: Array("<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>".utf8)
        )
    }

    static func text(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

final class FakeConnection: HTTPConnection {
    let api: FakeUploadAPI

    init(api: FakeUploadAPI) {
        self.api = api
    }

    func send(
        _ method: String,
        _ url: String,
        headers: [(String, String)],
        body: [UInt8]?,
        timeout: Duration
    ) throws -> HTTPResponse {
        try api.handle(method, url, headers: headers, body: body ?? [])
    }
}

enum UploadTestSupport {
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }

    static func md5(_ bytes: [UInt8]) -> String {
        Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A new directory for one test's files.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ue-upload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A file of `size` pseudo-random bytes (a fixed seed: the same bytes every run).
    static func file(_ name: String, size: Int, in directory: String) throws -> (path: String, bytes: [UInt8]) {
        var generator = SplitMix(seed: UInt64(size))
        let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Collects the client's notes.
final class RecordedProgress: UploadProgress {
    private let lines = Mutex([String]())
    private let bytes = Mutex(Int64(0))

    var notes: [String] { lines.withLock { $0 } }
    var advanced: Int64 { bytes.withLock { $0 } }

    func begin(file: String, totalBytes: Int64, doneBytes: Int64) {
        bytes.withLock { $0 = doneBytes }
    }
    func advance(bytes count: Int64) { bytes.withLock { $0 += count } }
    func end(succeeded: Bool) {}
    func note(_ message: String) { lines.withLock { $0.append(message) } }
}
