import CurlHTTP

/// How the client reads S3's answer to a part (or single) PUT, and how often it tries again.
enum PartAnswer: Equatable {
    /// 200 with this ETag.
    case stored(etag: String)
    /// 403 AccessDenied "Request has expired": sign the URL again and resend.
    case expired
    /// A 5xx, 408, 429, or no answer at all: wait and resend.
    case retryable(String)
    /// Resending cannot help.
    case fatal(UploadError)

    /// Tries per part, the first included.
    static let maximumAttempts = 3
    /// The wait after a failed try `attempt` (1-based): 0.5 s, 1 s, 2 s …
    static func backoff(afterAttempt attempt: Int) -> Duration {
        .milliseconds(500 << min(attempt - 1, 6))
    }

    /// A signed URL this close to its expiry is signed again before it is used.
    static let expiryMargin: Double = 15
    /// How long one PUT may take: a fixed allowance plus the body at a slow 256 KiB/s.
    static func timeout(bytes: Int) -> Duration {
        .seconds(30 + bytes / 262_144)
    }

    /// Classifies a PUT's answer; `what` names the part in messages ("part 3 of big.png").
    static func classify(_ response: HTTPResponse, what: String) -> PartAnswer {
        let status = response.status
        if status == 200 {
            guard let etag = response.headers[UploadAPI.etagHeader], !etag.isEmpty else {
                return .fatal(
                    UploadError(
                        .transferFailed,
                        "S3 stored \(what) but its answer has no ETag header, which completion needs",
                        status: status
                    )
                )
            }
            return .stored(etag: etag)
        }
        let (code, message) = s3Error(response.body)
        let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        let said = detail.isEmpty ? "" : " (\(detail))"
        if status == 403, code == "AccessDenied", message?.contains("Request has expired") == true {
            return .expired
        }
        if status >= 500 || status == 408 || status == 429 {
            return .retryable("S3 answered \(status)\(said)")
        }
        let checksumCodes = ["BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidRequest"]
        if status == 400, let code, checksumCodes.contains(code), message?.lowercased().contains("checksum") ?? true {
            return .fatal(
                UploadError(
                    .fileChanged,
                    "S3 refused \(what): its bytes do not match the SHA-256 signed for them\(said); the file changed "
                        + "during the upload: run the command again",
                    status: status
                )
            )
        }
        if status == 404, code == "NoSuchUpload" {
            return .fatal(
                UploadError(
                    .noSuchUpload,
                    "S3 no longer knows the multipart upload of \(what) (aborted or expired); run the command again "
                        + "to start over",
                    status: status
                )
            )
        }
        return .fatal(UploadError(.transferFailed, "S3 refused \(what) with \(status)\(said)", status: status))
    }

    /// The `<Code>` and `<Message>` of S3's XML error body.
    static func s3Error(_ body: [UInt8]) -> (code: String?, message: String?) {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        func element(_ name: String) -> String? {
            guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>"),
                start.upperBound <= end.lowerBound
            else { return nil }
            return String(text[start.upperBound..<end.lowerBound])
        }
        return (element("Code"), element("Message"))
    }

    /// Whether a failure to get any answer is worth another try.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return true }
        return error.code != .invalidURL
    }
}
