import CZlib

/// A zlib inflate stream with a fixed output window: the only code in the inspectors that touches zlib's pointers.
///
/// A class because zlib keeps a pointer back to its `z_stream` and refuses a stream that moved; the stream and the
/// window are allocated once and reused for every FlateDecode stream of a file.
final class Inflater {
    /// How many bytes each inflate call may produce.
    static let windowSize = 64 * 1024

    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let window = UnsafeMutableRawBufferPointer.allocate(byteCount: windowSize, alignment: 16)
    private var initialised = false

    init() {
        stream.initialize(to: z_stream())
    }

    deinit {
        if initialised { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        window.deallocate()
    }

    /// Starts a new zlib stream.
    func start() -> Bool {
        if initialised { return inflateReset(stream) == Z_OK }
        stream.pointee = z_stream()
        initialised = ue_inflate_init(stream) == Z_OK
        return initialised
    }

    /// The result of one inflate step.
    struct Step {
        /// How many input bytes zlib took.
        var consumed: Int
        /// The bytes it produced, valid until the next step.
        var output: UnsafeRawBufferPointer
        /// Whether the zlib stream ended.
        var ended: Bool
    }

    /// Inflates from `input` into the window once.
    /// - Returns: nil when the data is not zlib (a bad header, a bad block, a bad checksum).
    func step(_ input: UnsafeRawBufferPointer) -> Step? {
        let base = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.next_in = base
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = window.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(Self.windowSize)
        let status = inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = Self.windowSize - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        switch status {
        case Z_OK, Z_BUF_ERROR, Z_STREAM_END:
            let output = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(window)[0..<produced])
            return Step(consumed: consumed, output: output, ended: status == Z_STREAM_END)
        default:
            return nil
        }
    }
}
