#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds markup and script anywhere in a binary file, across chunk boundaries.
///
/// Markers are matched ASCII case-insensitively. Compressed image data looks random, so a marker is only worth
/// having when random bytes practically never contain it. A marker of `l` letters and `n` other bytes matches a
/// random position with probability (2/256)^l · (1/256)^n; over the 10^7 positions of a 10 MB file that gives:
///
/// | marker              | expected hits in 10 MB | kept |
/// |---------------------|------------------------|------|
/// | `<script`           | 8.9e-9                 | yes  |
/// | `<iframe`           | 8.9e-9                 | yes  |
/// | `<object`           | 8.9e-9                 | yes  |
/// | `<!doctype`         | 2.7e-13                | yes  |
/// | `<html ` / `<html>` | 5.7e-7 each            | yes  |
/// | `<embed ` / `<embed>` | 4.4e-9 each          | yes  |
/// | `<svg xmlns`        | 2.1e-15                | yes  |
/// | `javascript:`       | 3.3e-17                | yes  |
/// | `onerror=`          | 6.9e-11                | yes  |
/// | `onload=`           | 8.9e-9                 | yes  |
/// | `<html`             | 1.5e-4                 | no: `<html ` and `<html>` instead |
/// | `<embed`            | 1.1e-6                 | no: `<embed ` and `<embed>` instead |
/// | `<svg ` / `<svg>`   | 7.3e-5 each            | no: `<svg xmlns`; an SVG script needs `<script` or `on…=` anyway |
/// | `<?php`             | 7.3e-5                 | no |
///
/// The scan looks for the rare bytes `<`, `:` and `=` with `memchr` and compares the few bytes around each, so it
/// runs at memory speed on binary data.
package struct MarkupScanner {
    /// Markers that start with `<`, lowercased.
    static let openers: [[UInt8]] = [
        "<script", "<iframe", "<object", "<!doctype", "<html ", "<html>", "<embed ", "<embed>", "<svg xmlns",
    ].map { Array($0.utf8) }
    /// Markers that end with `:` or `=`, lowercased.
    static let closers: [[UInt8]] = ["javascript:", "onerror=", "onload="].map { Array($0.utf8) }
    static let all = openers + closers
    /// The longest marker, less one: how many bytes a match can reach back into the previous chunk.
    static let overlap = 10

    /// The last bytes of the previous chunks (at most `overlap`), for matches that straddle a boundary.
    private var carry: [UInt8] = []
    /// How many bytes were consumed before the current chunk.
    private var offset: Int64 = 0

    /// A scanner at the start of a file, with nothing carried over.
    package init() {}

    /// Throws "active-content" naming the marker and its offset.
    package mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        guard !bytes.isEmpty else { return }
        if !carry.isEmpty { try scanBoundary(bytes) }
        try scanOpeners(bytes)
        try scanClosers(bytes, needle: 0x3A)
        try scanClosers(bytes, needle: 0x3D)
        let keep = Self.overlap
        if bytes.count >= keep {
            carry = Array(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - keep)...]))
        } else {
            carry.append(contentsOf: bytes)
            if carry.count > keep { carry.removeFirst(carry.count - keep) }
        }
        offset += Int64(bytes.count)
    }

    /// Matches that start in the carried bytes and end in this chunk.
    private func scanBoundary(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var window = carry
        window.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, Self.overlap)]))
        let base = offset - Int64(carry.count)
        let found = window.withUnsafeBytes { raw -> FileProblem? in
            for start in 0..<carry.count {
                for marker in Self.all where Self.matches(marker, raw, at: start) {
                    return Self.problem(marker, at: base + Int64(start))
                }
            }
            return nil
        }
        if let found { throw found }
    }

    private func scanOpeners(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count, let hit = memchr(base + index, 0x3C, bytes.count - index) {
            let position = base.distance(to: UnsafeRawPointer(hit))
            for marker in Self.openers where Self.matches(marker, bytes, at: position) {
                throw Self.problem(marker, at: offset + Int64(position))
            }
            index = position + 1
        }
    }

    private func scanClosers(_ bytes: UnsafeRawBufferPointer, needle: Int32) throws(FileProblem) {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count, let hit = memchr(base + index, needle, bytes.count - index) {
            let position = base.distance(to: UnsafeRawPointer(hit))
            for marker in Self.closers where marker.last == UInt8(needle) {
                let start = position + 1 - marker.count
                if start >= 0, Self.matches(marker, bytes, at: start) {
                    throw Self.problem(marker, at: offset + Int64(start))
                }
            }
            index = position + 1
        }
    }

    /// Whether `marker` (lowercase) is at `start`, ignoring ASCII case.
    @inline(__always)
    static func matches(_ marker: [UInt8], _ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start + marker.count <= bytes.count else { return false }
        for (index, expected) in marker.enumerated() {
            var byte = bytes[start + index]
            if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != expected { return false }
        }
        return true
    }

    static func problem(_ marker: [UInt8], at offset: Int64) -> FileProblem {
        let name = String(decoding: marker, as: UTF8.self)
        return .activeContent("found markup or script \"\(name)\" at byte \(offset)")
    }
}
