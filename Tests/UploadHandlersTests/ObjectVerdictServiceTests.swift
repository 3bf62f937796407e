import Foundation
import LambdaEvents
import LambdaRuntime
import S3
import S3Presigning
import SigV4
import TestSupport
import Testing

@testable import UploadHandlers

/// `object-created` as a gate against LocalStack's S3: the whole file checked, identifying metadata stripped, and
/// the malware verdict (GuardDuty's event, in either order with validation) deciding `pending` → `clean` or
/// `rejected`.
@Suite(
    "object-created: whole-file checks, metadata stripping and the malware verdict (LocalStack)",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3"))),
    .serialized
)
struct ObjectVerdictServiceTests {
    let base = ObjectCreatedServiceTests()

    func world() throws -> ObjectCreatedServiceTests.World {
        try base.world(maxBytes: 1_000_000)
    }

    func handler(_ world: ObjectCreatedServiceTests.World, scanRequired: Bool = true) throws -> ObjectCreatedHandler {
        try base.handler(world, scanRequired: scanRequired)
    }

    /// Uploads `bytes` as the presigner would let a user, and returns the record S3 would notify.
    func upload(
        _ world: ObjectCreatedServiceTests.World,
        _ name: String,
        _ bytes: [UInt8],
        type: String
    ) throws -> ObjectCreatedHandler.ObjectRecord {
        let key = "uploads/u-1/\(UUID().uuidString.prefix(8).lowercased())/\(name)"
        try base.upload(world, key: key, bytes: bytes, type: type)
        return .init(bucket: world.storage.bucket, key: key, size: Int64(bytes.count))
    }

    /// GuardDuty's event for the object as it is now, after writing its tag on the object as GuardDuty does.
    func scan(
        _ world: ObjectCreatedServiceTests.World,
        _ record: ObjectCreatedHandler.ObjectRecord,
        _ result: String,
        threat: String? = nil,
        eTag: String? = nil,
        writeTag: Bool = true
    ) throws -> GuardDutyMalwareScanEvent {
        let head = try world.client.headObject(bucket: record.bucket, key: record.key)
        if writeTag {
            var tags = try world.client.getObjectTagging(bucket: record.bucket, key: record.key)
            tags["GuardDutyMalwareScanStatus"] = result
            try world.client.putObjectTagging(bucket: record.bucket, key: record.key, tags: tags)
        }
        let event: [String: Any] = [
            "version": "0", "id": UUID().uuidString, "detail-type": GuardDutyMalwareScanEvent.detailType,
            "source": "aws.guardduty", "account": "123456789012", "time": "2026-12-02T10:00:00Z",
            "region": "eu-west-1", "resources": ["arn:aws:guardduty:eu-west-1:123456789012:malware-protection-plan/x"],
            "detail": [
                "schemaVersion": "1.0", "scanStatus": "COMPLETED", "resourceType": "S3_OBJECT",
                "s3ObjectDetails": [
                    "bucketName": record.bucket, "objectKey": record.key,
                    "eTag": eTag ?? String(PresignHandler.unquoted(head.eTag ?? "")), "s3Throttled": false,
                ],
                "scanResultDetails": [
                    "scanResultStatus": result, "threats": threat.map { [["name": $0]] } ?? NSNull(),
                ] as [String: Any],
            ] as [String: Any],
        ]
        guard
            case .guardDutyMalwareScan(let decoded) = try LambdaEvent.decode(try ObjectCreatedServiceTests.json(event))
        else { throw TestFailure("not a GuardDuty event") }
        return decoded
    }

    func tags(_ world: ObjectCreatedServiceTests.World, _ key: String) throws -> [String: String] {
        try world.client.getObjectTagging(bucket: world.storage.bucket, key: key)
    }

    @Test func aCleanPNGGoesPendingThenCleanAndKeepsGuardDutysTag() throws {
        let world = try world()
        let handler = try handler(world)
        let record = try upload(world, "photo.png", TestFiles.png(), type: "image/png")
        let validated = try handler.process(record)
        #expect(validated.status == .pending, "\(validated)")
        #expect(try tags(world, record.key)["upload-status"] == "pending")
        let verdict = try handler.process(scan: try scan(world, record, "NO_THREATS_FOUND"))
        #expect(verdict.status == .clean, "\(verdict)")
        let final = try tags(world, record.key)
        #expect(final["upload-status"] == "clean")
        #expect(final["GuardDutyMalwareScanStatus"] == "NO_THREATS_FOUND", "GuardDuty's own tag stays")
        // Redelivered, either event: the same end.
        #expect(try handler.process(record).status == .clean)
        #expect(try handler.process(scan: try scan(world, record, "NO_THREATS_FOUND")).status == .clean)
        #expect(try tags(world, record.key) == final)
    }

    @Test func aVerdictThatComesFirstIsKeptAndItsHandlerValidatesTheObject() throws {
        let world = try world()
        let handler = try handler(world)
        let record = try upload(world, "early.png", TestFiles.png(), type: "image/png")
        let early = try handler.process(scan: try scan(world, record, "NO_THREATS_FOUND", writeTag: false))
        #expect(early.status == .clean, "validated by the verdict's own handler: \(early)")
        #expect(try tags(world, record.key)["upload-scan"] == "NO_THREATS_FOUND", "the verdict is kept")
        // The Object Created event, later: the same end.
        #expect(try handler.process(record).status == .clean)
        #expect(try tags(world, record.key)["upload-status"] == "clean")

        // A threat that comes first rejects the object then and there, and it is quarantined.
        let bad = try upload(world, "early-bad.png", TestFiles.png(), type: "image/png")
        let outcome = try handler.process(
            scan: try scan(world, bad, "THREAT_FOUND", threat: "EICAR-Test-File (not a virus)")
        )
        #expect(outcome.status == .rejected)
        #expect(outcome.reason == "malware:EICAR-Test-File _not a virus_", "tag-safe: \(outcome.reason ?? "")")
        #expect(outcome.action == "quarantined")
        #expect(try handler.process(bad).status == .gone)
    }

    /// GuardDuty merges its tag by reading and writing the set, and so may drop the `pending` validation wrote a
    /// moment before: the verdict then finds no state, and must not leave the object waiting forever.
    @Test func aPendingLostToAConcurrentTagWriteIsRecoveredByTheVerdict() throws {
        let world = try world()
        let handler = try handler(world)
        let record = try upload(world, "raced.png", TestFiles.png(), type: "image/png")
        #expect(try handler.process(record).status == .pending)
        // GuardDuty's merge, computed from the tags before validation's write: pending is gone.
        try world.client.putObjectTagging(
            bucket: record.bucket,
            key: record.key,
            tags: ["GuardDutyMalwareScanStatus": "NO_THREATS_FOUND"]
        )
        let verdict = try handler.process(scan: try scan(world, record, "NO_THREATS_FOUND", writeTag: false))
        #expect(verdict.status == .clean, "\(verdict)")
        #expect(try tags(world, record.key)["upload-status"] == "clean")
    }

    @Test func threatsAndScansThatCouldNotRunAreRejectedAndTheRejectIsNeverLeftReadable() throws {
        let world = try world()
        let handler = try handler(world)
        let pdf = try upload(
            world,
            "invoice.pdf",
            TestFiles.pdf([TestFiles.pdfStream("", TestFiles.eicar)]),
            type: "application/pdf"
        )
        #expect(try handler.process(pdf).status == .pending)
        let rejected = try handler.process(scan: try scan(world, pdf, "THREATS_FOUND", threat: "EICAR-Test-File"))
        #expect(rejected.status == .rejected)
        #expect(rejected.reason == "malware:EICAR-Test-File")
        #expect(rejected.action == "quarantined")
        #expect(
            try world.client.listAllObjects(bucket: world.storage.bucket, prefix: "uploads/").contains {
                $0.key == pdf.key
            } == false
        )
        #expect(try tags(world, "quarantine/" + pdf.key)["upload-reason"] == "malware:EICAR-Test-File")

        for status in ["UNSUPPORTED", "ACCESS_DENIED", "FAILED"] {
            let record = try upload(world, "x.png", TestFiles.png(), type: "image/png")
            _ = try handler.process(record)
            let outcome = try handler.process(scan: try scan(world, record, status))
            #expect(outcome.status == .rejected, "\(status): fail closed")
            #expect(outcome.reason == "scan-" + status.lowercased())
        }
    }

    @Test func guardDutysTagAloneRejectsAndTheLaterEventNamesTheThreat() throws {
        let world = try world()
        let handler = try handler(world)
        let record = try upload(world, "tagged.png", TestFiles.png(), type: "image/png")
        // GuardDuty tags the object, then validation ends before the event arrives.
        let event = try scan(world, record, "THREATS_FOUND", threat: "EICAR-Test-File")
        let outcome = try handler.process(record)
        #expect(outcome.status == .rejected)
        #expect(outcome.reason == "malware:unknown", "the tag carries no name")
        #expect(try handler.process(scan: event).status == .gone)
        #expect(try tags(world, "quarantine/" + record.key)["upload-reason"] == "malware:EICAR-Test-File")
    }

    @Test func aVerdictOnOtherBytesIsStaleAndIgnored() throws {
        let world = try world()
        let handler = try handler(world)
        let record = try upload(world, "a.png", TestFiles.png(), type: "image/png")
        _ = try handler.process(record)
        let stale = try handler.process(
            scan: try scan(world, record, "NO_THREATS_FOUND", eTag: "0123456789abcdef", writeTag: false)
        )
        #expect(stale.status == .skipped)
        #expect(stale.reason == "stale-verdict")
        #expect(try tags(world, record.key)["upload-status"] == "pending")
    }

    @Test func withoutScanRequiredAValidatedObjectIsCleanAtOnce() throws {
        let world = try world()
        let record = try upload(world, "a.png", TestFiles.png(), type: "image/png")
        #expect(try handler(world, scanRequired: false).process(record).status == .clean)
        // A threat found later still rejects it.
        let late = try handler(world, scanRequired: false).process(
            scan: try scan(world, record, "THREATS_FOUND", threat: "X")
        )
        #expect(late.status == .rejected)
    }

    @Test func theWholeFileIsCheckedNotItsFirstBytes() throws {
        let world = try world()
        let handler = try handler(world)
        let appended = try upload(
            world,
            "after.png",
            TestFiles.png() + [0, 1, 2, 3, 4, 5, 6, 7],
            type: "image/png"
        )
        let png = try handler.process(appended)
        #expect(png.status == .rejected)
        #expect(png.reason == "trailing-data", "bytes after IEND: \(png)")
        let shell = TestFiles.png() + Array("<?php system($_GET['c']); ?>".utf8)
        let polyglot = try handler.process(try upload(world, "shell.png", shell, type: "image/png"))
        #expect(polyglot.status == .rejected)
        #expect(["trailing-data", "active-content"].contains(polyglot.reason ?? ""), "\(polyglot)")

        var late = TestFiles.jpeg(scanBytes: 12_000)
        late += Array("<script>alert(1)</script>".utf8)
        let jpegRecord = try upload(world, "late.jpg", late, type: "image/jpeg")
        let jpeg = try handler.process(jpegRecord)
        #expect(jpeg.status == .rejected)
        #expect(["trailing-data", "active-content"].contains(jpeg.reason ?? ""), "\(jpeg)")

        let inComment = TestFiles.jpeg(comment: String(repeating: "x", count: 10_000) + "<script>alert(1)</script>")
        let commented = try handler.process(try upload(world, "comment.jpg", inComment, type: "image/jpeg"))
        #expect(commented.status == .rejected)
        #expect(commented.reason == "active-content", "a script after byte 10,000: \(commented)")

        let objectStream = TestFiles.pdfStream(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            TestFiles.zlibStored(Array("4 0 << /S /JavaScript /JS (app.alert(1)) >>".utf8))
        )
        let pdf = try handler.process(
            try upload(world, "doc.pdf", TestFiles.pdf([objectStream]), type: "application/pdf")
        )
        #expect(pdf.status == .rejected)
        #expect(pdf.reason == "active-content", "\(pdf)")

        let plain = try handler.process(try upload(world, "plain.pdf", TestFiles.pdf(), type: "application/pdf"))
        #expect(plain.status == .pending, "a harmless PDF passes: \(plain)")
    }

    @Test func aPhotosGPSGoesAndItsOrientationStays() throws {
        let world = try world()
        let handler = try handler(world)
        let original = TestFiles.jpeg(orientation: 6, gps: true, comment: "taken by serial 12345", icc: true)
        let record = try upload(world, "photo.jpg", original, type: "image/jpeg")
        try world.client.putObjectTagging(bucket: record.bucket, key: record.key, tags: ["project": "summer"])
        let outcome = try handler.process(record)
        #expect(outcome.status == .pending, "\(outcome)")
        #expect(outcome.action == "stripped")
        let stored = try world.client.getObject(bucket: record.bucket, key: record.key)
        #expect(stored.count < original.count)
        #expect(!ContentSniffer.contains(stored, Array("Cam".utf8)), "camera make gone")
        #expect(!ContentSniffer.contains(stored, Array("serial 12345".utf8)), "comment gone")
        #expect(!ContentSniffer.contains(stored, [0x25, 0x88]), "no GPS IFD pointer")
        #expect(ContentSniffer.contains(stored, Array("ICC_PROFILE".utf8)), "the colour profile stays")
        #expect(
            ContentSniffer.contains(stored, [0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00])
                || ContentSniffer.contains(stored, [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06]),
            "orientation 6 stays"
        )
        #expect(Array(stored.suffix(2)) == [0xFF, 0xD9])
        let head = try world.client.headObject(bucket: record.bucket, key: record.key)
        #expect(head.contentType == "image/jpeg")
        #expect(head.metadata["owner"] == "u-1")
        #expect(head.metadata["original-sha256"]?.count == 64)
        #expect(head.serverSideEncryption == "aws:kms")
        #expect(head.kmsKeyID?.hasSuffix(world.storage.kmsKeyId) == true)
        let tags = try tags(world, record.key)
        #expect(tags["project"] == "summer", "tags are kept")
        #expect(tags["upload-status"] == "pending")
        // The rewrite's own event: recognised as stripped, not rewritten again.
        let again = try handler.process(
            ObjectCreatedHandler.ObjectRecord(bucket: record.bucket, key: record.key, size: nil)
        )
        #expect(again.status == .pending)
        #expect(again.action == nil)
        #expect(try world.client.getObject(bucket: record.bucket, key: record.key) == stored)
        // The verdict on the stripped bytes makes it clean.
        #expect(try handler.process(scan: try scan(world, record, "NO_THREATS_FOUND")).status == .clean)
    }
}
