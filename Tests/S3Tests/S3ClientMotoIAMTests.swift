import Foundation
import LocalLambda
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import S3

#if canImport(Glibc)
import Glibc
#endif

/// A moto_server of the test's own with IAM checks on: after the three actions that create the IAM user, moto
/// verifies every request's SigV4 signature, so each operation here proves the client signs it correctly.
/// The moto_server to kill at exit (a C callback cannot capture).
nonisolated(unsafe) private var motoServerPID: pid_t = 0

@Suite(
    "S3 client against moto in IAM mode (signatures checked)",
    .enabled(if: PythonTools.has("moto", "boto3"), Comment(rawValue: PythonTools.missing("moto", "boto3"))),
    .serialized
)
struct S3ClientMotoIAMTests {
    struct AccessKey: Decodable, Sendable {
        var accessKeyId: String
        var secretAccessKey: String
    }

    let endpoint: String
    let key: AccessKey
    let bucket = "signed-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws {
        let server = try MotoIAMServer.shared.get()
        endpoint = server.endpoint
        key = server.key
        _ = try E2EFixture.run(
            [String: String].self,
            [
                "bucket", "--endpoint", endpoint, "--bucket", bucket, "--access-key", key.accessKeyId,
                "--secret-key", key.secretAccessKey,
            ]
        )
    }

    func client(secret: String? = nil) throws -> S3Client {
        let credentials = try AWSCredentials(
            accessKeyID: key.accessKeyId,
            secretAccessKey: secret ?? key.secretAccessKey
        )
        return try S3Client(credentials: credentials, endpoint: try S3Endpoint.custom(endpoint, region: "eu-west-1"))
    }

    @Test func everyOperationIsSignedSoThatMotoAcceptsIt() throws {
        let objectKey = "uploads/u-1/1/a b+ü.png"
        let body = Array("0123456789abcdef".utf8)
        let client = try client()
        try client.putObject(
            bucket: bucket,
            key: objectKey,
            body: body,
            options: .init(contentType: "image/png", metadata: ["owner": "u-1"])
        )
        let head = try client.headObject(bucket: bucket, key: objectKey)
        #expect(head.size == 16)
        #expect(head.contentType == "image/png")
        #expect(head.metadata["owner"] == "u-1")
        #expect(try client.getObject(bucket: bucket, key: objectKey, range: 4...7) == Array("4567".utf8))
        try client.putObjectTagging(
            bucket: bucket,
            key: objectKey,
            tags: ["upload-status": "clean", "note": "x: y/z=1+2@a"]
        )
        #expect(
            try client.getObjectTagging(bucket: bucket, key: objectKey) == [
                "upload-status": "clean", "note": "x: y/z=1+2@a",
            ]
        )
        try client.copyObject(from: (bucket, objectKey), to: (bucket, "quarantine/" + objectKey))
        let copy = try client.headObject(bucket: bucket, key: "quarantine/" + objectKey)
        #expect(copy.metadata["owner"] == "u-1")
        #expect(try client.getObjectTagging(bucket: bucket, key: "quarantine/" + objectKey)["upload-status"] == "clean")
        #expect(
            try client.listAllObjects(bucket: bucket).map(\.key).sorted() == ["quarantine/" + objectKey, objectKey]
        )
        #expect(try client.listAllObjects(bucket: bucket, prefix: "quarantine/").count == 1)
        try client.deleteObject(bucket: bucket, key: objectKey)
        let gone = try #require(throws: S3Error.self) { try client.headObject(bucket: bucket, key: objectKey) }
        #expect(gone.code == .noSuchKey)
        let missing = try #require(throws: S3Error.self) { try client.getObject(bucket: bucket, key: objectKey) }
        #expect(missing.awsCode == "NoSuchKey")
    }

    @Test func aWrongSecretIsRefusedWithATypedError() throws {
        let client = try client(secret: "not-the-secret")
        let error = try #require(throws: S3Error.self) { try client.listObjectsV2(bucket: bucket) }
        #expect(error.code == .accessDenied)
        #expect(error.awsCode == "SignatureDoesNotMatch")
        #expect(error.attempts == 1, "a signature error is not retried")
    }

}

/// The suite's moto_server, started once and killed when the test process exits.
struct MotoIAMServer: Sendable {
    var endpoint: String
    var key: S3ClientMotoIAMTests.AccessKey

    static let shared: Result<MotoIAMServer, any Error> = Result { try MotoIAMServer() }

    init() throws {
        let port = try Self.freePort()
        let python = try #require(PythonTools.python)
        let server = (python as NSString).deletingLastPathComponent + "/moto_server"
        // The user, its policy and its key are the three unauthenticated actions; every later one is checked.
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        let child = try ChildProcess.spawn(
            arguments: [server, "-H", "127.0.0.1", "-p", String(port)],
            environment: environment,
            output: .discard
        )
        let pid = child.pid
        motoServerPID = pid
        atexit {
            // Its own process group, so the whole of it goes.
            if motoServerPID > 0 { kill(-motoServerPID, SIGKILL) }
        }
        endpoint = "http://127.0.0.1:\(port)"
        try Self.waitForListener(port: port)
        key = try E2EFixture.run(S3ClientMotoIAMTests.AccessKey.self, ["iam-user", "--endpoint", endpoint])
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestFailure("no free port") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits for a TCP listener without sending a request (a request would count as one of moto's free actions).
    static func waitForListener(port: Int) throws {
        for _ in 0..<150 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return }
            usleep(100_000)
        }
        throw TestFailure("moto_server did not listen on \(port) within 15 s")
    }
}
