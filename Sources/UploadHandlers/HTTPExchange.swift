import CognitoAuth
import LambdaCodable
import LambdaEvents
import LambdaRuntime

/// The signed-in user behind a request, however API Gateway handed them over.
public struct UploadIdentity: Sendable, Equatable {
    /// Cognito's `sub`.
    public var subject: String
    /// Cognito's `cognito:username` or `username`, for the log.
    public var username: String?
    /// Cognito's `cognito:groups`: what the required group and the group limits read.
    public var groups: [String]
    /// `upload:maxBytes`, written into the token by the `pretoken` handler.
    public var maxBytes: Int64?

    /// A user given directly, as tests and other front ends name one.
    public init(subject: String, username: String? = nil, groups: [String] = [], maxBytes: Int64? = nil) {
        self.subject = subject
        self.username = username
        self.groups = groups
        self.maxBytes = maxBytes
    }

    /// From token claims (a JWT authorizer, a Cognito authorizer, or a token verified here).
    public init?(claims: CognitoClaims) {
        guard let subject = claims.subject else { return nil }
        self.init(
            subject: subject,
            username: claims.username,
            groups: claims.groups,
            maxBytes: claims.string("upload:maxBytes").flatMap { Int64($0) }
        )
    }

    /// From the context the `authorize` handler returns: `sub`, `username`, `groups` (comma-separated), `maxBytes`.
    public init?(authorizerContext context: [String: JSONValue]) {
        let claims = CognitoClaims(context)
        guard let subject = claims.subject else { return nil }
        self.init(
            subject: subject,
            username: claims.string("username"),
            groups: claims.list("groups", separator: ","),
            maxBytes: claims.string("maxBytes").flatMap { Int64($0) }
        )
    }
}

/// An HTTP request from an HTTP API (payload 2.0), a Function URL or a REST API (payload 1.0), reduced to what the
/// upload API reads, and answered in the same format.
struct HTTPExchange {
    enum Format {
        case v2
        case v1
    }

    var format: Format
    var method: String
    /// The request path as the client sent it (percent-encoded), without the query.
    var path: String
    /// Path parameters of the route (`{key+}`), decoded by API Gateway.
    var pathParameters: [String: String]
    /// Query parameters, decoded by API Gateway (the last value of a repeated name).
    var query: [String: String]
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]?
    /// The identity an authorizer vouched for; `nil` when none did.
    var identity: UploadIdentity?

    /// A request given directly, as tests name one.
    init(
        format: Format = .v2,
        method: String,
        path: String,
        pathParameters: [String: String] = [:],
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: [UInt8]? = nil,
        identity: UploadIdentity? = nil
    ) {
        self.format = format
        self.method = method
        self.path = path
        self.pathParameters = pathParameters
        self.query = query
        self.headers = headers
        self.body = body
        self.identity = identity
    }

    init(_ request: APIGatewayV2Request) throws(LambdaEventError) {
        format = .v2
        method = request.requestContext.http.method.uppercased()
        path = request.rawPath
        pathParameters = request.pathParameters ?? [:]
        query = request.queryStringParameters ?? [:]
        headers = Self.lowercased(request.headers ?? [:])
        body = try request.bodyBytes()
        if let claims = CognitoClaims(request) {
            identity = UploadIdentity(claims: claims)
        } else if case .object(let context)? = request.requestContext.authorizer?.lambda {
            identity = UploadIdentity(authorizerContext: context)
        }
    }

    init(_ request: APIGatewayRequest) throws(LambdaEventError) {
        format = .v1
        method = request.httpMethod.uppercased()
        path = request.path
        pathParameters = request.pathParameters ?? [:]
        query = request.queryStringParameters ?? [:]
        headers = Self.lowercased(request.headers ?? [:])
        body = try request.bodyBytes()
        if let claims = CognitoClaims(request) {
            identity = UploadIdentity(claims: claims)
        } else if let context = request.requestContext?.authorizer {
            identity = UploadIdentity(authorizerContext: context)
        }
    }

    private static func lowercased(_ headers: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers { out[name.lowercased()] = value }
        return out
    }

    /// The bearer token of the `Authorization` header, when there is one.
    var bearerToken: String? {
        guard let value = headers["authorization"] else { return nil }
        return BearerToken.extract(value)
    }

    /// Encodes `response` in the request's format.
    func encode(_ response: HTTPResponse) throws -> [UInt8] {
        switch format {
        case .v2:
            try LambdaJSONEncoder().encode(
                APIGatewayV2Response(statusCode: response.status, headers: response.headers, body: response.body)
            )
        case .v1:
            try LambdaJSONEncoder().encode(
                APIGatewayResponse(statusCode: response.status, headers: response.headers, body: response.body)
            )
        }
    }
}

/// `Bearer xyz` or a bare token, as API Gateway passes an `Authorization` header through.
enum BearerToken {
    static func extract(_ value: String) -> String? {
        var token = Substring(value)
        if token.count > 7, token.prefix(7).lowercased() == "bearer " { token = token.dropFirst(7) }
        let trimmed = String(token).trimmingASCIISpaces()
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// A response of the upload API: a status, headers, and a JSON body.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: String?

    static func json(_ status: Int, _ value: some Encodable, headers: [String: String] = [:]) -> HTTPResponse {
        let bytes = (try? LambdaJSONEncoder().encode(value)) ?? Array(#"{"error":"InternalError"}"#.utf8)
        var all = headers
        all["Content-Type"] = "application/json"
        // Presigned URLs and forms are credentials: no cache may keep them.
        all["Cache-Control"] = "no-store"
        return HTTPResponse(status: status, headers: all, body: String(decoding: bytes, as: UTF8.self))
    }
}

/// An error the client caused, answered as `{"error": code, "message": what to fix}`.
public struct UploadAPIError: Error, Sendable, Equatable, Encodable {
    /// The HTTP status of the answer.
    public var status: Int
    /// The error code of the body's `error`: `BadRequest`, `Forbidden`, `TooLarge`, …
    public var error: String
    /// The body's `message`: what was wrong with the request, and how to fix it.
    public var message: String

    /// An answer of `status` with the body `{"error": error, "message": message}`.
    public init(_ status: Int, _ error: String, _ message: String) {
        self.status = status
        self.error = error
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case error
        case message
    }

    static func badRequest(_ message: String) -> UploadAPIError { .init(400, "BadRequest", message) }
}

/// CORS headers from `CORS_ALLOW_ORIGIN`: `*`, or the request's `Origin` when it is one of the listed origins.
struct CORSPolicy: Sendable {
    var allowOrigins: [String]

    func headers(origin: String?, preflight: Bool) -> [String: String] {
        guard !allowOrigins.isEmpty else { return [:] }
        var headers: [String: String] = [:]
        if allowOrigins.contains("*") {
            headers["Access-Control-Allow-Origin"] = "*"
        } else {
            headers["Vary"] = "Origin"
            guard let origin, allowOrigins.contains(origin) else { return headers }
            headers["Access-Control-Allow-Origin"] = origin
        }
        if preflight {
            headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "authorization, content-type"
            headers["Access-Control-Max-Age"] = "600"
        }
        return headers
    }
}
