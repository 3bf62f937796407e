/// The one error type of the S3 client: S3's own error (parsed from its XML body, or from the status of a
/// bodiless `HEAD`), or a failure to reach it.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it is, for code that reacts to one kind; ``awsCode`` keeps S3's exact code.
    public enum Code: Sendable, Equatable {
        /// The object does not exist (`NoSuchKey`, or a 404 without an error document, as `HEAD` answers).
        case noSuchKey
        /// The bucket does not exist (`NoSuchBucket`).
        case noSuchBucket
        /// The multipart upload does not exist: completed, aborted, expired, or never started.
        case noSuchUpload
        /// S3 refused the credentials or the signature: `AccessDenied`, `SignatureDoesNotMatch`, `InvalidAccessKeyId`,
        /// `ExpiredToken`.
        case accessDenied
        /// S3 asked for fewer requests (`SlowDown`, or a bodiless 503); retried.
        case slowDown
        /// A condition of the request did not hold (`PreconditionFailed`, 412), such as `If-None-Match: *` on a key
        /// that exists.
        case preconditionFailed
        /// The requested byte range starts past the object's end (`InvalidRange`, 416).
        case invalidRange
        /// A 5xx from S3 other than `SlowDown`: `InternalError`, `ServiceUnavailable`, …
        case serverError
        /// Any other S3 error code: see `awsCode`.
        case other
        /// No connection, a reset, a TLS failure.
        case transport
        /// The request took longer than its timeout.
        case timeout
        /// A response this client cannot read.
        case invalidResponse
        /// A bucket, key or argument the client refused before sending.
        case invalidRequest
    }

    /// What kind of failure it is.
    public let code: Code
    /// S3's code (`NoSuchKey`, `SlowDown`, …), or a descriptive name for the client's own failures.
    public let awsCode: String
    /// The HTTP status, 0 when no response arrived.
    public let status: Int
    /// S3's `Message`, or what the client found wrong, for example `HEAD answered without a size`.
    public let message: String
    /// S3's request id (`RequestId` or `x-amz-request-id`), for AWS support; `nil` when no response arrived.
    public let requestID: String?
    /// How many attempts were made, retries included.
    public var attempts: Int

    /// An error of kind `code`; `status` is 0 and `attempts` 1 unless given.
    public init(
        _ code: Code,
        awsCode: String,
        status: Int = 0,
        message: String,
        requestID: String? = nil,
        attempts: Int = 1
    ) {
        self.code = code
        self.awsCode = awsCode
        self.status = status
        self.message = message
        self.requestID = requestID
        self.attempts = attempts
    }

    /// Whether another attempt may succeed: 5xx, `SlowDown`, resets and timeouts.
    public var isRetryable: Bool {
        switch code {
        case .slowDown, .serverError, .transport, .timeout: true
        default: false
        }
    }

    /// The code, the status, the message, the request id and the attempts in one line, for example
    /// `S3 NoSuchKey (404): The specified key does not exist. [request 4442587FB7D0A2F9]`.
    public var description: String {
        var text = status > 0 ? "S3 \(awsCode) (\(status)): \(message)" : "S3 \(awsCode): \(message)"
        if let requestID { text += " [request \(requestID)]" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }

    /// The error for an S3 response with a failing status, from its XML body when it has one.
    static func from(status: Int, body: [UInt8], headers: [String: String], operation: String) -> S3Error {
        let requestID = headers["x-amz-request-id"]
        if !body.isEmpty, let root = try? XMLElement.parse(body), root.name == "Error" {
            let awsCode = root.text("Code") ?? "HTTP\(status)"
            let message = root.text("Message") ?? "\(operation) failed"
            return S3Error(
                code(awsCode: awsCode, status: status),
                awsCode: awsCode,
                status: status,
                message: message,
                requestID: root.text("RequestId") ?? requestID
            )
        }
        // HEAD responses carry no body: the status is all there is.
        let awsCode =
            switch status {
            case 301: "PermanentRedirect"
            case 400: "BadRequest"
            case 403: "AccessDenied"
            case 404: "NoSuchKey"
            case 412: "PreconditionFailed"
            case 416: "InvalidRange"
            case 503: "SlowDown"
            default: "HTTP\(status)"
            }
        return S3Error(
            code(awsCode: awsCode, status: status),
            awsCode: awsCode,
            status: status,
            message: "\(operation) answered \(status) without an error document",
            requestID: requestID
        )
    }

    static func code(awsCode: String, status: Int) -> Code {
        switch awsCode {
        case "NoSuchKey": .noSuchKey
        case "NoSuchBucket": .noSuchBucket
        case "NoSuchUpload": .noSuchUpload
        case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken": .accessDenied
        case "SlowDown": .slowDown
        case "PreconditionFailed": .preconditionFailed
        case "InvalidRange": .invalidRange
        default: status >= 500 ? .serverError : .other
        }
    }
}
