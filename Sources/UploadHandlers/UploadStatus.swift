import S3
import SigV4

/// Where one upload stands, for `GET /uploads/{key}`.
public struct UploadStatus: Sendable, Equatable, Encodable {
    public enum State: String, Sendable, Encodable {
        /// In S3, not validated yet.
        case stored
        /// Tagged `upload-status=clean` by `object-created`.
        case validated
        /// Tagged `upload-status=rejected`, in place or in quarantine.
        case rejected
        /// Not in S3: not uploaded (yet), or deleted.
        case missing
    }

    public var key: String
    public var status: State
    /// The `upload-reason` tag of a rejected upload.
    public var reason: String?

    public init(key: String, status: State, reason: String? = nil) {
        self.key = key
        self.status = status
        self.reason = reason
    }
}

/// Reads an upload's status; the S3 implementation reads its tags, and those of its quarantine copy.
public protocol UploadStatusSource: Sendable {
    func status(ofKey key: String) throws(S3Error) -> UploadStatus
}

/// `UploadStatusSource` on S3: HEAD and tags of the key, else of `{quarantinePrefix}{key}`.
public final class S3UploadStatusSource: UploadStatusSource, @unchecked Sendable {
    // @unchecked: the S3 client is not thread-safe, and this is used only from the runtime's one handler thread,
    // one invocation at a time (see LambdaHandler).
    let bucket: String
    let quarantinePrefix: String
    let client: S3Client

    public init(bucket: String, quarantinePrefix: String, client: S3Client) {
        self.bucket = bucket
        self.quarantinePrefix = quarantinePrefix
        self.client = client
    }

    public func status(ofKey key: String) throws(S3Error) -> UploadStatus {
        if let tags = try tags(key) {
            switch tags[ObjectCreatedHandler.statusTag] {
            case "clean": return UploadStatus(key: key, status: .validated)
            case "rejected":
                return UploadStatus(key: key, status: .rejected, reason: tags[ObjectCreatedHandler.reasonTag])
            default: return UploadStatus(key: key, status: .stored)
            }
        }
        if let tags = try tags(quarantinePrefix + key) {
            return UploadStatus(key: key, status: .rejected, reason: tags[ObjectCreatedHandler.reasonTag])
        }
        return UploadStatus(key: key, status: .missing)
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

extension PresignHandler {
    /// What a `GET` asks for.
    enum ReadRoute: Equatable {
        /// `GET /uploads`: the caller's limits, for the page's checks before an upload.
        case limits
        /// `GET /uploads/{key}`: one upload's status.
        case status(String)
    }

    func route(of exchange: HTTPExchange) throws(UploadAPIError) -> ReadRoute {
        if let key = exchange.pathParameters["key"] ?? exchange.pathParameters["proxy"], !key.isEmpty {
            return .status(key)
        }
        var path = exchange.path
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/uploads") { return .limits }
        if let range = path.firstRange(of: "/uploads/") {
            let encoded = path[range.upperBound...]
            guard let key = URIEncoding.decode(encoded), !key.isEmpty else {
                throw .badRequest("the key in the path is not percent-encoded UTF-8")
            }
            return .status(key)
        }
        throw UploadAPIError(404, "NotFound", "GET /uploads for your limits, or GET /uploads/{key} for an upload")
    }

    /// The limits `POST /uploads` will hold this caller to.
    struct Limits: Encodable {
        var maxBytes: Int64
        var allowedTypes: [String]
        var keyPrefix: String
        var expiresSeconds: Int
    }

    func limits(for exchange: HTTPExchange) throws(UploadAPIError) -> Limits {
        let identity = try identity(of: exchange)
        guard UploadKey.isSafeSubject(identity.subject) else {
            throw UploadAPIError(403, "Forbidden", "the token's sub cannot name an upload prefix")
        }
        return Limits(
            maxBytes: min(
                identity.maxBytes ?? configuration.limits.maxBytes(forGroups: identity.groups),
                UploadLimits.s3SingleUploadMax
            ),
            allowedTypes: configuration.allowedTypes,
            keyPrefix: configuration.limits.userPrefix(subject: identity.subject),
            expiresSeconds: configuration.expiresSeconds
        )
    }

    /// One upload's status; only its owner may ask.
    func status(of key: String, for exchange: HTTPExchange) throws(UploadAPIError) -> UploadStatus {
        let identity = try identity(of: exchange)
        let prefix = configuration.limits.userPrefix(subject: identity.subject)
        guard UploadKey.isSafeSubject(identity.subject), key.hasPrefix(prefix), key.utf8.count <= 1024,
            !key.split(separator: "/", omittingEmptySubsequences: false).contains(where: {
                $0.isEmpty || $0 == "." || $0 == ".."
            })
        else {
            throw UploadAPIError(403, "Forbidden", "you can only ask about your own uploads, under \(prefix)")
        }
        guard let statusSource else {
            throw UploadAPIError(501, "NotImplemented", "this function has no S3 access to read upload status")
        }
        do {
            return try statusSource.status(ofKey: key)
        } catch {
            throw UploadAPIError(503, "Unavailable", "the upload's status cannot be read right now; try again shortly")
        }
    }
}
