import Crypto
import S3

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads an object through bounded ranged GETs and checks all of it: its structure to the end (nothing after an
/// image's end marker), markup and script anywhere in an image, PDF actions anywhere (inside compressed object
/// streams too). Given `strip`, it writes the object again without identifying metadata, to a temporary file.
///
/// Memory stays bounded: one `readBytes` buffer at a time, never the whole object. Objects over `maxBytes` are
/// checked by their first `maxBytes - tailBytes` bytes and their last `tailBytes`.
package struct ObjectInspection {
    /// One ranged GET.
    package static let readBytes: Int64 = 1024 * 1024
    /// The tail checked of an object too large to read whole.
    static let tailBytes: Int64 = 1024 * 1024

    let client: S3Client
    let maxBytes: Int64

    /// An inspection that reads objects with `client`.
    /// - Parameters:
    ///   - client: The S3 client the ranged GETs go through.
    ///   - maxBytes: The largest object read whole; larger ones are checked by their head and tail only.
    package init(client: S3Client, maxBytes: Int64) {
        self.client = client
        self.maxBytes = maxBytes
    }

    /// What an inspection found besides a problem: the digest, whether all of the object was read, and any stripped copy.
    package struct Result {
        /// The hex SHA-256 of the object, when stripping (it is recorded on the rewritten object); empty otherwise.
        package var sha256Hex: String
        /// Whether every byte was checked; `false` for an object over `maxBytes`, checked by its head and tail.
        package var wholeFile: Bool
        /// The stripped copy, when stripping removed something.
        package var stripped: TemporaryFile?
    }

    /// Checks the object at `key` from its first byte to its last (or its head and tail, when too large), and strips it.
    /// - Parameters:
    ///   - bucket: The bucket holding the object.
    ///   - key: The object's key.
    ///   - head: The object's HEAD, for its size.
    ///   - type: The declared media type, which picks the format inspector.
    ///   - strip: Whether to write a copy without identifying metadata (only for objects read whole).
    /// - Throws: ``FileProblem`` for a file that fails the check or cannot be stripped, or `S3Error` when a read fails.
    package func inspect(
        bucket: String,
        key: String,
        head: S3ObjectHead,
        type: String,
        strip: Bool
    ) throws -> Result {
        let size = head.size
        let wholeFile = size <= maxBytes
        let output = strip && wholeFile ? try TemporaryFile() : nil
        var inspector = FileInspectors.inspector(for: type, size: size, output: output)
        var markup = type == "application/pdf" ? nil : MarkupScanner()
        // Hashed only for a rewrite's metadata: checks alone need no digest.
        var digest = output != nil ? SHA256() : nil
        let headEnd = wholeFile ? size : maxBytes - Self.tailBytes
        var offset: Int64 = 0
        // The next range is read while this one is checked.
        let reader = RangePrefetcher(client: client, bucket: bucket, key: key, end: headEnd, rangeBytes: Self.readBytes)
        defer { reader.finish() }
        do {
            while offset < headEnd {
                let bytes = try reader.next()
                guard !bytes.isEmpty else { break }
                // A closure that throws FileProblem crashes IRGen in withUnsafeBytes (Swift 6.3): catch inside.
                var failure: FileProblem?
                bytes.withUnsafeBytes { buffer in
                    do throws(FileProblem) {
                        try inspector?.consume(buffer)
                        try markup?.consume(buffer)
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                digest?.update(data: bytes)
                offset += Int64(bytes.count)
            }
            reader.finish()
            if wholeFile {
                guard offset == size else {
                    throw FileProblem(reason: "truncated", detail: "S3 answered \(offset) of \(size) bytes")
                }
                try inspector?.finish()
            } else {
                try inspector?.finishHead()
                let tail = try client.getObject(bucket: bucket, key: key, range: (size - Self.tailBytes)...(size - 1))
                var tailMarkup = MarkupScanner()
                var failure: FileProblem?
                tail.withUnsafeBytes { buffer in
                    do throws(FileProblem) { try tailMarkup.consume(buffer) } catch { failure = error }
                }
                if let failure { throw failure }
                try FileInspectors.checkTail(type: type, tail)
            }
        } catch let problem as FileProblem {
            throw ObjectValidation.Rejection(problem.reason, problem.detail)
        }
        let hex =
            (digest?.finalize()).map { value in
                value.map { byte in
                    let digits = Array("0123456789abcdef".utf8)
                    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
                }.joined()
            } ?? ""
        let stripped = (inspector?.stripped ?? false) ? output : nil
        return Result(sha256Hex: hex, wholeFile: wholeFile, stripped: stripped)
    }
}

/// A file under the temporary directory (`/tmp` in Lambda), removed when released: where a stripped image is
/// written before it is uploaded again.
package final class TemporaryFile: StrippedOutput {
    let path: String
    private let descriptor: Int32
    /// How many bytes have been written so far.
    package private(set) var count: Int64 = 0

    init() throws(FileProblem) {
        var template = Array("/tmp/upload-edge-strip-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw FileProblem(reason: "too-complex", detail: "no temporary file for the stripped copy: errno \(errno)")
        }
        self.descriptor = descriptor
        self.path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Appends `bytes`, retrying short writes.
    /// - Throws: ``FileProblem`` (`too-complex`) when the file cannot be written, e.g. `/tmp` is full.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(FileProblem) {
        var done = 0
        while done < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            guard written > 0 else {
                throw FileProblem(reason: "too-complex", detail: "the stripped copy cannot be written: errno \(errno)")
            }
            done += written
        }
        count += Int64(bytes.count)
    }

    /// Overwrites bytes already written at `offset`.
    /// - Throws: ``FileProblem`` (`too-complex`) when the file cannot be written.
    package func patch(at offset: Int64, _ bytes: [UInt8]) throws(FileProblem) {
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else {
            throw FileProblem(reason: "too-complex", detail: "the stripped copy cannot be patched: errno \(errno)")
        }
    }

    /// `length` bytes from `offset`.
    func read(at offset: Int64, length: Int) throws(FileProblem) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done))
            }
            guard got > 0 else {
                throw FileProblem(reason: "too-complex", detail: "the stripped copy cannot be read: errno \(errno)")
            }
            done += got
        }
        return bytes
    }
}
