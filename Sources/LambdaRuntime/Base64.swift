/// Standard base64 (RFC 4648) without Foundation, for `isBase64Encoded` bodies and binary attributes.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        // The URL-safe alphabet decodes too.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// The bytes `text` encodes, or `nil` when it is not base64. Padding is optional; whitespace is refused.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// The bytes that the base64 (or base64url) characters in `input` encode, or `nil` when they are not base64.
    public static func decode(bytes input: some Collection<UInt8>) -> [UInt8]? {
        if let result = input.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(input).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let table = Self.table
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in buffer {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0 else { return nil }
            let value = table[Int(byte)]
            guard value >= 0 else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero padding, and at most two `=`.
        guard padding <= 2, bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    /// `bytes` as standard base64 with padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        if let result = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// `bytes` as base64url without padding (RFC 4648 section 5), as JWTs and sealed upload sessions carry them.
    public static func encodeURL(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for scalar in encode(bytes).unicodeScalars {
            switch scalar {
            case "+": text.unicodeScalars.append("-")
            case "/": text.unicodeScalars.append("_")
            case "=": continue
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// `text`'s UTF-8 as standard base64 with padding.
    public static func encode(_ text: String) -> String {
        var text = text
        return text.withUTF8 { encode(UnsafeRawBufferPointer($0)) }
    }

    /// The core: three bytes at a time into a buffer of exactly the output's size.
    public static func encode(_ input: UnsafeRawBufferPointer) -> String {
        let count = (input.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: count) { output in
            alphabet.withUnsafeBufferPointer { table in
                var written = 0
                var index = 0
                while index + 3 <= input.count {
                    let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    output[written] = table[Int(value >> 18 & 63)]
                    output[written + 1] = table[Int(value >> 12 & 63)]
                    output[written + 2] = table[Int(value >> 6 & 63)]
                    output[written + 3] = table[Int(value & 63)]
                    written += 4
                    index += 3
                }
                let remaining = input.count - index
                if remaining > 0 {
                    let second = remaining > 1 ? UInt32(input[index + 1]) : 0
                    let value = UInt32(input[index]) << 16 | second << 8
                    output[written] = table[Int(value >> 18 & 63)]
                    output[written + 1] = table[Int(value >> 12 & 63)]
                    output[written + 2] = remaining > 1 ? table[Int(value >> 6 & 63)] : UInt8(ascii: "=")
                    output[written + 3] = UInt8(ascii: "=")
                    written += 4
                }
                return written
            }
        }
    }
}
