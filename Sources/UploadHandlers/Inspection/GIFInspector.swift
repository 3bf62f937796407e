/// Walks a GIF's blocks from the header to the trailer 0x3B.
///
/// States: `header` (signature and logical screen descriptor) → `skip` over the global colour table → `block`, which
/// reads an introducer: 0x21 → `extensionLabel` → `subBlockSize` ↔ `subBlockData`; 0x2C → `imageDescriptor` → `skip`
/// over a local colour table → `codeSize` → sub-blocks; 0x3B → `done`, where any further byte is trailing data.
/// GIFs carry no EXIF; comments are left alone (the markup scan sees them).
struct GIFInspector: FileInspector {
    private enum State {
        case header
        case skip(remaining: Int)
        case block, extensionLabel, imageDescriptor, codeSize, subBlockSize
        case subBlockData(remaining: Int)
        case done
    }

    let stripped = false
    private var state = State.header
    /// Where a `skip` leads.
    private var afterSkip = State.block
    private var gather = ByteGatherer()
    private var offset: Int64 = 0

    init() { gather.start(13) }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var index = 0
        while index < bytes.count {
            let at = offset + Int64(index)
            switch state {
            case .header:
                guard gather.take(from: bytes, at: &index) else { break }
                let signature = Array(gather.bytes[0..<6])
                guard signature == Array("GIF87a".utf8) || signature == Array("GIF89a".utf8) else {
                    throw .malformed("no GIF87a or GIF89a header at byte 0")
                }
                let packed = gather.bytes[10]
                startSkip(packed & 0x80 == 0 ? 0 : 3 << (Int(packed & 7) + 1), then: .block)
            case .skip(let remaining):
                let count = min(remaining, bytes.count - index)
                index += count
                state = remaining == count ? afterSkip : .skip(remaining: remaining - count)
            case .block:
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x21: state = .extensionLabel
                case 0x2C:
                    gather.start(9)
                    state = .imageDescriptor
                case 0x3B: state = .done
                default: throw .malformed("unknown block 0x\(String(byte, radix: 16)) at byte \(at)")
                }
            case .extensionLabel:
                index += 1
                state = .subBlockSize
            case .imageDescriptor:
                guard gather.take(from: bytes, at: &index) else { break }
                let packed = gather.bytes[8]
                startSkip(packed & 0x80 == 0 ? 0 : 3 << (Int(packed & 7) + 1), then: .codeSize)
            case .codeSize:
                let size = bytes[index]
                guard (1...11).contains(size) else { throw .malformed("LZW minimum code size \(size) at byte \(at)") }
                index += 1
                state = .subBlockSize
            case .subBlockSize:
                let size = Int(bytes[index])
                index += 1
                state = size == 0 ? .block : .subBlockData(remaining: size)
            case .subBlockData(let remaining):
                let count = min(remaining, bytes.count - index)
                index += count
                state = remaining == count ? .subBlockSize : .subBlockData(remaining: remaining - count)
            case .done:
                throw .trailingData("\(bytes.count - index) or more bytes follow the GIF trailer, from byte \(at)")
            }
        }
        offset += Int64(bytes.count)
    }

    private mutating func startSkip(_ count: Int, then next: State) {
        afterSkip = next
        state = count == 0 ? next : .skip(remaining: count)
    }

    mutating func finish() throws(FileProblem) {
        guard case .done = state else { throw .truncated("the file ends at byte \(offset), before the GIF trailer") }
    }

    mutating func finishHead() throws(FileProblem) {}
}
