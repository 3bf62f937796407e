import LambdaRuntime

/// A REST API `TOKEN` authorizer event: the token from the identity source, and the method being called.
public struct APIGatewayTokenAuthorizerEvent: Codable, Sendable, Equatable {
    /// `"TOKEN"`.
    public var type: String
    public var authorizationToken: String
    public var methodArn: String
}

/// A `REQUEST` authorizer event from a REST API, or from an HTTP API with payload format 1.0 (which adds
/// `version`, `identitySource` and `authorizationToken`).
public struct APIGatewayRequestAuthorizerEvent: Codable, Sendable, Equatable {
    public var version: String?
    /// `"REQUEST"`.
    public var type: String
    public var methodArn: String
    public var identitySource: String?
    public var authorizationToken: String?
    public var resource: String?
    public var path: String?
    public var httpMethod: String?
    public var headers: [String: String]?
    public var multiValueHeaders: [String: [String]]?
    public var queryStringParameters: [String: String]?
    public var multiValueQueryStringParameters: [String: [String]]?
    public var pathParameters: [String: String]?
    public var stageVariables: [String: String]?
    public var requestContext: APIGatewayRequest.RequestContext?
}

/// An HTTP API Lambda authorizer event, payload format 2.0.
public struct APIGatewayV2AuthorizerEvent: Codable, Sendable, Equatable {
    /// `"2.0"`.
    public var version: String
    /// `"REQUEST"`.
    public var type: String
    public var routeArn: String
    /// The identity source values, in the order configured; absent when none is configured.
    public var identitySource: [String]?
    public var routeKey: String
    public var rawPath: String
    public var rawQueryString: String
    public var cookies: [String]?
    public var headers: [String: String]?
    public var queryStringParameters: [String: String]?
    public var requestContext: APIGatewayV2Request.RequestContext
    public var pathParameters: [String: String]?
    public var stageVariables: [String: String]?
}

/// An HTTP API authorizer's simple response (payload format 2.0 with simple responses enabled).
public struct APIGatewaySimpleAuthorizerResponse: Codable, Sendable, Equatable {
    public var isAuthorized: Bool
    /// Passed to the integration as `requestContext.authorizer.lambda`.
    public var context: [String: JSONValue]?

    public init(isAuthorized: Bool, context: [String: JSONValue]? = nil) {
        self.isAuthorized = isAuthorized
        self.context = context
    }
}

/// An authorizer's IAM policy response: for REST `TOKEN` and `REQUEST` authorizers, and HTTP APIs without
/// simple responses.
public struct APIGatewayAuthorizerPolicyResponse: Codable, Sendable, Equatable {
    public var principalId: String
    public var policyDocument: PolicyDocument
    /// REST APIs take string, number and boolean values only.
    public var context: [String: JSONValue]?
    /// The API key for usage plans, when the API takes keys from the authorizer.
    public var usageIdentifierKey: String?

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
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public init(from decoder: any Decoder) throws {
            self.rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public static let allow = Effect(rawValue: "Allow")
        public static let deny = Effect(rawValue: "Deny")
    }

    public struct PolicyDocument: Codable, Sendable, Equatable {
        public var version: String
        public var statement: [Statement]

        public init(version: String = "2012-10-17", statement: [Statement]) {
            self.version = version
            self.statement = statement
        }

        enum CodingKeys: String, CodingKey {
            case version = "Version"
            case statement = "Statement"
        }
    }

    public struct Statement: Codable, Sendable, Equatable {
        public var action: OneOrMany<String>
        public var effect: Effect
        public var resource: OneOrMany<String>

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
