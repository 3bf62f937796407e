import Foundation
import LambdaEvents
import LambdaRuntime
import S3
import TestSupport
import Testing

@testable import UploadHandlers

@Suite("object-created: magic numbers, polyglots and the rules")
struct ObjectValidationTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8)
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)

    static let samples: [([UInt8], String)] = {
        var samples: [([UInt8], String)] = [(png, "image/png"), (jpeg, "image/jpeg"), (webp, "image/webp")]
        samples.append((Array("GIF89a".utf8) + [1, 0], "image/gif"))
        samples.append((Array("GIF87a".utf8), "image/gif"))
        samples.append((Array("%PDF-1.7\n".utf8), "application/pdf"))
        samples.append(([0, 0, 0, 0x1C] + Array("ftypavif".utf8), "image/avif"))
        samples.append(([0, 0, 0, 0x18] + Array("ftypheic".utf8), "image/heic"))
        samples.append(([0x50, 0x4B, 0x03, 0x04], "application/zip"))
        return samples
    }()

    @Test(arguments: samples)
    func detectsTypesByMagicNumber(_ bytes: [UInt8], _ type: String) {
        #expect(ContentSniffer.detect(bytes) == type)
        #expect(ContentSniffer.check(declared: type, bytes: bytes) == nil)
    }

    @Test func aPNGDeclaredAsJPEGIsATypeMismatch() {
        let mismatch = ContentSniffer.check(declared: "image/jpeg", bytes: Self.png)
        #expect(mismatch?.reason == "type-mismatch")
        #expect(mismatch?.detail == "declared image/jpeg but the bytes are image/png")
    }

    @Test(arguments: [
        "<html><body><script>alert(1)</script>", "<!DOCTYPE HTML><p>hi", "<?xml version=\"1.0\"?><svg onload=\"x()\">",
        "  <SCRIPT src=//evil>",
    ])
    func markupDeclaredAsAnImageIsActiveContent(_ text: String) {
        let mismatch = ContentSniffer.check(declared: "image/png", bytes: Array(text.utf8))
        #expect(mismatch?.reason == "active-content")
    }

    @Test func aPNGWithAScriptInATextChunkIsAPolyglot() {
        let chunk = Array("tEXtComment\0<script>fetch('//evil')</script>".utf8)
        let mismatch = ContentSniffer.check(declared: "image/png", bytes: Self.png + [0, 0, 0, 40] + chunk)
        #expect(mismatch?.reason == "active-content")
        #expect(mismatch?.detail.contains("<script") == true)
    }

    @Test func aPDFWithJavaScriptIsRefusedAndAPlainOneIsNot() {
        let plain = Array("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj".utf8)
        #expect(ContentSniffer.check(declared: "application/pdf", bytes: plain) == nil)
        let active = Array("%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>".utf8)
        #expect(ContentSniffer.check(declared: "application/pdf", bytes: active)?.reason == "active-content")
    }

    @Test func unknownBytesDeclaredAsAnImageAreRefused() {
        #expect(ContentSniffer.check(declared: "image/png", bytes: Array("just text".utf8))?.reason == "unknown-type")
        #expect(ContentSniffer.check(declared: "image/png", bytes: [])?.reason == "unknown-type")
    }

    @Test func textTypesMustBeUTF8WithoutControls() {
        #expect(ContentSniffer.check(declared: "text/plain", bytes: Array("héllo\nworld\t!".utf8)) == nil)
        #expect(ContentSniffer.check(declared: "text/plain", bytes: Self.png)?.reason == "type-mismatch")
        // A multi-byte character cut at the end of the sample is not an error.
        #expect(ContentSniffer.check(declared: "text/plain", bytes: Array("abc".utf8) + [0xC3]) == nil)
    }

    // MARK: - Head rules

    static func validation(kms: String? = "arn:aws:kms:eu-west-1:123456789012:key/k-1") -> ObjectValidation {
        var configuration = Fixture.configuration(kms: kms)
        configuration.limits = UploadLimits(keyPrefix: "uploads/", maxBytes: 1_000, groupLimits: ["pro": 5_000])
        return ObjectValidation(configuration: configuration)
    }

    static func head(
        size: Int64 = 100,
        type: String? = "image/png",
        owner: String? = "u-1",
        sse: String? = "aws:kms",
        kms: String? = "arn:aws:kms:eu-west-1:123456789012:key/k-1"
    ) throws -> S3ObjectHead {
        var headers = ["content-length": String(size)]
        headers["content-type"] = type
        headers["x-amz-meta-owner"] = owner
        headers["x-amz-server-side-encryption"] = sse
        headers["x-amz-server-side-encryption-aws-kms-key-id"] = kms
        return try S3ObjectHead(headers: headers)
    }

    func reason(
        key: String = "uploads/u-1/0b5c/a.png",
        eventSize: Int64? = 100,
        _ head: S3ObjectHead,
        validation: ObjectValidation = ObjectValidationTests.validation()
    ) -> String? {
        do {
            try validation.checkHead(key: key, eventSize: eventSize, head: head)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func aGoodObjectPasses() throws {
        #expect(reason(try Self.head()) == nil)
        #expect(reason(try Self.head(type: "image/png; charset=binary")) == nil)
        // Bare key id configured, ARN reported.
        #expect(reason(try Self.head(), validation: Self.validation(kms: "k-1")) == nil)
        // Up to the largest group limit: the validator cannot know the uploader's groups.
        #expect(reason(eventSize: 5_000, try Self.head(size: 5_000)) == nil)
    }

    @Test func eachRuleHasItsReason() throws {
        #expect(reason(key: "elsewhere/u-1/x/a.png", try Self.head()) == "outside-prefix")
        #expect(reason(key: "uploads/../x/a.png", try Self.head()) == "outside-prefix")
        #expect(reason(key: "uploads/u-1", try Self.head()) == "outside-prefix")
        #expect(reason(try Self.head(owner: nil)) == "owner-missing")
        #expect(reason(try Self.head(owner: "u-2")) == "owner-mismatch")
        #expect(reason(eventSize: 0, try Self.head(size: 0)) == "empty")
        #expect(reason(eventSize: 5_001, try Self.head(size: 5_001)) == "too-large")
        #expect(reason(eventSize: 99, try Self.head()) == "size-mismatch")
        #expect(reason(try Self.head(type: nil)) == "type-missing")
        #expect(reason(try Self.head(type: "text/html")) == "type-not-allowed")
        #expect(reason(try Self.head(sse: "AES256", kms: nil)) == "sse-missing")
        #expect(reason(try Self.head(sse: nil, kms: nil)) == "sse-missing")
        #expect(reason(try Self.head(kms: "arn:aws:kms:eu-west-1:123456789012:key/other")) == "sse-wrong-key")
        #expect(reason(try Self.head(sse: nil, kms: nil), validation: Self.validation(kms: nil)) == nil)
    }

    // MARK: - Envelopes

    @Test func notificationKeysAreDecodedAndEventBridgeKeysAreNot() throws {
        guard case .s3(let s3) = try LambdaEvent.decode(try ProjectEvents.bytes("s3-objectcreated-unicode-key.json"))
        else { throw TestFailure("not an S3 event") }
        let records = ObjectCreatedHandler.records(of: s3)
        let raw = try #require(s3.records.first?.s3.object.key)
        #expect(records.first?.key == raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding)
        guard
            case .eventBridgeS3(let bridge) = try LambdaEvent.decode(
                try ProjectEvents.bytes("eventbridge-s3-object-created.json")
            )
        else { throw TestFailure("not an EventBridge event") }
        #expect(ObjectCreatedHandler.records(of: bridge).first?.key == bridge.detail.object.key)
        guard
            case .eventBridgeS3(let deleted) = try LambdaEvent.decode(
                try ProjectEvents.bytes("eventbridge-s3-object-deleted.json")
            )
        else { throw TestFailure("not an EventBridge event") }
        #expect(ObjectCreatedHandler.records(of: deleted).isEmpty)
    }

    @Test func onlyObjectCreatedRecordsAreTaken() throws {
        guard case .s3(let removed) = try LambdaEvent.decode(try ProjectEvents.bytes("s3-objectremoved-delete.json"))
        else { throw TestFailure("not an S3 event") }
        #expect(ObjectCreatedHandler.records(of: removed).isEmpty)
    }

    @Test func configurationNamesTheVariableAtFault() {
        var values = [
            "UPLOAD_BUCKET": "upload-edge-uploads", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID",
            "AWS_SECRET_ACCESS_KEY": "secret", "REJECT_ACTION": "shred",
        ]
        #expect(throws: ConfigurationError("REJECT_ACTION", "is \"shred\"; it must be quarantine, delete or tag-only"))
        {
            try ObjectCreatedHandler(environment: EnvironmentReader(values))
        }
        values["REJECT_ACTION"] = "tag-only"
        values["QUARANTINE_PREFIX"] = "uploads/q/"
        #expect(
            performing: { try ObjectCreatedHandler(environment: EnvironmentReader(values)) },
            throws: {
                ($0 as? ConfigurationError)?.variable == "QUARANTINE_PREFIX"
            }
        )
        values["QUARANTINE_PREFIX"] = nil
        #expect(
            (try? ObjectCreatedHandler(environment: EnvironmentReader(values)))?.configuration.rejectAction == .tagOnly
        )
    }
}
