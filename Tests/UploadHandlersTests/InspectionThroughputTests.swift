import Testing

@testable import UploadHandlers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Not a timed test: run by hand, in release, to see the inspectors' speed.
///
///     INSPECTION_THROUGHPUT=1 swift test -c release --filter InspectionThroughput
@Suite("Inspection: throughput, by hand")
struct InspectionThroughputTests {
    typealias F = InspectionFixture

    @Test(.enabled(if: getenv("INSPECTION_THROUGHPUT") != nil))
    func measuresTenMegabyteFiles() throws {
        let jpeg = F.jpeg(entropyBytes: 10 << 20)
        var pageText: [UInt8] = []
        while pageText.count < 4 << 20 {
            pageText += F.ascii(
                "BT /F1 12 Tf 72 712 Td (Hello, world \\(again\\)) Tj ET [1 2 3] 0 d <4F4B> /Name#20 q Q\n"
            )
        }
        var image = F.noise(8 << 20, seed: 8)
        image.replaceSubrange(0..<1, with: [0xFF])
        let pdf = F.pdf(
            F.catalog + F.pdfStream(4, "/Filter /FlateDecode", F.deflate(pageText))
                + F.pdfStream(5, "/Subtype /Image /Filter /DCTDecode", image)
                + F.pdfObject(6, String(repeating: "<< /Type /Annot /Rect [0 0 10 10] /T (x) >>\n", count: 50_000))
        )
        // The worst case: nothing but syntax to tokenise, uncompressed, or compressed.
        let syntax = String(repeating: "<< /Type /Annot /Rect [0 0 10 10] /T (x) /C <0A0B> >>\n", count: 200_000)
        let textPDF = F.pdf(F.pdfObject(6, syntax))
        let flatePDF = F.pdf(F.pdfStream(4, "/Filter /FlateDecode", F.deflate(F.ascii(syntax))))
        let png = F.png()
        var bigPNG = Array(png[0..<33])
        let idat = F.noise(10 << 20, seed: 5)
        bigPNG += F.pngChunk("IDAT", idat) + F.pngChunk("IEND", [])
        for (name, type, bytes, strip) in [
            ("JPEG", "image/jpeg", jpeg, false), ("JPEG stripped", "image/jpeg", jpeg, true),
            ("PDF", "application/pdf", pdf, false),
            ("PDF all syntax", "application/pdf", textPDF, false),
            ("PDF all syntax, deflated", "application/pdf", flatePDF, false), ("PNG", "image/png", bigPNG, false),
            ("PNG stripped", "image/png", bigPNG, true), ("markup scan", "", jpeg, false),
        ] {
            var best = Double.infinity
            for _ in 0..<5 {
                let start = ContinuousClock.now
                if type.isEmpty {
                    #expect(F.scanMarkup(bytes, chunk: 1 << 20) == nil)
                } else {
                    #expect(F.inspect(type, bytes, chunk: 1 << 20, strip: strip).problem == nil)
                }
                let elapsed = ContinuousClock.now - start
                best = min(best, Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            }
            let decoded = name.hasSuffix("deflated") ? 10_800_000 : bytes.count
            print(
                "\(name): \(bytes.count) bytes (\(decoded) scanned), \(Int(Double(decoded) / best / 1e6)) MB/s, \(Int(Double(bytes.count) / best / 1e6)) MB/s"
            )
        }
    }
}
