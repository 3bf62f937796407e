import Crypto
import Foundation
import LambdaRuntime
import S3
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import UploadHandlers

/// Multipart uploads against LocalStack's strict S3: `presign` creates, signs, lists, completes and aborts with the
/// real S3 client, curl sends the parts with the URLs it signed, and what S3 holds afterwards is read back.
@Suite(
    "multipart uploads against a real S3 (LocalStack)",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3"))),
    .serialized
)
struct MultipartServiceTests {
    static let sub = MultipartHandlerTests.sub
    static let mib = 1_048_576
    static let partBytes = 5 * mib

    let localStack = TestServices.localStack ?? ""
    /// Now: S3 checks the part URLs' expiry against its own clock.
    let clock = TestClock(Int64(Date().timeIntervalSince1970))

    struct World {
        var storage: StorageFixture
        var configuration: PresignConfiguration
        var client: S3Client
        var presign: PresignHandler
    }

    func world() throws -> World {
        let bucket = "mp-\(UUID().uuidString.prefix(8).lowercased())"
        let storage = try E2EFixture.run(
            StorageFixture.self,
            ["storage", "--endpoint", localStack, "--bucket", bucket]
        )
        var configuration = Fixture.configuration(kms: storage.kmsKeyArn)
        configuration.bucket = bucket
        configuration.limits = UploadLimits(keyPrefix: "uploads/", maxBytes: 64 * Int64(Self.mib))
        configuration.endpoint = try S3Endpoint.custom(localStack, region: "eu-west-1")
        configuration.multipart = MultipartConfiguration(partBytes: Int64(Self.partBytes))
        let credentials = ObjectCreatedServiceTests.credentials
        let client = try S3Client(credentials: credentials, endpoint: configuration.endpoint)
        let clock = self.clock
        let presign = try PresignHandler(
            configuration: configuration,
            credentials: credentials,
            clock: { clock.now },
            sessionSealer: try UploadSessionSealer(key: MultipartHandlerTests.sessionKey),
            multipartStore: S3MultipartStore(
                bucket: bucket,
                kmsKeyID: storage.kmsKeyArn,
                client: try S3Client(credentials: credentials, endpoint: configuration.endpoint)
            )
        )
        return World(storage: storage, configuration: configuration, client: client, presign: presign)
    }

    /// A PNG of `size` bytes, structurally valid to its end, whose bytes differ from part to part.
    static func png(size: Int) -> [UInt8] {
        let seed = UInt8.random(in: 0...255)
        // No "<" in the filler: markup markers are what the validator looks for in an image.
        return TestFiles.png(size: size) { index in
            let byte = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) &+ seed
            return byte == UInt8(ascii: "<") ? 0 : byte
        }
    }

    static func checksum(_ bytes: some Collection<UInt8>) -> String {
        Data(SHA256.hash(data: Array(bytes))).base64EncodedString()
    }

    func call(
        _ world: World,
        _ method: String,
        _ path: String,
        query: [String: String]? = nil,
        body: Any? = nil
    ) throws -> Fixture.HTTPResult {
        var event = try Fixture.withBody(
            Fixture.object(ProjectEvents.directory + "/apigw-http-v2-presign-post.json"),
            body
        )
        var context = event["requestContext"] as! [String: Any]
        var http = context["http"] as! [String: Any]
        http["method"] = method
        http["path"] = "/api" + path
        context["http"] = http
        event["requestContext"] = context
        event["rawPath"] = "/api" + path
        event["queryStringParameters"] = query
        return try Fixture.http(try world.presign.handle(try Fixture.bytes(event), context: Fixture.context))
    }

    /// An upload in progress: its create answer and the file it carries.
    struct Upload {
        var grant: [String: Any]
        var file: [UInt8]
        var partSize: Int { grant["partSize"] as! Int }
        var partCount: Int { grant["partCount"] as! Int }
        var reference: [String: String] {
            [
                "key": grant["key"] as! String, "uploadId": grant["uploadId"] as! String,
                "session": grant["session"] as! String,
            ]
        }

        func part(_ number: Int) -> ArraySlice<UInt8> {
            file[(number - 1) * partSize..<min(number * partSize, file.count)]
        }
    }

    func start(_ world: World, size: Int, filename: String = "film.png") throws -> Upload {
        let result = try call(
            world,
            "POST",
            "/uploads",
            body: ["filename": filename, "contentType": "image/png", "size": size, "method": "MULTIPART"]
        )
        try #require(result.status == 200, "\(result.body)")
        return Upload(grant: result.body, file: Self.png(size: size))
    }

    /// Part URLs for `numbers`, signed with each part's own SHA-256 (or the given ones).
    func sign(
        _ world: World,
        _ upload: Upload,
        _ numbers: [Int],
        checksums: [Int: String] = [:]
    ) throws -> [Int: (url: String, headers: [String: String])] {
        var body: [String: Any] = upload.reference
        body["parts"] = numbers.map {
            ["partNumber": $0, "checksumSHA256": checksums[$0] ?? Self.checksum(upload.part($0))]
        }
        let result = try call(world, "POST", "/uploads/multipart/parts", body: body)
        try #require(result.status == 200, "\(result.body)")
        var urls: [Int: (url: String, headers: [String: String])] = [:]
        for part in result.body["parts"] as! [[String: Any]] {
            urls[part["partNumber"] as! Int] = (part["url"] as! String, part["headers"] as! [String: String])
        }
        return urls
    }

    /// PUTs a part the way a client does: the signed headers, with curl setting Content-Length from the body.
    func put(_ signed: (url: String, headers: [String: String]), _ body: some Collection<UInt8>) throws -> Curl.Response
    {
        var headers = signed.headers
        headers["Content-Length"] = nil
        return try Curl.send("PUT", signed.url, headers: headers, body: Array(body))
    }

    func uploadParts(_ world: World, _ upload: Upload, _ numbers: [Int]) throws -> [Int: String] {
        let urls = try sign(world, upload, numbers)
        var eTags: [Int: String] = [:]
        for number in numbers {
            let response = try put(urls[number]!, upload.part(number))
            try #require(response.status == 200, "part \(number): \(response.status) \(response.body)")
            eTags[number] = try #require(response.headers["etag"])
        }
        return eTags
    }

    func complete(_ world: World, _ upload: Upload, _ eTags: [Int: String]) throws -> Fixture.HTTPResult {
        var body: [String: Any] = upload.reference
        body["parts"] = eTags.keys.sorted().map {
            ["partNumber": $0, "etag": eTags[$0]!, "checksumSHA256": Self.checksum(upload.part($0))]
        }
        return try call(world, "POST", "/uploads/multipart/complete", body: body)
    }

    func head(_ world: World, _ key: String) throws -> HeadFixture {
        try E2EFixture.run(
            HeadFixture.self,
            ["head", "--endpoint", localStack, "--bucket", world.storage.bucket, "--key", key]
        )
    }

    @Test func aThreePartUploadLandsWithOwnerSSEAndChecksumsAndIsValidated() throws {
        let world = try world()
        let upload = try start(world, size: 2 * Self.partBytes + 123_457)
        #expect(upload.partCount == 3)
        let eTags = try uploadParts(world, upload, [1, 2, 3])
        let done = try complete(world, upload, eTags)
        #expect(done.status == 200, "\(done.body)")
        let key = upload.grant["key"] as! String
        #expect(done.body["key"] as? String == key)
        #expect(done.body["size"] as? Int == upload.file.count)

        let landed = try head(world, key)
        #expect(landed.exists)
        #expect(landed.size == upload.file.count)
        #expect(landed.contentType == "image/png")
        #expect(landed.metadata?["owner"] == Self.sub)
        #expect(landed.sse == "aws:kms")
        #expect(landed.kmsKeyId?.hasSuffix(world.storage.kmsKeyId) == true, "\(landed.kmsKeyId ?? "no key")")
        #expect(
            landed.checksumSHA256?.hasSuffix("-3") == true,
            "a composite SHA-256 of 3 parts: \(landed.checksumSHA256 ?? "none")"
        )
        let stored = try world.client.getObject(bucket: world.storage.bucket, key: key)
        #expect(stored == upload.file, "the object is the file, byte for byte")

        // object-created validates what landed, as for any upload.
        var validator = try ObjectCreatedServiceTests().handler(
            ObjectCreatedServiceTests.World(
                storage: world.storage,
                configuration: world.configuration,
                client: world.client
            )
        )
        var notification = ObjectCreatedServiceTests.s3Notification(
            bucket: world.storage.bucket,
            objects: [(key, Int64(upload.file.count))]
        )
        var records = notification["Records"] as! [[String: Any]]
        records[0]["eventName"] = "ObjectCreated:CompleteMultipartUpload"
        notification["Records"] = records
        let summary = try Fixture.json(
            try validator.handle(try ObjectCreatedServiceTests.json(notification), context: Fixture.context)
        )
        let outcome = (summary["objects"] as? [[String: Any]])?.first
        #expect(outcome?["status"] as? String == "clean", "\(summary)")
        #expect(try world.client.getObjectTagging(bucket: world.storage.bucket, key: key)["upload-status"] == "clean")
    }

    @Test func s3RefusesAPartOfAnotherSizeOrWithOtherBytes() throws {
        let world = try world()
        let upload = try start(world, size: 2 * Self.partBytes + 10)
        let urls = try sign(world, upload, [1, 3])
        let shorter = try put(urls[1]!, upload.part(1).dropLast())
        #expect(
            shorter.status == 403,
            "a shorter body than the signed Content-Length: \(shorter.status) \(shorter.body)"
        )
        var other = Array(upload.part(1))
        other[100] ^= 0xFF
        let changed = try put(urls[1]!, other)
        #expect(changed.status == 400, "other bytes of the same size: \(changed.status) \(changed.body)")
        #expect(changed.body.contains("BadDigest") || changed.body.contains("InvalidRequest"), "\(changed.body)")
        // A client that signs one part's hash and sends it as another's is refused the same way.
        let swapped = try sign(world, upload, [3], checksums: [3: Self.checksum(upload.part(1))])
        #expect(try put(swapped[3]!, upload.part(3)).status == 400)
        let held = try world.client.listAllParts(
            bucket: world.storage.bucket,
            key: upload.grant["key"] as! String,
            uploadID: upload.grant["uploadId"] as! String
        )
        #expect(held.isEmpty, "nothing was stored: \(held)")
    }

    @Test func completeWithAPartMissingIs409AndLeavesNoObject() throws {
        let world = try world()
        let upload = try start(world, size: 2 * Self.partBytes + 10)
        let eTags = try uploadParts(world, upload, [1, 3])
        let result = try complete(world, upload, eTags)
        #expect(result.status == 409)
        #expect(result.message.contains("part 2 is missing"), "\(result.message)")
        #expect(try head(world, upload.grant["key"] as! String).exists == false)
    }

    @Test func resumeListsWhatS3HoldsAndSendsOnlyTheRest() throws {
        let world = try world()
        let upload = try start(world, size: 3 * Self.partBytes + 1)
        #expect(upload.partCount == 4)
        var eTags = try uploadParts(world, upload, [1, 3])
        // The client comes back (a reload, a crash): it only has the key, upload id and session.
        let listed = try call(world, "GET", "/uploads/multipart", query: upload.reference)
        #expect(listed.status == 200, "\(listed.body)")
        let parts = try #require(listed.body["parts"] as? [[String: Any]])
        #expect(parts.map { $0["partNumber"] as? Int } == [1, 3])
        #expect(parts.map { $0["size"] as? Int } == [Self.partBytes, Self.partBytes])
        #expect(parts.first?["checksumSHA256"] as? String == Self.checksum(upload.part(1)))
        #expect(parts.map { $0["etag"] as? String } == [eTags[1], eTags[3]])
        let missing = Set(1...upload.partCount).subtracting(parts.map { $0["partNumber"] as! Int }).sorted()
        #expect(missing == [2, 4])
        for (number, eTag) in try uploadParts(world, upload, missing) { eTags[number] = eTag }
        let done = try complete(world, upload, eTags)
        #expect(done.status == 200, "\(done.body)")
        #expect(
            try world.client.getObject(bucket: world.storage.bucket, key: upload.grant["key"] as! String) == upload.file
        )
    }

    @Test func completingOverAnExistingKeyIs412() throws {
        let world = try world()
        let upload = try start(world, size: Self.partBytes)
        let eTags = try uploadParts(world, upload, [1])
        // Another object lands on the key first (the key is the server's choice; this is a replay, or a race).
        try world.client.putObject(
            bucket: world.storage.bucket,
            key: upload.grant["key"] as! String,
            body: Array("first".utf8),
            options: .init(kmsKeyID: world.storage.kmsKeyArn)
        )
        let result = try complete(world, upload, eTags)
        #expect(result.status == 412, "\(result.body)")
        #expect(result.error == "AlreadyExists")
        #expect(
            try world.client.getObject(bucket: world.storage.bucket, key: upload.grant["key"] as! String)
                == Array("first".utf8)
        )
    }

    @Test func theFunctionRefusesOtherUsersAlteredAndExpiredSessionsAndPartsOutsideThePlan() throws {
        let world = try world()
        let upload = try start(world, size: 2 * Self.partBytes)
        var body: [String: Any] = upload.reference
        body["parts"] = [["partNumber": 3, "checksumSHA256": Self.checksum(upload.part(1))]]
        #expect(try call(world, "POST", "/uploads/multipart/parts", body: body).status == 400)
        var theirs = upload.reference
        theirs["key"] = "uploads/someone-else/x/film.png"
        #expect(try call(world, "GET", "/uploads/multipart", query: theirs).status == 403)
        var altered = upload.reference
        altered["session"]! = String(altered["session"]!.dropLast()) + (altered["session"]!.hasSuffix("A") ? "B" : "A")
        #expect(try call(world, "GET", "/uploads/multipart", query: altered).status == 403)
        clock.advance(86_400)
        body["parts"] = [["partNumber": 1, "checksumSHA256": Self.checksum(upload.part(1))]]
        #expect(try call(world, "POST", "/uploads/multipart/parts", body: body).status == 410)
        #expect(try complete(world, upload, [1: "\"x\""]).status == 410)
    }

    @Test func abortLeavesNoPartsBehind() throws {
        let world = try world()
        let upload = try start(world, size: 2 * Self.partBytes)
        _ = try uploadParts(world, upload, [1])
        let aborted = try call(world, "DELETE", "/uploads/multipart", query: upload.reference)
        #expect(aborted.status == 204)
        let listing = try E2EFixture.run(
            UploadsFixture.self,
            ["uploads", "--endpoint", localStack, "--bucket", world.storage.bucket]
        )
        #expect(listing.uploads.isEmpty, "S3 still lists \(listing.uploads)")
        let after = try call(world, "GET", "/uploads/multipart", query: upload.reference)
        #expect(after.status == 404)
        #expect(after.error == "NoSuchUpload")
        #expect(try call(world, "DELETE", "/uploads/multipart", query: upload.reference).status == 204, "twice is fine")
    }
}

/// `e2e_fixture.py head`.
struct HeadFixture: Decodable {
    var exists: Bool
    var size: Int?
    var contentType: String?
    var metadata: [String: String]?
    var sse: String?
    var kmsKeyId: String?
    var checksumSHA256: String?
}

/// `e2e_fixture.py uploads`: the bucket's multipart uploads in progress.
struct UploadsFixture: Decodable {
    var uploads: [String]
}
