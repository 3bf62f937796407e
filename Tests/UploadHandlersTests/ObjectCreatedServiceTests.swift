import Foundation
import LambdaRuntime
import S3
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import UploadHandlers

/// `object-created` against LocalStack's S3: real files uploaded with the project's own presigned PUTs, the
/// notifications S3 would send replayed through the handler, and the bucket read back afterwards.
@Suite(
    "object-created against a real S3 (LocalStack)",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3"))),
    .serialized
)
struct ObjectCreatedServiceTests {
    static let credentials = try! AWSCredentials(accessKeyID: "test", secretAccessKey: "test")
    static let png: [UInt8] = TestFiles.png()
    static let html = Array("<!doctype html><html><body><script>document.location='//evil'</script></body></html>".utf8)

    let localStack = TestServices.localStack ?? ""

    /// A bucket and KMS key of its own, and the handler's configuration for them.
    struct World {
        var storage: StorageFixture
        var configuration: PresignConfiguration
        var client: S3Client
    }

    func world(maxBytes: Int64 = 1_000) throws -> World {
        let bucket = "oc-\(UUID().uuidString.prefix(8).lowercased())"
        let storage = try E2EFixture.run(
            StorageFixture.self,
            ["storage", "--endpoint", localStack, "--bucket", bucket]
        )
        var configuration = Fixture.configuration(kms: storage.kmsKeyArn)
        configuration.bucket = bucket
        configuration.limits = UploadLimits(keyPrefix: "uploads/", maxBytes: maxBytes)
        configuration.endpoint = try S3Endpoint.custom(localStack, region: "eu-west-1")
        let client = try S3Client(credentials: Self.credentials, endpoint: configuration.endpoint)
        return World(storage: storage, configuration: configuration, client: client)
    }

    func handler(
        _ world: World,
        action: RejectAction = .quarantine,
        endpoint: String? = nil,
        scanRequired: Bool = false
    ) throws
        -> ObjectCreatedHandler
    {
        var configuration = ObjectCreatedConfiguration(
            upload: world.configuration,
            rejectAction: action,
            quarantinePrefix: "quarantine/",
            scanRequired: scanRequired
        )
        if let endpoint { configuration.endpoint = try S3Endpoint.custom(endpoint, region: "eu-west-1") }
        let client = try S3Client(credentials: Self.credentials, endpoint: configuration.endpoint)
        client.sleep = { _ in }
        return ObjectCreatedHandler(configuration: configuration, client: client)
    }

    /// Uploads with a presigned PUT from the project's presigner: what a client of `presign` does.
    @discardableResult
    func upload(
        _ world: World,
        key: String,
        bytes: [UInt8],
        type: String,
        owner: String? = "u-1",
        kms: Bool = true
    ) throws -> Int64 {
        let presigner = try S3Presigner(credentials: Self.credentials, endpoint: world.configuration.endpoint)
        var options = S3Presigner.PutOptions(contentType: type, noOverwrite: true)
        if kms { options.kmsKeyID = world.storage.kmsKeyArn }
        if let owner { options.metadata = ["owner": owner] }
        let put = try presigner.presignPut(
            bucket: world.storage.bucket,
            key: key,
            options: options,
            expires: 300,
            at: .now()
        )
        let response = try Curl.send("PUT", put.url, headers: put.headers, body: bytes)
        try #require(response.status == 200, "upload of \(key): \(response.status) \(response.body)")
        return Int64(bytes.count)
    }

    /// The notification S3 sends for a new object: keys form-encoded, as S3 writes them.
    static func s3Notification(bucket: String, objects: [(key: String, size: Int64)]) -> [String: Any] {
        [
            "Records": objects.map { object -> [String: Any] in
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-_.!~*'()/")
                let encoded = object.key.addingPercentEncoding(withAllowedCharacters: allowed)!
                    .replacingOccurrences(of: "%20", with: "+")
                return [
                    "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
                    "eventTime": "2026-11-29T12:00:00.000Z", "eventName": "ObjectCreated:Put",
                    "userIdentity": ["principalId": "AWS:AIDAEXAMPLE"],
                    "requestParameters": ["sourceIPAddress": "127.0.0.1"],
                    "responseElements": ["x-amz-request-id": "R", "x-amz-id-2": "I"],
                    "s3": [
                        "s3SchemaVersion": "1.0", "configurationId": "uploads",
                        "bucket": [
                            "name": bucket, "ownerIdentity": ["principalId": "A"], "arn": "arn:aws:s3:::\(bucket)",
                        ],
                        "object": ["key": encoded, "size": object.size, "eTag": "e", "sequencer": "0A"],
                    ],
                ]
            }
        ]
    }

    static func sqs(_ bodies: [(id: String, body: String)]) -> [String: Any] {
        [
            "Records": bodies.map { message -> [String: Any] in
                [
                    "messageId": message.id, "receiptHandle": "r-\(message.id)", "body": message.body,
                    "attributes": ["ApproximateReceiveCount": "1", "SentTimestamp": "1764417600000"],
                    "messageAttributes": [String: Any](), "md5OfBody": "0", "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:uploads", "awsRegion": "eu-west-1",
                ]
            }
        ]
    }

    static func eventBridge(bucket: String, key: String, size: Int64) -> [String: Any] {
        [
            "version": "0", "id": "e-1", "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-11-29T12:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:s3:::\(bucket)"],
            "detail": [
                "version": "0", "bucket": ["name": bucket],
                "object": ["key": key, "size": size, "etag": "e", "sequencer": "0A"],
                "request-id": "R", "requester": "123456789012", "source-ip-address": "127.0.0.1",
                "reason": "PutObject",
            ],
        ]
    }

    static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }

    func keys(_ world: World) throws -> [String] {
        try world.client.listAllObjects(bucket: world.storage.bucket).map(\.key).sorted()
    }

    func tags(_ world: World, _ key: String) throws -> [String: String] {
        try world.client.getObjectTagging(bucket: world.storage.bucket, key: key)
    }

    @Test func validatesEveryRuleOnRealUploadsAndQuarantinesTheRejects() throws {
        let world = try world()
        let bucket = world.storage.bucket
        var objects: [(key: String, size: Int64)] = []
        let good = "uploads/u-1/1111/holiday photo+1.png"
        objects.append((good, try upload(world, key: good, bytes: Self.png, type: "image/png")))
        let renamed = "uploads/u-1/2222/renamed.jpg"
        objects.append((renamed, try upload(world, key: renamed, bytes: Self.png, type: "image/jpeg")))
        let html = "uploads/u-1/3333/cat.png"
        objects.append((html, try upload(world, key: html, bytes: Self.html, type: "image/png")))
        let large = "uploads/u-1/4444/large.png"
        objects.append(
            (
                large,
                try upload(world, key: large, bytes: Self.png + Array(repeating: 0, count: 1_000), type: "image/png")
            )
        )
        let stranger = "uploads/u-1/5555/owner.png"
        objects.append((stranger, try upload(world, key: stranger, bytes: Self.png, type: "image/png", owner: "u-2")))
        let plain = "uploads/u-1/6666/plain.png"
        objects.append((plain, try upload(world, key: plain, bytes: Self.png, type: "image/png", kms: false)))

        var handler = try handler(world)
        let event = try Self.json(Self.s3Notification(bucket: bucket, objects: objects))
        let response = try handler.handle(event, context: Fixture.context)
        let summary = try JSONSerialization.jsonObject(with: Data(response)) as? [String: Any]
        let outcomes = (summary?["objects"] as? [[String: Any]] ?? []).map {
            "\($0["key"] ?? "") \($0["status"] ?? "") \($0["reason"] ?? "-")"
        }
        #expect(
            outcomes == [
                "\(good) clean -", "\(renamed) rejected type-mismatch", "\(html) rejected active-content",
                "\(large) rejected too-large", "\(stranger) rejected owner-mismatch", "\(plain) rejected sse-missing",
            ]
        )
        #expect(try tags(world, good) == ["upload-status": "clean"])
        let rejected = [renamed, html, large, stranger, plain]
        #expect(try keys(world) == ([good] + rejected.map { "quarantine/" + $0 }).sorted())
        // The quarantine copy keeps its metadata, its tags and SSE-KMS.
        for key in rejected {
            let copy = try world.client.headObject(bucket: bucket, key: "quarantine/" + key)
            #expect(copy.serverSideEncryption == "aws:kms", "\(key)")
            #expect(copy.metadata["owner"] != nil, "\(key)")
            #expect(try tags(world, "quarantine/" + key)["upload-status"] == "rejected", "\(key)")
        }
        #expect(try tags(world, "quarantine/" + renamed)["upload-reason"] == "type-mismatch")
        #expect(try world.client.headObject(bucket: bucket, key: "quarantine/" + stranger).metadata["owner"] == "u-2")

        // S3 delivers at least once: the same event again changes nothing and fails nothing.
        let before = try keys(world)
        _ = try handler.handle(event, context: Fixture.context)
        #expect(try keys(world) == before)
        #expect(try tags(world, good) == ["upload-status": "clean"])
    }

    @Test func sqsAndEventBridgeDeliveriesWithTagOnlyAndDelete() throws {
        let world = try world()
        let bucket = world.storage.bucket
        let good = "uploads/u-1/7777/a.png"
        let bad = "uploads/u-1/8888/b.png"
        try upload(world, key: good, bytes: Self.png, type: "image/png")
        try upload(world, key: bad, bytes: Self.html, type: "image/png")
        let notification = { (key: String) throws -> String in
            String(
                decoding: try Self.json(
                    Self.s3Notification(
                        bucket: bucket,
                        objects: [(key, Int64(key == good ? Self.png.count : Self.html.count))]
                    )
                ),
                as: UTF8.self
            )
        }
        let test =
            #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-29T12:00:00Z","Bucket":"b","RequestId":"R","HostId":"H"}"#
        var tagOnly = try handler(world, action: .tagOnly)
        let batch = try Self.sqs([
            ("m-good", try notification(good)), ("m-bad", try notification(bad)), ("m-test", test),
            ("m-garbage", "not json at all"),
        ])
        let answer = try JSONSerialization.jsonObject(
            with: Data(try tagOnly.handle(try Self.json(batch), context: Fixture.context))
        )
        let failures = ((answer as? [String: Any])?["batchItemFailures"] as? [[String: String]]) ?? []
        // Only the message that is not a notification comes back; it is never dropped.
        #expect(failures == [["itemIdentifier": "m-garbage"]])
        #expect(try tags(world, good)["upload-status"] == "clean")
        #expect(try tags(world, bad) == ["upload-status": "rejected", "upload-reason": "active-content"])
        #expect(try keys(world) == [good, bad].sorted())

        // The same object through EventBridge, with REJECT_ACTION=delete: it goes, and again is no error.
        var delete = try handler(world, action: .delete)
        let bridge = try Self.json(Self.eventBridge(bucket: bucket, key: bad, size: Int64(Self.html.count)))
        _ = try delete.handle(bridge, context: Fixture.context)
        #expect(try keys(world) == [good])
        let again = try JSONSerialization.jsonObject(with: Data(try delete.handle(bridge, context: Fixture.context)))
        #expect("\(again)".contains("gone"))
    }

    @Test(
        "S3 faults: 503 then 200 is retried, 403 and resets fail only their own messages, nothing is deleted",
        .enabled(if: PythonTools.python != nil)
    )
    func faultsFailOnlyTheirOwnMessages() throws {
        let world = try world()
        let bucket = world.storage.bucket
        let proxy = try FaultProxy(upstream: localStack)
        defer { proxy.stop() }
        let keys = [
            "uploads/u-1/fault-503once/a.png", "uploads/u-1/fault-403/b.png", "uploads/u-1/fault-reset/c.png",
            "uploads/u-1/fault-503once/d.png",
        ]
        try upload(world, key: keys[0], bytes: Self.png, type: "image/png")
        try upload(world, key: keys[1], bytes: Self.html, type: "image/png")
        try upload(world, key: keys[2], bytes: Self.html, type: "image/png")
        try upload(world, key: keys[3], bytes: Self.html, type: "image/png")
        var handler = try handler(world, endpoint: "http://127.0.0.1:\(proxy.port)")
        let messages = try keys.enumerated().map { index, key in
            (
                "m-\(index)",
                String(
                    decoding: try Self.json(
                        Self.s3Notification(
                            bucket: bucket,
                            objects: [(key, index == 0 ? Int64(Self.png.count) : Int64(Self.html.count))]
                        )
                    ),
                    as: UTF8.self
                )
            )
        }
        let answer = try JSONSerialization.jsonObject(
            with: Data(try handler.handle(try Self.json(Self.sqs(messages)), context: Fixture.context))
        )
        let failures = ((answer as? [String: Any])?["batchItemFailures"] as? [[String: String]]) ?? []
        #expect(failures.map { $0["itemIdentifier"] ?? "" } == ["m-1", "m-2"])
        // Retried through the 503s: one clean, one quarantined.
        #expect(try tags(world, keys[0])["upload-status"] == "clean")
        let remaining = try self.keys(world)
        #expect(remaining.contains("quarantine/" + keys[3]))
        #expect(!remaining.contains(keys[3]))
        // The failures left their objects exactly as they were: present, untagged, not copied.
        for key in [keys[1], keys[2]] {
            #expect(remaining.contains(key))
            #expect(!remaining.contains("quarantine/" + key))
            #expect(try tags(world, key).isEmpty)
        }
    }
}

/// `Tests/Scripts/fault_proxy.py` in front of the S3: faults by marker in the key, everything else forwarded.
final class FaultProxy {
    let process: Process
    let input: Pipe
    let port: Int

    init(upstream: String) throws {
        let python = try #require(PythonTools.python)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [PythonTools.script("fault_proxy.py"), "--upstream", upstream]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0A { line.append(byte) }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw TestFailure("fault_proxy.py did not print its port")
        }
        self.port = port
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
