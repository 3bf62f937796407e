import Testing

@testable import UploadHandlers

@Suite("Inspection: GIF blocks to the trailer")
struct InspectionGIFTests {
    typealias F = InspectionFixture

    @Test(arguments: [1, 7, 0])
    func aWellFormedGIFPassesInAnyChunkSize(_ chunk: Int) {
        #expect(F.inspect("image/gif", F.gif(), chunk: chunk) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aByteAfterTheTrailerIsTrailingData(_ chunk: Int) {
        let problem = F.inspect("image/gif", F.gif() + F.ascii("<?php"), chunk: chunk).problem
        #expect(problem?.reason == "trailing-data")
        #expect(problem?.detail.contains("from byte \(F.gif().count)") == true)
    }

    @Test func aGIFWithoutTrailerIsTruncated() {
        #expect(F.inspect("image/gif", Array(F.gif().dropLast())).problem?.reason == "truncated")
    }

    @Test func anUnknownBlockIsMalformed() {
        var bytes = F.gif()
        bytes.insert(0x99, at: bytes.count - 1)
        #expect(F.inspect("image/gif", bytes).problem?.reason == "malformed")
    }

    @Test func strippingIsNotOfferedForGIF() {
        #expect(F.inspect("image/gif", F.gif(), strip: true) == F.Outcome(output: [], stripped: false))
    }

    @Test func theTailOfAGIFMustBeTheTrailer() throws {
        try FileInspectors.checkTail(type: "image/gif", F.gif())
        #expect(throws: FileProblem.self) { try FileInspectors.checkTail(type: "image/gif", F.gif() + [0]) }
    }
}

@Suite("Inspection: WebP's RIFF and chunks, and stripping")
struct InspectionWebPTests {
    typealias F = InspectionFixture

    @Test(arguments: [1, 7, 0])
    func aWellFormedWebPPassesInAnyChunkSize(_ chunk: Int) {
        #expect(F.inspect("image/webp", F.webp(), chunk: chunk) == F.Outcome())
    }

    @Test func anObjectLargerThanTheRIFFIsTrailingData() {
        let bytes = F.webp() + F.ascii("<script>")
        let problem = F.inspect("image/webp", bytes).problem
        #expect(problem?.reason == "trailing-data")
        #expect(problem?.detail == "the RIFF ends at byte \(F.webp().count) but the object has \(bytes.count) bytes")
    }

    @Test func anObjectSmallerThanTheRIFFIsTruncated() {
        let bytes = Array(F.webp().dropLast(4))
        #expect(F.inspect("image/webp", bytes).problem?.reason == "truncated")
        #expect(F.inspect("image/webp", bytes, size: Int64(bytes.count + 4)).problem?.reason == "truncated")
    }

    @Test func aChunkRunningPastTheRIFFEndIsMalformed() {
        var bytes = F.webp(exif: nil, xmp: false)
        let at = F.index(of: F.ascii("VP8L"), in: bytes)! + 4
        bytes.replaceSubrange(at..<(at + 4), with: F.le32(1000))
        #expect(F.inspect("image/webp", bytes).problem?.reason == "malformed")
    }

    @Test(arguments: [1, 7, 0])
    func strippingDropsEXIFAndXMPKeepsICCAndOrientationAndFixesFlagsAndSize(_ chunk: Int) throws {
        let outcome = F.inspect("image/webp", F.webp(), chunk: chunk, strip: true)
        #expect(outcome.problem == nil)
        #expect(outcome.stripped)
        let output = try #require(outcome.output)
        var body = F.ascii("WEBP")
        body += F.riffChunk("VP8X", [0x28, 0, 0, 0] + [15, 0, 0] + [15, 0, 0])
        body += F.riffChunk("ICCP", F.ascii("colour profile!"))
        body += F.riffChunk("VP8L", F.vp8l)
        body += F.riffChunk("EXIF", ExifOrientation.minimalTIFF(6))
        #expect(output == F.ascii("RIFF") + F.le32(body.count) + body)
        #expect(F.inspect("image/webp", output) == F.Outcome())
    }

    @Test func strippingTwiceGivesTheSameBytesAndStripsNothingMore() throws {
        let once = try #require(F.inspect("image/webp", F.webp(), strip: true).output)
        #expect(F.inspect("image/webp", once, chunk: 7, strip: true) == F.Outcome(output: once, stripped: false))
    }

    @Test func aStaleXMPFlagIsClearedEvenWithNothingToDrop() throws {
        let bytes = F.webp(flags: 0x24, exif: nil, xmp: false)
        let outcome = F.inspect("image/webp", bytes, strip: true)
        #expect(outcome.stripped)
        #expect(outcome.output?[20] == 0x20)
    }

    @Test func theTailOfAWebPIsNotChecked() throws {
        try FileInspectors.checkTail(type: "image/webp", F.noise(100))
    }
}
