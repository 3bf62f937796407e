/// The one error type of the upload client. Its message says what to fix; it never holds the token or the session.
public struct UploadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A file that cannot be read, an unknown type, a bad option.
        case invalidInput
        /// The API did not answer (connection refused, DNS, TLS, timeout).
        case unreachable
        /// The URL answers, but not as the upload API does.
        case notAnUploadAPI
        /// 401: the token was refused or has expired.
        case unauthorized
        /// 403: not allowed (a key that is not the caller's, a forged session).
        case forbidden
        /// 413: over the caller's limit.
        case tooLarge
        /// 415: a type the API does not accept.
        case unsupportedType
        /// 400: the API found something wrong with the request.
        case badRequest
        /// 404 NoSuchUpload: the multipart upload was completed, aborted or has expired.
        case noSuchUpload
        /// 410: the multipart session has passed its expiresAt.
        case sessionExpired
        /// 409: completion found parts missing or wrong.
        case incompleteUpload
        /// 412: an object already has the key.
        case alreadyExists
        /// 501, 503, other 5xx: the API or S3 failed.
        case unavailable
        /// S3 refused a part or the PUT, or it failed on every try.
        case transferFailed
        /// The file changed while it was being uploaded (size, mtime or a checksum S3 computed).
        case fileChanged
        /// The state file for resuming cannot be read or written.
        case stateFile
    }

    public let code: Code
    public let message: String
    /// The HTTP status, when an answer carried one.
    public let status: Int?

    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }

    /// Whether no later file can fare better (a refused token, an API that is not there).
    public var stopsEveryUpload: Bool {
        code == .unauthorized || code == .unreachable || code == .notAnUploadAPI
    }
}
