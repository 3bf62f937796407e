/// The Runtime API response headers the client keeps, parsed from raw header lines as libcurl delivers them.
///
/// The bytes come from the other end of a socket, so parsing never traps: any line, of any length and content,
/// either sets one captured value or is ignored, and no kept value holds CR, LF or NUL. The fuzz target `fuzz-runtime-headers` holds it to that.
package struct RuntimeResponseHeaders {
    /// The captured values, in the order of the names given at init; `nil` when absent from this response.
    package private(set) var values: [String?]
    private let names: [[UInt8]]

    /// A parser that keeps the values of `names` and nothing else; every value starts as `nil`.
    /// - Parameter names: The header names to keep, in any case.
    package init(capturing names: [String]) {
        self.names = names.map { Array($0.lowercased().utf8) }
        self.values = Array(repeating: nil, count: names.count)
    }

    /// Forgets every value: a new response begins.
    package mutating func reset() {
        for index in values.indices { values[index] = nil }
    }

    /// Takes one header line, `Name: value\r\n`, or a status line, which starts a new response (after a
    /// `100 Continue` or a redirect).
    package mutating func receive(line: UnsafeRawBufferPointer) {
        // "HTTP/" starts a status line.
        if line.count >= 5, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2F {
            reset()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        nameLoop: for (index, name) in names.enumerated() where name.count == colon {
            for offset in 0..<colon {
                var byte = line[offset]
                if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
                if byte != name[offset] { continue nameLoop }
            }
            var start = colon + 1
            var end = line.count
            while start < end, line[start] == 0x20 || line[start] == 0x09 { start += 1 }
            while end > start, line[end - 1] == 0x0A || line[end - 1] == 0x0D || line[end - 1] == 0x20 {
                end -= 1
            }
            let value = UnsafeRawBufferPointer(rebasing: line[start..<end])
            // A value is echoed into request headers (the invocation id), so one with a line break or NUL inside
            // is dropped rather than kept: it could split a header line.
            guard !value.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }) else { return }
            values[index] = String(decoding: value, as: UTF8.self)
            return
        }
    }

    /// Takes a whole header block, split into lines at each LF, as libcurl would deliver it line by line.
    package mutating func receive(block: [UInt8]) {
        block.withUnsafeBytes { bytes in
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                receive(line: UnsafeRawBufferPointer(rebasing: bytes[start...index]))
                start = index + 1
            }
            if start < bytes.count { receive(line: UnsafeRawBufferPointer(rebasing: bytes[start...])) }
        }
    }
}
