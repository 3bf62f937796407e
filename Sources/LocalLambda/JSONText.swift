import Foundation
import LambdaRuntime

/// Re-indents or compacts JSON text without reordering it, and compares JSON documents by meaning.
public enum JSONText {
    /// Whether `bytes` hold one valid JSON document.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// The document with two-space indentation, members in their original order; `nil` when not valid JSON.
    public static func pretty(_ bytes: [UInt8]) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: reformat(bytes, indent: 2), as: UTF8.self)
    }

    /// The document without insignificant whitespace; `nil` when not valid JSON.
    public static func compact(_ bytes: [UInt8]) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: reformat(bytes, indent: nil), as: UTF8.self)
    }

    /// Parses `bytes` into a `JSONValue`; `nil` when not valid JSON.
    public static func value(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Where `actual` first differs from `expected`, as `path: expected X, got Y`; `nil` when they mean the same.
    /// Object member order does not matter; `1` and `1.0` are equal.
    ///
    /// Two conveniences for responses that vary from run to run or nest JSON in strings:
    /// - an expected string `"~REGEX"` matches any string the regular expression matches whole (`"~~…"` is the
    ///   literal `"~…"`), for signatures, dates and generated ids;
    /// - an expected object or array matches a string holding that JSON, as in an API Gateway response's `body`.
    public static func firstDifference(expected: JSONValue, actual: JSONValue, path: String = "") -> String? {
        let here = path.isEmpty ? "(top level)" : path
        if case .string(let pattern) = expected, pattern.hasPrefix("~") {
            let source = pattern.dropFirst()
            guard !source.hasPrefix("~") else {
                return actual == .string(String(source))
                    ? nil : "\(here): expected \(render(.string(String(source)))), got \(render(actual))"
            }
            guard case .string(let text) = actual else {
                return "\(here): expected a string matching \(source), got \(render(actual))"
            }
            guard let regex = try? Regex(String(source)) else {
                return "\(here): \(source) is not a valid regular expression"
            }
            return text.wholeMatch(of: regex) != nil
                ? nil : "\(here): expected a match of \(source), got \(render(actual))"
        }
        switch (expected, actual) {
        case (.object, .string(let text)), (.array, .string(let text)):
            guard let nested = value(Array(text.utf8)) else {
                return "\(here): expected JSON \(render(expected)), got a string that is not JSON"
            }
            return firstDifference(expected: expected, actual: nested, path: path)
        default:
            break
        }
        switch (expected, actual) {
        case (.object(let left), .object(let right)):
            for key in left.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let value = right[key] else { return "\(child): expected \(render(left[key]!)), missing" }
                if let difference = firstDifference(expected: left[key]!, actual: value, path: child) {
                    return difference
                }
            }
            for key in right.keys.sorted() where left[key] == nil {
                let child = path.isEmpty ? key : "\(path).\(key)"
                return "\(child): not expected, got \(render(right[key]!))"
            }
            return nil
        case (.array(let left), .array(let right)):
            for index in 0..<min(left.count, right.count) {
                if let difference = firstDifference(
                    expected: left[index],
                    actual: right[index],
                    path: "\(path)[\(index)]"
                ) {
                    return difference
                }
            }
            return left.count == right.count ? nil : "\(here): expected \(left.count) elements, got \(right.count)"
        case (.integer(let left), .number(let right)):
            return Double(left) == right ? nil : "\(here): expected \(left), got \(right)"
        case (.number(let left), .integer(let right)):
            return left == Double(right) ? nil : "\(here): expected \(left), got \(right)"
        default:
            return expected == actual ? nil : "\(here): expected \(render(expected)), got \(render(actual))"
        }
    }

    private static func render(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    private static func reformat(_ bytes: [UInt8], indent: Int?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var index = 0

        func newline() {
            guard let indent else { return }
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: depth * indent))
        }
        func nextSignificant(after position: Int) -> UInt8? {
            var cursor = position + 1
            while cursor < bytes.count {
                switch bytes[cursor] {
                case 0x20, 0x09, 0x0A, 0x0D: cursor += 1
                default: return bytes[cursor]
                }
            }
            return nil
        }

        while index < bytes.count {
            let byte = bytes[index]
            defer { index += 1 }
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case 0x22:
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let closing: UInt8 = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if nextSignificant(after: index) == closing {
                    // Keep `{}` and `[]` on one line.
                    while bytes[index + 1] != closing { index += 1 }
                    out.append(closing)
                    index += 1
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(byte)
                if indent != nil { out.append(0x20) }
            default:
                out.append(byte)
            }
        }
        return out
    }
}
