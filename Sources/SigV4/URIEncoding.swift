/// Percent-encoding as SigV4 specifies it: everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is
/// encoded as `%XY` of its UTF-8 bytes, with uppercase hex.
public enum URIEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// A lookup table: whether each byte is unreserved.
    private static let unreserved: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in "-_.~".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// Appends `text` encoded; `/` stays as it is when `keepSlash`, as in a path.
    public static func append(_ text: some StringProtocol, keepSlash: Bool, to out: inout [UInt8]) {
        for byte in text.utf8 {
            if unreserved[Int(byte)] || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// `text` encoded.
    public static func encode(_ text: some StringProtocol, keepSlash: Bool = false) -> String {
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
    private static let digits = Array("0123456789abcdef".utf8)

    static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
    }

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
