/// Where a stripper writes the rewritten file; `TemporaryFile` implements it over a file in `/tmp`.
package protocol StrippedOutput: AnyObject {
    /// Appends `bytes` to the rewritten file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileProblem)
    /// Overwrites bytes already written (RIFF size, VP8X flags).
    func patch(at offset: Int64, _ bytes: [UInt8]) throws(FileProblem)
}

extension StrippedOutput {
    /// Writes a small array (a rebuilt header or segment).
    func write(_ bytes: [UInt8]) throws(FileProblem) {
        var problem: FileProblem?
        bytes.withUnsafeBytes { raw in
            do throws(FileProblem) { try write(raw) } catch { problem = error }
        }
        if let problem { throw problem }
    }

    /// Writes `bytes[range]` of an array (a run of fill bytes).
    func write(_ bytes: [UInt8], _ range: Range<Int>) throws(FileProblem) {
        var problem: FileProblem?
        bytes.withUnsafeBytes { raw in
            do throws(FileProblem) { try write(raw, range) } catch { problem = error }
        }
        if let problem { throw problem }
    }

    /// Writes `bytes[range]`.
    func write(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(FileProblem) {
        if !range.isEmpty { try write(UnsafeRawBufferPointer(rebasing: bytes[range])) }
    }
}
