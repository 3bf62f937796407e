/// An error that chooses how it is reported to Lambda.
///
/// Conform a handler's error to this to control `errorType` (for example `"Unauthorized"`, which makes a REST
/// API Lambda authorizer answer 401) and the message callers see. Other errors are reported with their type
/// name and `String(describing:)`.
public protocol LambdaReportableError: Error {
    /// The `errorType` Lambda reports and a caller sees, for example `Unauthorized` or `Runtime.EventDecodingError`.
    var errorType: String { get }
    /// The `errorMessage` Lambda reports and a caller sees; it must not carry secrets.
    var errorMessage: String { get }
}

/// The body Lambda expects on `/invocation/{id}/error` and `/runtime/init/error`:
/// `{"errorMessage":…,"errorType":…,"stackTrace":[]}`.
public struct LambdaErrorPayload: Sendable, Equatable {
    /// Messages longer than this many UTF-8 bytes are cut, so an error can never exceed the payload limit.
    public static let maxMessageBytes = 256 * 1024

    /// The error's type as Lambda shows it, for example `Runtime.EventDecodingError`.
    public var errorType: String
    /// The message as given; ``jsonBytes()`` cuts it to ``maxMessageBytes``.
    public var errorMessage: String

    /// A payload of exactly this type and message.
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
    /// Runs of bytes that need no escape are copied whole.
    package static func append(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { append(escaping: $0, to: &out) }
    }

    private static func append(escaping bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count + 2)
        out.append(UInt8(ascii: "\""))
        let count = bytes.count
        var runStart = 0
        var index = 0
        while index < count {
            let byte = bytes[index]
            let separator =
                byte == 0xE2 && index + 2 < count && bytes[index + 1] == 0x80
                && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || separator else {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            out.append(0x5C)
            switch byte {
            case 0x22, 0x5C: out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0xE2:
                // U+2028 or U+2029, three bytes.
                let last: UInt8 = bytes[index + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9")
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "2"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "2"))
                out.append(last)
                index += 2
            default:
                out.append(UInt8(ascii: "u"))
                out.append(0x30)
                out.append(0x30)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
            index += 1
            runStart = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        out.append(UInt8(ascii: "\""))
    }

    /// The quoted JSON string as a `String`.
    package static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        append(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
