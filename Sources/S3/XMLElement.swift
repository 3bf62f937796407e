/// An element of an S3 XML response: its name (without namespace prefix), text and children.
///
/// S3's responses are small, flat documents without mixed content, so this reader keeps only what they use:
/// elements, character data (with the five named entities, numeric references and CDATA) and nothing else.
/// Attributes, comments, processing instructions and the DOCTYPE are skipped.
package struct XMLElement: Sendable, Equatable {
    /// The element's local name, without its namespace prefix: `Error`, `Key`, `ETag`.
    package var name: String
    /// The character data directly inside the element, entities and CDATA decoded and nothing trimmed; for an element
    /// with children, the whitespace between them.
    package var text: String
    /// The child elements, in document order.
    package var children: [XMLElement]

    /// An element named `name` with `text` and `children`; the parser starts each element empty and fills it in.
    package init(name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    package subscript(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child named `name`.
    package func all(_ name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    package func text(_ name: String) -> String? {
        self[name]?.text
    }

    /// Parses a document and returns its root element.
    /// - Throws: `XMLElement.ParseError` with the byte offset of the problem.
    package static func parse(_ bytes: [UInt8]) throws(ParseError) -> XMLElement {
        var reader = Reader(bytes: bytes)
        return try reader.document()
    }

    /// Why a document could not be read, and where.
    package struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The byte offset into the document at which reading stopped.
        package var offset: Int
        /// What was wrong there, for example `</Key> closes <ETag>`.
        package var reason: String
        /// `XML error at byte <offset>: <reason>`.
        package var description: String { "XML error at byte \(offset): \(reason)" }
    }

    /// The most elements one document may nest: S3 responses use four or five.
    static let maxDepth = 32

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }

        mutating func document() throws(ParseError) -> XMLElement {
            try skipMisc()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw fail("no root element") }
            let root = try element(depth: 0)
            try skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Skips whitespace, the XML declaration, processing instructions, comments and a DOCTYPE.
        mutating func skipMisc() throws(ParseError) {
            while true {
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<!DOCTYPE") {
                    try skip(past: ">")
                } else {
                    return
                }
            }
        }

        func starts(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return text.withUTF8Buffer { pattern in
                for offset in 0..<count where bytes[index + offset] != pattern[offset] { return false }
                return true
            }
        }

        mutating func skip(past text: StaticString) throws(ParseError) {
            while index < bytes.count {
                if starts(text) {
                    index += text.utf8CodeUnitCount
                    return
                }
                index += 1
            }
            throw fail("unterminated markup, expected \(text)")
        }

        /// Reads `<name attr="…">…</name>` or `<name/>`, starting at `<`.
        mutating func element(depth: Int) throws(ParseError) -> XMLElement {
            guard depth < XMLElement.maxDepth else { throw fail("elements nested deeper than \(XMLElement.maxDepth)") }
            index += 1
            let qualified = name()
            guard !qualified.isEmpty else { throw fail("an element without a name") }
            var element = XMLElement(name: localName(qualified))
            // Attributes: skipped, quotes respected.
            while true {
                guard index < bytes.count else { throw fail("unterminated start tag <\(qualified)") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else {
                        throw fail("stray / in <\(qualified)")
                    }
                    index += 2
                    return element
                }
                if byte == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    index += 1
                    while index < bytes.count, bytes[index] != byte { index += 1 }
                    guard index < bytes.count else { throw fail("unterminated attribute value in <\(qualified)") }
                }
                index += 1
            }
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("<\(qualified)> is not closed") }
                if starts("</") {
                    index += 2
                    let closing = name()
                    guard closing == qualified else { throw fail("</\(closing)> closes <\(qualified)>") }
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
                        throw fail("unterminated end tag </\(closing)")
                    }
                    index += 1
                    element.text = String(decoding: text, as: UTF8.self)
                    return element
                }
                if starts("<![CDATA[") {
                    index += 9
                    let start = index
                    try skip(past: "]]>")
                    text.append(contentsOf: bytes[start..<(index - 3)])
                } else if starts("<!--") || starts("<?") {
                    try skipMisc()
                } else if bytes[index] == UInt8(ascii: "<") {
                    element.children.append(try self.element(depth: depth + 1))
                } else if bytes[index] == UInt8(ascii: "&") {
                    try entity(into: &text)
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
        }

        mutating func name() -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { break }
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// The name after its namespace prefix. The colon is found scalar by scalar: a combining mark after it
        /// makes one `Character` of the two, which a Character search misses (found by the fuzz-s3-xml target).
        func localName(_ qualified: String) -> String {
            let scalars = qualified.unicodeScalars
            guard let colon = scalars.lastIndex(of: ":") else { return qualified }
            return String(scalars[scalars.index(after: colon)...])
        }

        mutating func entity(into text: inout [UInt8]) throws(ParseError) {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ";"), index - start < 12 { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else { throw fail("unterminated entity") }
            let name = String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
            index += 1
            switch name {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                let number: UInt32?
                if name.hasPrefix("#x") {
                    number = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    number = UInt32(name.dropFirst())
                } else {
                    number = nil
                }
                guard let number, let scalar = Unicode.Scalar(number) else { throw fail("unknown entity &\(name);") }
                text.append(contentsOf: String(Character(scalar)).utf8)
            }
        }

        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }
    }
}
