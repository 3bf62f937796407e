import Foundation
import S3
import TestSupport
import Testing

@testable import UploadHandlers

/// `GET /uploads` (the caller's limits) and `GET /uploads/{key}` (one upload's status, owner only).
@Suite("presign: limits and upload status")
struct UploadStatusTests {
    static let sub = "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    static let ownKey = "uploads/\(sub)/0b5c4a8e-3f1d-4e2a-9c7b-6d5e4f3a2b1c/holiday photo.jpg"

    /// Answers from a table, and records what it was asked.
    final class TableSource: UploadStatusSource, @unchecked Sendable {  // used from the test's thread only
        var asked: [String] = []
        var table: [String: UploadStatus] = [:]
        var failure: S3Error?

        var stored: [StoredUpload] = []

        func status(ofKey key: String) throws(S3Error) -> UploadStatus {
            asked.append(key)
            if let failure { throw failure }
            return table[key] ?? UploadStatus(key: key, status: .missing)
        }

        func details(ofKey key: String) throws(S3Error) -> UploadStatus {
            var status = try status(ofKey: key)
            if status.status != .missing {
                status.name = status.name ?? key.split(separator: "/").last.map(String.init)
                status.type = status.type ?? "image/jpeg"
                status.size = status.size ?? 1234
            }
            return status
        }

        func uploads(under prefix: String) throws(S3Error) -> [StoredUpload] {
            if let failure { throw failure }
            return stored.filter { $0.key.hasPrefix(prefix) }.sorted { $0.lastModified > $1.lastModified }
        }
    }

    func get(
        _ path: String,
        key: String? = nil,
        query: [String: String]? = nil,
        source: TableSource,
        authorizer: Bool = true
    ) throws
        -> Fixture.HTTPResult
    {
        var event = try Fixture.object(ProjectEvents.directory + "/apigw-http-v2-presign-post.json")
        var context = event["requestContext"] as! [String: Any]
        var http = context["http"] as! [String: Any]
        http["method"] = "GET"
        http["path"] = path
        context["http"] = http
        if !authorizer { context["authorizer"] = nil }
        event["requestContext"] = context
        event["rawPath"] = path
        event["body"] = nil
        if let key { event["pathParameters"] = ["key": key] }
        event["queryStringParameters"] = query
        let handler = try PresignHandler(
            configuration: Fixture.configuration(),
            credentials: Fixture.credentials,
            clock: { Fixture.now },
            statusSource: source
        )
        return try Fixture.http(try handler.handle(try Fixture.bytes(event), context: Fixture.context))
    }

    @Test func limitsAreTheCallersOwn() throws {
        let result = try get("/api/uploads", source: TableSource())
        #expect(result.status == 200, "\(result.body)")
        #expect(result.body["maxBytes"] as? Int == 10_485_760)
        #expect(result.body["keyPrefix"] as? String == "uploads/\(Self.sub)/")
        #expect((result.body["allowedTypes"] as? [String])?.contains("image/png") == true)
        #expect(result.headers["Cache-Control"] == "no-store")
    }

    @Test func theOwnerReadsTheStatusByPathParameterOrEncodedPath() throws {
        let source = TableSource()
        source.table[Self.ownKey] = UploadStatus(key: Self.ownKey, status: .rejected, reason: "type-mismatch")
        let byParameter = try get("/api/uploads/x", key: Self.ownKey, source: source)
        #expect(byParameter.status == 200, "\(byParameter.body)")
        #expect(byParameter.body["status"] as? String == "rejected")
        #expect(byParameter.body["reason"] as? String == "type-mismatch")
        let encoded = Self.ownKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let byPath = try get("/api/uploads/" + encoded, source: source)
        #expect(byPath.body["key"] as? String == Self.ownKey)
        #expect(source.asked == [Self.ownKey, Self.ownKey])
    }

    @Test(arguments: [
        "uploads/someone-else/1/a.png", "uploads/\(sub)/../someone-else/a.png", "quarantine/uploads/\(sub)/1/a.png",
        "uploads/\(sub)", "uploads/\(sub)//a.png",
    ])
    func anyOtherKeyIsForbiddenAndNeverRead(_ key: String) throws {
        let source = TableSource()
        let result = try get("/api/uploads/x", key: key, source: source)
        #expect(result.status == 403)
        #expect(result.message.contains("your own uploads"))
        #expect(source.asked.isEmpty)
    }

    @Test func withoutAUserItIs401AndWithS3DownItIs503() throws {
        let source = TableSource()
        #expect(try get("/api/uploads/x", key: Self.ownKey, source: source, authorizer: false).status == 401)
        source.failure = S3Error(.serverError, awsCode: "InternalError", status: 500, message: "boom")
        let result = try get("/api/uploads/x", key: Self.ownKey, source: source)
        #expect(result.status == 503)
        #expect(!result.message.contains("boom"), "S3's internals stay in the log")
    }

    @Test func aCleanUploadDownloadsForAMinuteAsAnAttachmentOfItsValidatedType() throws {
        let source = TableSource()
        source.table[Self.ownKey] = UploadStatus(key: Self.ownKey, status: .validated, type: "image/jpeg")
        let result = try get("/api/uploads/x", key: Self.ownKey + "/download", source: source)
        #expect(result.status == 200, "\(result.body)")
        let url = try #require(result.body["url"] as? String)
        #expect(url.hasPrefix("https://upload-edge-uploads.s3.eu-west-1.amazonaws.com/uploads/\(Self.sub)/"))
        #expect(url.contains("X-Amz-Expires=60&"))
        #expect(
            url.contains("response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27holiday%2520photo.jpg"),
            "\(url)"
        )
        #expect(url.contains("response-content-type=image%2Fjpeg"))
        #expect(result.body["expiresAt"] as? String == "2026-11-25T14:28:15Z")
        #expect(source.asked == [Self.ownKey], "the upload's own key, without /download")
    }

    @Test func pendingRejectedMissingAndOtherUsersUploadsDoNotDownload() throws {
        let source = TableSource()
        let pending = "uploads/\(Self.sub)/1/a.png"
        let stored = "uploads/\(Self.sub)/2/b.png"
        let rejected = "uploads/\(Self.sub)/3/c.pdf"
        source.table[pending] = UploadStatus(key: pending, status: .pending)
        source.table[stored] = UploadStatus(key: stored, status: .stored)
        source.table[rejected] = UploadStatus(key: rejected, status: .rejected, reason: "malware:EICAR-Test-File")
        let waiting = try get("/api/uploads/x", key: pending + "/download", source: source)
        #expect(waiting.status == 409)
        #expect(waiting.message.contains("still being checked"))
        #expect(try get("/api/uploads/x", key: stored + "/download", source: source).status == 409)
        let refused = try get("/api/uploads/x", key: rejected + "/download", source: source)
        #expect(refused.status == 410)
        #expect(refused.message.contains("malware:EICAR-Test-File"))
        #expect(try get("/api/uploads/x", key: "uploads/\(Self.sub)/4/d.png/download", source: source).status == 404)
        let asked = source.asked.count
        let theirs = try get("/api/uploads/x", key: "uploads/someone-else/1/a.png/download", source: source)
        #expect(theirs.status == 403)
        #expect(source.asked.count == asked, "never read")
        // A file named "download" is an upload of its own, not a download route.
        let named = "uploads/\(Self.sub)/5/download"
        source.table[named] = UploadStatus(key: named, status: .validated)
        #expect(try get("/api/uploads/x", key: named, source: source).body["status"] as? String == "validated")
    }

    @Test func theListIsTheCallersOwnNewestFirstAPageAtATime() throws {
        let source = TableSource()
        for index in 1...5 {
            let key = "uploads/\(Self.sub)/\(index)/f\(index).png"
            source.stored.append(StoredUpload(key: key, size: 10, lastModified: "2026-11-2\(index)T10:00:00.000Z"))
            source.table[key] = UploadStatus(key: key, status: index == 2 ? .rejected : .validated)
        }
        source.stored.append(StoredUpload(key: "uploads/other/9/x.png", size: 1, lastModified: "2026-11-30T00:00:00Z"))
        let first = try get("/api/uploads", query: ["list": "1", "limit": "2"], source: source)
        #expect(first.status == 200, "\(first.body)")
        let uploads = try #require(first.body["uploads"] as? [[String: Any]])
        #expect(uploads.map { $0["name"] as? String } == ["f5.png", "f4.png"])
        #expect(uploads.first?["time"] as? String == "2026-11-25T10:00:00Z")
        #expect(uploads.first?["status"] as? String == "validated")
        let cursor = try #require(first.body["cursor"] as? String)
        let rest = try get("/api/uploads", query: ["list": "1", "limit": "50", "cursor": cursor], source: source)
        let names = (rest.body["uploads"] as? [[String: Any]])?.map { $0["name"] as? String }
        #expect(names == ["f3.png", "f2.png", "f1.png"])
        #expect(rest.body["cursor"] == nil, "the last page")
        #expect(try get("/api/uploads", query: ["list": "1", "limit": "0"], source: source).status == 400)
        #expect(try get("/api/uploads", query: ["list": "1", "cursor": "x"], source: source).status == 400)
    }

    /// Found by schemathesis (`GET /uploads?limit=51` was 200): the page parameters are checked with or without
    /// `list`, and only plain digits are numbers.
    @Test(arguments: [
        ["limit": "51"], ["limit": "0"], ["cursor": "-1"], ["limit": "+5"], ["list": "1", "cursor": "+3"],
        ["list": "1", "limit": " 5"],
    ])
    func aBadLimitOrCursorIs400WithOrWithoutList(_ query: [String: String]) throws {
        let answer = try get("/api/uploads", query: query, source: TableSource())
        #expect(answer.status == 400, "\(query): \(answer.body)")
        #expect(answer.error == "BadRequest")
    }

    @Test func otherPathsAre404() throws {
        #expect(try get("/api/elsewhere", source: TableSource()).status == 404)
    }
}
