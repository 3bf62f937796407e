import CurlHTTP
// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// The upload API's calls over one connection, with every error status turned into an `UploadError` that says
/// what to fix.
///
/// Messages name the API's base URL and the route, never a query string (the session travels in it), the token
/// or the session.
final class UploadAPIClient {
    let base: String
    private let token: String
    let connection: any HTTPConnection
    /// How long one API call may take.
    static let timeout = Duration.seconds(30)

    init(base: String, token: String, connection: any HTTPConnection) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.token = token
        self.connection = connection
    }

    /// The session fields every multipart call carries.
    struct Session: Sendable, Equatable {
        var key: String
        var uploadId: String
        var session: String

        var query: String {
            "key=\(UploadAPI.queryEncode(key))&uploadId=\(UploadAPI.queryEncode(uploadId))"
                + "&session=\(UploadAPI.queryEncode(session))"
        }
    }

    func limits() throws(UploadError) -> UploadLimits {
        let answer = try call("GET", UploadAPI.uploads, body: nil)
        do {
            return try JSONDecoder().decode(UploadLimits.self, from: Data(answer.body))
        } catch {
            throw notTheAPI("GET \(base)\(UploadAPI.uploads) answered \(answer.status) without the upload limits")
        }
    }

    func createPut(
        filename: String,
        contentType: String,
        size: Int64,
        checksum: String
    ) throws(UploadError)
        -> PutGrant
    {
        let body: [String: Any] = [
            "filename": filename, "contentType": contentType, "size": size, "method": "PUT",
            "checksumSHA256": checksum,
        ]
        return try decode(PutGrant.self, try call("POST", UploadAPI.uploads, body: body), "POST \(UploadAPI.uploads)")
    }

    func createMultipart(filename: String, contentType: String, size: Int64) throws(UploadError) -> MultipartGrant {
        let body: [String: Any] = [
            "filename": filename, "contentType": contentType, "size": size, "method": "MULTIPART",
        ]
        return try decode(
            MultipartGrant.self,
            try call("POST", UploadAPI.uploads, body: body),
            "POST \(UploadAPI.uploads)"
        )
    }

    /// Presigned URLs for `parts` (part number, base64 SHA-256), at most `UploadAPI.maximumPartsPerSigning`.
    func signParts(_ session: Session, parts: [(Int, String)]) throws(UploadError) -> SignedParts {
        let body: [String: Any] = [
            "key": session.key, "uploadId": session.uploadId, "session": session.session,
            "parts": parts.map { ["partNumber": $0.0, "checksumSHA256": $0.1] as [String: Any] },
        ]
        return try decode(
            SignedParts.self,
            try call("POST", UploadAPI.signParts, body: body),
            "POST \(UploadAPI.signParts)"
        )
    }

    func listParts(_ session: Session) throws(UploadError) -> [ListedPart] {
        let answer = try call("GET", UploadAPI.multipart + "?" + session.query, body: nil)
        return try decode(ListedParts.self, answer, "GET \(UploadAPI.multipart)").parts
    }

    func complete(_ session: Session, parts: [CompletedPart]) throws(UploadError) -> CompletedObject {
        let body: [String: Any] = [
            "key": session.key, "uploadId": session.uploadId, "session": session.session,
            "parts": parts.map { part -> [String: Any] in
                var entry: [String: Any] = ["partNumber": part.partNumber, "etag": part.etag]
                if let checksum = part.checksumSHA256 { entry["checksumSHA256"] = checksum }
                return entry
            },
        ]
        return try decode(
            CompletedObject.self,
            try call("POST", UploadAPI.complete, body: body),
            "POST \(UploadAPI.complete)"
        )
    }

    func abort(_ session: Session) throws(UploadError) {
        _ = try call("DELETE", UploadAPI.multipart + "?" + session.query, body: nil)
    }

    // MARK: - The calls

    /// Sends one API call and returns a 2xx answer; anything else throws.
    private func call(_ method: String, _ path: String, body: [String: Any]?) throws(UploadError) -> HTTPResponse {
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        var bytes: [UInt8]?
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
        }
        let route = "\(method) \(base)\(path.prefix { $0 != "?" })"
        let answer: HTTPResponse
        do {
            answer = try connection.send(method, base + path, headers: headers, body: bytes, timeout: Self.timeout)
        } catch let error as HTTPClientError where error.code == .invalidURL {
            throw UploadError(
                .invalidInput,
                "--api \"\(base)\" is not an http(s) URL; pass e.g. http://127.0.0.1:8080/api"
            )
        } catch let error as HTTPClientError {
            throw UploadError(
                .unreachable,
                "cannot reach the API: \(error.message); is --api right and the API running?"
            )
        } catch {
            throw UploadError(.unreachable, "cannot reach the API (\(route)): \(error)")
        }
        guard (200..<300).contains(answer.status) else { throw failure(answer, route: route) }
        return answer
    }

    private func decode<T: Decodable>(
        _ type: T.Type,
        _ answer: HTTPResponse,
        _ route: String
    ) throws(UploadError)
        -> T
    {
        do {
            return try JSONDecoder().decode(type, from: Data(answer.body))
        } catch {
            throw notTheAPI(
                "\(route) at \(base) answered \(answer.status) with a body the client cannot read: \(error)"
            )
        }
    }

    private func notTheAPI(_ detail: String) -> UploadError {
        UploadError(
            .notAnUploadAPI,
            "\(detail); is --api the upload API's base URL (e.g. http://127.0.0.1:8080/api, where GET /uploads "
                + "answers the limits)?"
        )
    }

    /// The error for a non-2xx answer, with the API's own message and what to do about it.
    func failure(_ answer: HTTPResponse, route: String) -> UploadError {
        let parsed = try? JSONDecoder().decode(APIErrorBody.self, from: Data(answer.body))
        let said = parsed?.message.map { ": \($0)" } ?? ""
        let code = parsed?.error
        let status = answer.status
        switch status {
        case 401:
            return UploadError(
                .unauthorized,
                "the token was refused or expired: sign in again and pass the new ID token with --token or "
                    + "\(UploadAPI.tokenVariable)",
                status: status
            )
        case 403:
            return UploadError(.forbidden, "the API refused \(route) (403 Forbidden)\(said)", status: status)
        case 404 where code == "NoSuchUpload":
            return UploadError(
                .noSuchUpload,
                "S3 no longer knows this multipart upload (completed, aborted or expired)\(said)",
                status: status
            )
        case 404:
            return UploadError(
                .notAnUploadAPI,
                "\(route) answered 404 Not Found; is --api the upload API's base URL "
                    + "(e.g. http://127.0.0.1:8080/api)?",
                status: status
            )
        case 409:
            return UploadError(.incompleteUpload, "the upload is not complete\(said)", status: status)
        case 410:
            return UploadError(
                .sessionExpired,
                "the multipart upload's session has expired\(said); run the command again to start over",
                status: status
            )
        case 412:
            return UploadError(.alreadyExists, "an object already has this key\(said)", status: status)
        case 413:
            return UploadError(.tooLarge, "the file is too large for your limit\(said)", status: status)
        case 415:
            return UploadError(
                .unsupportedType,
                "the API does not accept this type\(said); pass --content-type with a type it accepts",
                status: status
            )
        case 400:
            return UploadError(.badRequest, "the API refused \(route) (400 Bad Request)\(said)", status: status)
        case 501:
            return UploadError(
                .unavailable,
                "the API cannot do this (501 Not Implemented)\(said); ask its operator to configure it",
                status: status
            )
        default:
            let text = String(decoding: answer.body.prefix(200), as: UTF8.self)
            return UploadError(
                .unavailable,
                "\(route) failed with \(status)\(said.isEmpty ? (text.isEmpty ? "" : ": \(text)") : said); try again "
                    + "later",
                status: status
            )
        }
    }
}
