import Testing

@testable import UploadHandlers

@Suite("Inspection: JPEG segments and scans to EOI, and stripping")
struct InspectionJPEGTests {
    typealias F = InspectionFixture

    @Test(arguments: [1, 7, 0])
    func aWellFormedJPEGPassesInAnyChunkSize(_ chunk: Int) {
        #expect(F.inspect("image/jpeg", F.jpeg(), chunk: chunk) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aScriptAppendedAfterEOIIsTrailingData(_ chunk: Int) {
        let bytes = F.jpeg() + F.ascii("<script>alert(1)</script>")
        let problem = F.inspect("image/jpeg", bytes, chunk: chunk).problem
        #expect(problem?.reason == "trailing-data")
        #expect(problem?.detail.contains("from byte \(F.jpeg().count)") == true)
    }

    @Test func aScriptInACommentIsFoundByTheMarkupScanner() {
        let bytes = F.jpeg(comment: "<SCRIPT>fetch('//evil')</script>")
        #expect(F.inspect("image/jpeg", bytes) == F.Outcome())
        let at = F.index(of: F.ascii("<SCRIPT"), in: bytes)!
        for chunk in [1, 7, 0] {
            let problem = F.scanMarkup(bytes, chunk: chunk)
            #expect(
                problem
                    == FileProblem(reason: "active-content", detail: "found markup or script \"<script\" at byte \(at)")
            )
        }
    }

    @Test(arguments: [1, 7, 0])
    func aJPEGWithoutEOIIsTruncated(_ chunk: Int) {
        let bytes = Array(F.jpeg().dropLast(2))
        #expect(F.inspect("image/jpeg", bytes, chunk: chunk).problem?.reason == "truncated")
    }

    @Test func aJPEGCutInsideASegmentIsTruncated() {
        #expect(F.inspect("image/jpeg", Array(F.jpeg().prefix(30))).problem?.reason == "truncated")
    }

    @Test func bytesBetweenSegmentsAreMalformed() {
        let bytes: [UInt8] = [0xFF, 0xD8] + F.jfif + [0x00] + F.jpegImage()
        let problem = F.inspect("image/jpeg", bytes).problem
        #expect(problem?.reason == "malformed")
        #expect(problem?.detail.contains("byte \(2 + F.jfif.count)") == true)
    }

    @Test func aSegmentLengthBelowTwoIsMalformed() {
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01] + F.jpegImage()
        #expect(F.inspect("image/jpeg", bytes).problem?.reason == "malformed")
    }

    @Test func aFileWithoutSOIIsMalformed() {
        #expect(F.inspect("image/jpeg", [0xFF, 0xD9]).problem?.reason == "malformed")
    }

    @Test(arguments: [1, 7, 0])
    func strippingDropsEXIFXMPIPTCAndCommentsButKeepsICCAdobeAndOrientation(_ chunk: Int) throws {
        let original = F.jpeg()
        let outcome = F.inspect("image/jpeg", original, chunk: chunk, strip: true)
        #expect(outcome.problem == nil)
        #expect(outcome.stripped)
        let output = try #require(outcome.output)
        for gone in ["CAMSERIAL42", "xmpmeta", "Photoshop", "shot by alice", "MPF"] {
            #expect(!F.contains(output, F.ascii(gone)), "\(gone) is still there")
        }
        let expectedHead: [UInt8] =
            [0xFF, 0xD8] + F.jfif + JPEGInspector.minimalExif(6) + F.iccSegment
            + F.segment(0xEE, F.ascii("Adobe") + [0, 100, 0, 0, 0, 0, 1])
        #expect(Array(output.prefix(expectedHead.count)) == expectedHead)
        // Everything from DQT to EOI, the image itself, is copied unchanged.
        #expect(Array(output.dropFirst(expectedHead.count)) == F.jpegImage())
        let exif = JPEGInspector.minimalExif(6)
        #expect(ExifOrientation.parse(exif, from: 4 + ExifOrientation.exifHeader.count) == 6)
    }

    @Test func strippingTwiceGivesTheSameBytesAndStripsNothingMore() throws {
        let once = try #require(F.inspect("image/jpeg", F.jpeg(), strip: true).output)
        let twice = F.inspect("image/jpeg", once, chunk: 7, strip: true)
        #expect(twice == F.Outcome(problem: nil, output: once, stripped: false))
        #expect(F.inspect("image/jpeg", once) == F.Outcome())
    }

    @Test func aJPEGWithoutMetadataIsCopiedAsIs() {
        let bytes: [UInt8] = [0xFF, 0xD8] + F.jfif + F.jpegImage()
        #expect(F.inspect("image/jpeg", bytes, chunk: 1, strip: true) == F.Outcome(output: bytes, stripped: false))
    }

    @Test func progressiveScansWithTablesBetweenThemPass() {
        let secondScan =
            F.segment(0xC4, [0x10] + [UInt8](repeating: 0, count: 16)) + F.segment(0xDA, [1, 1, 0, 0, 0x3F, 0])
            + F.entropy(500, seed: 21)
        var bytes = F.jpeg()
        bytes.insert(contentsOf: secondScan, at: bytes.count - 2)
        #expect(F.inspect("image/jpeg", bytes, chunk: 7) == F.Outcome())
    }

    @Test func theTailOfAJPEGMustBeEOI() throws {
        try FileInspectors.checkTail(type: "image/jpeg", Array(F.jpeg().suffix(64)))
        #expect(throws: FileProblem.self) { try FileInspectors.checkTail(type: "image/jpeg", F.jpeg() + [0x3C]) }
    }
}
