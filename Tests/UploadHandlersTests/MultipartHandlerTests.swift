import Foundation
import LambdaRuntime
import S3
import S3Presigning
import Synchronization
import TestSupport
import Testing
import UploadHandlers

/// A `MultipartStore` that keeps uploads in memory and records every call.
final class MemoryMultipartStore: MultipartStore, Sendable {
    struct State {
        var created: [(key: String, contentType: String, owner: String)] = []
        var parts: [String: [S3UploadedPart]] = [:]
        var completed: [(key: String, parts: [S3UploadedPart])] = []
        var aborted: [String] = []
        var calls = 0
        var failure: S3Error?
    }

    let state = Mutex(State())

    func create(key: String, contentType: String, owner: String) throws(S3Error) -> String {
        let result: Result<String, S3Error> = state.withLock { state in
            state.calls += 1
            if let failure = state.failure { return .failure(failure) }
            state.created.append((key, contentType, owner))
            state.parts["upload-\(state.created.count)"] = []
            return .success("upload-\(state.created.count)")
        }
        return try result.get()
    }

    func parts(key: String, uploadID: String) throws(S3Error) -> [S3UploadedPart] {
        let result: Result<[S3UploadedPart], S3Error> = state.withLock { state in
            state.calls += 1
            if let failure = state.failure { return .failure(failure) }
            guard let parts = state.parts[uploadID] else {
                return .failure(S3Error(.noSuchUpload, awsCode: "NoSuchUpload", status: 404, message: "gone"))
            }
            return .success(parts)
        }
        return try result.get()
    }

    func complete(key: String, uploadID: String, parts: [S3UploadedPart]) throws(S3Error) -> String {
        let result: Result<String, S3Error> = state.withLock { state in
            state.calls += 1
            if let failure = state.failure { return .failure(failure) }
            state.completed.append((key, parts))
            return .success("\"etag-of-\(parts.count)-parts\"")
        }
        return try result.get()
    }

    func abort(key: String, uploadID: String) throws(S3Error) {
        state.withLock { state in
            state.calls += 1
            state.aborted.append(uploadID)
            state.parts[uploadID] = nil
        }
    }

    /// Stores a part as S3 would after an upload.
    func hold(_ uploadID: String, _ number: Int, size: Int64, checksum: String = MultipartHandlerTests.checksum) {
        state.withLock { state in
            state.parts[uploadID, default: []].append(
                S3UploadedPart(partNumber: number, eTag: "\"e\(number)\"", size: size, checksumSHA256: checksum)
            )
            state.parts[uploadID]!.sort { $0.partNumber < $1.partNumber }
        }
    }
}

/// Seconds since the epoch, moved on by the test.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64 = Fixture.now) { seconds = Mutex(start) }
    var now: Int64 { seconds.withLock { $0 } }
    func advance(_ by: Int64) { seconds.withLock { $0 += by } }
}

@Suite("presign: multipart uploads bound to the user, their plan, every part's size and checksum")
struct MultipartHandlerTests {
    static let sub = "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    static let mib: Int64 = 1_048_576
    static let checksum = Data(repeating: 7, count: 32).base64EncodedString()
    static let sessionKey = Array("0123456789abcdef0123456789abcdef-test-key".utf8)

    let store = MemoryMultipartStore()
    let clock = TestClock()

    func handler(
        sealer: UploadSessionSealer? = try! UploadSessionSealer(key: sessionKey),
        publicEndpoint: String? = nil
    ) throws -> PresignHandler {
        var configuration = Fixture.configuration(
            limits: UploadLimits(keyPrefix: "uploads/", maxBytes: 100 * Self.mib * 1024)
        )
        configuration.publicEndpoint = publicEndpoint
        configuration.multipart = MultipartConfiguration(partBytes: 8 * Self.mib, threshold: 64 * Self.mib)
        let clock = self.clock
        return try PresignHandler(
            configuration: configuration,
            credentials: Fixture.credentials,
            clock: { clock.now },
            makeUUID: { Fixture.uuid },
            sessionSealer: sealer,
            multipartStore: store
        )
    }

    /// An HTTP API request to `path` (under the `api` stage), as the JWT authorizer passes it on.
    func call(
        _ method: String,
        _ path: String,
        query: [String: String]? = nil,
        body: Any? = nil,
        handler: PresignHandler? = nil,
        claims: [String: String]? = nil
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
        if let claims {
            var authorizer = context["authorizer"] as! [String: Any]
            var jwt = authorizer["jwt"] as! [String: Any]
            var existing = jwt["claims"] as! [String: Any]
            for (name, value) in claims { existing[name] = value }
            jwt["claims"] = existing
            authorizer["jwt"] = jwt
            context["authorizer"] = authorizer
        }
        event["requestContext"] = context
        event["rawPath"] = "/api" + path
        event["routeKey"] = "\(method) \(path)"
        event["queryStringParameters"] = query
        let handler = try handler ?? self.handler()
        return try Fixture.http(try handler.handle(try Fixture.bytes(event), context: Fixture.context))
    }

    /// Creates a multipart upload of `size` bytes and returns the create answer.
    func create(size: Int64, handler: PresignHandler? = nil) throws -> [String: Any] {
        let result = try call(
            "POST",
            "/uploads",
            body: ["filename": "film.png", "contentType": "image/png", "size": size, "method": "MULTIPART"],
            handler: handler
        )
        #expect(result.status == 200, "\(result.body)")
        return result.body
    }

    func reference(_ grant: [String: Any]) -> [String: String] {
        [
            "key": grant["key"] as! String, "uploadId": grant["uploadId"] as! String,
            "session": grant["session"] as! String,
        ]
    }

    func sign(_ grant: [String: Any], _ numbers: [Int], handler: PresignHandler? = nil) throws -> Fixture.HTTPResult {
        var body: [String: Any] = reference(grant)
        body["parts"] = numbers.map { ["partNumber": $0, "checksumSHA256": Self.checksum] }
        return try call("POST", "/uploads/multipart/parts", body: body, handler: handler)
    }

    func complete(_ grant: [String: Any], _ numbers: [Int]) throws -> Fixture.HTTPResult {
        var body: [String: Any] = reference(grant)
        body["parts"] = numbers.map { ["partNumber": $0, "etag": "\"e\($0)\"", "checksumSHA256": Self.checksum] }
        return try call("POST", "/uploads/multipart/complete", body: body)
    }

    @Test func createStartsTheUploadWithTypeAndOwnerAndAnswersThePlan() throws {
        let grant = try create(size: 20 * Self.mib)
        let key = "uploads/\(Self.sub)/\(Fixture.uuid)/film.png"
        #expect(grant["method"] as? String == "MULTIPART")
        #expect(grant["key"] as? String == key)
        #expect(grant["uploadId"] as? String == "upload-1")
        #expect(grant["partSize"] as? Int64 == 8 * Self.mib)
        #expect(grant["partCount"] as? Int == 3)
        #expect(grant["maxBytes"] as? Int64 == 20 * Self.mib)
        #expect(grant["expiresAt"] as? String == "2026-11-26T14:27:15Z", "24 hours by default")
        #expect((grant["session"] as? String)?.hasPrefix("v1.") == true)
        let created = store.state.withLock { $0.created }
        #expect(created.count == 1)
        #expect(created.first?.key == key)
        #expect(created.first?.contentType == "image/png")
        #expect(created.first?.owner == Self.sub)
    }

    @Test func thePartSizeRisesSoThatNoUploadNeedsMoreThan10000Parts() {
        let configuration = MultipartConfiguration(partBytes: 8 * Self.mib)
        #expect(configuration.partSize(forObjectOf: 8 * Self.mib * 10_000) == 8 * Self.mib)
        let large: Int64 = 100 * 1024 * Self.mib
        let raised = configuration.partSize(forObjectOf: large)
        #expect(raised == 11 * Self.mib, "100 GiB / 10,000 is 10.24 MiB, rounded up to a whole MiB")
        #expect((large + raised - 1) / raised <= 10_000)
        let largest = configuration.partSize(forObjectOf: UploadLimits.s3ObjectMax)
        #expect((UploadLimits.s3ObjectMax + largest - 1) / largest <= 10_000)
        #expect(largest <= MultipartConfiguration.maximumPartBytes)
    }

    @Test func aPartURLSignsItsPlannedSizeAndTheClientsChecksum() throws {
        let grant = try create(size: 20 * Self.mib)
        let result = try sign(grant, [1, 3])
        #expect(result.status == 200, "\(result.body)")
        let parts = try #require(result.body["parts"] as? [[String: Any]])
        #expect(parts.map { $0["partNumber"] as? Int } == [1, 3])
        let first = try #require(parts.first?["headers"] as? [String: String])
        #expect(first["Content-Length"] == String(8 * Self.mib))
        #expect(first["x-amz-checksum-sha256"] == Self.checksum)
        let last = try #require(parts.last?["headers"] as? [String: String])
        #expect(last["Content-Length"] == String(4 * Self.mib), "the last part is the rest")
        let url = try #require(parts.first?["url"] as? String)
        #expect(url.hasPrefix("https://upload-edge-uploads.s3.eu-west-1.amazonaws.com/uploads/"))
        #expect(url.contains("partNumber=1&uploadId=upload-1"))
        #expect(url.contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256"))
        #expect(url.contains("X-Amz-Expires=300"))
        #expect(result.body["expiresAt"] as? String == "2026-11-25T14:32:15Z")
    }

    @Test func thePublicEndpointCarriesUploadsThroughTheSiteWithTheSignatureOfS3() throws {
        let handler = try handler(publicEndpoint: "https://uploads.example.com/upload")
        let grant = try create(size: 20 * Self.mib, handler: handler)
        let part = try #require((try sign(grant, [2], handler: handler).body["parts"] as? [[String: Any]])?.first)
        let url = try #require(part["url"] as? String)
        let direct = try #require((try sign(grant, [2]).body["parts"] as? [[String: Any]])?.first?["url"] as? String)
        #expect(url.hasPrefix("https://uploads.example.com/upload/uploads/\(Self.sub)/"))
        #expect(
            url.dropFirst("https://uploads.example.com/upload".count)
                == direct.dropFirst("https://upload-edge-uploads.s3.eu-west-1.amazonaws.com".count),
            "the same path and signature: signed for S3's host, which CloudFront sends"
        )
        let post = try call(
            "POST",
            "/uploads",
            body: ["filename": "a.png", "contentType": "image/png", "size": 10],
            handler: handler
        )
        #expect(post.body["url"] as? String == "https://uploads.example.com/upload/")
    }

    @Test func partNumbersOutsideThePlanAndBadChecksumsAre400() throws {
        let grant = try create(size: 20 * Self.mib)
        let outside = try sign(grant, [4])
        #expect(outside.status == 400)
        #expect(outside.message.contains("parts 1 to 3"), "\(outside.message)")
        #expect(try sign(grant, [0]).status == 400)
        #expect(try sign(grant, [1, 1]).status == 400)
        #expect(try sign(grant, []).status == 400)
        var body: [String: Any] = reference(grant)
        body["parts"] = [["partNumber": 1, "checksumSHA256": String(repeating: "ab", count: 32)]]
        let hex = try call("POST", "/uploads/multipart/parts", body: body)
        #expect(hex.status == 400)
        #expect(hex.message.contains("base64 (not hex)"))
        let large = try create(size: 8 * Self.mib * 200)
        #expect(try sign(large, Array(1...101)).status == 400, "at most 100 a call")
        #expect(try sign(large, Array(1...100)).status == 200)
    }

    @Test func anAlteredOrForgedSessionIs403() throws {
        let grant = try create(size: 20 * Self.mib)
        let session = grant["session"] as! String
        var parts = session.split(separator: ".").map(String.init)
        // The payload, with the size changed: the plan a client would like.
        let json = String(decoding: Data(base64Encoded: Self.padded(parts[1]))!, as: UTF8.self)
        let bigger = json.replacingOccurrences(of: "\"size\":\(20 * Self.mib)", with: "\"size\":\(40 * Self.mib)")
        #expect(bigger != json)
        parts[1] = Data(bigger.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        var altered = grant
        altered["session"] = parts.joined(separator: ".")
        #expect(try sign(altered, [1]).status == 403)

        let other = try handler(sealer: try UploadSessionSealer(key: Array(repeating: 1, count: 32)))
        let foreign = try create(size: 20 * Self.mib, handler: other)
        var forged = grant
        forged["session"] = foreign["session"]
        #expect(try sign(forged, [1]).status == 403, "sealed with another stack's key")
        forged["session"] = "v1.e30.AAAA"
        #expect(try sign(forged, [1]).status == 403)

        var swapped = grant
        swapped["uploadId"] = "upload-999"
        #expect(try sign(swapped, [1]).status == 403, "the session names another upload")
    }

    @Test func anotherUsersKeyIs403BeforeS3IsCalled() throws {
        let grant = try create(size: 20 * Self.mib)
        let callsBefore = store.state.withLock { $0.calls }
        var theirs = grant
        theirs["key"] = "uploads/someone-else/\(Fixture.uuid)/film.png"
        #expect(try sign(theirs, [1]).status == 403)
        #expect(try call("GET", "/uploads/multipart", query: reference(theirs)).status == 403)
        #expect(try call("DELETE", "/uploads/multipart", query: reference(theirs)).status == 403)
        #expect(try complete(theirs, [1, 2, 3]).status == 403)
        // Bob, with alice's own session and key.
        let bob = try call(
            "GET",
            "/uploads/multipart",
            query: reference(grant),
            claims: ["sub": "0c1d2e3f-aaaa-bbbb-cccc-ddddeeeeffff"]
        )
        #expect(bob.status == 403)
        #expect(store.state.withLock { $0.calls } == callsBefore)
    }

    @Test func anExpiredSessionSignsAndCompletesNothingButMayStillBeListedAndAborted() throws {
        let grant = try create(size: 20 * Self.mib)
        clock.advance(86_400)
        let signed = try sign(grant, [1])
        #expect(signed.status == 410)
        #expect(signed.error == "SessionExpired")
        #expect(try complete(grant, [1, 2, 3]).status == 410)
        #expect(try call("GET", "/uploads/multipart", query: reference(grant)).status == 200)
        #expect(try call("DELETE", "/uploads/multipart", query: reference(grant)).status == 204)
        #expect(store.state.withLock { $0.aborted } == ["upload-1"])
    }

    @Test func partURLsNeverOutliveTheSession() throws {
        let grant = try create(size: 20 * Self.mib)
        clock.advance(86_400 - 60)
        let url = try #require((try sign(grant, [1]).body["parts"] as? [[String: Any]])?.first?["url"] as? String)
        #expect(url.contains("X-Amz-Expires=60&"), "\(url)")
    }

    @Test func listAnswersWhatS3Holds() throws {
        let grant = try create(size: 20 * Self.mib)
        store.hold("upload-1", 1, size: 8 * Self.mib)
        store.hold("upload-1", 3, size: 4 * Self.mib)
        let listed = try call("GET", "/uploads/multipart", query: reference(grant))
        #expect(listed.status == 200, "\(listed.body)")
        let parts = try #require(listed.body["parts"] as? [[String: Any]])
        #expect(parts.map { $0["partNumber"] as? Int } == [1, 3])
        #expect(parts.first?["etag"] as? String == "\"e1\"")
        #expect(parts.first?["size"] as? Int64 == 8 * Self.mib)
        #expect(parts.first?["checksumSHA256"] as? String == Self.checksum)
        var missing = reference(grant)
        missing["session"] = nil
        #expect(try call("GET", "/uploads/multipart", query: missing).status == 400)
    }

    @Test func completeNeedsEveryPlannedPartAtItsPlannedSize() throws {
        let grant = try create(size: 20 * Self.mib)
        store.hold("upload-1", 1, size: 8 * Self.mib)
        store.hold("upload-1", 3, size: 4 * Self.mib)
        let missing = try complete(grant, [1, 3])
        #expect(missing.status == 409)
        #expect(missing.error == "IncompleteUpload")
        #expect(missing.message.contains("part 2 is missing"), "\(missing.message)")
        store.hold("upload-1", 2, size: 5 * Self.mib)
        let small = try complete(grant, [1, 2, 3])
        #expect(small.status == 409)
        #expect(small.message.contains("part 2 is not its planned size"), "\(small.message)")
        #expect(store.state.withLock { $0.completed.isEmpty }, "nothing was completed")
    }

    @Test func completeAssemblesWhatS3ListsWhenTheClientAgrees() throws {
        let grant = try create(size: 20 * Self.mib)
        store.hold("upload-1", 1, size: 8 * Self.mib)
        store.hold("upload-1", 2, size: 8 * Self.mib)
        store.hold("upload-1", 3, size: 4 * Self.mib)
        var body: [String: Any] = reference(grant)
        body["parts"] = [
            ["partNumber": 1, "etag": "\"e1\""], ["partNumber": 2, "etag": "\"other\""],
            ["partNumber": 3, "etag": "e3"],
        ]
        let mismatch = try call("POST", "/uploads/multipart/complete", body: body)
        #expect(mismatch.status == 409)
        #expect(mismatch.message.contains("part 2: the ETag or checksum sent differs"), "\(mismatch.message)")
        let done = try complete(grant, [1, 2, 3])
        #expect(done.status == 200, "\(done.body)")
        #expect(done.body["key"] as? String == grant["key"] as? String)
        #expect(done.body["size"] as? Int64 == 20 * Self.mib)
        #expect(done.body["etag"] as? String == "\"etag-of-3-parts\"")
        let completed = store.state.withLock { $0.completed }
        #expect(completed.first?.parts.map(\.partNumber) == [1, 2, 3])
        #expect(completed.first?.parts.allSatisfy { $0.checksumSHA256 == Self.checksum } == true)
    }

    @Test func completeOverAnExistingObjectIs412() throws {
        let grant = try create(size: 4 * Self.mib)
        store.hold("upload-1", 1, size: 4 * Self.mib)
        store.state.withLock {
            $0.failure = S3Error(.preconditionFailed, awsCode: "PreconditionFailed", status: 412, message: "exists")
        }
        let result = try complete(grant, [1])
        #expect(result.status == 409 || result.status == 412)
        #expect(result.status == 412, "\(result.body)")
        #expect(result.error == "AlreadyExists")
    }

    @Test func withoutASessionKeyMultipartIs501AndTheLimitsSayNothingOfIt() throws {
        let off = try handler(sealer: nil)
        let result = try call(
            "POST",
            "/uploads",
            body: ["filename": "a.png", "contentType": "image/png", "size": 10, "method": "MULTIPART"],
            handler: off
        )
        #expect(result.status == 501)
        #expect(result.message.contains("UPLOAD_SESSION_KEY"))
        let limits = try call("GET", "/uploads", handler: off)
        #expect(limits.body["multipartThreshold"] == nil)
        #expect(limits.body["maxBytes"] as? Int64 == UploadLimits.s3SingleUploadMax)
        let on = try call("GET", "/uploads")
        #expect(on.body["multipartThreshold"] as? Int64 == 64 * Self.mib)
        #expect(on.body["partSize"] as? Int64 == 8 * Self.mib)
        #expect(on.body["maxBytes"] as? Int64 == 100 * 1024 * Self.mib)
    }

    @Test func singleUploadsOver5GiBAreSentToMultipart() throws {
        let result = try call(
            "POST",
            "/uploads",
            body: ["filename": "a.png", "contentType": "image/png", "size": UploadLimits.s3SingleUploadMax + 1]
        )
        #expect(result.status == 413)
        #expect(result.message.contains("send method MULTIPART"))
        #expect(try create(size: UploadLimits.s3SingleUploadMax + 1)["partCount"] as? Int == 641)
    }

    @Test func routesAnswerTheirMethodsOnly() throws {
        #expect(try call("PUT", "/uploads/multipart/parts", body: [:]).status == 405)
        #expect(try call("GET", "/uploads/multipart/complete").status == 405)
        #expect(try call("POST", "/uploads/multipart").status == 405)
        #expect(try call("DELETE", "/uploads").status == 405)
    }

    @Test func theSessionOpensWithThePreviousKeyDuringARotation() throws {
        let old = try UploadSessionSealer(key: Self.sessionKey)
        let session = UploadSession(
            key: "uploads/a/b/c.png",
            uploadID: "u",
            size: 10,
            partSize: 5,
            owner: "a",
            contentType: "image/png",
            expiresAt: 100
        )
        let sealed = old.seal(session)
        let rotated = try UploadSessionSealer(key: Array(repeating: 9, count: 32), previousKey: Self.sessionKey)
        #expect(try rotated.open(sealed) == session)
        let after = try UploadSessionSealer(key: Array(repeating: 9, count: 32))
        #expect(throws: UploadAPIError.self) { try after.open(sealed) }
        #expect(throws: ConfigurationError.self) { try UploadSessionSealer(key: Array(repeating: 1, count: 31)) }
    }

    static func padded(_ base64URL: String) -> String {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }
}
