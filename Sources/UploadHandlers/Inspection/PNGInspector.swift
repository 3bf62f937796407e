import CZlib

/// Walks a PNG's chunks to IEND, checking every CRC, and (given an output) drops text, time and EXIF chunks.
///
/// States, in file order: `signature` → `chunkHeader` → `chunkData` (skipped when empty) → `chunkCRC` →
/// `chunkHeader` again, or `done` after IEND, where any further byte is trailing data.
struct PNGInspector: FileInspector {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let ihdr: UInt32 = 0x4948_4452
    static let iend: UInt32 = 0x4945_4E44
    static let exif: UInt32 = 0x6558_4966
    /// tEXt, zTXt, iTXt, tIME: text and the time of last modification.
    static let dropped: Set<UInt32> = [0x7445_5874, 0x7A54_5874, 0x6954_5874, 0x7449_4D45]
    static let maximumLength: UInt32 = 0x7FFF_FFFF
    /// The largest eXIf chunk whose orientation is read; a larger one is dropped without it.
    static let maximumExif = 1 << 20

    private enum State {
        case signature, chunkHeader
        case chunkData(remaining: Int)
        case chunkCRC, done
    }

    /// What happens to the current chunk's bytes.
    private enum Disposition {
        /// Written out as they pass (or merely checked, without an output).
        case copy
        /// Not written.
        case drop
        /// Collected (eXIf), then written as is, replaced by the minimal orientation EXIF, or dropped.
        case collect
    }

    private let output: StrippedOutput?
    private(set) var stripped = false
    private var state = State.signature
    private var gather = ByteGatherer()
    private var offset: Int64 = 0
    private var chunkStart: Int64 = 0
    private var chunkType: UInt32 = 0
    private var chunkLength = 0
    private var crc: uLong = 0
    private var chunks = 0
    private var disposition = Disposition.copy
    private var collected: [UInt8] = []
    private var wroteOrientation = false

    init(output: StrippedOutput?) {
        self.output = output
        gather.start(8)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .signature:
                guard gather.take(from: bytes, at: &index) else { break }
                guard gather.bytes == Self.signature else { throw .malformed("no PNG signature at byte 0") }
                try output?.write(Self.signature)
                gather.start(8)
                state = .chunkHeader
            case .chunkHeader:
                guard gather.take(from: bytes, at: &index) else { break }
                try startChunk(at: offset + Int64(index) - 8)
            case .chunkData(let remaining):
                let count = min(remaining, bytes.count - index)
                let slice = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)])
                crc = crc32(crc, slice.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(count))
                switch disposition {
                case .copy: try output?.write(slice)
                case .drop: break
                case .collect: if collected.count + count <= Self.maximumExif { collected.append(contentsOf: slice) }
                }
                index += count
                if remaining == count {
                    gather.start(4)
                    state = .chunkCRC
                } else {
                    state = .chunkData(remaining: remaining - count)
                }
            case .chunkCRC:
                guard gather.take(from: bytes, at: &index) else { break }
                try endChunk()
            case .done:
                throw .trailingData(
                    "\(bytes.count - index) or more bytes follow IEND, from byte \(offset + Int64(index))"
                )
            }
        }
        offset += Int64(bytes.count)
    }

    private mutating func startChunk(at start: Int64) throws(FileProblem) {
        let length = gather.bigEndian(at: 0, width: 4)
        chunkType = gather.bigEndian(at: 4, width: 4)
        chunkStart = start
        guard length <= Self.maximumLength else {
            throw .malformed("chunk at byte \(start) claims \(length) bytes, more than 2^31-1")
        }
        for index in 4..<8 {
            let byte = gather.bytes[index] | 0x20
            guard byte >= 0x61, byte <= 0x7A else { throw .malformed("chunk at byte \(start) has a non-letter type") }
        }
        if chunks == 0, chunkType != Self.ihdr || length != 13 {
            throw .malformed("the first chunk, at byte 8, is not a 13-byte IHDR")
        }
        chunks += 1
        chunkLength = Int(length)
        crc = gather.bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress! + 4, 4) }
        if output == nil {
            disposition = .copy
        } else if Self.dropped.contains(chunkType) {
            disposition = .drop
            stripped = true
        } else if chunkType == Self.exif {
            disposition = .collect
            collected.removeAll(keepingCapacity: true)
        } else {
            disposition = .copy
            try output?.write(gather.bytes)
        }
        if chunkLength == 0 {
            gather.start(4)
            state = .chunkCRC
        } else {
            state = .chunkData(remaining: chunkLength)
        }
    }

    private mutating func endChunk() throws(FileProblem) {
        let stored = gather.bigEndian(at: 0, width: 4)
        guard stored == UInt32(truncatingIfNeeded: crc) else {
            throw .malformed("chunk \(Self.name(chunkType)) at byte \(chunkStart) has a bad CRC")
        }
        switch disposition {
        case .copy: try output?.write(gather.bytes)
        case .drop: break
        case .collect: try rewriteExif(crc: gather.bytes)
        }
        if chunkType == Self.iend {
            state = .done
        } else {
            gather.start(8)
            state = .chunkHeader
        }
    }

    /// Keeps our own minimal EXIF as it is, and replaces any other by it (or by nothing, without an orientation).
    private mutating func rewriteExif(crc stored: [UInt8]) throws(FileProblem) {
        guard let output else { return }
        let complete = collected.count == chunkLength
        let orientation = complete ? ExifOrientation.parse(collected) : nil
        let minimal = orientation.map(ExifOrientation.minimalTIFF)
        if let minimal, !wroteOrientation, collected == minimal {
            try output.write(Self.chunk(Self.exif, minimal))
            wroteOrientation = true
            return
        }
        stripped = true
        if let minimal, !wroteOrientation {
            try output.write(Self.chunk(Self.exif, minimal))
            wroteOrientation = true
        }
    }

    mutating func finish() throws(FileProblem) {
        switch state {
        case .done: return
        case .signature: throw .truncated("the file ends at byte \(offset), inside the PNG signature")
        default: throw .truncated("the file ends at byte \(offset), before IEND")
        }
    }

    mutating func finishHead() throws(FileProblem) {}

    /// A whole chunk: length, type, data, CRC.
    static func chunk(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        var bytes = bigEndian(UInt32(data.count)) + bigEndian(type) + data
        let crc = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress! + 4, uInt(data.count + 4)) }
        bytes += bigEndian(UInt32(truncatingIfNeeded: crc))
        return bytes
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func name(_ type: UInt32) -> String {
        String(decoding: bigEndian(type), as: UTF8.self)
    }
}
