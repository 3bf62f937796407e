import Logging

/// The Lambda Runtime API client: fetches invocations and posts their results over one libcurl handle.
///
/// Not thread-safe: each worker owns one and calls it from one thread at a time (a streamed response hands it to
/// the upload thread while the worker waits).
package final class RuntimeAPIClient {
    /// The outcome of posting a response or an error.
    package enum PostResult: Equatable {
        /// 202: Lambda took it.
        case accepted
        /// A 4xx: Lambda refused this one answer (too large, unknown or already answered request id). The loop
        /// logs it and goes on to the next invocation.
        case rejected(status: Int, body: String)

        /// 410 Gone: the invocation timed out before the answer came, and Lambda dropped the answer.
        package static let goneStatus = 410
    }

    /// One invocation: the event bytes and the headers that came with them.
    package struct Invocation {
        /// The event payload, exactly as Lambda sent it.
        package var event: [UInt8]
        /// `Lambda-Runtime-Aws-Request-Id`: the id every answer for this invocation is posted under; never empty.
        package var requestID: String
        /// `Lambda-Runtime-Deadline-Ms`, in milliseconds since the Unix epoch; `Int64.max` when absent or unreadable.
        package var deadlineMilliseconds: Int64
        /// `Lambda-Runtime-Invoked-Function-Arn`; empty when absent.
        package var invokedFunctionARN: String
        /// `Lambda-Runtime-Trace-Id`; `nil` when absent.
        package var traceID: String?
        /// `Lambda-Runtime-Client-Context`, unparsed; `nil` when absent.
        package var clientContext: String?
        /// `Lambda-Runtime-Cognito-Identity`, unparsed; `nil` when absent.
        package var cognitoIdentity: String?
        /// `Lambda-Runtime-Aws-Tenant-Id`; `nil` when absent.
        package var tenantID: String?
        /// `Lambda-Runtime-Invocation-Id`, when the Runtime API sent it: echoed on the answer.
        package var invocationID: String?
    }

    /// How long to wait for the TCP connection to the Runtime API. It is local, so this is short.
    package static let connectTimeoutMilliseconds = 2_000

    private static let capturedHeaders = [
        RuntimeAPI.Header.requestID,
        RuntimeAPI.Header.deadline,
        RuntimeAPI.Header.invokedFunctionARN,
        RuntimeAPI.Header.traceID,
        RuntimeAPI.Header.clientContext,
        RuntimeAPI.Header.cognitoIdentity,
        RuntimeAPI.Header.tenantID,
        RuntimeAPI.Header.invocationID,
    ]

    private let curl: CurlEasy
    private let baseURL: String
    private let nextURL: String
    /// `Expect:` stops curl from ever sending `Expect: 100-continue` and waiting for the answer. `Content-Type:`
    /// drops curl's default form content type: a response is bytes to Lambda. Header lines cost libcurl a
    /// printf each, so the hot path sends none beyond what the contract needs (no User-Agent either).
    private let responseHeaders = HeaderList(["Expect:", "Content-Type:"])

    /// A client with its own libcurl handle for the Runtime API at `endpoint`; it connects on the first request.
    /// - Parameter endpoint: The `host:port` of the Runtime API, as in `AWS_LAMBDA_RUNTIME_API`.
    package init(endpoint: String) throws(LambdaRuntimeError) {
        self.curl = try CurlEasy(
            capturedHeaders: Self.capturedHeaders,
            connectTimeoutMilliseconds: Self.connectTimeoutMilliseconds
        )
        self.baseURL = "http://\(endpoint)"
        self.nextURL = baseURL + RuntimeAPI.nextPath
    }

    /// Long-polls `/next` for the next invocation. There is no timeout: Lambda freezes the process while it waits.
    /// - Throws: `.transport` when the Runtime API cannot be reached, `.unexpectedStatus` for any status but
    ///   200, `.missingHeader` when the request id is absent.
    package func nextInvocation() throws(LambdaRuntimeError) -> Invocation {
        let status = try curl.get(nextURL, headers: nil)
        guard status == 200 else {
            throw LambdaRuntimeError(
                .unexpectedStatus(status),
                "GET \(RuntimeAPI.nextPath) answered \(status): \(Self.text(curl.body, limit: 512))"
            )
        }
        guard let requestID = curl.header(0), !requestID.isEmpty else {
            throw LambdaRuntimeError(
                .missingHeader,
                "GET \(RuntimeAPI.nextPath) answered without a \(RuntimeAPI.Header.requestID) header"
            )
        }
        return Invocation(
            event: curl.body,
            requestID: requestID,
            deadlineMilliseconds: curl.header(1).flatMap { Int64($0) } ?? .max,
            invokedFunctionARN: curl.header(2) ?? "",
            traceID: curl.header(3),
            clientContext: curl.header(4),
            cognitoIdentity: curl.header(5),
            tenantID: curl.header(6),
            invocationID: curl.header(7).flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// Posts a handler's response to `/invocation/{id}/response`, echoing `invocationID` when `/next` sent one.
    package func postResponse(
        requestID: String,
        invocationID: String? = nil,
        body: [UInt8]
    ) throws(LambdaRuntimeError) -> PostResult {
        let headers = invocationID.map { HeaderList(["Expect:", "Content-Type:", Self.invocationIDLine($0)]) }
        let status = try curl.post(
            baseURL + RuntimeAPI.responsePath(requestID: requestID),
            body: body,
            headers: headers ?? responseHeaders
        )
        return try result(of: status, path: RuntimeAPI.responsePath(requestID: requestID))
    }

    /// Posts a streamed response to `/invocation/{id}/response`: chunked, in Lambda's streaming mode, with the
    /// error trailers declared up front. Returns when `channel` is finished and Lambda has answered.
    package func postStreamingResponse(
        requestID: String,
        invocationID: String?,
        contentType: String,
        channel: StreamChannel
    ) throws(LambdaRuntimeError) -> PostResult {
        var lines = [
            "Expect:",
            "Content-Type: \(contentType)",
            "\(RuntimeAPI.Header.responseMode): \(RuntimeAPI.streamingResponseMode)",
            "Transfer-Encoding: chunked",
            "Trailer: \(RuntimeAPI.Header.functionErrorType), \(RuntimeAPI.Header.functionErrorBody)",
        ]
        if let invocationID { lines.append(Self.invocationIDLine(invocationID)) }
        let path = RuntimeAPI.responsePath(requestID: requestID)
        let status = try curl.postStreaming(baseURL + path, channel: channel, headers: HeaderList(lines))
        return try result(of: status, path: path)
    }

    /// Posts a handler's error to `/invocation/{id}/error`, echoing `invocationID` when `/next` sent one.
    package func postError(
        requestID: String,
        invocationID: String? = nil,
        error: LambdaErrorPayload
    ) throws(LambdaRuntimeError) -> PostResult {
        try postErrorPayload(error, path: RuntimeAPI.errorPath(requestID: requestID), invocationID: invocationID)
    }

    /// Posts an initialisation error to `/runtime/init/error`. The process should exit afterwards.
    package func postInitError(_ error: LambdaErrorPayload) throws(LambdaRuntimeError) -> PostResult {
        try postErrorPayload(error, path: RuntimeAPI.initErrorPath, invocationID: nil)
    }

    private func postErrorPayload(
        _ error: LambdaErrorPayload,
        path: String,
        invocationID: String?
    ) throws(LambdaRuntimeError) -> PostResult {
        var lines = [
            "Expect:",
            "Content-Type: \(RuntimeAPI.errorContentType)",
            "\(RuntimeAPI.Header.functionErrorType): \(error.headerSafeErrorType)",
        ]
        if let invocationID { lines.append(Self.invocationIDLine(invocationID)) }
        let status = try curl.post(baseURL + path, body: error.jsonBytes(), headers: HeaderList(lines))
        return try result(of: status, path: path)
    }

    /// The header line that echoes an invocation id. The id came from a header line, so it holds no CR or LF
    /// (the header parser stops at them); anything else in it is sent back as received.
    private static func invocationIDLine(_ id: String) -> String {
        "\(RuntimeAPI.Header.invocationID): \(id)"
    }

    private func result(of status: Int, path: String) throws(LambdaRuntimeError) -> PostResult {
        switch status {
        case 200..<300:
            return .accepted
        case 400..<500:
            return .rejected(status: status, body: Self.text(curl.replyBody, limit: 1024))
        default:
            throw LambdaRuntimeError(
                .unexpectedStatus(status),
                "POST \(path) answered \(status): \(Self.text(curl.replyBody, limit: 512))"
            )
        }
    }

    private static func text(_ bytes: [UInt8], limit: Int) -> String {
        let shown = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return bytes.count > limit ? shown + "…" : shown
    }
}
