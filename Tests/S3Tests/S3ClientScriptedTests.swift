import CurlHTTP
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import S3

#if canImport(Glibc)
import Glibc
#endif

/// The client against a scripted server: the exact requests it sends, how it reads S3's answers, and how it retries.
@Suite("S3 client: requests, errors and retries")
struct S3ClientScriptedTests {
    static let credentials = try! AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")

    func client(_ server: ScriptedRuntimeAPI, maxAttempts: Int = 3) throws -> (S3Client, Waits) {
        let endpoint = try S3Endpoint.custom("http://\(server.endpoint)", region: "eu-west-1")
        var http = CurlHTTPClient.Configuration()
        http.timeoutMilliseconds = 2_000
        let client = try S3Client(
            credentials: Self.credentials,
            endpoint: endpoint,
            http: http,
            retry: RetryPolicy(maxAttempts: maxAttempts, baseDelayMilliseconds: 10, maxDelayMilliseconds: 40),
            now: { SigningTime(epochSeconds: 1_764_000_000) }
        )
        let waits = Waits()
        client.sleep = { waits.values.append($0) }
        return (client, waits)
    }

    final class Waits: @unchecked Sendable {  // used from the test's own thread only
        var values: [Int] = []
    }

    static func error(_ code: String, status: Int) -> ScriptedRuntimeAPI.Reply {
        .init(
            status: status,
            reason: "Error",
            headers: [("Content-Type", "application/xml")],
            body: Array(
                "<Error><Code>\(code)</Code><Message>scripted \(code)</Message><RequestId>R1</RequestId></Error>".utf8
            )
        )
    }

    @Test func headReadsSizeTypeEncryptionAndMetadata() throws {
        let server = try ScriptedRuntimeAPI(script: [
            .init(
                status: 200,
                headers: [
                    ("Content-Type", "image/png"), ("ETag", "\"e1\""), ("x-amz-server-side-encryption", "aws:kms"),
                    ("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:eu-west-1:1:key/k1"),
                    ("x-amz-meta-owner", "u-1"), ("Content-Length", "1234"),
                ]
            )
        ])
        let (client, _) = try client(server)
        let head = try client.headObject(bucket: "bucket", key: "uploads/u-1/a b+c.png")
        #expect(head.contentType == "image/png")
        #expect(head.serverSideEncryption == "aws:kms")
        #expect(head.kmsKeyID == "arn:aws:kms:eu-west-1:1:key/k1")
        #expect(head.metadata == ["owner": "u-1"])
        let request = try #require(server.requests.first)
        #expect(request.method == "HEAD")
        #expect(request.path == "/bucket/uploads/u-1/a%20b%2Bc.png")
        #expect(request.header("x-amz-date") == "20251124T160000Z")
        #expect(request.header("x-amz-content-sha256") == PayloadHashText.empty)
        let authorization = try #require(request.header("authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251124/eu-west-1/s3/aws4_request, "))
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"))
    }

    @Test func aBodilessHeadErrorIsTypedByStatus() throws {
        let server = try ScriptedRuntimeAPI(script: [.init(status: 404, reason: "Not Found")])
        let (client, waits) = try client(server)
        let error = try #require(throws: S3Error.self) { try client.headObject(bucket: "bucket", key: "k") }
        #expect(error.code == .noSuchKey)
        #expect(error.status == 404)
        #expect(waits.values.isEmpty)
    }

    @Test func xmlErrorsAreTypedWithTheirCodeMessageAndRequestID() throws {
        let server = try ScriptedRuntimeAPI(script: [Self.error("AccessDenied", status: 403)])
        let (client, _) = try client(server)
        let error = try #require(throws: S3Error.self) { try client.getObject(bucket: "bucket", key: "k") }
        #expect(error.code == .accessDenied)
        #expect(error.awsCode == "AccessDenied")
        #expect(error.message == "scripted AccessDenied")
        #expect(error.requestID == "R1")
        #expect(server.requests.count == 1, "a 403 is not retried")
    }

    @Test func retriesSlowDownAnd503ThenSucceeds() throws {
        let server = try ScriptedRuntimeAPI(script: [
            Self.error("SlowDown", status: 503), Self.error("InternalError", status: 500),
            .init(status: 206, body: Array("first".utf8)),
        ])
        let (client, waits) = try client(server)
        let bytes = try client.getObject(bucket: "bucket", key: "k", range: 0...4095)
        #expect(bytes == Array("first".utf8))
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.header("range") == "bytes=0-4095" })
        #expect(waits.values.count == 2)
        #expect(waits.values[0] <= 10 && waits.values[1] <= 20, "full jitter under base × 2^n: \(waits.values)")
    }

    @Test func givesUpAfterTheBoundedNumberOfAttempts() throws {
        let server = try ScriptedRuntimeAPI(script: Array(repeating: Self.error("SlowDown", status: 503), count: 5))
        let (client, waits) = try client(server, maxAttempts: 3)
        let error = try #require(throws: S3Error.self) { try client.deleteObject(bucket: "bucket", key: "k") }
        #expect(error.code == .slowDown)
        #expect(error.attempts == 3)
        #expect(server.requests.count == 3)
        #expect(waits.values.count == 2)
        #expect("\(error)".contains("after 3 attempts"))
    }

    @Test func retriesAConnectionResetOnAFreshConnection() throws {
        let server = try ScriptedRuntimeAPI(script: [.reset, .init(status: 204)])
        let (client, _) = try client(server)
        try client.deleteObject(bucket: "bucket", key: "k")
        #expect(server.requests.map(\.method) == ["DELETE", "DELETE"])
        #expect(server.connections == 2)
    }

    @Test func keepsOneConnectionAcrossRequests() throws {
        let server = try ScriptedRuntimeAPI(script: [.init(status: 204), .init(status: 204), .init(status: 204)])
        let (client, _) = try client(server)
        for _ in 0..<3 { try client.deleteObject(bucket: "bucket", key: "k") }
        #expect(server.connections == 1)
    }

    @Test func putsTaggingWithContentMD5AndASignedBody() throws {
        let server = try ScriptedRuntimeAPI(script: [.init(status: 200)])
        let (client, _) = try client(server)
        try client.putObjectTagging(
            bucket: "bucket",
            key: "k",
            tags: ["upload-status": "rejected", "upload-reason": "a<b"]
        )
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT")
        #expect(request.path == "/bucket/k?tagging=")
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(
            body.hasSuffix(
                "<TagSet><Tag><Key>upload-reason</Key><Value>a&lt;b</Value></Tag>"
                    + "<Tag><Key>upload-status</Key><Value>rejected</Value></Tag></TagSet></Tagging>"
            )
        )
        #expect(request.header("content-md5")?.count == 24)
        #expect(request.header("x-amz-content-sha256") != PayloadHashText.empty)
    }

    @Test func putSendsExactlyTheSignedHeadersAndNoFormContentType() throws {
        let server = try ScriptedRuntimeAPI(script: [.init(status: 200), .init(status: 200)])
        let (client, _) = try client(server)
        try client.putObject(bucket: "bucket", key: "a", body: Array("raw".utf8))
        #expect(server.requests[0].header("content-type") == nil, "libcurl must not label a body as a form")
        try client.putObject(
            bucket: "bucket",
            key: "b",
            body: Array("raw".utf8),
            options: .init(contentType: "image/png", metadata: ["owner": "u-1"], kmsKeyID: "arn:k")
        )
        let request = server.requests[1]
        #expect(request.header("content-type") == "image/png")
        #expect(request.header("x-amz-meta-owner") == "u-1")
        #expect(request.body == Array("raw".utf8))
        let signed = request.header("authorization")?.components(separatedBy: "SignedHeaders=").last ?? ""
        #expect(
            signed.hasPrefix(
                "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-owner;x-amz-server-side-encryption;"
                    + "x-amz-server-side-encryption-aws-kms-key-id,"
            )
        )
    }

    @Test func refusesMoreThanTenTagsBeforeSending() throws {
        let server = try ScriptedRuntimeAPI(script: [])
        let (client, _) = try client(server)
        let tags = Dictionary(uniqueKeysWithValues: (0..<11).map { ("t\($0)", "v") })
        let error = try #require(throws: S3Error.self) {
            try client.putObjectTagging(bucket: "bucket", key: "k", tags: tags)
        }
        #expect(error.code == .invalidRequest)
        #expect(server.requests.isEmpty)
    }

    @Test func copyKeepsMetadataTagsAndKMSAndReadsAnErrorInsideA200() throws {
        let server = try ScriptedRuntimeAPI(script: [
            .init(status: 200, body: Array("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>".utf8)),
            .init(status: 200, body: Array("<Error><Code>InternalError</Code><Message>late</Message></Error>".utf8)),
            .init(status: 200, body: Array("<CopyObjectResult/>".utf8)),
        ])
        let (client, _) = try client(server)
        try client.copyObject(
            from: ("bucket", "uploads/u/a b.png"),
            to: ("bucket", "quarantine/uploads/u/a b.png"),
            options: .init(kmsKeyID: "arn:k")
        )
        let request = try #require(server.requests.first)
        #expect(request.path == "/bucket/quarantine/uploads/u/a%20b.png")
        #expect(request.header("x-amz-copy-source") == "/bucket/uploads/u/a%20b.png")
        #expect(request.header("x-amz-metadata-directive") == "COPY")
        #expect(request.header("x-amz-tagging-directive") == "COPY")
        #expect(request.header("x-amz-server-side-encryption") == "aws:kms")
        #expect(request.header("x-amz-server-side-encryption-aws-kms-key-id") == "arn:k")
        // An error in a 200 body is a server error, and retried.
        try client.copyObject(from: ("bucket", "a"), to: ("bucket", "b"))
        #expect(server.requests.count == 3)
    }

    @Test func copyWithGivenTagsReplacesTheSourcesInTheSameRequest() throws {
        let server = try ScriptedRuntimeAPI(script: [
            .init(status: 200, body: Array("<CopyObjectResult/>".utf8))
        ])
        let (client, _) = try client(server)
        try client.copyObject(
            from: ("bucket", "a"),
            to: ("bucket", "b"),
            options: .init(tags: ["upload-status": "rejected", "upload-reason": "content: a b&c"])
        )
        let request = try #require(server.requests.first)
        #expect(request.header("x-amz-tagging-directive") == "REPLACE")
        #expect(request.header("x-amz-tagging") == "upload-reason=content%3A%20a%20b%26c&upload-status=rejected")
        #expect(throws: S3Error.self) {
            try client.copyObject(
                from: ("bucket", "a"),
                to: ("bucket", "b"),
                options: .init(tags: Dictionary(uniqueKeysWithValues: (0..<11).map { ("t\($0)", "v") }))
            )
        }
        #expect(server.requests.count == 1)
    }

    @Test func listsPagesWithTheContinuationToken() throws {
        let page1 = """
            <ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents>
            <NextContinuationToken>t+1/=</NextContinuationToken></ListBucketResult>
            """
        let page2 =
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>b</Key><Size>2</Size></Contents></ListBucketResult>"
        let server = try ScriptedRuntimeAPI(script: [
            .init(status: 200, body: Array(page1.utf8)), .init(status: 200, body: Array(page2.utf8)),
        ])
        let (client, _) = try client(server)
        let entries = try client.listAllObjects(bucket: "bucket", prefix: "uploads/")
        #expect(entries.map(\.key) == ["a", "b"])
        #expect(server.requests[0].path == "/bucket/?list-type=2&max-keys=1000&prefix=uploads%2F")
        #expect(server.requests[1].path.hasSuffix("&continuation-token=t%2B1%2F%3D"))
    }

    @Test func timesOutAndSaysSo() throws {
        // A socket that listens but never accepts: the kernel completes the handshake, nothing ever answers.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        _ = listen(listener, 4)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let endpoint = try S3Endpoint.custom("http://127.0.0.1:\(port)", region: "eu-west-1")
        var http = CurlHTTPClient.Configuration()
        http.timeoutMilliseconds = 300
        let client = try S3Client(
            credentials: Self.credentials,
            endpoint: endpoint,
            http: http,
            retry: RetryPolicy(maxAttempts: 2, baseDelayMilliseconds: 1)
        )
        client.sleep = { _ in }
        let error = try #require(throws: S3Error.self) { try client.headObject(bucket: "bucket", key: "k") }
        #expect(error.code == .timeout, "\(error)")
        #expect(error.attempts == 2)
        #expect(error.awsCode == "RequestTimeout")
    }
}

enum PayloadHashText {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
