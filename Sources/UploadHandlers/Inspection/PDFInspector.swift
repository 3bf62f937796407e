#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Searches a whole PDF, FlateDecode object streams inflated, for the names of actions that run code or carry files.
///
/// States: `header` (`%PDF-`) → `tokens` (the name scanner over the file's syntax) → at a `stream` keyword,
/// `streamEOL` (the rest of the end of line) → `inflating` when the stream's dictionary named `/ObjStm` (it must be
/// FlateDecode alone), its output going through a second name scanner, until Z_STREAM_END → `raw`, which looks for
/// `endstream` without scanning → `tokens`. Every other stream (page content, fonts, images, metadata) is skipped
/// raw: actions live in the object graph only, and random bytes would give false hits.
struct PDFInspector: FileInspector {
    static let header: [UInt8] = Array("%PDF-".utf8)
    static let endstream: [UInt8] = Array("endstream".utf8)
    /// The most a file may inflate to, all its streams together.
    static let maximumInflated: Int64 = 512 << 20

    private enum State {
        case header(matched: Int)
        case tokens
        case streamEOL(afterCR: Bool)
        case inflating, raw
    }

    let stripped = false
    private var state = State.header(matched: 0)
    private var scanner = PDFNameScanner(findsStreams: true, unit: "byte")
    private var inner = PDFNameScanner(findsStreams: false, unit: "decoded byte")
    private let inflater = Inflater()
    private var offset: Int64 = 0
    private var streamStart: Int64 = 0
    private var decoded: Int64 = 0
    private var inflated: Int64 = 0
    /// How many bytes of `endstream` the last bytes matched.
    private var endMatched = 0

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .header(let matched):
                guard bytes[index] == Self.header[matched] else { throw .malformed("no %PDF- header at byte 0") }
                index += 1
                if matched + 1 == Self.header.count {
                    scanner.startComment()
                    state = .tokens
                } else {
                    state = .header(matched: matched + 1)
                }
            case .tokens:
                guard let start = try scanner.scan(bytes, from: index, base: offset) else {
                    index = bytes.count
                    break
                }
                index = start
                switch scanner.streamTerminator {
                case 0x0A: try startStream(at: offset + Int64(index))
                case 0x0D: state = .streamEOL(afterCR: true)
                default: state = .streamEOL(afterCR: false)
                }
            case .streamEOL(let afterCR):
                let byte = bytes[index]
                if afterCR {
                    // CR LF, or a bare CR that some writers use.
                    if byte == 0x0A { index += 1 }
                    try startStream(at: offset + Int64(index))
                } else if byte == 0x20 || byte == 0x09 {
                    index += 1
                } else if byte == 0x0A {
                    index += 1
                    try startStream(at: offset + Int64(index))
                } else if byte == 0x0D {
                    index += 1
                    state = .streamEOL(afterCR: true)
                } else {
                    throw .malformed(
                        "the stream keyword is not followed by an end of line at byte \(offset + Int64(index))"
                    )
                }
            case .inflating:
                index = try inflate(bytes, from: index)
            case .raw:
                index = findEndstream(bytes, from: index)
            }
        }
        offset += Int64(bytes.count)
    }

    private mutating func startStream(at start: Int64) throws(FileProblem) {
        streamStart = start
        endMatched = 0
        // Actions are reached only through the object graph: objects at the top level (searched as they are) and
        // objects inside object streams. So object streams are inflated and searched, and one this check cannot
        // decode is refused. Every other stream (page content, fonts, images, metadata) is skipped to its
        // endstream: a name inside it is never an action, and inflating it would only cost time.
        if scanner.sawObjectStream {
            guard scanner.sawFlate, !scanner.sawOtherFilter else {
                throw .malformed(
                    "the object stream at byte \(start) is not FlateDecode alone, so its objects cannot be checked"
                )
            }
            guard inflater.start() else { throw .tooComplex("zlib could not start for the stream at byte \(start)") }
            inner = PDFNameScanner(findsStreams: false, unit: "decoded byte")
            decoded = 0
            state = .inflating
        } else {
            state = .raw
        }
        scanner.resetDictionary()
    }

    /// Inflates stream data and scans what comes out, until the zlib stream ends or the bytes do.
    private mutating func inflate(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(FileProblem) -> Int {
        var index = start
        while true {
            let input = UnsafeRawBufferPointer(rebasing: bytes[index...])
            guard let step = inflater.step(input) else {
                throw .malformed("the FlateDecode stream at byte \(streamStart) does not inflate")
            }
            index += step.consumed
            inflated += Int64(step.output.count)
            guard inflated <= Self.maximumInflated else {
                throw .tooComplex(
                    "the streams inflate to more than \(Self.maximumInflated >> 20) MiB, at byte \(offset)"
                )
            }
            do {
                _ = try inner.scan(step.output, from: 0, base: decoded)
                if step.ended { try inner.finish() }
            } catch {
                throw FileProblem(reason: error.reason, detail: "\(error.detail) of the stream at byte \(streamStart)")
            }
            decoded += Int64(step.output.count)
            if step.ended {
                state = .raw
                return index
            }
            if step.output.count < Inflater.windowSize {
                guard index == bytes.count else {
                    throw .malformed("the FlateDecode stream at byte \(streamStart) does not inflate")
                }
                return index
            }
        }
    }

    /// Looks for `endstream`, which may straddle chunks, and returns to the syntax after it.
    private mutating func findEndstream(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let keyword = Self.endstream
        while endMatched > 0, index < bytes.count {
            if bytes[index] != keyword[endMatched] {
                endMatched = 0
                break
            }
            index += 1
            endMatched += 1
            if endMatched == keyword.count { return endStream(at: index) }
        }
        guard let base = bytes.baseAddress else { return bytes.count }
        while index < bytes.count, let hit = memchr(base + index, 0x65, bytes.count - index) {
            let position = base.distance(to: UnsafeRawPointer(hit))
            var matched = 1
            while matched < keyword.count, position + matched < bytes.count,
                bytes[position + matched] == keyword[matched]
            {
                matched += 1
            }
            if matched == keyword.count { return endStream(at: position + matched) }
            if position + matched == bytes.count {
                endMatched = matched
                return bytes.count
            }
            index = position + 1
        }
        return bytes.count
    }

    private mutating func endStream(at index: Int) -> Int {
        endMatched = 0
        scanner.endStream()
        state = .tokens
        return index
    }

    mutating func finish() throws(FileProblem) {
        switch state {
        case .header: throw .truncated("the file ends at byte \(offset), inside the %PDF- header")
        case .tokens: break
        case .streamEOL, .inflating, .raw:
            throw .truncated("the file ends at byte \(offset), inside the stream that starts at byte \(streamStart)")
        }
        try scanner.finish()
        guard scanner.sawEOF else { throw .truncated("the file ends at byte \(offset) without %%EOF") }
        guard scanner.endsAtEOF else { throw .trailingData("more than whitespace follows the last %%EOF") }
    }

    mutating func finishHead() throws(FileProblem) {}
}
