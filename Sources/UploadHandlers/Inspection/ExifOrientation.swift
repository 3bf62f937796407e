/// Reads the orientation out of an EXIF block and writes the minimal EXIF that keeps only it.
///
/// Stripping drops EXIF (GPS, serial numbers, dates) but a photo must not turn sideways, so the orientation
/// (IFD0 tag 0x0112, a SHORT from 1 to 8) survives in a 26-byte TIFF of our own. Recognising that TIFF again is what
/// makes stripping idempotent.
enum ExifOrientation {
    /// The prefix of EXIF in a JPEG APP1 segment (and in some WebP EXIF chunks).
    static let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]
    static let orientationTag: UInt16 = 0x0112
    static let shortType: UInt16 = 3

    /// The orientation in a TIFF structure starting at `start`, or nil when absent, out of range or out of bounds.
    static func parse(_ bytes: [UInt8], from start: Int = 0) -> UInt16? {
        let tiff = bytes.count - start
        guard start >= 0, tiff >= 8 else { return nil }
        let little: Bool
        switch (bytes[start], bytes[start + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ offset: Int) -> UInt16? {
            guard offset >= 0, offset + 2 <= tiff else { return nil }
            let a = UInt16(bytes[start + offset])
            let b = UInt16(bytes[start + offset + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> UInt32? {
            guard let high = u16(little ? offset + 2 : offset), let low = u16(little ? offset : offset + 2) else {
                return nil
            }
            return UInt32(high) << 16 | UInt32(low)
        }
        guard u16(2) == 42, let ifd = u32(4), ifd <= UInt32(tiff), let count = u16(Int(ifd)) else { return nil }
        for entry in 0..<Int(count) {
            let offset = Int(ifd) + 2 + entry * 12
            guard offset + 12 <= tiff, let tag = u16(offset) else { return nil }
            guard tag == orientationTag else { continue }
            guard u16(offset + 2) == shortType, u32(offset + 4) == 1, let value = u16(offset + 8),
                (1...8).contains(value)
            else { return nil }
            return value
        }
        return nil
    }

    /// A big-endian TIFF with one IFD0 entry, the orientation, and no next IFD.
    static func minimalTIFF(_ orientation: UInt16) -> [UInt8] {
        [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,  // "MM", 42, IFD0 at 8
            0x00, 0x01,  // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,  // orientation, SHORT, count 1
            UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,  // no next IFD
        ]
    }
}
