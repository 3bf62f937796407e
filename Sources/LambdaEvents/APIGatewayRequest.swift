import LambdaRuntime

/// An API Gateway REST API proxy request (payload format 1.0; HTTP APIs send it too when set to 1.0).
public struct APIGatewayRequest: Codable, Sendable, Equatable {
    /// Payload 1.0 from an HTTP API says `"1.0"`; REST APIs leave it out.
    public var version: String?
    public var resource: String
    public var path: String
    public var httpMethod: String
    /// `null` when the request had none.
    public var headers: [String: String]?
    public var multiValueHeaders: [String: [String]]?
    public var queryStringParameters: [String: String]?
    public var multiValueQueryStringParameters: [String: [String]]?
    public var pathParameters: [String: String]?
    public var stageVariables: [String: String]?
    public var requestContext: RequestContext
    /// `null` (not absent) when the request has no body.
    public var body: String?
    public var isBase64Encoded: Bool?

    public struct RequestContext: Codable, Sendable, Equatable {
        public var accountId: String
        public var apiId: String
        /// Cognito user pool authorizer: `claims` (all strings). Lambda authorizer: `principalId`,
        /// `integrationLatency` and the context it returned. See `claims` and `lambdaContext`.
        public var authorizer: [String: JSONValue]?
        public var domainName: String?
        public var domainPrefix: String?
        public var extendedRequestId: String?
        public var httpMethod: String
        public var identity: Identity
        public var path: String?
        public var `protocol`: String?
        public var requestId: String
        public var requestTime: String?
        public var requestTimeEpoch: Int64?
        public var resourceId: String?
        public var resourcePath: String
        public var stage: String

        /// The Cognito user pool authorizer's claims, when that authorizer ran.
        public var claims: [String: JSONValue]? {
            guard case .object(let claims)? = authorizer?["claims"] else { return nil }
            return claims
        }
    }

    public struct Identity: Codable, Sendable, Equatable {
        public var accessKey: String?
        public var accountId: String?
        public var apiKey: String?
        public var apiKeyId: String?
        public var caller: String?
        public var cognitoAuthenticationProvider: String?
        public var cognitoAuthenticationType: String?
        public var cognitoIdentityId: String?
        public var cognitoIdentityPoolId: String?
        public var principalOrgId: String?
        public var sourceIp: String
        public var user: String?
        public var userAgent: String?
        public var userArn: String?
    }

    /// The body's bytes: base64-decoded when `isBase64Encoded`. `nil` without a body.
    /// - Throws: `LambdaEventError` when a body marked base64 is not.
    public func bodyBytes() throws(LambdaEventError) -> [UInt8]? {
        try LambdaEventError.bodyBytes(body, isBase64Encoded: isBase64Encoded ?? false, path: "body")
    }

    /// The header `name`, any case.
    public func header(_ name: String) -> String? {
        guard let headers else { return nil }
        return headers[name] ?? headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// The answer to a REST API proxy request.
public struct APIGatewayResponse: Codable, Sendable, Equatable {
    public var statusCode: Int
    public var headers: [String: String]?
    public var multiValueHeaders: [String: [String]]?
    public var body: String?
    public var isBase64Encoded: Bool?

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
