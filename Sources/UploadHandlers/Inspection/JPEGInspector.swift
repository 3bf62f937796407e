#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a JPEG's markers and segments from SOI to EOI, through the entropy-coded data of every scan, and (given an
/// output) drops the segments that carry EXIF, XMP, IPTC and comments.
///
/// States: `soi` → `marker` (expects 0xFF) → `markerCode` (skips fill bytes 0xFF) → for a length-prefixed segment
/// `segmentLength` → `segmentData` or `segmentCollect` → `marker`, or after SOS `entropy` ↔ `entropyFF` until a
/// marker other than RSTn; EOI leads to `done`, where any further byte is trailing data.
struct JPEGInspector: FileInspector {
    static let sos: UInt8 = 0xDA
    static let eoi: UInt8 = 0xD9
    static let app1: UInt8 = 0xE1
    static let app2: UInt8 = 0xE2
    static let iccProfile: [UInt8] = Array("ICC_PROFILE\0".utf8)
    /// A run of fill bytes to write from.
    static let fill = [UInt8](repeating: 0xFF, count: 256)

    private enum State {
        case soi, marker, markerCode, segmentLength
        case segmentData(remaining: Int)
        case segmentCollect, entropy, entropyFF
        case done
    }

    private let output: StrippedOutput?
    private(set) var stripped = false
    private var state = State.soi
    private var gather = ByteGatherer()
    private var offset: Int64 = 0
    /// The current marker, its offset and how many fill bytes came before it.
    private var code: UInt8 = 0
    private var markerStart: Int64 = 0
    private var fills = 0
    private var keep = true
    private var wroteOrientation = false

    init(output: StrippedOutput?) {
        self.output = output
        gather.start(2)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .soi:
                guard gather.take(from: bytes, at: &index) else { break }
                guard gather.bytes == [0xFF, 0xD8] else { throw .malformed("no JPEG SOI marker at byte 0") }
                try output?.write(gather.bytes)
                state = .marker
            case .marker:
                let byte = bytes[index]
                guard byte == 0xFF else {
                    let at = offset + Int64(index)
                    throw .malformed("expected a marker at byte \(at), found 0x\(String(byte, radix: 16))")
                }
                markerStart = offset + Int64(index)
                fills = 0
                index += 1
                state = .markerCode
            case .markerCode:
                let byte = bytes[index]
                index += 1
                if byte == 0xFF {
                    fills += 1
                } else {
                    try startMarker(byte)
                }
            case .segmentLength:
                guard gather.take(from: bytes, at: &index) else { break }
                try startSegment()
            case .segmentData(let remaining):
                let count = min(remaining, bytes.count - index)
                if keep { try output?.write(bytes, index..<(index + count)) }
                index += count
                if remaining == count { endSegment() } else { state = .segmentData(remaining: remaining - count) }
            case .segmentCollect:
                guard gather.take(from: bytes, at: &index) else { break }
                try rewriteCollected()
                endSegment()
            case .entropy:
                index = try scanEntropy(bytes, from: index)
            case .entropyFF:
                // A 0xFF ended the previous chunk; this byte says whether it was data or a marker.
                let byte = bytes[index]
                if byte == 0x00 || (0xD0...0xD7).contains(byte) {
                    try output?.write(Self.fill, 0..<1)
                    state = .entropy
                } else if byte == 0xFF {
                    try output?.write(Self.fill, 0..<1)
                    index += 1
                } else {
                    markerStart = offset + Int64(index) - 1
                    fills = 0
                    index += 1
                    try startMarker(byte)
                }
            case .done:
                throw .trailingData(
                    "\(bytes.count - index) or more bytes follow EOI, from byte \(offset + Int64(index))"
                )
            }
        }
        offset += Int64(bytes.count)
    }

    /// Copies entropy-coded data up to the next marker that is not a stuffed 0xFF00 or an RSTn.
    /// - Returns: The index after the marker code, or the end of `bytes`.
    private mutating func scanEntropy(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(FileProblem) -> Int {
        guard let base = bytes.baseAddress else { return bytes.count }
        var index = start
        while index < bytes.count, let hit = memchr(base + index, 0xFF, bytes.count - index) {
            let position = base.distance(to: UnsafeRawPointer(hit))
            guard position + 1 < bytes.count else {
                try output?.write(bytes, start..<position)
                state = .entropyFF
                return bytes.count
            }
            let next = bytes[position + 1]
            if next == 0x00 || (0xD0...0xD7).contains(next) {
                index = position + 2
            } else if next == 0xFF {
                index = position + 1
            } else {
                try output?.write(bytes, start..<position)
                markerStart = offset + Int64(position)
                fills = 0
                try startMarker(next)
                return position + 2
            }
        }
        try output?.write(bytes, start..<bytes.count)
        return bytes.count
    }

    /// Handles the marker `code`, after its 0xFF and `fills` fill bytes.
    private mutating func startMarker(_ code: UInt8) throws(FileProblem) {
        self.code = code
        switch code {
        case 0xD8:
            throw .malformed("a second SOI marker at byte \(markerStart)")
        case 0x00:
            throw .malformed("a stuffed 0xFF00 outside entropy-coded data at byte \(markerStart)")
        case Self.eoi, 0x01, 0xD0...0xD7:
            try writeMarker()
            state = code == Self.eoi ? .done : .marker
        default:
            gather.start(2)
            state = .segmentLength
        }
    }

    private func writeMarker() throws(FileProblem) {
        guard let output else { return }
        var remaining = fills + 1
        while remaining > 0 {
            let count = min(remaining, Self.fill.count)
            try output.write(Self.fill, 0..<count)
            remaining -= count
        }
        try output.write([code])
    }

    private mutating func startSegment() throws(FileProblem) {
        let length = Int(gather.bigEndian(at: 0, width: 2))
        guard length >= 2 else {
            throw .malformed("segment 0xFF\(String(code, radix: 16)) at byte \(markerStart) has length \(length)")
        }
        let lengthBytes = gather.bytes
        keep = true
        if output != nil {
            switch code {
            case Self.app1, Self.app2:
                // Decided once the segment is in: APP1 may be our own orientation EXIF, APP2 may be ICC.
                gather.start(length - 2)
                state = .segmentCollect
                if length == 2 {
                    try rewriteCollected()
                    endSegment()
                }
                return
            case 0xE0, 0xEE: keep = true  // JFIF; Adobe, which says how to transform colours
            case 0xE3...0xED, 0xEF, 0xFE: keep = false  // APP3-APP13 (IPTC in APP13), APP15, COM
            default: keep = true
            }
        }
        if keep {
            try writeMarker()
            try output?.write(lengthBytes)
        } else {
            stripped = true
        }
        if length == 2 { endSegment() } else { state = .segmentData(remaining: length - 2) }
    }

    /// Writes a collected APP1 or APP2 segment as it was, or the minimal orientation EXIF instead, or nothing.
    private mutating func rewriteCollected() throws(FileProblem) {
        let payload = gather.bytes
        let segment = Self.segment(code, payload)
        if code == Self.app2 {
            if payload.starts(with: Self.iccProfile) {
                try writeMarker()
                try output?.write(Array(segment[2...]))
            } else {
                stripped = true
            }
            return
        }
        var orientation: UInt16?
        if payload.starts(with: ExifOrientation.exifHeader) {
            orientation = ExifOrientation.parse(payload, from: ExifOrientation.exifHeader.count)
        }
        if let orientation, !wroteOrientation {
            let minimal = Self.minimalExif(orientation)
            if minimal == segment {
                try writeMarker()
                try output?.write(Array(segment[2...]))
            } else {
                try output?.write(minimal)
                stripped = true
            }
            wroteOrientation = true
        } else {
            stripped = true
        }
    }

    private mutating func endSegment() {
        state = code == Self.sos ? .entropy : .marker
    }

    mutating func finish() throws(FileProblem) {
        guard case .done = state else { throw .truncated("the file ends at byte \(offset), before EOI") }
    }

    mutating func finishHead() throws(FileProblem) {}

    /// A whole segment: 0xFF, the marker, the length and the payload.
    static func segment(_ code: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, code, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// The APP1 segment that keeps only the orientation.
    static func minimalExif(_ orientation: UInt16) -> [UInt8] {
        segment(app1, ExifOrientation.exifHeader + ExifOrientation.minimalTIFF(orientation))
    }
}
