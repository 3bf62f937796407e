import Testing

@testable import UploadHandlers

@Suite("Inspection: PNG chunks to IEND, CRCs, and stripping")
struct InspectionPNGTests {
    typealias F = InspectionFixture

    @Test(arguments: [1, 7, 0])
    func aWellFormedPNGPassesInAnyChunkSize(_ chunk: Int) {
        #expect(F.inspect("image/png", F.png(), chunk: chunk) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aByteAfterIENDIsTrailingData(_ chunk: Int) {
        let problem = F.inspect("image/png", F.png() + F.ascii("<script>"), chunk: chunk).problem
        #expect(problem?.reason == "trailing-data")
        #expect(problem?.detail.contains("byte \(F.png().count)") == true)
    }

    @Test func aPNGCutBeforeIENDIsTruncated() {
        let bytes = F.png()
        let problem = F.inspect("image/png", Array(bytes.dropLast(12)), chunk: 7).problem
        #expect(
            problem
                == FileProblem(reason: "truncated", detail: "the file ends at byte \(bytes.count - 12), before IEND")
        )
    }

    @Test(arguments: [1, 7, 0])
    func aBadCRCIsMalformed(_ chunk: Int) {
        let problem = F.inspect("image/png", F.png(badCRC: true), chunk: chunk).problem
        #expect(problem?.reason == "malformed")
        #expect(problem?.detail.contains("tEXt") == true)
        #expect(problem?.detail.contains("bad CRC") == true)
    }

    @Test func aFirstChunkOtherThanIHDRIsMalformed() {
        let bytes = F.pngSignature + F.pngChunk("IDAT", []) + F.pngChunk("IEND", [])
        #expect(F.inspect("image/png", bytes).problem?.reason == "malformed")
    }

    @Test func aChunkLengthAbove2To31IsMalformed() {
        let bytes =
            F.pngSignature + F.pngChunk("IHDR", [UInt8](repeating: 1, count: 13)) + [0x80, 0, 0, 0] + F.ascii("IDAT")
        #expect(F.inspect("image/png", bytes).problem?.reason == "malformed")
    }

    @Test func aNonLetterChunkTypeIsMalformed() {
        let bytes = F.pngSignature + F.pngChunk("IHDR", [UInt8](repeating: 1, count: 13)) + F.pngChunk("ID4T", [])
        #expect(F.inspect("image/png", bytes).problem?.reason == "malformed")
    }

    @Test(arguments: [1, 7, 0])
    func strippingDropsTextTimeAndEXIFButKeepsICCAndOrientation(_ chunk: Int) throws {
        let original = F.png()
        let outcome = F.inspect("image/png", original, chunk: chunk, strip: true)
        #expect(outcome.problem == nil)
        #expect(outcome.stripped)
        let output = try #require(outcome.output)
        #expect(!F.contains(output, F.ascii("tEXt")))
        #expect(!F.contains(output, F.ascii("tIME")))
        #expect(!F.contains(output, F.ascii("CAMSERIAL42")))
        #expect(F.contains(output, F.ascii("iCCP")))
        #expect(F.contains(output, F.ascii("pHYs")))
        let exif = F.pngChunk("eXIf", ExifOrientation.minimalTIFF(6))
        let exifAt = try #require(F.index(of: exif, in: output))
        let idatAt = try #require(F.index(of: F.ascii("IDAT"), in: output))
        #expect(exifAt < idatAt)
        #expect(ExifOrientation.parse(Array(exif[8..<(exif.count - 4)])) == 6)
        // The image data, IDAT with its CRC, is copied unchanged.
        let idat = try #require(Self.chunk("IDAT", in: original))
        #expect(Self.chunk("IDAT", in: output) == idat)
    }

    /// The whole chunk (length, type, data, CRC) of the first chunk of `type`.
    static func chunk(_ type: String, in bytes: [UInt8]) -> [UInt8]? {
        guard let at = F.index(of: F.ascii(type), in: bytes) else { return nil }
        let length = bytes[(at - 4)..<at].reduce(0) { $0 << 8 | Int($1) }
        return Array(bytes[(at - 4)..<(at + 4 + length + 4)])
    }

    @Test func strippingTwiceGivesTheSameBytesAndStripsNothingMore() throws {
        let once = try #require(F.inspect("image/png", F.png(), strip: true).output)
        let twice = F.inspect("image/png", once, chunk: 7, strip: true)
        #expect(twice.problem == nil)
        #expect(twice.output == once)
        #expect(!twice.stripped)
        #expect(F.inspect("image/png", once) == F.Outcome())
    }

    @Test func aPNGWithoutMetadataIsNotStripped() {
        let bytes =
            F.pngSignature + F.pngChunk("IHDR", F.be32(1) + F.be32(1) + [8, 0, 0, 0, 0])
            + F.pngChunk("IDAT", F.deflate([0, 0])) + F.pngChunk("IEND", [])
        let outcome = F.inspect("image/png", bytes, strip: true)
        #expect(outcome == F.Outcome(problem: nil, output: bytes, stripped: false))
    }

    @Test func anEXIFWithoutOrientationIsDroppedWhole() throws {
        let tiff = F.ascii("MM") + F.be16(42) + F.be32(8) + F.be16(0) + F.be32(0)
        let output = try #require(F.inspect("image/png", F.png(exif: tiff), strip: true).output)
        #expect(!F.contains(output, F.ascii("eXIf")))
    }

    @Test func theTailOfAPNGMustBeIEND() throws {
        try FileInspectors.checkTail(type: "image/png", Array(F.png().suffix(100)))
        #expect(throws: FileProblem.self) { try FileInspectors.checkTail(type: "image/png", F.png() + [0]) }
        #expect(throws: FileProblem.self) { try FileInspectors.checkTail(type: "image/png", []) }
    }
}

@Suite("Inspection: the EXIF orientation")
struct InspectionExifTests {
    typealias F = InspectionFixture

    @Test func readsTheOrientationInBothByteOrders() {
        #expect(ExifOrientation.parse(F.exifTIFF(orientation: 6)) == 6)
        let bigEndian =
            F.ascii("MM") + F.be16(42) + F.be32(8) + F.be16(1) + F.be16(0x0112) + F.be16(3) + F.be32(1)
            + F.be16(8) + F.be16(0) + F.be32(0)
        #expect(ExifOrientation.parse(bigEndian) == 8)
        #expect(ExifOrientation.parse(ExifOrientation.minimalTIFF(3)) == 3)
    }

    @Test func refusesOutOfBoundsAndOutOfRangeValues() {
        let tiff = F.exifTIFF(orientation: 6)
        for length in 0..<30 { #expect(ExifOrientation.parse(Array(tiff.prefix(length))) == nil) }
        #expect(ExifOrientation.parse(F.exifTIFF(orientation: 9)) == nil)
        #expect(ExifOrientation.parse(F.exifTIFF(orientation: 0)) == nil)
        var farIFD = tiff
        farIFD.replaceSubrange(4..<8, with: F.le32(0x7FFF_FFF0))
        #expect(ExifOrientation.parse(farIFD) == nil)
        var manyEntries = tiff
        manyEntries.replaceSubrange(8..<10, with: F.le16(0xFFFF))
        manyEntries.replaceSubrange(22..<24, with: F.le16(0x0111))  // orientation's tag no longer matches
        #expect(ExifOrientation.parse(manyEntries) == nil)
        #expect(ExifOrientation.parse(F.ascii("XX") + Array(tiff.dropFirst(2))) == nil)
    }
}
