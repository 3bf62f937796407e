import LambdaRuntime
import S3
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import UploadHandlers

/// The quarantine copy's tags, when another writer rewrites the original's tag set between our tag write and the
/// copy. GuardDuty adds its tag by reading and rewriting the set; a rewrite from a read taken before ours drops
/// `upload-status` and `upload-reason`. The copy must still say it was rejected, and why.
@Suite("quarantine copy under a concurrent tag rewrite")
struct QuarantineTagsTests {
    @Test func theQuarantineCopyCarriesTheReasonEvenWhenTheOriginalLostIt() throws {
        let tagging = { (pairs: [(String, String)]) in
            let tags = pairs.map { "<Tag><Key>\($0.0)</Key><Value>\($0.1)</Value></Tag>" }.joined()
            return Array("<Tagging><TagSet>\(tags)</TagSet></Tagging>".utf8)
        }
        let server = try ScriptedRuntimeAPI(script: [
            // reject(): the tags as validation found them, and our write of the rejection.
            .init(status: 200, body: tagging([("GuardDutyMalwareScanStatus", "NO_THREATS_FOUND")])),
            .init(status: 200),
            // No quarantine copy yet.
            .init(status: 404, body: Array("<Error><Code>NoSuchKey</Code></Error>".utf8)),
            // The set as a racing writer left it: its own tag, ours gone.
            .init(status: 200, body: tagging([("GuardDutyMalwareScanStatus", "NO_THREATS_FOUND")])),
            .init(status: 200, body: Array("<CopyObjectResult/>".utf8)),
            .init(status: 204),
        ])
        let endpoint = try S3Endpoint.custom("http://\(server.endpoint)", region: "eu-west-1")
        let credentials = try AWSCredentials(accessKeyID: "test", secretAccessKey: "test")
        let client = try S3Client(credentials: credentials, endpoint: endpoint)
        client.sleep = { _ in }
        var upload = Fixture.configuration()
        upload.endpoint = endpoint
        let handler = ObjectCreatedHandler(
            configuration: ObjectCreatedConfiguration(
                upload: upload,
                rejectAction: .quarantine,
                quarantinePrefix: "quarantine/",
                scanRequired: false
            ),
            client: client
        )
        let head = try S3ObjectHead(headers: ["content-length": "98", "content-type": "image/png"])
        let action = try handler.reject(
            .init(bucket: "bucket-b", key: "uploads/u-1/cat.png", head: head),
            reason: "content:markup"
        )
        #expect(action == "quarantined")
        let copy = try #require(server.requests.first { $0.header("x-amz-copy-source") != nil })
        #expect(copy.path == "/bucket-b/quarantine/uploads/u-1/cat.png")
        #expect(copy.header("x-amz-tagging-directive") == "REPLACE")
        #expect(
            copy.header("x-amz-tagging")
                == "GuardDutyMalwareScanStatus=NO_THREATS_FOUND&upload-reason=content%3Amarkup&upload-status=rejected"
        )
        #expect(server.requests.last?.method == "DELETE")
    }
}
