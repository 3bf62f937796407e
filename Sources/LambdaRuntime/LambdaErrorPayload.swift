/// An error that chooses how it is reported to Lambda.
///
/// Conform a handler's error to this to control `errorType` (for example `"Unauthorized"`, which makes a REST
/// API Lambda authorizer answer 401) and the message callers see. Other errors are reported with their type
/// name and `String(describing:)`.
public protocol LambdaReportableError: Error {
    var errorType: String { get }
    var errorMessage: String { get }
}

/// The body Lambda expects on `/invocation/{id}/error` and `/runtime/init/error`:
/// `{"errorMessage":…,"errorType":…,"stackTrace":[]}`.
public struct LambdaErrorPayload: Sendable, Equatable {
    /// Messages longer than this many UTF-8 bytes are cut, so an error can never exceed the payload limit.
    public static let maxMessageBytes = 256 * 1024

    public var errorType: String
    public var errorMessage: String

    public init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
    }

    /// Describes any thrown error the way Lambda shows it.
    public init(_ error: any Error) {
        if let reportable = error as? any LambdaReportableError {
            self.init(errorType: reportable.errorType, errorMessage: reportable.errorMessage)
        } else {
            self.init(errorType: String(describing: type(of: error)), errorMessage: String(describing: error))
        }
    }

    /// The JSON body. Valid JSON for any strings: quotes, backslashes, control characters, non-ASCII and emoji.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(errorMessage.utf8.count + errorType.utf8.count + 64)
        out.append(contentsOf: #"{"errorMessage":"#.utf8)
        JSONString.append(Self.truncated(errorMessage), to: &out)
        out.append(contentsOf: #","errorType":"#.utf8)
        JSONString.append(errorType, to: &out)
        out.append(contentsOf: #","stackTrace":[]}"#.utf8)
        return out
    }

    /// `errorType` made safe for the `Lambda-Runtime-Function-Error-Type` header: printable ASCII only, so a
    /// type name can never split or inject a header line.
    public var headerSafeErrorType: String {
        let cleaned = errorType.unicodeScalars.map { scalar -> Character in
            (0x21...0x7E).contains(scalar.value) ? Character(scalar) : "_"
        }
        return cleaned.isEmpty ? "Unknown" : String(cleaned.prefix(256))
    }

    private static func truncated(_ message: String) -> String {
        let utf8 = message.utf8
        guard utf8.count > maxMessageBytes else { return message }
        var end = utf8.index(utf8.startIndex, offsetBy: maxMessageBytes)
        // Back off to a scalar boundary so the cut never splits a UTF-8 sequence.
        while end > utf8.startIndex, !message.unicodeScalars.indices.contains(end) {
            end = utf8.index(before: end)
        }
        let dropped = utf8.count - utf8.distance(from: utf8.startIndex, to: end)
        return String(message[..<end]) + " … (\(dropped) more bytes truncated)"
    }
}

/// JSON string encoding (RFC 8259) straight into a byte buffer.
package enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `string` as a quoted JSON string. Swift strings are valid Unicode, so non-ASCII passes through as
    /// UTF-8; quotes, backslashes and C0 controls are escaped, and U+2028/U+2029 too, for JavaScript readers.
    package static func append(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var pending = 0  // bytes of a possible U+2028/U+2029 (E2 80 A8/A9) matched so far
        for byte in string.utf8 {
            if pending > 0 {
                if pending == 1, byte == 0x80 {
                    pending = 2
                    continue
                }
                if pending == 2, byte == 0xA8 || byte == 0xA9 {
                    out.append(contentsOf: byte == 0xA8 ? Array(#"\u2028"#.utf8) : Array(#"\u2029"#.utf8))
                    pending = 0
                    continue
                }
                out.append(0xE2)
                if pending == 2 { out.append(0x80) }
                pending = 0
            }
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20, 0x7F:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            case 0xE2:
                pending = 1
            default:
                out.append(byte)
            }
        }
        if pending > 0 {
            out.append(0xE2)
            if pending == 2 { out.append(0x80) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The quoted JSON string as a `String`.
    package static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        append(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
