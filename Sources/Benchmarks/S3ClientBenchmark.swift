import CZlib
import CurlHTTP
import Foundation
import LambdaRuntime
import S3
import S3Presigning
import SigV4
import UploadHandlers

#if canImport(Glibc)
import Glibc
#endif

/// The S3 client's own cost, and `object-created`'s throughput against a real S3.
///
/// - Overhead: signing and request building alone (`S3Client.prepare`), then whole signed `GET`s against a trivial
///   local HTTP server, taking turns with unsigned `GET`s on a bare `CurlHTTPClient` (the peer: libcurl alone).
/// - Throughput: `ObjectCreatedHandler` validating fresh objects one after another (HEAD, tags, first 4 KB, tag).
public struct S3ClientBenchmark {
    public struct Timing: Sendable {
        public var name: String
        public var p50: Double
        public var p99: Double
        public var mean: Double
    }

    public struct Throughput: Sendable {
        public var objects: Int
        public var seconds: Double
        public var perSecond: Double { Double(objects) / seconds }
        public var p50Milliseconds: Double
    }

    public var iterations: Int
    public var progress: (String) -> Void

    public init(iterations: Int = 20_000, progress: @escaping (String) -> Void = { _ in }) {
        self.iterations = iterations
        self.progress = progress
    }

    static let credentials = try! AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )

    /// Signing and request building, then signed and unsigned round trips to a trivial server.
    public func measureOverhead() throws -> [Timing] {
        let server = try TrivialHTTPServer()
        defer { server.stop() }
        let endpoint = try S3Endpoint.custom("http://127.0.0.1:\(server.port)", region: "eu-west-1")
        let client = try S3Client(credentials: Self.credentials, endpoint: endpoint)
        let bare = try CurlHTTPClient()
        let key = "uploads/7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f/2c1e7a3b-5d4f-4e6a-9b8c-7d6e5f4a3b2c/holiday photo.jpg"
        let url = "http://127.0.0.1:\(server.port)/upload-edge-uploads/" + URIEncoding.encode(key, keepSlash: true)

        var prepare: [Double] = []
        var signed: [Double] = []
        var unsigned: [Double] = []
        prepare.reserveCapacity(iterations)
        signed.reserveCapacity(iterations)
        unsigned.reserveCapacity(iterations)
        // Warm up both connections and caches.
        for _ in 0..<500 {
            _ = try client.getObject(bucket: "upload-edge-uploads", key: key, range: 0...4095)
            _ = try bare.send("GET", url, headers: [("Range", "bytes=0-4095")])
        }
        for index in 0..<iterations {
            var start = ContinuousClock.now
            _ = try client.prepare(
                "GET",
                bucket: "upload-edge-uploads",
                key: key,
                headers: [.init("Range", "bytes=0-4095")]
            )
            prepare.append(Self.microseconds(since: start))
            start = ContinuousClock.now
            _ = try client.getObject(bucket: "upload-edge-uploads", key: key, range: 0...4095)
            signed.append(Self.microseconds(since: start))
            start = ContinuousClock.now
            _ = try bare.send("GET", url, headers: [("Range", "bytes=0-4095")])
            unsigned.append(Self.microseconds(since: start))
            if (index + 1) % 5_000 == 0 { progress("  requests: \(index + 1)/\(iterations) each") }
        }
        return [
            Self.timing("signing + request building (S3Client.prepare)", prepare),
            Self.timing("signed GET through S3Client", signed),
            Self.timing("unsigned GET, bare libcurl handle (peer)", unsigned),
        ]
    }

    /// A PNG that passes `object-created`'s whole-file check: signature, IHDR, one IDAT of `imageBytes` bytes and
    /// IEND, each chunk with its CRC (the check reads the structure; it does not inflate the image).
    static func png(imageBytes: Int) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
        }
        func bigEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        let header = bigEndian(16) + bigEndian(16) + [8, 0, 0, 0, 0]
        let image = (0..<imageBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", image)
            + chunk("IEND", [])
    }

    /// Uploads `objects` PNGs to a new bucket at `endpoint`, then validates each with `object-created`.
    public func measureValidation(endpoint url: String, objects: Int) throws -> Throughput {
        let endpoint = try S3Endpoint.custom(url, region: "eu-west-1")
        let credentials = try AWSCredentials(accessKeyID: "test", secretAccessKey: "test")
        let client = try S3Client(credentials: credentials, endpoint: endpoint)
        let bucket = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        try client.createBucket(bucket)
        let png = Self.png(imageBytes: 8_192)
        var records: [ObjectCreatedHandler.ObjectRecord] = []
        for index in 0..<objects {
            let key = "uploads/u-\(index % 10)/\(UUID().uuidString.lowercased())/photo \(index).png"
            try client.putObject(
                bucket: bucket,
                key: key,
                body: png,
                options: .init(contentType: "image/png", metadata: ["owner": "u-\(index % 10)"])
            )
            records.append(.init(bucket: bucket, key: key, size: Int64(png.count)))
            if (index + 1) % 100 == 0 { progress("  uploaded: \(index + 1)/\(objects)") }
        }
        let configuration = PresignConfiguration(
            bucket: bucket,
            region: "eu-west-1",
            limits: UploadLimits(),
            kmsKeyID: nil,
            requiredGroup: nil,
            corsAllowOrigins: [],
            endpoint: endpoint
        )
        let handler = ObjectCreatedHandler(
            configuration: ObjectCreatedConfiguration(upload: configuration, quarantinePrefix: "quarantine/"),
            client: try S3Client(credentials: credentials, endpoint: endpoint)
        )
        var durations: [Double] = []
        let started = ContinuousClock.now
        for (index, record) in records.enumerated() {
            let start = ContinuousClock.now
            let outcome = try handler.process(record)
            durations.append(Self.microseconds(since: start) / 1000)
            // Validated: `pending` is what a valid upload becomes while its malware verdict is outstanding, the
            // deployed default (SCAN_REQUIRED).
            guard outcome.status == .pending else {
                throw BenchmarkFailure("\(record.key) came out \(outcome.status.rawValue): \(outcome.reason ?? "")")
            }
            if (index + 1) % 100 == 0 { progress("  validated: \(index + 1)/\(objects)") }
        }
        let seconds = Self.microseconds(since: started) / 1_000_000
        durations.sort()
        return Throughput(objects: objects, seconds: seconds, p50Milliseconds: durations[durations.count / 2])
    }

    static func microseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
    }

    static func timing(_ name: String, _ values: [Double]) -> Timing {
        let sorted = values.sorted()
        return Timing(
            name: name,
            p50: sorted[sorted.count / 2],
            p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
            mean: values.reduce(0, +) / Double(values.count)
        )
    }
}

public struct BenchmarkFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The least an HTTP server can do: one thread, keep-alive, the same small answer to every request.
final class TrivialHTTPServer: @unchecked Sendable {  // the listener is set once; the thread owns the rest
    let listener: Int32
    let port: Int
    private let answer =
        Array("HTTP/1.1 206 Partial Content\r\nContent-Type: image/png\r\nContent-Length: 8\r\n\r\n".utf8)
        + [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw BenchmarkFailure("the trivial server cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in self.serve() }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                close(listener)
                return
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread { [answer] in
                var buffer = [UInt8](repeating: 0, count: 16_384)
                var pending: [UInt8] = []
                while true {
                    let count = recv(client, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    pending.append(contentsOf: buffer[0..<count])
                    // Requests here have no body: answer each complete head.
                    while let end = Self.headEnd(pending) {
                        pending.removeFirst(end)
                        _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                }
                close(client)
            }.start()
        }
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return nil
    }
}
