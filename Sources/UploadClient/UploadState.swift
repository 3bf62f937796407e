import Crypto
// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// What resuming an interrupted multipart upload needs, kept in a JSON file beside the file (or in a state
/// directory) from the moment S3 starts the upload until it completes.
///
/// It holds the session, so it is written readable by its owner only (0600).
public struct UploadState: Sendable, Equatable, Codable {
    public var path: String
    public var size: Int64
    /// Nanoseconds since 1970.
    public var mtime: Int64
    public var key: String
    public var uploadId: String
    public var session: String
    public var partSize: Int64
    public var partCount: Int
    /// The API the upload belongs to: a state for another API is not resumed.
    public var api: String
    public var contentType: String

    public init(
        path: String,
        size: Int64,
        mtime: Int64,
        key: String,
        uploadId: String,
        session: String,
        partSize: Int64,
        partCount: Int,
        api: String,
        contentType: String
    ) {
        self.path = path
        self.size = size
        self.mtime = mtime
        self.key = key
        self.uploadId = uploadId
        self.session = session
        self.partSize = partSize
        self.partCount = partCount
        self.api = api
        self.contentType = contentType
    }

    /// Whether `file` is still the file this state was written for.
    public func matches(_ file: UploadFile) -> Bool {
        size == file.size && mtime == file.modificationTime
    }

    /// Where the state of the file at `path` lives: `FILE.upload-edge-state.json` beside it, or in `directory`
    /// as `NAME.HASH.upload-edge-state.json` (the hash of the absolute path keeps same-named files apart).
    public static func location(for path: String, directory: String?) -> String {
        let absolute = absolutePath(path)
        guard let directory else { return absolute + ".upload-edge-state.json" }
        let digest = SHA256.hash(data: Array(absolute.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let name = (absolute as NSString).lastPathComponent
        return (directory as NSString).appendingPathComponent("\(name).\(digest).upload-edge-state.json")
    }

    static func absolutePath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.standardizedFileURL.path
    }

    /// The state at `location`, or `nil` when there is none.
    /// - Throws: `UploadError.stateFile` when a file is there but is not a state.
    public static func load(from location: String) throws(UploadError) -> UploadState? {
        guard let data = FileManager.default.contents(atPath: location) else { return nil }
        do {
            return try JSONDecoder().decode(UploadState.self, from: data)
        } catch {
            throw UploadError(
                .stateFile,
                "\(location) is not an upload-edge state file (\(error)); delete it to start the upload afresh"
            )
        }
    }

    /// Writes the state atomically (a temporary file renamed over), readable by its owner only.
    public func save(to location: String) throws(UploadError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = location + ".tmp-\(getpid())"
        do {
            let data = try encoder.encode(self)
            guard
                FileManager.default.createFile(
                    atPath: temporary,
                    contents: data,
                    attributes: [.posixPermissions: 0o600]
                )
            else {
                throw CocoaError(.fileWriteNoPermission)
            }
            if rename(temporary, location) != 0 { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw UploadError(
                .stateFile,
                "cannot write the resume state \(location); pass --state-dir with a directory you can write to"
            )
        }
    }

    public static func remove(at location: String) {
        try? FileManager.default.removeItem(atPath: location)
    }
}
