/// The whole-file checks, by media type.
package enum FileInspectors {
    /// How many bytes at the end of a too-large file `checkTail` looks at.
    package static let tailLength = 1 << 20

    /// The inspector for a validated media type (image/png, image/jpeg, image/gif, image/webp, application/pdf),
    /// or nil for types with no structure check. `size` is the object's size (WebP's RIFF size must match it).
    /// `output` non-nil means: strip (PNG, JPEG, WebP only; GIF and PDF ignore it and `stripped` stays false).
    package static func inspector(for type: String, size: Int64, output: StrippedOutput?) -> (any FileInspector)? {
        switch type {
        case "image/png": PNGInspector(output: output)
        case "image/jpeg", "image/jpg", "image/pjpeg": JPEGInspector(output: output)
        case "image/gif": GIFInspector()
        case "image/webp": WebPInspector(size: size, output: output)
        case "application/pdf": PDFInspector()
        default: nil
        }
    }

    /// For files larger than the check limit: the last bytes (up to 1 MiB) of the file, checked for the format's
    /// end (PNG's IEND chunk, JPEG's EOI, GIF's trailer 0x3B, PDF's %%EOF then whitespace); nothing after it.
    /// WebP has no end marker: its RIFF size is checked against the object's size by the inspector over the head.
    package static func checkTail(type: String, _ tail: [UInt8]) throws(FileProblem) {
        let last = "the last \(tail.count) bytes"
        switch type {
        case "image/png":
            let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            guard tail.count >= iend.count, tail.suffix(iend.count).elementsEqual(iend) else {
                throw missing("an IEND chunk", tail, last)
            }
        case "image/jpeg", "image/jpg", "image/pjpeg":
            guard tail.count >= 2, tail[tail.count - 2] == 0xFF, tail[tail.count - 1] == 0xD9 else {
                throw missing("EOI", tail, last)
            }
        case "image/gif":
            guard tail.last == 0x3B else { throw missing("the GIF trailer 0x3B", tail, last) }
        case "application/pdf":
            var end = tail.count
            while end > 0, PDFNameScanner.isWhitespace(tail[end - 1]) { end -= 1 }
            let eof = PDFNameScanner.eofComment
            guard end >= eof.count, tail[(end - eof.count)..<end].elementsEqual(eof) else {
                throw missing("%%EOF followed only by whitespace", tail, last)
            }
        default:
            return
        }
    }

    private static func missing(_ what: String, _ tail: [UInt8], _ last: String) -> FileProblem {
        tail.isEmpty
            ? .truncated("the file has no bytes where \(what) should end it")
            : .trailingData("\(last) of the file do not end with \(what)")
    }
}
