import LambdaRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON document checked and indexed in one pass: a flat table of tokens that decoders walk without building
/// dictionaries or strings they do not need.
///
/// Containers record how many children they have and where the token after their last descendant is, so a
/// decoder can skip a whole subtree in one step.
package final class JSONDocument {
    /// What a token is; the JSON value type, with strings split by whether they need unescaping.
    package enum Kind: UInt8 {
        /// An object; its `count` is the number of members.
        case object
        /// An array; its `count` is the number of elements.
        case array
        /// A string without escapes: its bytes are its UTF-8.
        case plainString
        /// A string with escapes, decoded on demand.
        case escapedString
        /// A number, kept as its text until it is asked for as an integer or a double.
        case number
        /// The literal `true`.
        case trueValue
        /// The literal `false`.
        case falseValue
        /// The literal `null`.
        case null
    }

    // Every table is a `let`: reads need no exclusivity checks, which cost more than the reads themselves.
    /// The document's UTF-8, which every token's `start` and `end` index into.
    package let bytes: [UInt8]
    /// Every value of the document in source order, the root first; a container's descendants follow it.
    package let tokens: [Token]

    /// One value of the document.
    package struct Token {
        /// What the value is.
        package var kind: Kind
        /// Strings: the first byte after the opening quote. Numbers and literals: their first byte. Containers:
        /// the opening bracket.
        package var start: Int32
        /// Scalars: one past their last byte (strings: the closing quote). Containers: the index of the token
        /// after the container's last descendant.
        package var end: Int32
        /// Containers: members (objects, as key and value pairs) or elements (arrays).
        package var count: Int32
    }

    /// Nesting deeper than this is refused, so hostile input cannot exhaust memory or the stack.
    package static let maxDepth = 512

    /// Tokenises `bytes`.
    /// - Throws: `JSONParseError` with the offset and the reason, for anything that is not one JSON document.
    package init(_ bytes: [UInt8]) throws(JSONParseError) {
        guard bytes.count < Int(Int32.max) else {
            throw JSONParseError(offset: 0, reason: "documents over 2 GiB are not supported")
        }
        var tables = Tables(estimate: bytes.count / 8 + 4)
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try tables.tokenize(buffer)
        }
        self.bytes = bytes
        self.tokens = tables.tokens
    }

    /// The number of tokens, one per value (object keys included).
    package var count: Int { tokens.count }

    /// The index of the token after `index` and everything inside it.
    @inline(__always)
    package func next(after index: Int) -> Int {
        switch tokens[index].kind {
        case .object, .array: Int(tokens[index].end)
        default: index + 1
        }
    }

    /// The text of string token `index`, unescaped.
    package func string(at index: Int) -> String {
        let start = Int(tokens[index].start)
        let end = Int(tokens[index].end)
        if tokens[index].kind == .plainString {
            return bytes.withUnsafeBufferPointer { buffer in
                String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
            }
        }
        return unescape(start, end)
    }

    /// Whether string token `index` equals `text`, without building a `String` for plain strings.
    @inline(__always)
    package func string(at index: Int, equals text: String) -> Bool {
        guard tokens[index].kind == .plainString else { return string(at: index) == text }
        let start = Int(tokens[index].start)
        let length = Int(tokens[index].end) - start
        var text = text
        return text.withUTF8 { utf8 in
            guard utf8.count == length else { return false }
            return bytes.withUnsafeBufferPointer { buffer in
                length == 0 || memcmp(buffer.baseAddress! + start, utf8.baseAddress!, length) == 0
            }
        }
    }

    /// Whether plain string token `index` is exactly the bytes of `text`.
    package func string(at index: Int, equalsBytes text: StaticString) -> Bool {
        let start = Int(tokens[index].start)
        let length = Int(tokens[index].end) - start
        guard length == text.utf8CodeUnitCount else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            length == 0 || memcmp(buffer.baseAddress! + start, text.utf8Start, length) == 0
        }
    }

    /// Whether string tokens `first` and `second` hold the same text.
    package func sameString(_ first: Int, _ second: Int) -> Bool {
        let a = tokens[first]
        let b = tokens[second]
        guard a.kind == .plainString, b.kind == .plainString else { return string(at: first) == string(at: second) }
        let length = Int(a.end - a.start)
        guard length == Int(b.end - b.start) else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            length == 0 || memcmp(buffer.baseAddress! + Int(a.start), buffer.baseAddress! + Int(b.start), length) == 0
        }
    }

    /// Whether string token `index` contains `needle` (plain ASCII), without building a `String`.
    package func string(at index: Int, contains needle: StaticString) -> Bool {
        guard tokens[index].kind == .plainString else { return false }
        let start = Int(tokens[index].start)
        let end = Int(tokens[index].end)
        let count = needle.utf8CodeUnitCount
        guard end - start >= count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            for offset in start...(end - count)
            where memcmp(buffer.baseAddress! + offset, needle.utf8Start, count) == 0 {
                return true
            }
            return false
        }
    }

    /// The raw bytes of a number token.
    package func numberText(at index: Int) -> Substring {
        Substring(String(decoding: bytes[Int(tokens[index].start)..<Int(tokens[index].end)], as: UTF8.self))
    }

    /// A number token as an integer, when it is one (no fraction or exponent) and fits.
    package func integer(at index: Int) -> Int64? {
        var position = Int(tokens[index].start)
        let end = Int(tokens[index].end)
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var value: Int64 = 0
        while position < end {
            let digit = bytes[position] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) =
                negative
                ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        return value
    }

    /// A number token as an unsigned integer, when it is one and fits.
    package func unsignedInteger(at index: Int) -> UInt64? {
        var position = Int(tokens[index].start)
        let end = Int(tokens[index].end)
        if bytes[position] == UInt8(ascii: "-") {
            return integer(at: index) == 0 ? 0 : nil
        }
        var value: UInt64 = 0
        while position < end {
            let digit = bytes[position] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        return value
    }

    /// A number token as a `Double`.
    package func double(at index: Int) -> Double? {
        Double(numberText(at: index))
    }

    /// Token `index` and everything inside it as a `JSONValue`.
    package func value(at index: Int) -> JSONValue {
        switch tokens[index].kind {
        case .object:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(Int(tokens[index].count))
            var token = index + 1
            for _ in 0..<Int(tokens[index].count) {
                let name = string(at: token)
                if members[name] == nil { members[name] = value(at: token + 1) }
                token = next(after: token + 1)
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(tokens[index].count))
            var token = index + 1
            for _ in 0..<Int(tokens[index].count) {
                elements.append(value(at: token))
                token = next(after: token)
            }
            return .array(elements)
        case .plainString, .escapedString: return .string(string(at: index))
        case .number:
            if let integer = integer(at: index) { return .integer(integer) }
            return .number(double(at: index) ?? .nan)
        case .trueValue: return .bool(true)
        case .falseValue: return .bool(false)
        case .null: return .null
        }
    }

    /// A short description of token `index`'s kind, for error messages: "a string", "a number", …
    package func describe(_ index: Int) -> String {
        switch tokens[index].kind {
        case .object: "an object"
        case .array: "an array"
        case .plainString, .escapedString: "a string"
        case .number: "a number"
        case .trueValue, .falseValue: "a boolean"
        case .null: "null"
        }
    }

    private func unescape(_ start: Int, _ end: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var cursor = start
        while cursor < end {
            let byte = bytes[cursor]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                cursor += 1
                continue
            }
            let escape = bytes[cursor + 1]
            cursor += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(cursor)
                cursor += 4
                if (0xD800..<0xDC00).contains(code), cursor + 5 < end + 1, cursor + 1 < end,
                    bytes[cursor] == UInt8(ascii: "\\"), bytes[cursor + 1] == UInt8(ascii: "u")
                {
                    let low = hex4(cursor + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        cursor += 6
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: String(scalar).utf8)
            default:
                out.append(escape)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(_ start: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[start + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: digit = byte - UInt8(ascii: "A") + 10
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// The token tables under construction: one pass over the bytes, with a state machine instead of recursion.
private struct Tables {
    typealias Kind = JSONDocument.Kind
    var tokens: [JSONDocument.Token] = []

    init(estimate: Int) {
        tokens.reserveCapacity(estimate)
    }

    func error(_ offset: Int, _ reason: String) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    mutating func append(_ kind: Kind, _ start: Int, _ end: Int) {
        tokens.append(
            JSONDocument.Token(
                kind: kind,
                start: Int32(truncatingIfNeeded: start),
                end: Int32(truncatingIfNeeded: end),
                count: 0
            )
        )
    }

    /// What the tokeniser expects next.
    enum Expectation {
        /// A value: at the top, after `:`, after `,` in an array.
        case value
        /// A value or `]`: just after `[`.
        case valueOrClose
        /// A member name or `}`: just after `{`.
        case keyOrClose
        /// A member name: after `,` in an object.
        case key
        /// `,` or the closing bracket: after a value inside a container.
        case commaOrClose
        /// Nothing but whitespace: after the top-level value.
        case end
    }

    mutating func tokenize(_ input: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        // Open containers by token index, and whether each is an object.
        var stack: [Int] = []
        var objects: [Bool] = []
        stack.reserveCapacity(16)
        objects.reserveCapacity(16)
        var expectation = Expectation.value
        var position = 0
        let end = input.count

        while true {
            position = Self.skipWhitespace(input, from: position)
            guard position < end else {
                if expectation == .end { return }
                throw error(position, "unexpected end of input")
            }
            let byte = input[position]

            switch expectation {
            case .end:
                throw error(position, "unexpected data after the document")
            case .keyOrClose, .key:
                if byte == UInt8(ascii: "}"), expectation == .keyOrClose {
                    position += 1
                    close(&stack, &objects, &expectation)
                    continue
                }
                guard byte == UInt8(ascii: "\"") else {
                    throw error(position, byte == UInt8(ascii: "}") ? "unexpected character" : "expected a member name")
                }
                try scanString(input, &position)
                position = Self.skipWhitespace(input, from: position)
                guard position < end else { throw error(position, "unexpected end of input") }
                guard input[position] == UInt8(ascii: ":") else { throw error(position, "expected ':'") }
                position += 1
                tokens[stack[stack.count - 1]].count += 1
                expectation = .value
                continue
            case .commaOrClose:
                let isObject = objects[objects.count - 1]
                if byte == UInt8(ascii: ",") {
                    position += 1
                    expectation = isObject ? .key : .value
                    if !isObject { tokens[stack[stack.count - 1]].count += 1 }
                    continue
                }
                if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    position += 1
                    close(&stack, &objects, &expectation)
                    continue
                }
                throw error(position, isObject ? "expected ',' or '}'" : "expected ',' or ']'")
            case .valueOrClose:
                if byte == UInt8(ascii: "]") {
                    position += 1
                    close(&stack, &objects, &expectation)
                    continue
                }
                tokens[stack[stack.count - 1]].count += 1
            case .value:
                break
            }

            // A value.
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < JSONDocument.maxDepth else {
                    throw error(position, "nested deeper than \(JSONDocument.maxDepth) levels")
                }
                let isObject = byte == UInt8(ascii: "{")
                stack.append(tokens.count)
                objects.append(isObject)
                append(isObject ? .object : .array, position, 0)
                position += 1
                expectation = isObject ? .keyOrClose : .valueOrClose
                continue
            case UInt8(ascii: "\""):
                try scanString(input, &position)
            case UInt8(ascii: "t"):
                try scanLiteral(input, &position, "true", .trueValue)
            case UInt8(ascii: "f"):
                try scanLiteral(input, &position, "false", .falseValue)
            case UInt8(ascii: "n"):
                try scanLiteral(input, &position, "null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try scanNumber(input, &position)
            default:
                throw error(position, "unexpected character")
            }
            expectation = stack.isEmpty ? .end : .commaOrClose
        }
    }

    /// The first position at or after `position` that is not JSON whitespace.
    @inline(__always)
    static func skipWhitespace(_ input: UnsafeBufferPointer<UInt8>, from position: Int) -> Int {
        var position = position
        while position < input.count {
            let byte = input[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { break }
            position += 1
        }
        return position
    }

    /// The first position at or after `position` that is not an ASCII digit.
    @inline(__always)
    static func skipDigits(_ input: UnsafeBufferPointer<UInt8>, from position: Int) -> Int {
        var position = position
        while position < input.count, input[position] &- UInt8(ascii: "0") < 10 { position += 1 }
        return position
    }

    /// Closes the innermost container: records where its subtree ends.
    @inline(__always)
    mutating func close(_ stack: inout [Int], _ objects: inout [Bool], _ expectation: inout Expectation) {
        let token = stack.removeLast()
        objects.removeLast()
        tokens[token].end = Int32(truncatingIfNeeded: tokens.count)
        expectation = stack.isEmpty ? .end : .commaOrClose
    }

    mutating func scanString(_ input: UnsafeBufferPointer<UInt8>, _ position: inout Int) throws(JSONParseError) {
        let start = position + 1
        var cursor = start
        var escaped = false
        let end = input.count
        while cursor < end {
            // The common case first, eight bytes at a time: no quote, backslash or control character among them.
            while cursor + 8 <= end {
                let word = UnsafeRawPointer(input.baseAddress! + cursor).loadUnaligned(as: UInt64.self)
                if Self.hasSpecialByte(word) { break }
                cursor += 8
            }
            guard cursor < end else { break }
            var byte = input[cursor]
            while byte != 0x22 && byte != 0x5C && byte >= 0x20 {
                cursor += 1
                guard cursor < end else { throw error(position, "unterminated string") }
                byte = input[cursor]
            }
            if byte == UInt8(ascii: "\"") {
                append(escaped ? .escapedString : .plainString, start, cursor)
                position = cursor + 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard cursor + 1 < end else { break }
                switch input[cursor + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    cursor += 2
                case UInt8(ascii: "u"):
                    guard cursor + 5 < end else { throw error(cursor, "truncated \\u escape") }
                    for offset in 2...5 where !Self.isHexDigit(input[cursor + offset]) {
                        throw error(cursor + offset, "invalid hex digit in a \\u escape")
                    }
                    cursor += 6
                default:
                    throw error(cursor, "invalid escape sequence")
                }
                continue
            }
            if byte < 0x20 { throw error(cursor, "unescaped control character in a string") }
            cursor += 1
        }
        throw error(position, "unterminated string")
    }

    /// Whether any byte of `word` is `"`, `\\` or below 0x20 (SWAR: each test sets a byte's high bit).
    @inline(__always)
    private static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & highs != 0
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    mutating func scanLiteral(
        _ input: UnsafeBufferPointer<UInt8>,
        _ position: inout Int,
        _ word: StaticString,
        _ kind: Kind
    ) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= input.count else { throw error(position, "unexpected end of input") }
        for offset in 0..<count where input[position + offset] != word.utf8Start[offset] {
            throw error(position + offset, "unexpected character")
        }
        append(kind, position, position + count)
        position += count
    }

    mutating func scanNumber(_ input: UnsafeBufferPointer<UInt8>, _ position: inout Int) throws(JSONParseError) {
        let start = position
        var cursor = position
        let end = input.count
        if input[cursor] == UInt8(ascii: "-") { cursor += 1 }
        guard cursor < end, input[cursor] &- UInt8(ascii: "0") < 10 else { throw error(cursor, "expected a digit") }
        if input[cursor] == UInt8(ascii: "0") {
            cursor += 1
        } else {
            cursor = Self.skipDigits(input, from: cursor)
        }
        if cursor < end, input[cursor] == UInt8(ascii: ".") {
            cursor += 1
            let digits = cursor
            cursor = Self.skipDigits(input, from: cursor)
            guard cursor > digits else { throw error(cursor, "expected a digit after '.'") }
        }
        if cursor < end, input[cursor] | 0x20 == UInt8(ascii: "e") {
            cursor += 1
            if cursor < end, input[cursor] == UInt8(ascii: "+") || input[cursor] == UInt8(ascii: "-") { cursor += 1 }
            let digits = cursor
            cursor = Self.skipDigits(input, from: cursor)
            guard cursor > digits else { throw error(cursor, "expected a digit in the exponent") }
        }
        append(.number, start, cursor)
        position = cursor
    }
}
