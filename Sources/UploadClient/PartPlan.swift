/// Where each part of a multipart upload lies in the file: every part `partSize` bytes but the last.
public struct PartPlan: Sendable, Equatable {
    public let size: Int64
    public let partSize: Int64
    public let partCount: Int

    /// - Throws: `UploadError.transferFailed` when the API's part size and count do not describe `size` bytes.
    public init(size: Int64, partSize: Int64, partCount: Int) throws(UploadError) {
        guard partSize > 0, partCount >= 1, Int64(partCount - 1) * partSize < max(size, 1),
            Int64(partCount) * partSize >= size
        else {
            throw UploadError(
                .transferFailed,
                "the API planned \(partCount) parts of \(partSize) bytes, which do not make \(size) bytes"
            )
        }
        self.size = size
        self.partSize = partSize
        self.partCount = partCount
    }

    /// The byte offset of part `number` (1-based).
    public func offset(of number: Int) -> Int64 { Int64(number - 1) * partSize }

    /// The length of part `number`: `partSize`, or what is left for the last.
    public func length(of number: Int) -> Int64 {
        number == partCount ? size - offset(of: number) : partSize
    }
}

/// One uploaded part, as completion needs it.
public struct CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String
    public var checksumSHA256: String?

    public init(partNumber: Int, etag: String, checksumSHA256: String?) {
        self.partNumber = partNumber
        self.etag = etag
        self.checksumSHA256 = checksumSHA256
    }
}
