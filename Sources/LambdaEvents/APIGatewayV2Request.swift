import LambdaRuntime

/// An API Gateway HTTP API request, payload format 2.0. Lambda Function URLs send the same shape
/// (`FunctionURLRequest`).
public struct APIGatewayV2Request: Codable, Sendable, Equatable {
    public var version: String
    public var routeKey: String
    public var rawPath: String
    public var rawQueryString: String
    public var cookies: [String]?
    /// Header names are lowercase; repeated headers are joined with commas.
    public var headers: [String: String]
    public var queryStringParameters: [String: String]?
    public var pathParameters: [String: String]?
    public var stageVariables: [String: String]?
    public var requestContext: RequestContext
    /// Absent when the request has no body.
    public var body: String?
    public var isBase64Encoded: Bool

    public struct RequestContext: Codable, Sendable, Equatable {
        public var accountId: String
        public var apiId: String
        public var authentication: Authentication?
        public var authorizer: Authorizer?
        public var domainName: String
        public var domainPrefix: String
        public var http: HTTP
        public var requestId: String
        /// Always sent by API Gateway; optional because hand-made test events often leave it out.
        public var routeKey: String?
        public var stage: String
        public var time: String
        public var timeEpoch: Int64
    }

    /// What authorised the request: exactly one of these is set.
    public struct Authorizer: Codable, Sendable, Equatable {
        /// A JWT authorizer: the token's claims (as strings, the way API Gateway passes them) and scopes.
        public var jwt: JWT?
        /// A Lambda authorizer's context, any JSON (a simple response may return numbers, booleans, objects).
        public var lambda: JSONValue?
        /// IAM authorisation (SigV4-signed requests).
        public var iam: IAM?
    }

    public struct JWT: Codable, Sendable, Equatable {
        /// Claim values as API Gateway delivers them: strings, with arrays flattened to `"[a b]"`. Any JSON is
        /// accepted, in case an issuer's claims come through typed. `CognitoClaims` gives the typed view.
        public var claims: [String: JSONValue]?
        public var scopes: [String]?
    }

    public struct IAM: Codable, Sendable, Equatable {
        public var accessKey: String?
        public var accountId: String?
        public var callerId: String?
        public var cognitoIdentity: CognitoIdentity?
        public var principalOrgId: String?
        public var userArn: String?
        public var userId: String?
    }

    public struct CognitoIdentity: Codable, Sendable, Equatable {
        public var amr: [String]?
        public var identityId: String?
        public var identityPoolId: String?
    }

    /// Mutual TLS: the client certificate.
    public struct Authentication: Codable, Sendable, Equatable {
        public var clientCert: ClientCertificate?
    }

    public struct ClientCertificate: Codable, Sendable, Equatable {
        public var clientCertPem: String?
        public var subjectDN: String?
        public var issuerDN: String?
        public var serialNumber: String?
        public var validity: Validity?

        public struct Validity: Codable, Sendable, Equatable {
            public var notBefore: String?
            public var notAfter: String?
        }
    }

    public struct HTTP: Codable, Sendable, Equatable {
        public var method: String
        public var path: String
        public var `protocol`: String
        public var sourceIp: String
        public var userAgent: String
    }

    /// The body's bytes: base64-decoded when `isBase64Encoded`. `nil` without a body.
    /// - Throws: `LambdaEventError` when a body marked base64 is not.
    public func bodyBytes() throws(LambdaEventError) -> [UInt8]? {
        try LambdaEventError.bodyBytes(body, isBase64Encoded: isBase64Encoded, path: "body")
    }

    /// The header `name`, any case.
    public func header(_ name: String) -> String? {
        headers[name] ?? headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A Lambda Function URL request: the HTTP API payload format 2.0, with IAM or no authorisation.
public typealias FunctionURLRequest = APIGatewayV2Request

/// The answer to an HTTP API (payload 2.0) or Function URL request.
public struct APIGatewayV2Response: Codable, Sendable, Equatable {
    public var statusCode: Int
    public var headers: [String: String]?
    /// Each becomes its own `Set-Cookie` header.
    public var cookies: [String]?
    public var body: String?
    public var isBase64Encoded: Bool?

    public init(
        statusCode: Int,
        headers: [String: String]? = nil,
        cookies: [String]? = nil,
        body: String? = nil,
        isBase64Encoded: Bool? = nil
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// A response carrying binary `bytes`, base64-encoded.
    public init(statusCode: Int, headers: [String: String]? = nil, binaryBody bytes: [UInt8]) {
        self.init(statusCode: statusCode, headers: headers, body: Base64.encode(bytes), isBase64Encoded: true)
    }
}

/// The answer to a Function URL request.
public typealias FunctionURLResponse = APIGatewayV2Response
