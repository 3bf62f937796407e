import LambdaRuntime

/// An API Gateway HTTP API request, payload format 2.0. Lambda Function URLs send the same shape
/// (`FunctionURLRequest`).
///
/// Only `rawPath` and `requestContext.http.method` are required: the upload API routes on them. Every other member
/// is optional, because hand-made events and emulators often leave it out (see <doc:RequiredFields>).
public struct APIGatewayV2Request: Codable, Sendable, Equatable {
    /// The payload format version, `"2.0"`.
    public var version: String?
    /// The route that matched: `"POST /api/uploads"`, or `"$default"` for the catch-all route.
    public var routeKey: String?
    /// The request path as the client sent it, percent-encoded, without the query: `/api/uploads/a%20b`.
    public var rawPath: String
    /// The query string without the `?`, still percent-encoded; `""` when there is none.
    public var rawQueryString: String?
    /// The request's cookies, one `name=value` per entry, split out of the `Cookie` headers.
    public var cookies: [String]?
    /// The request headers. Header names are lowercase; repeated headers are joined with commas.
    public var headers: [String: String]?
    /// The query parameters, decoded; a repeated name's values are joined with commas.
    public var queryStringParameters: [String: String]?
    /// The route's path parameters (`{key+}`), decoded.
    public var pathParameters: [String: String]?
    /// The stage's variables, as configured on the API stage.
    public var stageVariables: [String: String]?
    /// Who called, how, and what authorised the request.
    public var requestContext: RequestContext
    /// The request body: text, or base64 when `isBase64Encoded`. Absent when the request has no body.
    public var body: String?
    /// Whether `body` is base64; absent counts as `false`.
    public var isBase64Encoded: Bool?

    /// What API Gateway knows about the request beyond its HTTP message: the API, the stage, the caller, the
    /// authorizer's verdict.
    public struct RequestContext: Codable, Sendable, Equatable {
        /// The AWS account that owns the API, 12 digits.
        public var accountId: String?
        /// The API's id, the first label of its default domain: `abc123defg`.
        public var apiId: String?
        /// The client certificate, when the custom domain requires mutual TLS.
        public var authentication: Authentication?
        /// What the route's authorizer said about the caller; absent on routes without one.
        public var authorizer: Authorizer?
        /// The host the client called: `abc123defg.execute-api.eu-west-1.amazonaws.com`, a custom domain, or a
        /// Function URL's `<id>.lambda-url.<region>.on.aws`.
        public var domainName: String?
        /// The first label of `domainName`.
        public var domainPrefix: String?
        /// The request line and the connection: method, path, protocol, source address.
        public var http: HTTP
        /// API Gateway's id for the request, also in its access logs.
        public var requestId: String?
        /// The route that matched, as the top-level `routeKey`.
        public var routeKey: String?
        /// The stage's name: `$default`, `prod`…
        public var stage: String?
        /// When the request arrived, in the CLF format `25/Nov/2026:15:17:14 +0000`.
        public var time: String?
        /// When the request arrived, in milliseconds since the Unix epoch.
        public var timeEpoch: Int64?
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

    /// What a JWT authorizer verified: the token's claims and its scopes.
    public struct JWT: Codable, Sendable, Equatable {
        /// Claim values as API Gateway delivers them: strings, with arrays flattened to `"[a b]"`. Any JSON is
        /// accepted, in case an issuer's claims come through typed. `CognitoClaims` gives the typed view.
        public var claims: [String: JSONValue]?
        /// The access token's `scope` claim, split on spaces; absent for ID tokens.
        public var scopes: [String]?
    }

    /// The IAM identity that signed the request (SigV4), as an HTTP API with IAM authorisation reports it.
    public struct IAM: Codable, Sendable, Equatable {
        /// The access key id the request was signed with: `AKIA…` or a temporary `ASIA…`.
        public var accessKey: String?
        /// The signer's AWS account, 12 digits.
        public var accountId: String?
        /// The signer's unique principal id, e.g. `AROA…:session-name` for an assumed role.
        public var callerId: String?
        /// The Cognito identity pool identity, when the signing credentials came from one.
        public var cognitoIdentity: CognitoIdentity?
        /// The AWS Organizations id of the signer's organisation.
        public var principalOrgId: String?
        /// The signer's ARN: a user, or an assumed role's session.
        public var userArn: String?
        /// The signer's user id, as `callerId`.
        public var userId: String?
    }

    /// The Cognito identity pool identity behind IAM credentials.
    public struct CognitoIdentity: Codable, Sendable, Equatable {
        /// The authentication methods references: `authenticated` or `unauthenticated`, and the provider.
        public var amr: [String]?
        /// The identity's id in the pool: `eu-west-1:1234abcd-…`.
        public var identityId: String?
        /// The identity pool's id: `eu-west-1:abcd1234-…`.
        public var identityPoolId: String?
    }

    /// Mutual TLS: the client certificate.
    public struct Authentication: Codable, Sendable, Equatable {
        /// The certificate the client presented in the TLS handshake.
        public var clientCert: ClientCertificate?
    }

    /// A client's X.509 certificate, as API Gateway's mutual TLS reports it.
    public struct ClientCertificate: Codable, Sendable, Equatable {
        /// The whole certificate, PEM-encoded.
        public var clientCertPem: String?
        /// The subject's distinguished name: `CN=client,O=Example`.
        public var subjectDN: String?
        /// The issuer's distinguished name.
        public var issuerDN: String?
        /// The certificate's serial number, as text.
        public var serialNumber: String?
        /// When the certificate is valid.
        public var validity: Validity?

        /// A certificate's validity period.
        public struct Validity: Codable, Sendable, Equatable {
            /// The start of validity, e.g. `May 28 12:30:02 2019 GMT`.
            public var notBefore: String?
            /// The end of validity, in the same format.
            public var notAfter: String?
        }
    }

    /// The HTTP request line and connection, as API Gateway received them.
    public struct HTTP: Codable, Sendable, Equatable {
        /// The request method, uppercase: `GET`, `POST`…
        public var method: String
        /// The request path, as API Gateway reports it next to the method; the upload API reads `rawPath`.
        public var path: String?
        /// The protocol of the client's request: `HTTP/1.1`, `HTTP/2.0`.
        public var `protocol`: String?
        /// The client's IP address, as API Gateway saw the TCP connection.
        public var sourceIp: String?
        /// The `User-Agent` header.
        public var userAgent: String?
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

/// A Lambda Function URL request: the HTTP API payload format 2.0, with IAM or no authorisation.
public typealias FunctionURLRequest = APIGatewayV2Request

/// The answer to an HTTP API (payload 2.0) or Function URL request.
public struct APIGatewayV2Response: Codable, Sendable, Equatable {
    /// The HTTP status code, e.g. `200`.
    public var statusCode: Int
    /// The response headers, one value per name.
    public var headers: [String: String]?
    /// Each becomes its own `Set-Cookie` header.
    public var cookies: [String]?
    /// The response body: text, or base64 when `isBase64Encoded` is `true`.
    public var body: String?
    /// Whether API Gateway must base64-decode `body` before sending it.
    public var isBase64Encoded: Bool?

    /// A response with a text body.
    /// - Parameters:
    ///   - statusCode: The HTTP status code.
    ///   - headers: The response headers.
    ///   - cookies: The cookies to set, one `Set-Cookie` value each.
    ///   - body: The body, text (or base64 with `isBase64Encoded`).
    ///   - isBase64Encoded: Whether `body` is base64.
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
