import Crypto
// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for upload: its size and modification time, read by range with `pread` in bounded buffers, so
/// any number of threads can read parts of it at once and no more than a part is ever in memory per thread.
public final class UploadFile: Sendable {
    public let path: String
    public let size: Int64
    /// Nanoseconds since 1970: with `size`, what tells whether the file changed since an interrupted upload.
    public let modificationTime: Int64
    private let descriptor: Int32

    /// How much one `sha256` read holds at a time.
    static let hashChunkBytes = 1 << 20

    public init(path: String) throws(UploadError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw UploadError(.invalidInput, "cannot open \(path): \(reason)")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw UploadError(.invalidInput, "\(path) is not a regular file")
        }
        self.path = path
        self.descriptor = descriptor
        self.size = Int64(info.st_size)
        #if canImport(Darwin)
        self.modificationTime = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        self.modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
    }

    deinit { close(descriptor) }

    /// Reads `length` bytes at `offset` into `buffer`, which ends up exactly `length` long.
    /// - Throws: `UploadError.fileChanged` when the file is now shorter; `.invalidInput` on a read error.
    public func read(offset: Int64, length: Int, into buffer: inout [UInt8]) throws(UploadError) {
        if buffer.count != length { buffer = [UInt8](repeating: 0, count: length) }
        var done = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { bytes in
            while done < length {
                let count = pread(descriptor, bytes.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { return }
                done += count
            }
        }
        if failure != 0 {
            throw UploadError(.invalidInput, "cannot read \(path): \(String(cString: strerror(failure)))")
        }
        if done < length {
            throw UploadError(.fileChanged, "\(path) became shorter while it was being uploaded; run again")
        }
    }

    /// The base64 SHA-256 of `length` bytes at `offset`, read `hashChunkBytes` at a time through `scratch`.
    public func sha256(offset: Int64, length: Int64, scratch: inout [UInt8]) throws(UploadError) -> String {
        var hasher = SHA256()
        var position: Int64 = 0
        while position < length {
            let count = Int(min(Int64(Self.hashChunkBytes), length - position))
            try read(offset: offset + position, length: count, into: &scratch)
            hasher.update(data: scratch)
            position += Int64(count)
        }
        return Data(hasher.finalize()).base64EncodedString()
    }

    /// The file's name without its directory, for the API's `filename`.
    public var filename: String { (path as NSString).lastPathComponent }
}
