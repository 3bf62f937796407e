import CZlib

@testable import UploadHandlers

/// Real files built byte by byte for the inspection tests, and a way to feed them in chunks.
enum InspectionFixture {
    /// An output that keeps the rewritten file in memory.
    final class MemoryOutput: StrippedOutput {
        var bytes: [UInt8] = []

        func write(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) { self.bytes.append(contentsOf: bytes) }

        func patch(at offset: Int64, _ bytes: [UInt8]) throws(FileProblem) {
            self.bytes.replaceSubrange(Int(offset)..<(Int(offset) + bytes.count), with: bytes)
        }
    }

    /// What an inspection gave: the problem, if any, and the rewritten bytes when stripping.
    struct Outcome: Equatable {
        var problem: FileProblem?
        var output: [UInt8]?
        var stripped = false
    }

    /// Feeds `bytes` to the inspector for `type` in chunks of `chunk` bytes (0: all at once), then finishes.
    static func inspect(
        _ type: String,
        _ bytes: [UInt8],
        chunk: Int = 0,
        strip: Bool = false,
        size: Int64? = nil
    )
        -> Outcome
    {
        let output = strip ? MemoryOutput() : nil
        guard var inspector = FileInspectors.inspector(for: type, size: size ?? Int64(bytes.count), output: output)
        else { return Outcome(problem: FileProblem(reason: "none", detail: type)) }
        let step = chunk == 0 ? max(bytes.count, 1) : chunk
        var problem: FileProblem?
        bytes.withUnsafeBytes { raw in
            do throws(FileProblem) {
                var start = 0
                while start < raw.count {
                    let end = min(start + step, raw.count)
                    try inspector.consume(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    start = end
                }
                try inspector.finish()
            } catch {
                problem = error
            }
        }
        return Outcome(problem: problem, output: output?.bytes, stripped: inspector.stripped)
    }

    /// Feeds `bytes` to a markup scanner in chunks of `chunk` bytes.
    static func scanMarkup(_ bytes: [UInt8], chunk: Int = 0) -> FileProblem? {
        var scanner = MarkupScanner()
        let step = chunk == 0 ? max(bytes.count, 1) : chunk
        var problem: FileProblem?
        bytes.withUnsafeBytes { raw in
            do throws(FileProblem) {
                var start = 0
                while start < raw.count {
                    let end = min(start + step, raw.count)
                    try scanner.consume(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    start = end
                }
            } catch {
                problem = error
            }
        }
        return problem
    }

    // MARK: - Bytes

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func be32(_ value: Int) -> [UInt8] { be16(value >> 16) + be16(value) }
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value) + le16(value >> 16) }

    /// Deterministic pseudo-random bytes (SplitMix64).
    static func noise(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
                bytes.append(UInt8(z >> shift & 0xFF))
            }
        }
        return bytes
    }

    /// zlib's compress, as a PDF's FlateDecode or a PNG's IDAT holds it.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = compress(&out, &length, bytes, uLong(bytes.count))
        precondition(status == Z_OK)
        return Array(out[0..<Int(length)])
    }

    static func crc(_ bytes: [UInt8]) -> Int {
        Int(crc32(0, bytes, uInt(bytes.count)))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool { index(of: needle, in: haystack) != nil }

    static func index(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    // MARK: - EXIF

    /// A little-endian TIFF with the camera's serial in Make, the orientation and a GPS IFD.
    static func exifTIFF(orientation: Int = 6) -> [UInt8] {
        let make = ascii("CAMSERIAL42\0")
        let ifd0 = 8
        let entries = 3
        let makeOffset = ifd0 + 2 + entries * 12 + 4
        let gpsOffset = makeOffset + make.count
        var tiff = ascii("II") + le16(42) + le32(ifd0) + le16(entries)
        tiff += le16(0x010F) + le16(2) + le32(make.count) + le32(makeOffset)
        tiff += le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0)
        tiff += le16(0x8825) + le16(4) + le32(1) + le32(gpsOffset)
        tiff += le32(0) + make
        tiff += le16(1) + le16(0x0001) + le16(2) + le32(2) + ascii("N\0") + le16(0) + le32(0)
        return tiff
    }

    // MARK: - PNG

    static func pngChunk(_ type: String, _ data: [UInt8], badCRC: Bool = false) -> [UInt8] {
        let body = ascii(type) + data
        return be32(data.count) + body + be32(crc(body) ^ (badCRC ? 1 : 0))
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A 4×4 RGB PNG with iCCP, tEXt, eXIf (orientation 6, GPS), a compressed IDAT, tIME and IEND.
    static func png(badCRC: Bool = false, exif: [UInt8]? = exifTIFF()) -> [UInt8] {
        let ihdr = be32(4) + be32(4) + [8, 2, 0, 0, 0]
        let rows = (0..<4).flatMap { _ in [0] + noise(12, seed: 7) }
        var bytes = pngSignature + pngChunk("IHDR", ihdr)
        bytes += pngChunk("iCCP", ascii("icc\0") + [0] + deflate(ascii("profile bytes")))
        bytes += pngChunk("tEXt", ascii("Comment\0taken at home"), badCRC: badCRC)
        if let exif { bytes += pngChunk("eXIf", exif) }
        bytes += pngChunk("pHYs", be32(2835) + be32(2835) + [1])
        bytes += pngChunk("IDAT", deflate(rows))
        bytes += pngChunk("tIME", be16(2026) + [12, 2, 6, 0, 0])
        bytes += pngChunk("IEND", [])
        return bytes
    }

    // MARK: - JPEG

    static func segment(_ code: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, code] + be16(payload.count + 2) + payload
    }

    /// Entropy-coded bytes with stuffed 0xFF00 and RST markers, and no other 0xFF.
    static func entropy(_ count: Int, seed: UInt64 = 3) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + count / 128)
        for (index, byte) in noise(count, seed: seed).enumerated() {
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
            if index % 4096 == 4095 { bytes += [0xFF, 0xD0 + UInt8(index / 4096 % 8)] }
        }
        return bytes
    }

    /// The image part of the JPEG: DQT, SOF0, DHT, SOS, entropy data, EOI.
    static func jpegImage(entropyBytes: Int = 3000) -> [UInt8] {
        var bytes = segment(0xDB, [0] + noise(64, seed: 5))
        bytes += segment(0xC0, [8] + be16(16) + be16(16) + [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
        bytes += segment(0xC4, [0x00] + [UInt8](repeating: 0, count: 15) + [1] + [0])
        bytes += segment(0xDA, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 0x3F, 0])
        bytes += entropy(entropyBytes) + [0xFF, 0x00, 0x12, 0xFF, 0xD7, 0x34]
        return bytes + [0xFF, 0xD9]
    }

    static let jfif = segment(0xE0, ascii("JFIF\0") + [1, 1, 0] + be16(72) + be16(72) + [0, 0])
    static let iccSegment = segment(0xE2, ascii("ICC_PROFILE\0") + [1, 1] + ascii("colour profile"))
    static let xmpPacket = ascii("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 51.5</x:xmpmeta>")

    /// SOI, APP0 JFIF, APP1 EXIF (orientation 6, GPS), APP1 XMP, APP2 ICC, APP2 MPF, APP13 IPTC, APP14 Adobe, COM,
    /// then the image.
    static func jpeg(comment: String = "shot by alice", entropyBytes: Int = 3000) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8] + jfif
        bytes += segment(0xE1, ExifOrientation.exifHeader + exifTIFF())
        bytes += segment(0xE1, xmpPacket)
        bytes += iccSegment
        bytes += segment(0xE2, ascii("MPF\0") + noise(20, seed: 9))
        bytes += segment(0xED, ascii("Photoshop 3.0\08BIM") + noise(16, seed: 11))
        bytes += segment(0xEE, ascii("Adobe") + [0, 100, 0, 0, 0, 0, 1])
        bytes += [0xFF, 0xFF] + segment(0xFE, ascii(comment))
        return bytes + jpegImage(entropyBytes: entropyBytes)
    }

    // MARK: - GIF

    /// GIF89a, a two-colour global table, a graphic control extension, a comment and one 2×2 image.
    static func gif() -> [UInt8] {
        var bytes = ascii("GIF89a") + le16(2) + le16(2) + [0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
        bytes += [0x21, 0xF9, 4, 0, 0, 0, 0, 0]
        bytes += [0x21, 0xFE, 5] + ascii("hello") + [0]
        bytes += [0x2C] + le16(0) + le16(0) + le16(2) + le16(2) + [0x00]
        bytes += [2, 2, 0x4C, 0x01, 0]
        return bytes + [0x3B]
    }

    // MARK: - WebP

    static func riffChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        ascii(type) + le32(data.count) + data + (data.count % 2 == 1 ? [0] : [])
    }

    static let vp8l = [0x2F] + noise(41, seed: 13)

    /// RIFF WEBP: VP8X (ICC, EXIF, XMP flags), ICCP (odd size, padded), VP8L, EXIF (orientation 6), XMP.
    static func webp(flags: UInt8 = 0x2C, exif: [UInt8]? = exifTIFF(), xmp: Bool = true) -> [UInt8] {
        var body = ascii("WEBP")
        body += riffChunk("VP8X", [flags, 0, 0, 0] + [15, 0, 0] + [15, 0, 0])
        body += riffChunk("ICCP", ascii("colour profile!"))
        body += riffChunk("VP8L", vp8l)
        if let exif { body += riffChunk("EXIF", exif) }
        if xmp { body += riffChunk("XMP ", xmpPacket) }
        return ascii("RIFF") + le32(body.count) + body
    }

    // MARK: - PDF

    /// A PDF around `objects`: header, the objects, a trailer and %%EOF.
    static func pdf(_ objects: [UInt8]) -> [UInt8] {
        ascii("%PDF-1.7\n%\u{E2}\u{E3}\n") + objects + ascii("trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n")
    }

    static func pdfObject(_ number: Int, _ text: String) -> [UInt8] {
        ascii("\(number) 0 obj\n\(text)\nendobj\n")
    }

    static func pdfStream(_ number: Int, _ dictionary: String, _ data: [UInt8]) -> [UInt8] {
        ascii("\(number) 0 obj\n<< \(dictionary) /Length \(data.count) >>\nstream\r\n") + data
            + ascii("\nendstream\nendobj\n")
    }

    static let catalog = pdfObject(1, "<< /Type /Catalog /Pages 2 0 R >>")
}
