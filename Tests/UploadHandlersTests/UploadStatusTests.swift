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

        func status(ofKey key: String) throws(S3Error) -> UploadStatus {
            asked.append(key)
            if let failure { throw failure }
            return table[key] ?? UploadStatus(key: key, status: .missing)
        }
    }

    func get(
        _ path: String,
        key: String? = nil,
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

    @Test func otherPathsAre404() throws {
        #expect(try get("/api/elsewhere", source: TableSource()).status == 404)
    }
}
