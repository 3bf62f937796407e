import LambdaRuntime

/// A REST API `TOKEN` authorizer event: the token from the identity source, and the method being called.
///
/// Only `methodArn` is required: the IAM policy the authorizer answers with names it. A missing token decodes, and
/// is refused as unauthorised (see <doc:RequiredFields>).
public struct APIGatewayTokenAuthorizerEvent: Codable, Sendable, Equatable {
    /// `"TOKEN"`.
    public var type: String?
    /// The identity source's value, usually the whole `Authorization` header: `Bearer eyJ…`.
    public var authorizationToken: String?
    /// The method being called: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}`.
    public var methodArn: String
}

/// A `REQUEST` authorizer event from a REST API, or from an HTTP API with payload format 1.0 (which adds
/// `version`, `identitySource` and `authorizationToken`).
///
/// Only `methodArn` is required: the IAM policy the authorizer answers with names it (see <doc:RequiredFields>).
public struct APIGatewayRequestAuthorizerEvent: Codable, Sendable, Equatable {
    /// `"1.0"` from an HTTP API; REST APIs leave it out.
    public var version: String?
    /// `"REQUEST"`.
    public var type: String?
    /// The method being called: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}`.
    public var methodArn: String
    /// HTTP APIs, payload 1.0: the identity source values, joined with commas.
    public var identitySource: String?
    /// HTTP APIs, payload 1.0: the first identity source value.
    public var authorizationToken: String?
    /// The resource path as defined on the API: `/api/uploads/{key+}`.
    public var resource: String?
    /// The request path, without the query.
    public var path: String?
    /// The request method, uppercase.
    public var httpMethod: String?
    /// The request headers, the last value of a repeated name.
    public var headers: [String: String]?
    /// Every value of every header, in order.
    public var multiValueHeaders: [String: [String]]?
    /// The query parameters, decoded; the last value of a repeated name.
    public var queryStringParameters: [String: String]?
    /// Every value of every query parameter, in order.
    public var multiValueQueryStringParameters: [String: [String]]?
    /// The resource's path parameters, decoded.
    public var pathParameters: [String: String]?
    /// The stage's variables, as configured on the API stage.
    public var stageVariables: [String: String]?
    /// The REST request context: API, stage, caller (without an `authorizer`: that is this function's answer).
    public var requestContext: APIGatewayRequest.RequestContext?
}

/// An HTTP API Lambda authorizer event, payload format 2.0.
///
/// Nothing is required: the authorizer reads the token from `identitySource` or the `Authorization` header, and
/// refuses a request that has neither (see <doc:RequiredFields>).
public struct APIGatewayV2AuthorizerEvent: Codable, Sendable, Equatable {
    /// `"2.0"`.
    public var version: String?
    /// `"REQUEST"`.
    public var type: String?
    /// The route being called: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}`.
    public var routeArn: String?
    /// The identity source values, in the order configured; absent when none is configured.
    public var identitySource: [String]?
    /// The route that matched: `"DELETE /api/uploads/{key}"`.
    public var routeKey: String?
    /// The request path as the client sent it, percent-encoded, without the query.
    public var rawPath: String?
    /// The query string without the `?`, still percent-encoded.
    public var rawQueryString: String?
    /// The request's cookies, one `name=value` per entry.
    public var cookies: [String]?
    /// The request headers. Header names are lowercase; repeated headers are joined with commas.
    public var headers: [String: String]?
    /// The query parameters, decoded; a repeated name's values are joined with commas.
    public var queryStringParameters: [String: String]?
    /// The API, stage and caller.
    public var requestContext: RequestContext?
    /// The route's path parameters, decoded.
    public var pathParameters: [String: String]?
    /// The stage's variables, as configured on the API stage.
    public var stageVariables: [String: String]?

    /// What API Gateway knows about the request being authorised. As `APIGatewayV2Request.RequestContext`, without
    /// an `authorizer` (that is this function's answer), and with nothing required.
    public struct RequestContext: Codable, Sendable, Equatable {
        /// The AWS account that owns the API, 12 digits.
        public var accountId: String?
        /// The API's id, the first label of its default domain.
        public var apiId: String?
        /// The client certificate, when the custom domain requires mutual TLS.
        public var authentication: APIGatewayV2Request.Authentication?
        /// The host the client called.
        public var domainName: String?
        /// The first label of `domainName`.
        public var domainPrefix: String?
        /// The request line and the connection.
        public var http: HTTP?
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

    /// The HTTP request line and connection of the request being authorised.
    public struct HTTP: Codable, Sendable, Equatable {
        /// The request method, uppercase: `GET`, `POST`…
        public var method: String?
        /// The request path, as API Gateway reports it next to the method.
        public var path: String?
        /// The protocol of the client's request: `HTTP/1.1`, `HTTP/2.0`.
        public var `protocol`: String?
        /// The client's IP address, as API Gateway saw the TCP connection.
        public var sourceIp: String?
        /// The `User-Agent` header.
        public var userAgent: String?
    }
}

/// An HTTP API authorizer's simple response (payload format 2.0 with simple responses enabled).
public struct APIGatewaySimpleAuthorizerResponse: Codable, Sendable, Equatable {
    /// Whether API Gateway lets the request through (`false`: it answers 403).
    public var isAuthorized: Bool
    /// Passed to the integration as `requestContext.authorizer.lambda`.
    public var context: [String: JSONValue]?

    /// A verdict, with the context the integration receives when it allows the request.
    public init(isAuthorized: Bool, context: [String: JSONValue]? = nil) {
        self.isAuthorized = isAuthorized
        self.context = context
    }
}

/// An authorizer's IAM policy response: for REST `TOKEN` and `REQUEST` authorizers, and HTTP APIs without
/// simple responses.
public struct APIGatewayAuthorizerPolicyResponse: Codable, Sendable, Equatable {
    /// The caller's id: the integration sees it as `requestContext.authorizer.principalId`.
    public var principalId: String
    /// The IAM policy that allows or denies the call.
    public var policyDocument: PolicyDocument
    /// REST APIs take string, number and boolean values only.
    public var context: [String: JSONValue]?
    /// The API key for usage plans, when the API takes keys from the authorizer.
    public var usageIdentifierKey: String?

    /// A response with any policy.
    /// - Parameters:
    ///   - principalId: The caller's id.
    ///   - policyDocument: The policy API Gateway evaluates.
    ///   - context: Values passed to the integration.
    ///   - usageIdentifierKey: The API key for usage plans.
    public init(
        principalId: String,
        policyDocument: PolicyDocument,
        context: [String: JSONValue]? = nil,
        usageIdentifierKey: String? = nil
    ) {
        self.principalId = principalId
        self.policyDocument = policyDocument
        self.context = context
        self.usageIdentifierKey = usageIdentifierKey
    }

    /// A policy that allows or denies `execute-api:Invoke` on `resource`.
    public init(principalId: String, effect: Effect, resource: String, context: [String: JSONValue]? = nil) {
        self.init(
            principalId: principalId,
            policyDocument: PolicyDocument(
                statement: [.init(action: .one("execute-api:Invoke"), effect: effect, resource: .one(resource))]
            ),
            context: context
        )
    }

    /// `Allow` or `Deny`. Any string decodes (API Gateway, not the decoder, rejects others).
    public struct Effect: RawRepresentable, Codable, Sendable, Hashable {
        /// The effect as IAM spells it: `Allow` or `Deny`.
        public var rawValue: String

        /// The effect spelled `rawValue`.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Decodes the effect from a JSON string.
        public init(from decoder: any Decoder) throws {
            self.rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes the effect as a JSON string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// `Allow`: the statement grants the action.
        public static let allow = Effect(rawValue: "Allow")
        /// `Deny`: the statement refuses the action, whatever else allows it.
        public static let deny = Effect(rawValue: "Deny")
    }

    /// An IAM policy document (`Version`, `Statement`).
    public struct PolicyDocument: Codable, Sendable, Equatable {
        /// The policy language version, `2012-10-17`.
        public var version: String
        /// The statements, evaluated together: an explicit deny wins.
        public var statement: [Statement]

        /// A policy of `statement` in the policy language `version`.
        public init(version: String = "2012-10-17", statement: [Statement]) {
            self.version = version
            self.statement = statement
        }

        enum CodingKeys: String, CodingKey {
            case version = "Version"
            case statement = "Statement"
        }
    }

    /// One IAM policy statement: an effect on actions over resources.
    public struct Statement: Codable, Sendable, Equatable {
        /// The action or actions: `execute-api:Invoke`.
        public var action: OneOrMany<String>
        /// Whether the statement allows or denies them.
        public var effect: Effect
        /// The method ARN or ARNs, `*` wildcards allowed: `arn:aws:execute-api:…:abc123defg/prod/*`.
        public var resource: OneOrMany<String>

        /// A statement with `effect` on `action` over `resource`.
        public init(action: OneOrMany<String>, effect: Effect, resource: OneOrMany<String>) {
            self.action = action
            self.effect = effect
            self.resource = resource
        }

        enum CodingKeys: String, CodingKey {
            case action = "Action"
            case effect = "Effect"
            case resource = "Resource"
        }
    }
}
