/// Collects a fixed number of bytes (a chunk header, a small segment) that may arrive split across chunks.
///
/// Its storage is reused from one header to the next, so a walk allocates once per file, not once per header.
struct ByteGatherer {
    private(set) var bytes: [UInt8] = []
    private var wanted = 0

    /// Starts collecting `count` bytes, dropping what was collected before.
    mutating func start(_ count: Int) {
        bytes.removeAll(keepingCapacity: true)
        wanted = count
    }

    /// Takes what is still missing from `input` at `index` and advances `index` past it.
    /// - Returns: Whether all the wanted bytes are now collected.
    mutating func take(from input: UnsafeRawBufferPointer, at index: inout Int) -> Bool {
        let count = min(wanted - bytes.count, input.count - index)
        if count > 0 {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index + count)]))
            index += count
        }
        return bytes.count == wanted
    }

    /// The big-endian unsigned integer of `width` bytes at `offset`.
    func bigEndian(at offset: Int, width: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt32(bytes[index]) }
        return value
    }

    /// The little-endian unsigned integer of `width` bytes at `offset`.
    func littleEndian(at offset: Int, width: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in (offset..<(offset + width)).reversed() { value = value << 8 | UInt32(bytes[index]) }
        return value
    }
}
