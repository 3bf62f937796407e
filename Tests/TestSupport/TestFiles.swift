/// Real files, made byte by byte for the tests: structurally valid PNG, JPEG and PDF, with the variations the
/// validator must catch (data after the end, metadata, scripts in compressed streams).
public enum TestFiles {
    // MARK: - Checksums

    static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 as PNG uses it.
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A zlib stream of `bytes` in stored (uncompressed) deflate blocks: valid for any inflater.
    public static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, bytes.count - offset)
            let final: UInt8 = offset + count == bytes.count ? 1 : 0
            out.append(final)
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += bytes[offset..<offset + count]
            offset += count
        } while offset < bytes.count
        return out + bigEndian(adler32(bytes))
    }

    // MARK: - PNG

    public static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// A grey PNG of `width` × `height`, with extra chunks before the image data (tEXt, eXIf…).
    public static func png(width: Int = 16, height: Int = 16, chunks: [[UInt8]] = []) -> [UInt8] {
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 0, 0, 0, 0]
        var rows: [UInt8] = []
        for row in 0..<height { rows += [0] + (0..<width).map { UInt8(truncatingIfNeeded: $0 &+ row) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header) + chunks.joined()
            + pngChunk("IDAT", zlibStored(rows)) + pngChunk("IEND", [])
    }

    /// A PNG of exactly `size` bytes (at least 57): its IDAT chunk holds `size - 57` bytes of `filler`, with a right
    /// CRC, which is all a structure check reads (nobody inflates it here).
    public static func png(size: Int, filler: (Int) -> UInt8 = { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }) -> [UInt8]
    {
        let header = bigEndian(16) + bigEndian(16) + [8, 0, 0, 0, 0]
        let data = (0..<(size - 57)).map(filler)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header) + pngChunk("IDAT", data)
            + pngChunk("IEND", [])
    }

    // MARK: - JPEG

    static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = body.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    /// A TIFF (little-endian) with IFD0 holding the orientation and a GPS IFD pointer, and a GPS IFD with a
    /// latitude: what a phone writes.
    public static func exifTIFF(orientation: UInt16, gps: Bool) -> [UInt8] {
        func u16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        func u32(_ value: UInt32) -> [UInt8] {
            [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        }
        var tiff: [UInt8] = Array("II".utf8) + u16(42) + u32(8)
        let entries = gps ? 3 : 1
        let gpsOffset = UInt32(8 + 2 + entries * 12 + 4)
        tiff += u16(UInt16(entries))
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)  // Orientation
        if gps {
            tiff += u16(0x010F) + u16(2) + u32(4) + Array("Cam\0".utf8)  // Make
            tiff += u16(0x8825) + u16(4) + u32(1) + u32(gpsOffset)  // GPS IFD
        }
        tiff += u32(0)
        if gps {
            tiff += u16(1)
            tiff += u16(0x0001) + u16(2) + u32(2) + Array("N\0\0\0".utf8)  // GPSLatitudeRef
            tiff += u32(0)
        }
        return tiff
    }

    /// A baseline JPEG's structure: SOI, APP0 JFIF, optional EXIF (orientation, GPS) and comment, DQT, SOF0, DHT,
    /// SOS with entropy-coded data (stuffed 0xFF00 and a restart marker), EOI; then `trailing` bytes.
    public static func jpeg(
        orientation: UInt16? = nil,
        gps: Bool = false,
        comment: String? = nil,
        icc: Bool = false,
        scanBytes: Int = 512,
        trailing: [UInt8] = []
    ) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out += segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        if let orientation {
            out += segment(0xE1, Array("Exif\0\0".utf8) + exifTIFF(orientation: orientation, gps: gps))
        }
        if icc { out += segment(0xE2, Array("ICC_PROFILE\0".utf8) + [1, 1] + Array(repeating: 0x11, count: 64)) }
        if let comment { out += segment(0xFE, Array(comment.utf8)) }
        out += segment(0xDB, [0] + Array(repeating: 1, count: 64))
        out += segment(0xC0, [8, 0, 16, 0, 16, 1, 1, 0x11, 0])
        out += segment(0xC4, [0] + [1] + Array(repeating: 0, count: 15) + [0])
        out += segment(0xDA, [1, 1, 0, 0, 63, 0])
        var scan: [UInt8] = []
        var value: UInt8 = 3
        while scan.count < scanBytes {
            value = value &* 37 &+ 11
            if value == 0xFF { scan += [0xFF, 0x00] } else { scan.append(value) }
            if scan.count == scanBytes / 2 { scan += [0xFF, 0xD0] }
        }
        return out + scan + [0xFF, 0xD9] + trailing
    }

    // MARK: - PDF

    /// A PDF: a catalog, its pages, and `objects` (each the text between `N 0 obj` and `endobj`). Offsets in the
    /// cross-reference table are right, so readers accept it.
    public static func pdf(_ objects: [[UInt8]] = []) -> [UInt8] {
        var body: [[UInt8]] = [
            Array("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Array("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".utf8),
        ]
        body += objects
        var out = Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in body.enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n".utf8) + object + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Array("xref\n0 \(body.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets {
            let text = String(offset)
            out += Array((String(repeating: "0", count: 10 - text.count) + text + " 00000 n \n").utf8)
        }
        out += Array("trailer\n<< /Size \(body.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// A stream object: `<< dictionary /Length n >> stream … endstream`.
    public static func pdfStream(_ dictionary: String, _ data: [UInt8]) -> [UInt8] {
        Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)
    }

    /// The EICAR anti-virus test string: harmless, and found by every scanner.
    public static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
}
