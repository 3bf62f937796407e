/// Percent-encoding as SigV4 specifies it: everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is
/// encoded as `%XY` of its UTF-8 bytes, with uppercase hex.
public enum URIEncoding {
    /// Whether `byte` is unreserved: `A-Z a-z 0-9 - _ . ~`.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        isKept(byte, keepSlash: false)
    }

    /// `- . 0-9` (and `/` when kept) in bytes 0–63, one bit each.
    private static let keptBelow64: UInt64 = 0x03FF_6000_0000_0000
    /// `A-Z _ a-z ~` in bytes 64–127.
    private static let keptFrom64: UInt64 = 0x47FF_FFFE_87FF_FFFE

    /// Whether `byte` stays as it is: unreserved, or `/` when `keepSlash`. Two bit masks instead of range tests,
    /// as this runs for every byte of every key and parameter.
    @inline(__always)
    static func isKept(_ byte: UInt8, keepSlash: Bool) -> Bool {
        if byte < 64 {
            let mask = keepSlash ? keptBelow64 | 1 << 47 : keptBelow64
            return mask >> UInt64(byte) & 1 != 0
        }
        return byte < 128 && keptFrom64 >> UInt64(byte - 64) & 1 != 0
    }

    @inline(__always)
    static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble + UInt8(ascii: "0") : nibble - 10 + UInt8(ascii: "A")
    }

    /// Appends `text` encoded; `/` stays as it is when `keepSlash`, as in a path.
    public static func append(_ text: String, keepSlash: Bool, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            // Most names and values need no encoding at all: copy them in one go.
            guard var index = bytes.firstIndex(where: { !isKept($0, keepSlash: keepSlash) }) else {
                out.append(contentsOf: bytes)
                return
            }
            out.reserveCapacity(out.count + index + (bytes.count - index) * 3)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if isKept(byte, keepSlash: keepSlash) {
                    out.append(byte)
                } else {
                    out.append(UInt8(ascii: "%"))
                    out.append(upperHex(byte >> 4))
                    out.append(upperHex(byte & 0x0F))
                }
            }
        }
    }

    /// `text` encoded.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        // Most keys and values need no encoding: hand the same string back, without copying it.
        var text = text
        if text.withUTF8({ $0.allSatisfy { isKept($0, keepSlash: keepSlash) } }) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        append(text, keepSlash: keepSlash, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XY` escapes (a `+` stays a `+`); `nil` for a broken escape or bytes that are not UTF-8.
    public static func decode(_ text: some StringProtocol) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else {
                return nil
            }
            out.append(high << 4 | low)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Lowercase hex.
enum Hex {
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble + UInt8(ascii: "0") : nibble - 10 + UInt8(ascii: "a")
    }

    static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0F))
        }
    }

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
