import LambdaRuntime
import S3
import S3Presigning
import SigV4

/// `POST /uploads` with `"method": "MULTIPART"`: the upload S3 started, and the sealed plan the client carries.
struct MultipartGrant: Encodable {
    var method = "MULTIPART"
    var key: String
    var uploadId: String
    var session: String
    var partSize: Int64
    var partCount: Int
    /// RFC 3339, UTC: the session's end.
    var expiresAt: String
    var maxBytes: Int64
}

/// `POST /uploads/multipart/parts`: one presigned `UploadPart` per part asked for.
struct SignedParts: Encodable {
    struct Part: Encodable {
        var partNumber: Int
        var url: String
        /// To send exactly: `Content-Length` (the part's planned size) and `x-amz-checksum-sha256`.
        var headers: [String: String]
    }

    var parts: [Part]
    /// RFC 3339, UTC: when these URLs stop working.
    var expiresAt: String
}

/// `GET /uploads/multipart`: what S3 holds.
struct ListedParts: Encodable {
    struct Part: Encodable {
        var partNumber: Int
        var etag: String
        var size: Int64
        var checksumSHA256: String?
    }

    var parts: [Part]
}

/// `POST /uploads/multipart/complete`: the object.
struct CompletedUpload: Encodable {
    var key: String
    var size: Int64
    var etag: String
}

extension PresignHandler {
    var multipartEnabled: Bool { sessionSealer != nil && multipartStore != nil }

    /// The sealer and store, or 501 when this function was not given them.
    private func multipart() throws(UploadAPIError) -> (UploadSessionSealer, any MultipartStore) {
        guard let sessionSealer, let multipartStore else {
            throw UploadAPIError(
                501,
                "NotImplemented",
                "multipart uploads are off: the function has no UPLOAD_SESSION_KEY; upload with POST or PUT"
            )
        }
        return (sessionSealer, multipartStore)
    }

    // MARK: - Create

    func createMultipart(
        _ request: UploadRequest,
        for identity: UploadIdentity,
        context: LambdaContext
    ) throws(UploadAPIError) -> MultipartGrant {
        let (sealer, store) = try multipart()
        let key = try plan(request, for: identity)
        let uploadID: String
        do {
            uploadID = try store.create(key: key, contentType: request.contentType, owner: identity.subject)
        } catch {
            throw s3Failure(error, "CreateMultipartUpload", context: context)
        }
        let now = clock()
        let session = UploadSession(
            key: key,
            uploadID: uploadID,
            size: request.size,
            partSize: configuration.multipart.partSize(forObjectOf: request.size),
            owner: identity.subject,
            contentType: request.contentType,
            expiresAt: now + configuration.multipart.expiresSeconds
        )
        context.logger.info(
            "multipart upload created",
            metadata: [
                "sub": "\(identity.subject)", "key": "\(key)", "contentType": "\(request.contentType)",
                "size": "\(request.size)", "partSize": "\(session.partSize)", "partCount": "\(session.partCount)",
            ]
        )
        return MultipartGrant(
            key: key,
            uploadId: uploadID,
            session: sealer.seal(session),
            partSize: session.partSize,
            partCount: session.partCount,
            expiresAt: SigningTime(epochSeconds: session.expiresAt).iso8601,
            maxBytes: request.size
        )
    }

    // MARK: - Sign parts

    func signParts(for exchange: HTTPExchange, context: LambdaContext) throws(UploadAPIError) -> SignedParts {
        let body = try MultipartBody.parse(exchange.body, maxBytes: MultipartBody.maxSignBodyBytes)
        let session = try openSession(body.reference, for: try uploader(of: exchange), checkExpiry: true)
        let entries = try body.parts(
            required: ["partNumber", "checksumSHA256"],
            count: 1...MultipartConfiguration.maximumPartsPerCall
        )
        let now = clock()
        let expires = Int(max(1, min(Int64(configuration.expiresSeconds), session.expiresAt - now)))
        let time = SigningTime(epochSeconds: now)
        var seen = Set<Int>()
        var parts: [SignedParts.Part] = []
        for entry in entries {
            let number = try entry.partNumber(in: session)
            guard seen.insert(number).inserted else { throw .badRequest("part \(number) is listed twice") }
            let checksum = try entry.checksum()!
            do {
                let url = try presigner.presignUploadPart(
                    bucket: configuration.bucket,
                    key: session.key,
                    uploadID: session.uploadID,
                    partNumber: number,
                    contentLength: session.size(ofPart: number),
                    checksumSHA256: checksum,
                    expires: expires,
                    at: time
                )
                parts.append(.init(partNumber: number, url: publicURL(url.url), headers: url.headers))
            } catch {
                throw UploadAPIError(500, "InternalError", "the part could not be signed; the function's log says why")
            }
        }
        context.logger.info(
            "parts signed",
            metadata: ["key": "\(session.key)", "parts": "\(parts.map(\.partNumber))"]
        )
        return SignedParts(parts: parts, expiresAt: SigningTime(epochSeconds: now + Int64(expires)).iso8601)
    }

    // MARK: - List

    func listParts(for exchange: HTTPExchange) throws(UploadAPIError) -> ListedParts {
        let (_, store) = try multipart()
        let session = try openSession(
            try SessionReference(query: exchange.query),
            for: try uploader(of: exchange),
            checkExpiry: false
        )
        let held: [S3UploadedPart]
        do {
            held = try store.parts(key: session.key, uploadID: session.uploadID)
        } catch {
            throw s3Failure(error, "ListParts", context: nil)
        }
        return ListedParts(
            parts: held.map {
                .init(partNumber: $0.partNumber, etag: $0.eTag, size: $0.size, checksumSHA256: $0.checksumSHA256)
            }
        )
    }

    // MARK: - Complete

    func complete(for exchange: HTTPExchange, context: LambdaContext) throws(UploadAPIError) -> CompletedUpload {
        let (_, store) = try multipart()
        let body = try MultipartBody.parse(exchange.body, maxBytes: MultipartBody.maxCompleteBodyBytes)
        let session = try openSession(body.reference, for: try uploader(of: exchange), checkExpiry: true)
        let entries = try body.parts(
            required: ["partNumber", "etag"],
            count: 1...Int(MultipartConfiguration.maximumParts)
        )
        var claimed: [Int: (eTag: String, checksum: String?)] = [:]
        for entry in entries {
            let number = try entry.partNumber(in: session)
            guard claimed[number] == nil else { throw .badRequest("part \(number) is listed twice") }
            claimed[number] = (try entry.string("etag")!, try entry.checksum())
        }
        let held: [S3UploadedPart]
        do {
            held = try store.parts(key: session.key, uploadID: session.uploadID)
        } catch {
            throw s3Failure(error, "ListParts", context: context)
        }
        // What S3 holds decides; the client's list must agree with it.
        var byNumber: [Int: S3UploadedPart] = [:]
        for part in held { byNumber[part.partNumber] = part }
        var missing: [Int] = []
        var wrongSize: [Int] = []
        var mismatched: [Int] = []
        for number in 1...session.partCount {
            guard let part = byNumber[number] else {
                missing.append(number)
                continue
            }
            if part.size != session.size(ofPart: number) { wrongSize.append(number) }
            if let claim = claimed[number],
                Self.unquoted(claim.eTag) != Self.unquoted(part.eTag)
                    || (claim.checksum != nil && claim.checksum != part.checksumSHA256)
            {
                mismatched.append(number)
            }
        }
        let unclaimed = (1...session.partCount).filter { claimed[$0] == nil && !missing.contains($0) }
        var problems: [String] = []
        if !missing.isEmpty {
            problems.append("\(Self.partList(missing)) \(missing.count == 1 ? "is" : "are") missing")
        }
        if !wrongSize.isEmpty {
            problems.append(
                "\(Self.partList(wrongSize)) \(wrongSize.count == 1 ? "is not its" : "are not their") planned size"
            )
        }
        if !mismatched.isEmpty {
            problems.append("\(Self.partList(mismatched)): the ETag or checksum sent differs from what S3 holds")
        }
        if !unclaimed.isEmpty {
            problems.append("\(Self.partList(unclaimed)) \(unclaimed.count == 1 ? "is" : "are") not in the list sent")
        }
        guard problems.isEmpty else {
            throw UploadAPIError(
                409,
                "IncompleteUpload",
                problems.joined(separator: "; ") + " (the plan has \(session.partCount) parts of \(session.partSize) "
                    + "bytes); upload those parts and complete again"
            )
        }
        let parts = (1...session.partCount).map { byNumber[$0]! }
        let eTag: String
        do {
            eTag = try store.complete(key: session.key, uploadID: session.uploadID, parts: parts)
        } catch {
            throw s3Failure(error, "CompleteMultipartUpload", context: context)
        }
        context.logger.info(
            "multipart upload completed",
            metadata: ["sub": "\(session.owner)", "key": "\(session.key)", "size": "\(session.size)"]
        )
        return CompletedUpload(key: session.key, size: session.size, etag: eTag)
    }

    // MARK: - Abort

    func abort(for exchange: HTTPExchange, context: LambdaContext) throws(UploadAPIError) {
        let (_, store) = try multipart()
        let session = try openSession(
            try SessionReference(query: exchange.query),
            for: try uploader(of: exchange),
            checkExpiry: false
        )
        do {
            try store.abort(key: session.key, uploadID: session.uploadID)
        } catch {
            throw s3Failure(error, "AbortMultipartUpload", context: context)
        }
        context.logger.info("multipart upload aborted", metadata: ["key": "\(session.key)"])
    }

    // MARK: - Sessions

    /// The session of a later call, once the key is the caller's, the session is ours and unchanged, and it names
    /// this key, upload and caller.
    func openSession(
        _ reference: SessionReference,
        for identity: UploadIdentity,
        checkExpiry: Bool
    ) throws(UploadAPIError) -> UploadSession {
        let (sealer, _) = try multipart()
        let prefix = configuration.limits.userPrefix(subject: identity.subject)
        guard reference.key.hasPrefix(prefix) else {
            throw UploadAPIError(403, "Forbidden", "you can only continue your own uploads, under \(prefix)")
        }
        let session = try sealer.open(reference.session)
        guard session.key == reference.key, session.uploadID == reference.uploadID,
            session.owner == identity.subject
        else {
            throw UploadAPIError(
                403,
                "Forbidden",
                "the session belongs to another upload; send the key, uploadId and session the create call returned"
            )
        }
        if checkExpiry, clock() >= session.expiresAt {
            throw UploadAPIError(
                410,
                "SessionExpired",
                "this upload's session ended at \(SigningTime(epochSeconds: session.expiresAt).iso8601); "
                    + "start the upload again"
            )
        }
        return session
    }

    /// An S3 failure as the client sees it; the details go to the log only.
    func s3Failure(_ error: S3Error, _ operation: String, context: LambdaContext?) -> UploadAPIError {
        context?.logger.error("S3 call failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
        switch error.code {
        case .noSuchUpload:
            return UploadAPIError(
                404,
                "NoSuchUpload",
                "S3 has no such upload in progress: it was completed, aborted or has expired; GET /uploads/{key} "
                    + "says whether the object exists, or start the upload again"
            )
        case .preconditionFailed:
            return UploadAPIError(412, "AlreadyExists", "an object already has this key; start a new upload")
        case .accessDenied:
            return UploadAPIError(500, "InternalError", "the function may not call S3 \(operation); its log says why")
        case .other where ["InvalidPart", "InvalidPartOrder", "EntityTooSmall", "BadDigest"].contains(error.awsCode):
            return UploadAPIError(
                409,
                "IncompleteUpload",
                "S3 refused the parts (\(error.awsCode)); list the parts, upload any missing ones, and complete again"
            )
        default:
            return UploadAPIError(503, "Unavailable", "S3 could not be reached for \(operation); try again shortly")
        }
    }

    static func unquoted(_ eTag: String) -> Substring {
        var text = Substring(eTag)
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        return text
    }

    /// "part 3" or "parts 3, 4, 7" (at most 20 named).
    static func partList(_ numbers: [Int]) -> String {
        let named = numbers.prefix(20).map(String.init).joined(separator: ", ")
        let more = numbers.count > 20 ? " and \(numbers.count - 20) more" : ""
        return (numbers.count == 1 ? "part " : "parts ") + named + more
    }
}
