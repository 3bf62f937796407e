/// Tokenises PDF syntax just enough to see every name token, decoded, and the `stream` keyword.
///
/// Comments, literal strings (nested, with backslash escapes) and hex strings are skipped, so `(/JS)` in a string
/// is not a name. A name is `/` and regular characters up to whitespace or a delimiter, with `#xx` escapes decoded:
/// `/J#61vaScript` is `/JavaScript`. Names are compared exactly, since PDF names are case-sensitive.
///
/// States: `normal` → `comment` (to the end of the line), `literal` ↔ `literalEscape`, `angle` (a `<`: a second `<`
/// opens a dictionary, anything else a hex string) → `hex`, `name` ↔ `nameHash`/`nameHashLow`, `keyword`; each
/// returns to `normal`.
struct PDFNameScanner {
    /// Names that run code, launch programs or carry files.
    static let activeNames = ["JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "OpenAction", "AA"]
        .map { Token($0) }
    static let flateNames = [Token("FlateDecode"), Token("Fl")]
    /// The filters this check does not decode (full and abbreviated names).
    static let otherFilterNames = [
        "ASCIIHexDecode", "ASCII85Decode", "LZWDecode", "RunLengthDecode", "AHx", "A85", "LZW", "RL",
    ]
    .map { Token($0) }
    static let objectStreamName = Token("ObjStm")
    static let imageName = Token("Image")
    static let streamKeyword = Token("stream")
    static let resetKeywords = [Token("obj"), Token("endobj")]
    static let eofComment: [UInt8] = Array("%%EOF".utf8)

    /// A name or keyword packed into an integer: its first 16 bytes and its whole length.
    struct Token: Equatable {
        var value: UInt128 = 0
        var length = 0

        init() {}

        init(_ text: String) {
            for byte in text.utf8 { append(byte) }
        }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            if length < 16 { value = value << 8 | UInt128(byte) }
            length += 1
        }

        var text: String {
            var bytes: [UInt8] = []
            for index in (0..<min(length, 16)).reversed() {
                bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private enum State {
        case normal, comment, literal, literalEscape, angle, hex, name, nameHash, nameHashLow, keyword
    }

    /// Whether the `stream` keyword ends a scan (the file itself) or is just a word (inside a decoded stream).
    let findsStreams: Bool
    /// How offsets are named in problems: "byte" in the file, "decoded byte" in an inflated stream.
    let unit: String
    private var state = State.normal
    private var depth = 0
    private var token = Token()
    private var tokenStart: Int64 = 0
    private var hashHigh: UInt8 = 0
    private var hashChar: UInt8 = 0
    private var commentIndex = 0
    private var commentIsEOF = false
    /// Whether a FlateDecode (or Fl) name came since the last `obj`, `endobj` or stream.
    var sawFlate = false
    /// Whether `/ObjStm` (an object stream: whole objects inside), `/Image`, or a filter this check does not decode
    /// came since then.
    var sawObjectStream = false
    var sawImage = false
    var sawOtherFilter = false
    /// The byte that ended the `stream` keyword just found: LF, or CR (an LF may follow), or a space or tab (some
    /// writers put one before the end of line).
    private(set) var streamTerminator: UInt8 = 0x0A
    /// Whether a `%%EOF` comment was seen, and whether nothing but whitespace came after the last one.
    private(set) var sawEOF = false
    private(set) var endsAtEOF = false

    init(findsStreams: Bool, unit: String) {
        self.findsStreams = findsStreams
        self.unit = unit
    }

    /// Continues inside a comment (the rest of the `%PDF-` header line).
    mutating func startComment() {
        state = .comment
        commentIndex = 5
        commentIsEOF = false
    }

    /// Resumes the syntax after a stream's `endstream`.
    mutating func endStream() {
        state = .normal
        resetDictionary()
    }

    /// Forgets what the last dictionary named.
    mutating func resetDictionary() {
        sawFlate = false
        sawObjectStream = false
        sawImage = false
        sawOtherFilter = false
    }

    /// Scans `bytes` from `start`, whose first byte is at `base` (in `unit`s).
    /// - Returns: The index where stream data begins, when a `stream` keyword ends the scan; nil at the end of bytes.
    /// - Throws: "active-content" for an active name, "malformed" for a `stream` keyword without an end of line.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, base: Int64) throws(FileProblem) -> Int? {
        // Locals rather than stored properties in the loop: they stay in registers.
        var state = self.state
        var token = self.token
        var depth = self.depth
        let names = Self.namesByLength
        let eofComment = Self.eofComment
        defer {
            self.state = state
            self.token = token
            self.depth = depth
        }
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch state {
            case .normal:
                index += 1
                switch byte {
                case 0x00, 0x09, 0x0A, 0x0C, 0x0D, 0x20: continue
                case 0x30...0x39, 0x2E, 0x2B, 0x2D:
                    // Numbers, the commonest token: skip to their end without keeping them.
                    while index < count, !Self.endsToken(bytes[index]) { index += 1 }
                case 0x25:
                    state = .comment
                    commentIndex = 1
                    commentIsEOF = true
                case 0x28:
                    state = .literal
                    depth = 1
                case 0x3C: state = .angle
                case 0x2F:
                    state = .name
                    token = Token()
                    tokenStart = base + Int64(index - 1)
                case 0x29, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D: break
                default:
                    if !findsStreams {
                        // Inside a stream, keywords (content operators: BT, Tf, Tj…) change nothing: skip them.
                        while index < count, !Self.endsToken(bytes[index]) { index += 1 }
                        continue
                    }
                    state = .keyword
                    token = Token()
                    token.append(byte)
                }
                endsAtEOF = false
            case .comment:
                index += 1
                if byte == 0x0A || byte == 0x0D {
                    state = .normal
                    endComment()
                } else if commentIndex < 5 {
                    commentIsEOF = commentIsEOF && byte == eofComment[commentIndex]
                    commentIndex += 1
                } else if !Self.isWhitespace(byte) {
                    commentIsEOF = false
                }
            case .literal:
                index += 1
                // Most of a string is text: run to the next byte that matters.
                if byte != 0x5C && byte != 0x28 && byte != 0x29 {
                    while index < count {
                        let next = bytes[index]
                        if next == 0x5C || next == 0x28 || next == 0x29 { break }
                        index += 1
                    }
                    continue
                }
                if byte == 0x5C {
                    state = .literalEscape
                } else if byte == 0x28 {
                    depth += 1
                } else if byte == 0x29 {
                    depth -= 1
                    if depth == 0 { state = .normal }
                }
            case .literalEscape:
                index += 1
                state = .literal
            case .angle:
                if byte == 0x3C {
                    index += 1
                    state = .normal
                } else {
                    state = .hex
                }
            case .hex:
                index += 1
                if byte == 0x3E { state = .normal }
            case .name:
                // A name's regular characters in one run, to its end or a #xx escape.
                var next = byte
                while next != 0x23, !Self.endsToken(next) {
                    token.append(next)
                    index += 1
                    guard index < count else { break }
                    next = bytes[index]
                }
                guard index < count else { continue }
                if next == 0x23 {
                    index += 1
                    state = .nameHash
                } else {
                    try endName(token, names)
                    state = .normal
                }
            case .nameHash:
                if let digit = Self.hexDigit(byte) {
                    hashHigh = digit
                    hashChar = byte
                    index += 1
                    state = .nameHashLow
                } else {
                    token.append(0x23)
                    state = .name
                }
            case .nameHashLow:
                if let digit = Self.hexDigit(byte) {
                    token.append(hashHigh << 4 | digit)
                    index += 1
                } else {
                    token.append(0x23)
                    token.append(hashChar)
                }
                state = .name
            case .keyword:
                guard Self.endsToken(byte) else {
                    index += 1
                    token.append(byte)
                    continue
                }
                state = .normal
                if Self.resetKeywords.contains(token) {
                    resetDictionary()
                } else if findsStreams, token == Self.streamKeyword {
                    guard byte == 0x0A || byte == 0x0D || byte == 0x20 || byte == 0x09 else {
                        let at = base + Int64(index)
                        throw .malformed("the stream keyword is not followed by an end of line at \(unit) \(at)")
                    }
                    streamTerminator = byte
                    return index + 1
                }
            }
        }
        return nil
    }

    /// The end of the bytes: a name or comment in progress ends here.
    mutating func finish() throws(FileProblem) {
        switch state {
        case .name, .nameHash, .nameHashLow:
            if state != .name { token.append(0x23) }
            if state == .nameHashLow { token.append(hashChar) }
            try endName(token, Self.namesByLength)
        case .comment: endComment()
        default: break
        }
        state = .normal
    }

    private mutating func endComment() {
        if commentIsEOF, commentIndex >= 5 {
            sawEOF = true
            endsAtEOF = true
        }
    }

    /// What a name means to the check.
    enum NameKind {
        case active, flate, objectStream, image, otherFilter
    }

    /// The names the check knows, by length: most names of a file have a length none of them has, and are
    /// dismissed by one comparison. Built once; `scan` keeps it in a local.
    static let namesByLength: [[(token: Token, kind: NameKind)]] = {
        var table = [[(token: Token, kind: NameKind)]](repeating: [], count: 17)
        func add(_ tokens: [Token], _ kind: NameKind) {
            for token in tokens { table[token.length].append((token, kind)) }
        }
        add(activeNames, .active)
        add(flateNames, .flate)
        add([objectStreamName], .objectStream)
        add([imageName], .image)
        add(otherFilterNames, .otherFilter)
        return table
    }()

    private mutating func endName(_ token: Token, _ table: [[(token: Token, kind: NameKind)]]) throws(FileProblem) {
        guard token.length < table.count else { return }
        for entry in table[token.length] where entry.token == token {
            switch entry.kind {
            case .active: throw .activeContent("the PDF name /\(token.text) at \(unit) \(tokenStart)")
            case .flate: sawFlate = true
            case .objectStream: sawObjectStream = true
            case .image: sawImage = true
            case .otherFilter: sawOtherFilter = true
            }
            return
        }
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    /// Whitespace or a delimiter: what ends a name or keyword.
    @inline(__always)
    static func endsToken(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x00, 0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x25, 0x28, 0x29, 0x2F, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D: true
        default: false
        }
    }

    @inline(__always)
    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
