// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// Uploads files through the upload API: one presigned PUT under the multipart threshold, else a multipart upload
/// whose parts go up in parallel and which resumes from a state file after an interruption.
///
/// Blocking: call it from a thread of its own. The HTTP goes through `transport`, so a test can drive it against
/// a fake API.
public struct UploadClient: Sendable {
    /// What every upload of a run shares.
    public struct Settings: Sendable {
        /// The API's base URL, e.g. `http://127.0.0.1:8080/api`.
        public var api: String
        /// The Cognito ID token, sent as `Authorization: Bearer`.
        public var token: String
        /// Parts in flight at once.
        public var concurrency: Int
        /// The Content-Type to declare; `nil` takes it from the extension.
        public var contentType: String?
        /// Where state files go; `nil` puts each beside its file.
        public var stateDirectory: String?
        /// The clock for URL expiry.
        public var now: @Sendable () -> Date
        /// How the client waits between tries (tests pass one that does not sleep).
        public var sleep: @Sendable (Duration) -> Void

        public init(
            api: String,
            token: String,
            concurrency: Int = 4,
            contentType: String? = nil,
            stateDirectory: String? = nil,
            now: @escaping @Sendable () -> Date = { Date() },
            sleep: @escaping @Sendable (Duration) -> Void = { duration in
                Thread.sleep(
                    forTimeInterval: Double(duration.components.seconds)
                        + Double(duration.components.attoseconds) / 1e18
                )
            }
        ) {
            self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
            self.token = token
            self.concurrency = concurrency
            self.contentType = contentType
            self.stateDirectory = stateDirectory
            self.now = now
            self.sleep = sleep
        }
    }

    /// One uploaded file, as `upload-edge upload` prints it.
    public struct Result: Sendable, Equatable {
        public var file: String
        public var key: String
        public var size: Int64
        public var etag: String

        /// `{"file","key","size","etag"}` on one line.
        public var json: String {
            let object: [String: Any] = ["file": file, "key": key, "size": size, "etag": etag]
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Rounds of "complete, list what is missing, send it" before giving up on a 409.
    static let maximumCompletionRounds = 2

    public let settings: Settings
    let transport: any HTTPTransport
    let progress: any UploadProgress

    public init(settings: Settings, transport: any HTTPTransport = CurlTransport(), progress: any UploadProgress) {
        self.settings = settings
        self.transport = transport
        self.progress = progress
    }

    /// `GET /uploads`: the caller's limits, which say when to go multipart.
    public func limits() throws(UploadError) -> UploadLimits {
        try api().limits()
    }

    /// Uploads the file at `path` and returns where it went.
    public func upload(_ path: String, limits: UploadLimits) throws(UploadError) -> Result {
        let file = try UploadFile(path: path)
        let contentType = try Self.contentType(for: path, given: settings.contentType, limits: limits)
        guard file.size <= limits.maxBytes else {
            throw UploadError(
                .tooLarge,
                "\(path) is \(file.size) bytes, over your limit of \(limits.maxBytes) bytes; ask for a higher limit "
                    + "or upload a smaller file"
            )
        }
        let api = try api()
        if limits.usesMultipart(size: file.size) {
            return try multipart(file, contentType: contentType, api: api)
        }
        let singleMax = limits.singleUploadMaxBytes ?? UploadAPI.defaultSingleUploadMaxBytes
        guard file.size <= singleMax else {
            throw UploadError(
                .tooLarge,
                "\(path) is over the \(singleMax) bytes one PUT can carry, and this API does not offer multipart "
                    + "uploads (its GET /uploads has no multipartThreshold)"
            )
        }
        return try single(file, contentType: contentType, api: api)
    }

    /// The Content-Type to declare: `given`, else the one for the extension; either must be one the API accepts.
    static func contentType(for path: String, given: String?, limits: UploadLimits) throws(UploadError) -> String {
        let accepted =
            limits.allowedTypes.isEmpty ? "" : " (the API accepts \(limits.allowedTypes.joined(separator: ", ")))"
        let type: String
        if let given {
            type = given
        } else {
            let ext = (path as NSString).pathExtension.lowercased()
            guard let known = UploadAPI.contentTypes[ext] else {
                throw UploadError(
                    .invalidInput,
                    "cannot tell the type of \(path) from its extension\(ext.isEmpty ? "" : " .\(ext)"); pass "
                        + "--content-type\(accepted)"
                )
            }
            type = known
        }
        let bare = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard limits.allowedTypes.isEmpty || limits.allowedTypes.contains(where: { $0.lowercased() == bare }) else {
            throw UploadError(.unsupportedType, "\(path) would go up as \(type), which the API refuses\(accepted)")
        }
        return type
    }

    private func api() throws(UploadError) -> UploadAPIClient {
        do {
            return UploadAPIClient(
                base: settings.api,
                token: settings.token,
                connection: try transport.makeConnection()
            )
        } catch {
            throw UploadError(.unreachable, "cannot open an HTTP connection: \(error)")
        }
    }

    // MARK: - One PUT

    private func single(_ file: UploadFile, contentType: String, api: UploadAPIClient) throws(UploadError) -> Result {
        var scratch: [UInt8] = []
        let checksum = try file.sha256(offset: 0, length: file.size, scratch: &scratch)
        var body: [UInt8] = []
        try file.read(offset: 0, length: Int(file.size), into: &body)
        progress.begin(file: file.path, totalBytes: file.size, doneBytes: 0)
        var succeeded = false
        defer { progress.end(succeeded: succeeded) }
        let what = file.path
        var last = ""
        for attempt in 1...PartAnswer.maximumAttempts {
            let grant = try api.createPut(
                filename: file.filename,
                contentType: contentType,
                size: file.size,
                checksum: checksum
            )
            guard grant.method.uppercased() == "PUT" else {
                throw UploadError(.notAnUploadAPI, "the API answered a PUT request with a \(grant.method) grant")
            }
            let answer: PartAnswer
            do {
                let response = try api.connection.send(
                    "PUT",
                    grant.url,
                    headers: (grant.headers ?? [:]).sorted { $0.key < $1.key },
                    body: body,
                    timeout: PartAnswer.timeout(bytes: body.count)
                )
                answer = PartAnswer.classify(response, what: what)
            } catch  where PartAnswer.isTransient(error) {
                answer = .retryable("\(error)")
            } catch {
                throw UploadError(.transferFailed, "the PUT of \(what) failed: \(error)")
            }
            switch answer {
            case .stored(let etag):
                progress.advance(bytes: file.size)
                succeeded = true
                return Result(file: file.path, key: grant.key, size: file.size, etag: etag)
            case .expired:
                last = "its URL expired"
            case .retryable(let reason):
                last = reason
                if attempt < PartAnswer.maximumAttempts {
                    let delay = PartAnswer.backoff(afterAttempt: attempt)
                    progress.note("\(what): \(reason); trying again in \(delay)")
                    settings.sleep(delay)
                }
            case .fatal(let error):
                throw error
            }
        }
        throw UploadError(
            .transferFailed,
            "the PUT of \(what) failed \(PartAnswer.maximumAttempts) times (last: \(last))"
        )
    }
}
