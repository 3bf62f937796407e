import Foundation
import LambdaEvents
import TestSupport
import Testing

@testable import LocalServe

/// The project's ClamAV signatures (deploy/local/clamav) under the real `clamscan`, and how its output is read.
@Suite("upload-edge serve: the project's ClamAV signatures")
struct ClamAVSignatureTests {
    static let scanner = ClamScanner(
        databaseDirectory: BuiltProducts.projectRoot + "/deploy/local/clamav",
        maxBytes: 100 * 1_048_576
    )
    static let clamscanMissing = "needs ClamAV's clamscan: apt-get install clamav (make test-deps installs it)"

    /// Scans `bytes` as a file of its own.
    func scan(_ bytes: [UInt8]) throws -> ClamScanner.Verdict {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-clam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sample").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return Self.scanner.scan(path)
    }

    @Test(.enabled(if: Self.scanner.isInstalled, Comment(rawValue: Self.clamscanMissing)))
    func eicarIsFoundAloneAndInsideAPDF() throws {
        for sample in [MalwareSamples.eicar, MalwareSamples.eicarPDF] {
            let verdict = try scan(sample)
            #expect(verdict.result == .threatsFound, "\(verdict.output)")
            #expect(verdict.threats == ["UploadEdge.EICAR-Test-File"], "no .UNOFFICIAL suffix: \(verdict.output)")
        }
    }

    @Test(.enabled(if: Self.scanner.isInstalled, Comment(rawValue: Self.clamscanMissing)))
    func phpWebShellsAreFoundInAnyFileButHarmlessPHPIsNot() throws {
        for sample in [MalwareSamples.webShell, MalwareSamples.webShellJPEG] {
            let verdict = try scan(sample)
            #expect(verdict.threats == ["UploadEdge.PHP-WebShell"], "\(verdict.output)")
        }
        #expect(try scan(MalwareSamples.harmlessPHP).result == .noThreatsFound)
    }

    @Test(.enabled(if: Self.scanner.isInstalled, Comment(rawValue: Self.clamscanMissing)))
    func pdfJavaScriptThatLaunchesAURLIsFoundPlainOrCompressed() throws {
        for sample in [MalwareSamples.launchURLPDF, try MalwareSamples.compressedLaunchURLPDF()] {
            let verdict = try scan(sample)
            #expect(verdict.threats == ["UploadEdge.PDF-JavaScript-LaunchURL"], "\(verdict.output)")
        }
        #expect(try scan(MalwareSamples.alertPDF).result == .noThreatsFound, "other scripts pass")
        #expect(try scan(MalwareSamples.cleanPDF).result == .noThreatsFound)
    }

    @Test(.enabled(if: Self.scanner.isInstalled, Comment(rawValue: Self.clamscanMissing)))
    func aDatabaseClamscanCannotLoadFailsTheCheckAndEveryScan() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("Broken:0:*:4\n".utf8).write(to: directory.appendingPathComponent("broken.ndb"))
        let scanner = ClamScanner(databaseDirectory: directory.path, maxBytes: 1_048_576)
        let error = #expect(throws: SetupError.self) { try MalwareScanStandIn.check(databaseDirectory: directory.path) }
        #expect(
            error?.description.contains("Malformed database") == true,
            "clamscan's words: \(String(describing: error))"
        )
        #expect(error?.description.hasSuffix("pass another --clamav-db, or --no-scan") == true)
        let missing = #expect(throws: SetupError.self) {
            try MalwareScanStandIn.check(databaseDirectory: directory.path, clamscan: "/nonexistent/clamscan")
        }
        #expect(missing?.description.contains("install ClamAV") == true)
        let path = directory.appendingPathComponent("sample").path
        try Data(MalwareSamples.eicar).write(to: URL(fileURLWithPath: path))
        #expect(scanner.scan(path).result == .failed, "never clean when the scan did not run")
    }

    @Test func threatNamesAreReadFromFoundLinesOfThatFileOnly() {
        let output = """
            /tmp/x/object: UploadEdge.EICAR-Test-File.UNOFFICIAL FOUND
            /tmp/x/object.zip: Other.Sig FOUND
            LibClamAV Warning: something
            /tmp/x/object: Win.Test.EICAR_HDB-1 FOUND

            """
        #expect(
            ClamScanner.threats(in: output, path: "/tmp/x/object") == [
                "UploadEdge.EICAR-Test-File", "Win.Test.EICAR_HDB-1",
            ]
        )
    }

    @Test func theEventDecodesAsGuardDutysScanResult() throws {
        let event = MalwareScanResultEvent(
            id: "4b0b6a4e-6a43-4f0e-9a53-0d3b5c1f2e10",
            time: Date(timeIntervalSince1970: 1_795_709_671),
            account: "123456789012",
            region: "eu-west-1",
            planARN: "arn:aws:guardduty:eu-west-1:123456789012:malware-protection-plan/upload-edge-local",
            bucket: "upload-edge-local",
            key: "uploads/u-1/f-1/invoice.pdf",
            eTag: "44d88612fea8a8f36de82e1278abb02f",
            versionID: nil,
            result: .threatsFound,
            threats: ["UploadEdge.EICAR-Test-File"]
        )
        let bytes = try event.json()
        guard case .guardDutyMalwareScan(let decoded) = try LambdaEvent.decode(bytes) else {
            throw TestFailure("not a GuardDuty scan result: \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(decoded.version == "0")
        #expect(decoded.time == "2026-11-26T16:14:31Z")
        #expect(decoded.resources == [event.planARN])
        #expect(decoded.detail.scanStatus == "COMPLETED")
        #expect(decoded.detail.resourceType == "S3_OBJECT")
        #expect(decoded.detail.s3ObjectDetails.objectKey == "uploads/u-1/f-1/invoice.pdf")
        #expect(decoded.detail.s3ObjectDetails.eTag == "44d88612fea8a8f36de82e1278abb02f")
        #expect(decoded.detail.s3ObjectDetails.s3Throttled == false)
        #expect(decoded.detail.result == .threatsFound)
        #expect(decoded.detail.scanResultDetails?.threats?.map(\.name) == ["UploadEdge.EICAR-Test-File"])

        var clean = event
        clean.result = .noThreatsFound
        let json = try #require(try JSONSerialization.jsonObject(with: Data(clean.json())) as? [String: Any])
        let details = (json["detail"] as? [String: Any])?["scanResultDetails"] as? [String: Any]
        #expect(details?["scanResultStatus"] as? String == "NO_THREATS_FOUND")
        #expect(details?["threats"] is NSNull, "GuardDuty sends threats: null when there are none")
        #expect(
            Set(json.keys) == [
                "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail",
            ]
        )
    }

    @Test func theMappingHearsOfCreatedObjectsButNotTestEventsOrQuarantine() throws {
        let sqs = try #require(
            try JSONSerialization.jsonObject(with: Data(ProjectEvents.bytes("sqs-s3-objectcreated.json")))
                as? [String: Any]
        )
        let bodies = (sqs["Records"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
        let created = bodies.flatMap { SQSEventSourceMapping.createdObjects(inBody: $0) }
        #expect(created.count == 2)
        #expect(
            created.first
                == .init(
                    bucket: "upload-edge-uploads-123456789012",
                    key:
                        "uploads/7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f/55e3747a-07c6-4624-a455-c5731f3ce0b2/receipt scan.jpg"
                )
        )
        let unicode = String(decoding: try ProjectEvents.bytes("s3-objectcreated-unicode-key.json"), as: UTF8.self)
        #expect(
            SQSEventSourceMapping.createdObjects(inBody: unicode).first?.key.hasSuffix("/Résumé 2026+final (1).pdf")
                == true
        )
        let test = String(decoding: try ProjectEvents.bytes("s3-testevent.json"), as: UTF8.self)
        #expect(SQSEventSourceMapping.createdObjects(inBody: test).isEmpty)
        let quarantined = unicode.replacingOccurrences(of: "\"key\": \"uploads/", with: "\"key\": \"quarantine/")
        #expect(quarantined != unicode)
        #expect(SQSEventSourceMapping.createdObjects(inBody: quarantined).isEmpty)
    }
}
