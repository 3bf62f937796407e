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
    /// What a request asks for, by method and path.
    enum Route: Equatable {
        /// `GET /uploads`: the caller's limits, for the page's checks before an upload.
        case limits
        /// `GET /uploads/{key}`: one upload's status.
        case status(String)
        /// `POST /uploads`: a new upload (POST form, PUT URL, or a multipart upload).
        case create
        /// `POST /uploads/multipart/parts`: presigned part URLs.
        case signParts
        /// `GET /uploads/multipart`: the parts S3 holds, for resuming.
        case listParts
        /// `POST /uploads/multipart/complete`.
        case complete
        /// `DELETE /uploads/multipart`.
        case abort
    }

    /// The route of a request. The path may carry the stage (`/api/uploads`); a key in it is percent-encoded, or
    /// given decoded as the `{key+}` path parameter.
    func route(of exchange: HTTPExchange) throws(UploadAPIError) -> Route {
        var path = exchange.path
        while path.hasSuffix("/") { path.removeLast() }
        let notFound = UploadAPIError(
            404,
            "NotFound",
            "the upload API serves /uploads, /uploads/{key}, /uploads/multipart, /uploads/multipart/parts and "
                + "/uploads/multipart/complete"
        )
        var rest: Substring?
        var search = path[...]
        while let range = search.firstRange(of: "/uploads") {
            let after = search[range.upperBound...]
            if after.isEmpty || after.hasPrefix("/") {
                rest = after
                break
            }
            search = after
        }
        guard let rest else {
            // A Function URL is the whole API: a POST to any other path asks for an upload, as it always has.
            if exchange.method == "POST" { return .create }
            throw notFound
        }
        func only(_ methods: [String: Route], _ what: String) throws(UploadAPIError) -> Route {
            if let route = methods[exchange.method] { return route }
            throw UploadAPIError(
                405,
                "MethodNotAllowed",
                "\(exchange.method) is not served here; send \(methods.keys.sorted().joined(separator: " or ")) \(what)"
            )
        }
        switch rest {
        case "":
            return try only(
                ["GET": .limits, "POST": .create],
                "to /uploads: POST with a JSON body asks for an upload, GET reads your limits "
                    + "(and GET /uploads/{key} one upload's status)"
            )
        case "/multipart":
            return try only(
                ["GET": .listParts, "DELETE": .abort],
                "to /uploads/multipart: GET lists an upload's parts, DELETE aborts it"
            )
        case "/multipart/parts": return try only(["POST": .signParts], "to sign parts")
        case "/multipart/complete": return try only(["POST": .complete], "to complete an upload")
        default:
            let key: String
            if let parameter = exchange.pathParameters["key"], !parameter.isEmpty {
                key = parameter
            } else {
                guard let decoded = URIEncoding.decode(rest.dropFirst()), !decoded.isEmpty else {
                    throw .badRequest("the key in the path is not percent-encoded UTF-8")
                }
                key = decoded
            }
            return try only(["GET": .status(key)], "to /uploads/{key} for an upload's status")
        }
    }

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
