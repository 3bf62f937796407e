import LambdaRuntime
import S3
import S3Presigning
import SigV4

/// Where one upload stands, for `GET /uploads/{key}` and the caller's list of uploads.
public struct UploadStatus: Sendable, Equatable, Encodable {
    /// The stage an upload has reached, from its tags (`status` in the JSON).
    /// An upload starts ``stored``; `object-created` then tags it ``pending`` or ``rejected``, and the scan's verdict
    /// turns ``pending`` into ``validated`` or ``rejected``. A key with no object, in place or in quarantine, is
    /// ``missing``.
    public enum State: String, Sendable, Encodable {
        /// In S3, not validated yet.
        case stored
        /// Validated, waiting for the malware scan's verdict: `upload-status=pending`.
        case pending
        /// Validated and scanned clean: tagged `upload-status=clean` by `object-created`. Only these download.
        case validated
        /// Tagged `upload-status=rejected`, in place or in quarantine.
        case rejected
        /// Not in S3: not uploaded (yet), or deleted.
        case missing
    }

    /// The upload's key, as the client uploaded it (also for a quarantined upload).
    public var key: String
    /// Where the upload stands.
    public var status: State
    /// The `upload-reason` tag of a rejected upload.
    public var reason: String?
    /// The file's name: the key's last segment.
    public var name: String?
    /// The object's size in bytes, in ``UploadStatusSource/details(ofKey:)`` only.
    public var size: Int64?
    /// The stored (validated) media type.
    public var type: String?
    /// When it was stored, RFC 3339 (UTC).
    public var time: String?

    /// Creates a status from its values; everything but the key and state is optional.
    public init(
        key: String,
        status: State,
        reason: String? = nil,
        name: String? = nil,
        size: Int64? = nil,
        type: String? = nil,
        time: String? = nil
    ) {
        self.key = key
        self.status = status
        self.reason = reason
        self.name = name
        self.size = size
        self.type = type
        self.time = time
    }

    static func state(ofTags tags: [String: String]) -> State {
        switch tags[ObjectCreatedHandler.statusTag] {
        case "clean": .validated
        case "rejected": .rejected
        case "pending": .pending
        default: .stored
        }
    }
}

/// One stored upload of a listing: its key as uploaded, and when it was stored.
public struct StoredUpload: Sendable, Equatable {
    /// The key as uploaded, without the quarantine prefix.
    public var key: String
    /// The object's size in bytes.
    public var size: Int64
    /// ISO 8601, as `ListObjectsV2` gives it.
    public var lastModified: String
    /// Moved to quarantine: rejected.
    public var quarantined: Bool

    /// Creates a listing entry from its values.
    public init(key: String, size: Int64, lastModified: String, quarantined: Bool = false) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.quarantined = quarantined
    }
}

/// Reads uploads' status; the S3 implementation reads their tags, and those of their quarantine copies.
public protocol UploadStatusSource: Sendable {
    /// The state and rejection reason of the upload at `key`, from its tags or its quarantine copy's.
    func status(ofKey key: String) throws(S3Error) -> UploadStatus
    /// The status with the object's name, size, type and time (a `HEAD` too).
    func details(ofKey key: String) throws(S3Error) -> UploadStatus
    /// Every upload under `prefix`, quarantined ones included, newest first.
    func uploads(under prefix: String) throws(S3Error) -> [StoredUpload]
}

/// `UploadStatusSource` on S3: HEAD and tags of the key, else of `{quarantinePrefix}{key}`.
public final class S3UploadStatusSource: UploadStatusSource, @unchecked Sendable {
    // @unchecked: the S3 client is not thread-safe, and this is used only from the runtime's one handler thread,
    // one invocation at a time (see LambdaHandler).
    let bucket: String
    let quarantinePrefix: String
    let client: S3Client
    /// The most keys a listing reads before it stops (and says so in its answer's order: newest of these first).
    static let listLimit = 10_000

    /// A source reading uploads in `bucket`.
    /// - Parameters:
    ///   - bucket: The upload bucket.
    ///   - quarantinePrefix: Where `object-created` moves rejected uploads, in front of their keys.
    ///   - client: The S3 client; used from one thread only.
    public init(bucket: String, quarantinePrefix: String, client: S3Client) {
        self.bucket = bucket
        self.quarantinePrefix = quarantinePrefix
        self.client = client
    }

    /// The state and rejection reason of the upload at `key`, from its tags, else its quarantine copy's tags.
    /// - Throws: `S3Error` when S3 refuses or cannot be reached; a missing object is ``UploadStatus/State/missing``.
    public func status(ofKey key: String) throws(S3Error) -> UploadStatus {
        if let tags = try tags(key) {
            return UploadStatus(
                key: key,
                status: UploadStatus.state(ofTags: tags),
                reason: tags[ObjectCreatedHandler.reasonTag]
            )
        }
        if let tags = try tags(quarantinePrefix + key) {
            return UploadStatus(key: key, status: .rejected, reason: tags[ObjectCreatedHandler.reasonTag])
        }
        return UploadStatus(key: key, status: .missing)
    }

    /// The status with the object's name, size, type and time, from a `HEAD` of the key or its quarantine copy.
    /// - Throws: `S3Error` when S3 refuses or cannot be reached; a missing object is ``UploadStatus/State/missing``.
    public func details(ofKey key: String) throws(S3Error) -> UploadStatus {
        var status = try status(ofKey: key)
        guard status.status != .missing else { return status }
        let stored = status.status == .rejected && (try? client.headObject(bucket: bucket, key: key)) == nil
        do {
            let head = try client.headObject(bucket: bucket, key: stored ? quarantinePrefix + key : key)
            status.size = head.size
            status.type = ObjectValidation.mediaType(head.contentType)
            status.time = head.lastModified.flatMap(HTTPDate.rfc3339)
        } catch  where error.code == .noSuchKey {
            return UploadStatus(key: key, status: .missing)
        }
        status.name = key.split(separator: "/").last.map(String.init)
        return status
    }

    /// Every upload under `prefix`, in place and in quarantine, newest first; a listing stops after 10,000 keys.
    /// - Throws: `S3Error` when a listing fails.
    public func uploads(under prefix: String) throws(S3Error) -> [StoredUpload] {
        var uploads: [StoredUpload] = []
        for (listed, quarantined) in [(prefix, false), (quarantinePrefix + prefix, true)] {
            var token: String?
            repeat {
                let page = try client.listObjectsV2(bucket: bucket, prefix: listed, continuationToken: token)
                for entry in page.entries {
                    let key = quarantined ? String(entry.key.dropFirst(quarantinePrefix.count)) : entry.key
                    uploads.append(
                        StoredUpload(
                            key: key,
                            size: entry.size,
                            lastModified: entry.lastModified ?? "",
                            quarantined: quarantined
                        )
                    )
                }
                token = page.continuationToken
            } while token != nil && uploads.count < Self.listLimit
        }
        // A quarantined copy and a not-yet-deleted original are one upload.
        var seen = Set<String>()
        return uploads.sorted { $0.lastModified > $1.lastModified }.filter { seen.insert($0.key).inserted }
    }

    /// The object's tags, or `nil` when there is no such object.
    private func tags(_ key: String) throws(S3Error) -> [String: String]? {
        do {
            return try client.getObjectTagging(bucket: bucket, key: key)
        } catch  where error.code == .noSuchKey {
            return nil
        }
    }
}

/// HTTP dates as S3 sends them.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue, 01 Dec 2026 10:00:00 GMT` as `2026-12-01T10:00:00Z`.
    static func rfc3339(_ text: String) -> String? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3]), parts[4].count == 8
        else { return nil }
        let pad = { (number: Int) in number < 10 ? "0\(number)" : "\(number)" }
        return "\(year)-\(pad(month + 1))-\(pad(day))T\(parts[4])Z"
    }

    /// `2026-12-01T10:00:00.000Z` as `2026-12-01T10:00:00Z`.
    static func trimmingFraction(_ iso: String) -> String {
        guard let dot = iso.firstIndex(of: ".") else { return iso }
        return String(iso[..<dot]) + "Z"
    }
}

extension PresignHandler {
    /// The limits `POST /uploads` will hold this caller to.
    struct Limits: Encodable {
        /// The caller's largest upload: over `singleUploadMaxBytes`, only in parts.
        var maxBytes: Int64
        var allowedTypes: [String]
        var keyPrefix: String
        var expiresSeconds: Int
        /// Files of this size or more should go up in parts (`UPLOAD_MULTIPART_THRESHOLD`); absent when this
        /// function cannot run multipart uploads.
        var multipartThreshold: Int64?
        /// The part size a multipart upload starts from (its create answer has the one to use).
        var partSize: Int64?
        /// S3's largest single POST or PUT.
        var singleUploadMaxBytes: Int64
    }

    func limits(for exchange: HTTPExchange) throws(UploadAPIError) -> Limits {
        let identity = try identity(of: exchange)
        _ = try Self.page(of: exchange)
        guard UploadKey.isSafeSubject(identity.subject) else {
            throw UploadAPIError(403, "Forbidden", "the token's sub cannot name an upload prefix")
        }
        let multipart = multipartEnabled
        let limit = limit(for: identity)
        return Limits(
            maxBytes: multipart ? limit : min(limit, UploadLimits.s3SingleUploadMax),
            allowedTypes: configuration.allowedTypes,
            keyPrefix: configuration.limits.userPrefix(subject: identity.subject),
            expiresSeconds: configuration.expiresSeconds,
            multipartThreshold: multipart ? configuration.multipart.threshold : nil,
            partSize: multipart ? configuration.multipart.partBytes : nil,
            singleUploadMaxBytes: UploadLimits.s3SingleUploadMax
        )
    }

    /// The status source, once `key` is the caller's own; 403 (before S3 is asked) when it is not.
    func ownStatusSource(_ key: String, for exchange: HTTPExchange) throws(UploadAPIError) -> any UploadStatusSource {
        let identity = try identity(of: exchange)
        let prefix = configuration.limits.userPrefix(subject: identity.subject)
        guard UploadKey.isSafeSubject(identity.subject), key.hasPrefix(prefix), key.utf8.count <= 1024,
            !key.split(separator: "/", omittingEmptySubsequences: false).contains(where: {
                $0.isEmpty || $0 == "." || $0 == ".."
            })
        else {
            throw UploadAPIError(403, "Forbidden", "you can only ask about your own uploads, under \(prefix)")
        }
        return try requireStatusSource()
    }

    func requireStatusSource() throws(UploadAPIError) -> any UploadStatusSource {
        guard let statusSource else {
            throw UploadAPIError(501, "NotImplemented", "this function has no S3 access to read upload status")
        }
        return statusSource
    }

    static let unavailable = UploadAPIError(
        503,
        "Unavailable",
        "the upload's status cannot be read right now; try again shortly"
    )

    /// One upload's status; only its owner may ask.
    func status(of key: String, for exchange: HTTPExchange) throws(UploadAPIError) -> UploadStatus {
        let source = try ownStatusSource(key, for: exchange)
        do {
            return try source.status(ofKey: key)
        } catch {
            throw Self.unavailable
        }
    }

    /// `{"url", "expiresAt"}` of a download that lasts `downloadExpiresSeconds`.
    struct Download: Encodable {
        var url: String
        var expiresAt: String
    }

    /// Download URLs live one minute: enough to start, too short to pass around.
    static let downloadExpiresSeconds = 60

    /// A presigned GET of a clean upload, as an attachment of its validated type: a browser never renders an
    /// upload inline. Pending is 409, rejected 410 (with the reason), another user's key 403.
    func download(of key: String, for exchange: HTTPExchange, context: LambdaContext) throws(UploadAPIError) -> Download
    {
        let source = try ownStatusSource(key, for: exchange)
        let upload: UploadStatus
        do {
            upload = try source.details(ofKey: key)
        } catch {
            throw Self.unavailable
        }
        switch upload.status {
        case .validated: break
        case .stored, .pending:
            throw UploadAPIError(409, "NotReady", "the file is still being checked; try again in a few seconds")
        case .rejected:
            throw UploadAPIError(
                410,
                "Rejected",
                "the file was rejected (\(upload.reason ?? "no reason given")) and cannot be downloaded"
            )
        case .missing:
            throw UploadAPIError(404, "NotFound", "there is no such upload")
        }
        let name = upload.name ?? "download"
        let now = clock()
        do {
            let url = try presigner.presignGet(
                bucket: configuration.bucket,
                key: key,
                contentDisposition: "attachment; filename*=UTF-8''" + URIEncoding.encode(name),
                contentType: upload.type.flatMap { $0.isEmpty ? nil : $0 } ?? "application/octet-stream",
                expires: Self.downloadExpiresSeconds,
                at: SigningTime(epochSeconds: now)
            )
            context.logger.info("download granted", metadata: ["key": "\(key)"])
            return Download(
                url: publicURL(url.url),
                expiresAt: SigningTime(epochSeconds: now + Int64(Self.downloadExpiresSeconds)).iso8601
            )
        } catch {
            throw UploadAPIError(500, "InternalError", "the download could not be signed; the function's log says why")
        }
    }

    /// A page of the caller's uploads.
    struct UploadList: Encodable {
        var uploads: [UploadStatus]
        /// Pass it as `cursor` for the next page; absent on the last.
        var cursor: String?
    }

    static let defaultPageSize = 20
    static let maxPageSize = 50

    /// `limit` and `cursor` of `GET /uploads`, checked whether or not `list` is there: a bad one is a 400 either way.
    static func page(of exchange: HTTPExchange) throws(UploadAPIError) -> (limit: Int, offset: Int) {
        var limit = Self.defaultPageSize
        if let text = exchange.query["limit"] {
            guard text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(text),
                (1...Self.maxPageSize).contains(value)
            else {
                throw .badRequest(
                    "limit is \"\(text.prefix(20))\"; it must be a whole number from 1 to \(Self.maxPageSize)"
                )
            }
            limit = value
        }
        var offset = 0
        if let text = exchange.query["cursor"] {
            guard text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(text), value >= 0 else {
                throw .badRequest("cursor is not one this API gave; leave it out for the first page")
            }
            offset = value
        }
        return (limit, offset)
    }

    /// `GET /uploads?list=1[&cursor=…][&limit=…]`: the caller's own uploads, newest first.
    func list(for exchange: HTTPExchange) throws(UploadAPIError) -> UploadList {
        let identity = try identity(of: exchange)
        guard UploadKey.isSafeSubject(identity.subject) else {
            throw UploadAPIError(403, "Forbidden", "the token's sub cannot name an upload prefix")
        }
        let (limit, offset) = try Self.page(of: exchange)
        let source = try requireStatusSource()
        do {
            let all = try source.uploads(under: configuration.limits.userPrefix(subject: identity.subject))
            let page = all.dropFirst(offset).prefix(limit)
            var uploads: [UploadStatus] = []
            for stored in page {
                var upload = try source.details(ofKey: stored.key)
                if upload.status == .missing { continue }
                upload.time = upload.time ?? HTTPDate.trimmingFraction(stored.lastModified)
                uploads.append(upload)
            }
            let next = offset + page.count
            return UploadList(uploads: uploads, cursor: next < all.count ? String(next) : nil)
        } catch {
            throw Self.unavailable
        }
    }
}
