import LambdaRuntime

/// An API Gateway REST API proxy request (payload format 1.0; HTTP APIs send it too when set to 1.0).
///
/// Only `httpMethod` and `path` are required: the upload API routes on them. Every other member is optional (see
/// <doc:RequiredFields>).
public struct APIGatewayRequest: Codable, Sendable, Equatable {
    /// Payload 1.0 from an HTTP API says `"1.0"`; REST APIs leave it out.
    public var version: String?
    /// The resource path as defined on the API, with its parameters: `/api/uploads/{key+}`.
    public var resource: String?
    /// The request path, without the query: `/api/uploads/a%20b`.
    public var path: String
    /// The request method, uppercase: `GET`, `POST`…
    public var httpMethod: String
    /// The request headers, the last value of a repeated name; `null` when the request had none.
    public var headers: [String: String]?
    /// Every value of every header, in order.
    public var multiValueHeaders: [String: [String]]?
    /// The query parameters, decoded; the last value of a repeated name.
    public var queryStringParameters: [String: String]?
    /// Every value of every query parameter, in order.
    public var multiValueQueryStringParameters: [String: [String]]?
    /// The resource's path parameters (`{key+}`), decoded.
    public var pathParameters: [String: String]?
    /// The stage's variables, as configured on the API stage.
    public var stageVariables: [String: String]?
    /// Who called, and what the authorizer said.
    public var requestContext: RequestContext?
    /// The request body: text, or base64 when `isBase64Encoded`. `null` (not absent) when the request has none.
    public var body: String?
    /// Whether `body` is base64; absent counts as `false`.
    public var isBase64Encoded: Bool?

    /// What API Gateway knows about a REST request beyond its HTTP message: the API, the stage, the caller, the
    /// authorizer's verdict.
    public struct RequestContext: Codable, Sendable, Equatable {
        /// The AWS account that owns the API, 12 digits.
        public var accountId: String?
        /// The API's id, the first label of its default domain: `abc123defg`.
        public var apiId: String?
        /// Cognito user pool authorizer: `claims` (all strings). Lambda authorizer: `principalId`,
        /// `integrationLatency` and the context it returned. See `claims`.
        public var authorizer: [String: JSONValue]?
        /// The host the client called: `abc123defg.execute-api.eu-west-1.amazonaws.com` or a custom domain.
        public var domainName: String?
        /// The first label of `domainName`.
        public var domainPrefix: String?
        /// API Gateway's extended request id, as its `x-amz-apigw-id` response header.
        public var extendedRequestId: String?
        /// The request method, as the top-level `httpMethod`.
        public var httpMethod: String?
        /// Who the caller is: source address, user agent, and the IAM or Cognito identity when there is one.
        public var identity: Identity?
        /// The request path including the stage: `/prod/api/uploads`.
        public var path: String?
        /// The protocol of the client's request: `HTTP/1.1`.
        public var `protocol`: String?
        /// API Gateway's id for the request, also in its access logs.
        public var requestId: String?
        /// When the request arrived, in the CLF format `25/Nov/2026:15:17:14 +0000`.
        public var requestTime: String?
        /// When the request arrived, in milliseconds since the Unix epoch.
        public var requestTimeEpoch: Int64?
        /// The id of the API resource that matched.
        public var resourceId: String?
        /// The resource path as defined on the API, as the top-level `resource`.
        public var resourcePath: String?
        /// The stage's name: `prod`, `dev`…
        public var stage: String?

        /// The Cognito user pool authorizer's claims, when that authorizer ran.
        public var claims: [String: JSONValue]? {
            guard case .object(let claims)? = authorizer?["claims"] else { return nil }
            return claims
        }
    }

    /// The caller of a REST request: where it came from, and the IAM, Cognito or API key identity behind it.
    public struct Identity: Codable, Sendable, Equatable {
        /// The access key id of a SigV4-signed request.
        public var accessKey: String?
        /// The signer's AWS account, for IAM-authorised requests.
        public var accountId: String?
        /// The API key the request carried, for methods that require one.
        public var apiKey: String?
        /// The id of that API key.
        public var apiKeyId: String?
        /// The signer's principal id, for IAM-authorised requests.
        public var caller: String?
        /// The Cognito identity pool's authentication provider, for credentials from an identity pool.
        public var cognitoAuthenticationProvider: String?
        /// `authenticated` or `unauthenticated`, for credentials from an identity pool.
        public var cognitoAuthenticationType: String?
        /// The identity's id in the pool.
        public var cognitoIdentityId: String?
        /// The identity pool's id.
        public var cognitoIdentityPoolId: String?
        /// The AWS Organizations id of the signer's organisation.
        public var principalOrgId: String?
        /// The client's IP address, as API Gateway saw the TCP connection.
        public var sourceIp: String?
        /// The signer's user id, for IAM-authorised requests.
        public var user: String?
        /// The `User-Agent` header.
        public var userAgent: String?
        /// The signer's ARN, for IAM-authorised requests.
        public var userArn: String?
    }

    /// The body's bytes: base64-decoded when `isBase64Encoded`. `nil` without a body.
    /// - Throws: `LambdaEventError` when a body marked base64 is not.
    public func bodyBytes() throws(LambdaEventError) -> [UInt8]? {
        try LambdaEventError.bodyBytes(body, isBase64Encoded: isBase64Encoded ?? false, path: "body")
    }

    /// The header `name`, any case; `nil` when the request has no such header.
    public func header(_ name: String) -> String? {
        guard let headers else { return nil }
        return headers[name] ?? headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// The answer to a REST API proxy request.
public struct APIGatewayResponse: Codable, Sendable, Equatable {
    /// The HTTP status code, e.g. `200`.
    public var statusCode: Int
    /// The response headers, one value per name.
    public var headers: [String: String]?
    /// Response headers with several values; merged with `headers`.
    public var multiValueHeaders: [String: [String]]?
    /// The response body: text, or base64 when `isBase64Encoded` is `true`.
    public var body: String?
    /// Whether API Gateway must base64-decode `body` (the API must list the content type as binary).
    public var isBase64Encoded: Bool?

    /// A response with a text body.
    /// - Parameters:
    ///   - statusCode: The HTTP status code.
    ///   - headers: The response headers, one value per name.
    ///   - multiValueHeaders: Headers with several values.
    ///   - body: The body, text (or base64 with `isBase64Encoded`).
    ///   - isBase64Encoded: Whether `body` is base64.
    public init(
        statusCode: Int,
        headers: [String: String]? = nil,
        multiValueHeaders: [String: [String]]? = nil,
        body: String? = nil,
        isBase64Encoded: Bool? = nil
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.multiValueHeaders = multiValueHeaders
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }
}
