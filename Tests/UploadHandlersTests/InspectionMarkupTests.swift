import Testing

@testable import UploadHandlers

@Suite("Inspection: markup and script anywhere in a file")
struct InspectionMarkupTests {
    typealias F = InspectionFixture

    @Test(arguments: [
        "<script", "<IFRAME", "<Object", "<!DocType", "<html>", "<HTML ", "<embed ", "<svg xmlns",
        "JavaScript:", "onError=", "ONLOAD=",
    ])
    func findsEachMarkerAcrossEveryChunkBoundary(_ marker: String) {
        let bytes =
            F.noise(40, seed: 2).map { $0 & 0x3F | 0x40 } + F.ascii(marker)
            + F.noise(40, seed: 3).map { $0 & 0x1F | 0x40 }
        for chunk in [1, 2, 3, 5, 7, 11, 0] {
            let problem = F.scanMarkup(bytes, chunk: chunk)
            #expect(problem?.reason == "active-content")
            #expect(problem?.detail.hasSuffix("at byte 40") == true, "chunk \(chunk): \(String(describing: problem))")
        }
    }

    @Test(arguments: ["<svg>", "<svg ", "<html", "<embed", "<?php", "javascript", "onload", "<scrip"])
    func shortOrIncompleteMarkersAreNotFlagged(_ text: String) {
        #expect(F.scanMarkup(F.ascii("xx\(text)xx"), chunk: 1) == nil)
    }

    @Test func tenMegabytesOfNoiseHoldNoMarker() {
        #expect(F.scanMarkup(F.noise(10 << 20, seed: 99), chunk: 65536) == nil)
    }
}
