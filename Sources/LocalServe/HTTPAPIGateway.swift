import CognitoAuth
import CurlHTTP
// Full Foundation (JSONSerialization, FileManager, URL) is fine here: LocalServe belongs to upload-edge serve and is
// never linked into bootstrap (see Package.swift; BootstrapBinaryTests fails if bootstrap links Foundation).
import Foundation
import LambdaRuntime
import LocalLambda

/// What a local HTTP API does in front of the upload functions, as API Gateway and CloudFront do in AWS:
///
/// - `/` and the page's files from the site directory, and `/config.json` for the page;
/// - `/cognito`: Cognito's JSON API (sign-in), passed on to the local user pool, as the page would call
///   `cognito-idp.{region}.amazonaws.com` in AWS;
/// - `/api/*`: an HTTP API with a JWT authorizer. The bearer token is verified (issuer, audience or client id,
///   expiry, signature against the pool's JWKS); a bad one is answered 401 here, a good one's claims go into
///   `requestContext.authorizer.jwt.claims` of a payload 2.0 event for the `presign` function.
/// - `/upload` and `/upload/*`: what CloudFront's upload behaviour does in front of S3. The `/upload` prefix is
///   stripped (the template's CloudFront Function), and the request goes on to the S3 endpoint with that endpoint's
///   `Host` (the origin request policy forwards every viewer header but `Host`) and the query as sent, so presigned
///   requests signed for the S3 endpoint arrive as signed.
public final class HTTPAPIGateway: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// Path and query, as sent.
        public var uri: String
        /// Header names lowercased; repeated headers joined with ",".
        public var headers: [String: String]
        public var body: [UInt8]
        public var sourceIP: String
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        static func json(_ status: Int, _ object: [String: Any]) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Response(status: status, headers: [("Content-Type", "application/json")], body: Array(body))
        }
    }

    let siteDirectory: String
    let pageConfiguration: [UInt8]
    let cognitoEndpoint: String
    let verifier: CognitoJWTVerifier
    let presign: RuntimeAPIEmulator
    /// The S3 endpoint behind `/upload` (`http://127.0.0.1:4566`); `nil` answers `/upload` 404.
    let uploadOrigin: String?
    /// The path CloudFront maps onto the upload origin.
    public static let uploadPath = "/upload"
    /// The largest object a download through `/upload` may return (held in memory on its way; this is local only).
    static let maxDownloadBytes = 2 * 1024 * 1024 * 1024
    /// The stage name, the first path segment of the API (`/api`), as in the template.
    static let stage = "api"

    /// - Parameters:
    ///   - pageConfiguration: `/config.json`: what the page needs to find Cognito and the API.
    public init(
        siteDirectory: String,
        pageConfiguration: [String: Any],
        cognitoEndpoint: String,
        verifier: CognitoJWTVerifier,
        presign: RuntimeAPIEmulator,
        uploadOrigin: String? = nil
    ) {
        self.siteDirectory = siteDirectory
        self.pageConfiguration = Array(
            (try? JSONSerialization.data(withJSONObject: pageConfiguration, options: [.sortedKeys])) ?? Data()
        )
        self.cognitoEndpoint = cognitoEndpoint
        self.verifier = verifier
        self.presign = presign
        self.uploadOrigin = uploadOrigin
    }

    public func handle(_ request: Request) async -> Response {
        let path = String(request.uri.prefix { $0 != "?" })
        if path == "/cognito" || path == "/cognito/" {
            guard request.method == "POST" else { return .json(405, ["message": "POST Cognito's JSON API here"]) }
            return await cognito(request)
        }
        if path == "/\(Self.stage)" || path.hasPrefix("/\(Self.stage)/") {
            return await api(request, path: path)
        }
        if path == Self.uploadPath || path.hasPrefix(Self.uploadPath + "/") {
            return await upload(request)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .json(405, ["message": "the site is read-only"])
        }
        if path == "/config.json" {
            return Response(
                status: 200,
                headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                body: pageConfiguration
            )
        }
        return staticFile(path)
    }

    // MARK: - The page

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json",
    ]

    func staticFile(_ path: String) -> Response {
        var relative = path == "/" ? "/index.html" : path
        guard let decoded = relative.removingPercentEncoding else { return .json(400, ["message": "bad path"]) }
        relative = decoded
        let segments = relative.split(separator: "/")
        guard !segments.contains(where: { $0 == ".." || $0.hasPrefix(".") }) else {
            return .json(404, ["message": "not found"])
        }
        let file = siteDirectory + "/" + segments.joined(separator: "/")
        guard let data = FileManager.default.contents(atPath: file) else {
            return .json(404, ["message": "not found: \(path)"])
        }
        let type = Self.contentTypes[String(file.split(separator: ".").last ?? "")] ?? "application/octet-stream"
        return Response(
            status: 200,
            headers: [
                ("Content-Type", type), ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff"),
                (
                    "Content-Security-Policy",
                    "default-src 'self'; connect-src 'self' http://127.0.0.1:*; img-src 'self' data: blob:; "
                        + "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
                ),
            ],
            body: Array(data)
        )
    }

    // MARK: - Cognito

    func cognito(_ request: Request) async -> Response {
        let endpoint = cognitoEndpoint
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var headers: [(String, String)] = []
                for name in ["x-amz-target", "content-type"] {
                    if let value = request.headers[name] { headers.append((name, value)) }
                }
                do {
                    let client = try CurlHTTPClient()
                    let answer = try client.send("POST", endpoint + "/", headers: headers, body: request.body)
                    continuation.resume(
                        returning: Response(
                            status: answer.status,
                            headers: [("Content-Type", answer.headers["content-type"] ?? "application/x-amz-json-1.1")],
                            body: answer.body
                        )
                    )
                } catch {
                    continuation.resume(
                        returning: .json(502, ["message": "the local user pool is unreachable: \(error)"])
                    )
                }
            }
        }
    }

    // MARK: - Uploads, as CloudFront forwards them

    /// Headers that belong to one hop, or that libcurl and the server write themselves.
    static let hopHeaders: Set<String> = [
        "host", "connection", "keep-alive", "content-length", "transfer-encoding", "expect", "te", "trailer",
        "upgrade", "proxy-connection", "accept-encoding",
    ]

    func upload(_ request: Request) async -> Response {
        guard let uploadOrigin else { return .json(404, ["message": "this gateway has no upload origin"]) }
        // CloudFront's viewer-request function: /upload → /, /upload/x → /x; the rest of the URI as sent.
        var target = String(request.uri.dropFirst(Self.uploadPath.count))
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        let url = uploadOrigin + target
        let headers = request.headers.filter { !Self.hopHeaders.contains($0.key) }.map { ($0.key, $0.value) }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    var configuration = CurlHTTPClient.Configuration()
                    configuration.timeoutMilliseconds = 300_000
                    // Downloads of whole uploads come back this way: not the client's 16 MiB default for API answers.
                    configuration.maxResponseBytes = Self.maxDownloadBytes
                    let client = try CurlHTTPClient(configuration: configuration)
                    let answer = try client.send(
                        request.method,
                        url,
                        headers: headers,
                        body: request.method == "GET" || request.method == "HEAD" ? nil : request.body
                    )
                    let kept = answer.headers.filter { !Self.hopHeaders.contains($0.key) }
                    continuation.resume(
                        returning: Response(
                            status: answer.status,
                            headers: kept.map { ($0.key, $0.value) },
                            body: answer.body
                        )
                    )
                } catch {
                    continuation.resume(
                        returning: .json(502, ["message": "the upload origin is unreachable: \(error)"])
                    )
                }
            }
        }
    }

    // MARK: - The API

    func api(_ request: Request, path: String) async -> Response {
        if request.method == "OPTIONS" {
            // Same origin: the page never needs CORS here; answer preflights from elsewhere plainly.
            return Response(status: 204, headers: [], body: [])
        }
        guard let token = request.headers["authorization"].flatMap(Self.bearerToken) else {
            return .json(401, ["message": "Unauthorized"])
        }
        let verified: VerifiedToken
        do {
            verified = try await verifier.verifyOnOwnThread(token)
        } catch {
            return Response(
                status: 401,
                headers: [
                    ("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer error=\"invalid_token\""),
                ],
                body: Array(#"{"message":"Unauthorized"}"#.utf8)
            )
        }
        let event = Self.event(for: request, path: path, claims: verified.claims.raw)
        let result = await presign.invoke(InvocationRequest(payload: event))
        guard result.status == .ok else {
            // What API Gateway answers when the integration fails.
            return .json(500, ["message": "Internal Server Error"])
        }
        return Self.response(from: result.body)
    }

    /// The token of `Authorization: Bearer <token>`.
    static func bearerToken(_ value: String) -> String? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A payload 2.0 event, as an HTTP API with a JWT authorizer sends it.
    static func event(for request: Request, path: String, claims: [String: JSONValue]) -> [UInt8] {
        let query = request.uri.firstIndex(of: "?").map { String(request.uri[request.uri.index(after: $0)...]) } ?? ""
        let routePath = String(path.dropFirst(stage.count + 1))
        let route: String
        var pathParameters: [String: String]?
        // The template's routes: the multipart ones by name, and {key+} for the rest under /uploads/.
        if routePath.hasPrefix("/uploads/"),
            !["/uploads/multipart", "/uploads/multipart/parts", "/uploads/multipart/complete"].contains(routePath)
        {
            route = "\(request.method) /uploads/{key+}"
            let raw = String(routePath.dropFirst("/uploads/".count))
            pathParameters = ["key": raw.removingPercentEncoding ?? raw]
        } else {
            route = "\(request.method) \(routePath)"
        }
        let now = Date()
        var requestContext: [String: Any] = [
            "accountId": "123456789012", "apiId": "local", "domainName": request.headers["host"] ?? "127.0.0.1",
            "domainPrefix": "local", "requestId": UUID().uuidString, "routeKey": route, "stage": stage,
            "time": ISO8601DateFormatter().string(from: now), "timeEpoch": Int(now.timeIntervalSince1970 * 1000),
            "http": [
                "method": request.method, "path": path, "protocol": "HTTP/1.1", "sourceIp": request.sourceIP,
                "userAgent": request.headers["user-agent"] ?? "",
            ],
        ]
        requestContext["authorizer"] = [
            "jwt": ["claims": claims.mapValues(claimText), "scopes": NSNull()]
        ]
        var event: [String: Any] = [
            "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": query,
            "headers": request.headers, "requestContext": requestContext, "isBase64Encoded": false,
        ]
        if let pathParameters { event["pathParameters"] = pathParameters }
        if !query.isEmpty { event["queryStringParameters"] = queryParameters(query) }
        if !request.body.isEmpty {
            if let text = String(validating: request.body, as: UTF8.self) {
                event["body"] = text
            } else {
                event["body"] = Data(request.body).base64EncodedString()
                event["isBase64Encoded"] = true
            }
        }
        return Array((try? JSONSerialization.data(withJSONObject: event)) ?? Data())
    }

    /// `a=1&b=x%20y` as API Gateway's `queryStringParameters`: decoded, repeated names joined with ",".
    static func queryParameters(_ query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            parameters[name] = parameters[name].map { $0 + "," + value } ?? value
        }
        return parameters
    }

    /// A claim as API Gateway's JWT authorizer passes it: strings as they are, arrays as `[a b]`.
    static func claimText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .bool(let flag): String(flag)
        case .null: ""
        case .array(let items): "[" + items.map(claimText).joined(separator: " ") + "]"
        case .object: "{}"
        }
    }

    /// The function's payload 2.0 response as HTTP.
    static func response(from body: [UInt8]) -> Response {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let status = object["statusCode"] as? Int
        else {
            return .json(500, ["message": "Internal Server Error"])
        }
        var headers: [(String, String)] = []
        for (name, value) in object["headers"] as? [String: Any] ?? [:] { headers.append((name, "\(value)")) }
        var bytes: [UInt8] = []
        if let text = object["body"] as? String {
            if object["isBase64Encoded"] as? Bool == true {
                bytes = Array(Data(base64Encoded: text) ?? Data())
            } else {
                bytes = Array(text.utf8)
            }
        }
        return Response(status: status, headers: headers, body: bytes)
    }
}
