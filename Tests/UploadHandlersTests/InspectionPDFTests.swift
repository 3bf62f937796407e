import Testing

@testable import UploadHandlers

@Suite("Inspection: PDF names, FlateDecode streams inflated")
struct InspectionPDFTests {
    typealias F = InspectionFixture

    static let harmless: [UInt8] = {
        let page = F.deflate(F.ascii("BT /F1 12 Tf 72 712 Td (Hello /JS /JavaScript) Tj ET % /Launch\n"))
        var image = F.noise(3000, seed: 17)
        image.replaceSubrange(100..<104, with: F.ascii("/JS "))
        image.replaceSubrange(900..<912, with: F.ascii("/JavaScript "))
        return F.pdf(
            F.catalog + F.pdfObject(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
                + F.pdfObject(3, "<< /Type /Page /Contents 4 0 R /Title (a /JS string \\) with \\( parens (nested)) >>")
                + F.pdfStream(4, "/Filter /FlateDecode", page)
                + F.pdfStream(5, "/Type /XObject /Subtype /Image /Filter /DCTDecode", image)
                + F.pdfObject(6, "<< /Hex <2F4A53> /Note (%%EOF) >>")
        )
    }()

    @Test(arguments: [1, 7, 0])
    func aHarmlessPDFWithAnImageHoldingJSBytesPasses(_ chunk: Int) {
        #expect(F.inspect("application/pdf", Self.harmless, chunk: chunk) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aPlainOpenActionIsActiveContent(_ chunk: Int) {
        let bytes = F.pdf(F.pdfObject(1, "<< /Type /Catalog /OpenAction 2 0 R >>"))
        let at = F.index(of: F.ascii("/OpenAction"), in: bytes)!
        let problem = F.inspect("application/pdf", bytes, chunk: chunk).problem
        #expect(problem == FileProblem(reason: "active-content", detail: "the PDF name /OpenAction at byte \(at)"))
    }

    @Test(arguments: [1, 7, 0])
    func javaScriptInsideAFlateDecodeObjectStreamIsActiveContent(_ chunk: Int) {
        let objects = F.deflate(F.ascii("7 0 << /S /JavaScript /JS (app.alert(1)) >>"))
        let bytes = F.pdf(F.catalog + F.pdfStream(8, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", objects))
        let start = F.index(of: F.ascii("stream\r\n"), in: bytes)! + 8
        let problem = F.inspect("application/pdf", bytes, chunk: chunk).problem
        #expect(
            problem
                == FileProblem(
                    reason: "active-content",
                    detail: "the PDF name /JavaScript at decoded byte 10 of the stream at byte \(start)"
                )
        )
    }

    @Test func theShortFilterNameFlAlsoInflates() {
        let objects = F.deflate(F.ascii("7 0 << /Launch 1 >>"))
        let bytes = F.pdf(F.catalog + F.pdfStream(8, "/Type /ObjStm /Filter [/Fl]", objects))
        #expect(F.inspect("application/pdf", bytes).problem?.detail.hasPrefix("the PDF name /Launch") == true)
    }

    @Test(arguments: ["/Filter /ASCIIHexDecode", "/Filter [/AHx /FlateDecode]", "/Filter /LZWDecode", ""])
    func anObjectStreamThisCheckCannotDecodeIsMalformed(_ filter: String) {
        let bytes = F.pdf(F.catalog + F.pdfStream(8, "/Type /ObjStm /N 1 /First 4 \(filter)", F.ascii("7 0 << >>")))
        #expect(F.inspect("application/pdf", bytes).problem?.reason == "malformed", "\(filter)")
    }

    @Test(arguments: [1, 7, 0])
    func streamsThatAreNotObjectStreamsAreSkippedWhateverTheyHold(_ chunk: Int) {
        // Page content may name anything (/JavaScript here is only an operand), image pixels match short names by
        // chance, and neither is ever an action: only the object graph carries actions.
        var pixels = F.noise(4000, seed: 5)
        pixels.replaceSubrange(200..<204, with: F.ascii("/JS "))
        let bytes = F.pdf(
            F.catalog + F.pdfStream(4, "/Filter /FlateDecode", F.deflate(F.ascii("/JavaScript /AA BDC (x) Tj EMC")))
                + F.pdfStream(9, "/Type /XObject /Subtype /Image /Filter /FlateDecode", F.deflate(pixels))
                + F.pdfStream(10, "/Filter /FlateDecode", F.ascii("not zlib, and not an object stream"))
        )
        #expect(F.inspect("application/pdf", bytes, chunk: chunk) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aHexEscapedNameIsDecodedFirst(_ chunk: Int) {
        let bytes = F.pdf(F.pdfObject(1, "<< /S /J#61vaScript /JS#20x 3 >>"))
        let problem = F.inspect("application/pdf", bytes, chunk: chunk).problem
        #expect(problem?.reason == "active-content")
        #expect(problem?.detail.hasPrefix("the PDF name /JavaScript at byte") == true)
    }

    @Test(arguments: ["/AA", "/EmbeddedFile", "/EmbeddedFiles", "/Launch", "/JS", "/#4A#53"])
    func everyActiveNameIsRefused(_ name: String) {
        let bytes = F.pdf(F.pdfObject(1, "<<\(name)[1]>>"))
        #expect(F.inspect("application/pdf", bytes).problem?.reason == "active-content")
    }

    @Test(arguments: ["/javascript", "/JSX", "/AAA", "/OpenActions", "(/JS)", "% /JS", "<2F4A53>"])
    func namesThatOnlyLookActiveAreNot(_ text: String) {
        let bytes = F.pdf(F.pdfObject(1, "<< /K \(text)\n>>"))
        #expect(F.inspect("application/pdf", bytes) == F.Outcome())
    }

    @Test(arguments: [1, 7, 0])
    func aFlateDecodeStreamThatDoesNotInflateIsMalformed(_ chunk: Int) {
        let bytes = F.pdf(
            F.catalog + F.pdfStream(8, "/Type /ObjStm /Filter /FlateDecode", F.ascii("this is not zlib data at all"))
        )
        let start = F.index(of: F.ascii("stream\r\n"), in: bytes)! + 8
        let problem = F.inspect("application/pdf", bytes, chunk: chunk).problem
        #expect(
            problem
                == FileProblem(reason: "malformed", detail: "the FlateDecode stream at byte \(start) does not inflate")
        )
    }

    @Test func aCorruptedDeflateBodyIsMalformed() {
        var data = F.deflate(F.noise(5000, seed: 4))
        for index in 10..<40 { data[index] ^= 0x5A }
        let bytes = F.pdf(F.pdfStream(8, "/Type /ObjStm /Filter /FlateDecode", data))
        #expect(F.inspect("application/pdf", bytes).problem?.reason == "malformed")
    }

    @Test func aFileEndingInsideAStreamIsTruncated() {
        let bytes = F.ascii("%PDF-1.7\n1 0 obj << /Length 100 >>\nstream\n") + F.noise(50)
        #expect(F.inspect("application/pdf", bytes, chunk: 7).problem?.reason == "truncated")
        let flate =
            F.ascii("%PDF-1.7\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n")
            + F.deflate(F.noise(900)).prefix(200)
        #expect(F.inspect("application/pdf", Array(flate)).problem?.reason == "truncated")
    }

    @Test func moreThanWhitespaceAfterTheLastEOFIsTrailingData() {
        #expect(F.inspect("application/pdf", Self.harmless + F.ascii("\r\n\0 ")) == F.Outcome())
        #expect(F.inspect("application/pdf", Self.harmless + F.ascii("<html>")).problem?.reason == "trailing-data")
        #expect(F.inspect("application/pdf", Array(Self.harmless.dropLast(6))).problem?.reason == "truncated")
    }

    @Test func anIncrementalUpdateAfterAnEOFPasses() {
        let update = F.pdfObject(9, "<< /Type /Annot >>") + F.ascii("trailer\n<< /Prev 0 >>\n%%EOF")
        #expect(F.inspect("application/pdf", Self.harmless + update, chunk: 7) == F.Outcome())
    }

    @Test(arguments: ["stream\n", "stream\r", "stream \r\n", "stream\t\n"])
    func everyEndOfLineAfterStreamIsUnderstood(_ keyword: String) {
        let objects = F.deflate(F.ascii("7 0 << /AA 1 >>"))
        let bytes = F.pdf(
            F.ascii("8 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\n\(keyword)") + objects
                + F.ascii("\nendstream\nendobj\n")
        )
        for chunk in [1, 0] {
            #expect(
                F.inspect("application/pdf", bytes, chunk: chunk).problem?.detail.hasPrefix("the PDF name /AA") == true
            )
        }
    }

    @Test func aStreamKeywordWithoutAnEndOfLineIsMalformed() {
        let bytes = F.pdf(F.ascii("8 0 obj\n<< /Length 3 >>\nstream abc\nendstream\nendobj\n"))
        #expect(F.inspect("application/pdf", bytes).problem?.reason == "malformed")
    }

    @Test func aFileWithoutTheHeaderIsMalformed() {
        #expect(F.inspect("application/pdf", F.ascii("%PDX-1.7\n%%EOF")).problem?.reason == "malformed")
    }

    @Test func theTailOfAPDFMustBeEOFAndWhitespace() throws {
        try FileInspectors.checkTail(type: "application/pdf", Array(Self.harmless.suffix(40)))
        try FileInspectors.checkTail(type: "application/pdf", F.ascii("%%EOF\r\n\n"))
        #expect(throws: FileProblem.self) {
            try FileInspectors.checkTail(type: "application/pdf", Self.harmless + F.ascii("x"))
        }
    }
}
