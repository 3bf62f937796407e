/// Checks a WebP's RIFF container against the object's size and walks its chunks to the RIFF end, and (given an
/// output) drops the EXIF and XMP chunks, then fixes the VP8X flags and the RIFF size.
///
/// States: `header` (RIFF, size, WEBP) → `chunkHeader` → `chunkData` or `chunkCollect` (VP8X, EXIF), then the pad
/// byte of an odd-sized chunk → `chunkHeader` again, or `done` at the RIFF end.
struct WebPInspector: FileInspector {
    static let vp8x = fourCC("VP8X")
    static let exif = fourCC("EXIF")
    static let xmp = fourCC("XMP ")
    static let imageChunks: Set<UInt32> = [fourCC("VP8 "), fourCC("VP8L"), fourCC("VP8X")]
    static let exifFlag: UInt8 = 0x08
    static let xmpFlag: UInt8 = 0x04
    /// The largest EXIF chunk whose orientation is read; a larger one is dropped without it.
    static let maximumExif = 1 << 20

    private enum State {
        case header, chunkHeader
        case chunkData(remaining: Int)
        case chunkCollect, done
    }

    private let output: StrippedOutput?
    private let size: Int64
    private(set) var stripped = false
    private var state = State.header
    private var gather = ByteGatherer()
    private var offset: Int64 = 0
    private var riffEnd: Int64 = 0
    private var chunkStart: Int64 = 0
    private var chunkType: UInt32 = 0
    private var chunkSize = 0
    private var keep = true
    private var chunks = 0
    private var written: Int64 = 0
    /// Where the VP8X flags byte is in the output, and its value there.
    private var flagsOffset: Int64?
    private var flags: UInt8 = 0
    private var wroteExif = false

    init(size: Int64, output: StrippedOutput?) {
        self.size = size
        self.output = output
        gather.start(12)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .header:
                guard gather.take(from: bytes, at: &index) else { break }
                try checkHeader()
            case .chunkHeader:
                guard gather.take(from: bytes, at: &index) else { break }
                try startChunk(at: offset + Int64(index) - 8)
            case .chunkData(let remaining):
                let count = min(remaining, bytes.count - index)
                if keep { try emit(bytes, index..<(index + count)) }
                index += count
                if remaining == count { endChunk() } else { state = .chunkData(remaining: remaining - count) }
            case .chunkCollect:
                guard gather.take(from: bytes, at: &index) else { break }
                try endCollected()
            case .done:
                let at = offset + Int64(index)
                throw .trailingData("\(bytes.count - index) or more bytes follow the RIFF end, from byte \(at)")
            }
        }
        offset += Int64(bytes.count)
    }

    private mutating func checkHeader() throws(FileProblem) {
        guard gather.bytes[0..<4].elementsEqual("RIFF".utf8), gather.bytes[8..<12].elementsEqual("WEBP".utf8) else {
            throw .malformed("no RIFF WEBP header at byte 0")
        }
        let riffSize = Int64(gather.littleEndian(at: 4, width: 4))
        riffEnd = riffSize + 8
        guard riffSize >= 4 + 8 else {
            throw .malformed("the RIFF size \(riffSize) at byte 4 leaves no room for a chunk")
        }
        if riffEnd < size {
            throw .trailingData("the RIFF ends at byte \(riffEnd) but the object has \(size) bytes")
        }
        if riffEnd > size {
            throw .truncated("the RIFF size at byte 4 says \(riffEnd) bytes but the object has \(size)")
        }
        try emit(gather.bytes)
        gather.start(8)
        state = .chunkHeader
    }

    private mutating func startChunk(at start: Int64) throws(FileProblem) {
        chunkType = gather.bigEndian(at: 0, width: 4)
        chunkSize = Int(gather.littleEndian(at: 4, width: 4))
        chunkStart = start
        for byte in gather.bytes[0..<4] where byte < 0x20 || byte > 0x7E {
            throw .malformed("chunk at byte \(start) has a non-ASCII FourCC")
        }
        let end = start + 8 + Int64(chunkSize) + Int64(chunkSize & 1)
        guard end <= riffEnd else {
            throw .malformed("chunk \(Self.name(chunkType)) at byte \(start) runs past the RIFF end at byte \(riffEnd)")
        }
        if chunks == 0, !Self.imageChunks.contains(chunkType) {
            throw .malformed("the first chunk, at byte 12, is \(Self.name(chunkType)), not VP8, VP8L or VP8X")
        }
        chunks += 1
        let padded = chunkSize + chunkSize & 1
        keep = true
        if chunkType == Self.vp8x {
            guard chunkSize == 10 else { throw .malformed("VP8X chunk at byte \(start) is \(chunkSize) bytes, not 10") }
        }
        if output != nil {
            if chunkType == Self.vp8x || (chunkType == Self.exif && padded <= Self.maximumExif) {
                let header = gather.bytes
                gather.start(padded)
                state = .chunkCollect
                if chunkType == Self.vp8x {
                    flagsOffset = written + 8
                    try emit(header)
                }
                return
            }
            if chunkType == Self.exif || chunkType == Self.xmp {
                keep = false
                stripped = true
            }
        }
        if keep { try emit(gather.bytes) }
        if padded == 0 { endChunk() } else { state = .chunkData(remaining: padded) }
    }

    private mutating func endCollected() throws(FileProblem) {
        let data = gather.bytes
        if chunkType == Self.vp8x {
            flags = data[0]
            try emit(data)
            endChunk()
            return
        }
        var exif = Array(data[0..<chunkSize])
        if exif.starts(with: ExifOrientation.exifHeader) { exif.removeFirst(ExifOrientation.exifHeader.count) }
        if flagsOffset != nil, !wroteExif, let orientation = ExifOrientation.parse(exif) {
            let minimal = ExifOrientation.minimalTIFF(orientation)
            if data != minimal { stripped = true }
            try emit(Self.chunk(Self.exif, minimal))
            wroteExif = true
        } else {
            stripped = true
        }
        endChunk()
    }

    private mutating func endChunk() {
        let end = chunkStart + 8 + Int64(chunkSize) + Int64(chunkSize & 1)
        if end == riffEnd {
            state = .done
        } else {
            gather.start(8)
            state = .chunkHeader
        }
    }

    mutating func finish() throws(FileProblem) {
        guard case .done = state else {
            throw .truncated("the file ends at byte \(offset), before the RIFF end at byte \(max(riffEnd, 12))")
        }
        guard let output else { return }
        if let flagsOffset {
            let fixed = flags & ~(Self.exifFlag | Self.xmpFlag) | (wroteExif ? Self.exifFlag : 0)
            if fixed != flags {
                try output.patch(at: flagsOffset, [fixed])
                stripped = true
            }
        }
        if written != riffEnd {
            let riffSize = UInt32(written - 8)
            try output.patch(at: 4, Self.littleEndian(riffSize))
            stripped = true
        }
    }

    mutating func finishHead() throws(FileProblem) {}

    private mutating func emit(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(FileProblem) {
        try output?.write(bytes, range)
        written += Int64(range.count)
    }

    private mutating func emit(_ bytes: [UInt8]) throws(FileProblem) {
        try output?.write(bytes)
        written += Int64(bytes.count)
    }

    /// A whole chunk: FourCC, little-endian size, data and the pad byte an odd size needs.
    static func chunk(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        var bytes = PNGInspector.bigEndian(type) + littleEndian(UInt32(data.count)) + data
        if data.count & 1 == 1 { bytes.append(0) }
        return bytes
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }

    static func fourCC(_ text: String) -> UInt32 {
        text.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func name(_ type: UInt32) -> String {
        String(decoding: PNGInspector.bigEndian(type), as: UTF8.self)
    }
}
