import CognitoAuth
import LambdaCodable
import LambdaEvents
import LambdaRuntime

/// The error that makes API Gateway answer 401: a REST authorizer must fail with exactly this message.
public struct UnauthorizedError: Error, Sendable, Equatable, LambdaReportableError {
    /// The one `Unauthorized` failure; it carries nothing else.
    public init() {}
    /// `Unauthorized`: the type API Gateway looks for.
    public var errorType: String { "Unauthorized" }
    /// `Unauthorized`: the exact message a REST authorizer must fail with for a 401.
    public var errorMessage: String { "Unauthorized" }
}

/// The JWKS could not be had: the authorizer fails (API Gateway answers 500) and lets nobody in.
public struct AuthorizerUnavailableError: Error, Sendable, Equatable, LambdaReportableError {
    /// Why the keys could not be fetched, for the function's log.
    public let message: String
    /// `Authorizer.KeysUnavailable`, so the log tells a key outage from a bad token.
    public var errorType: String { "Authorizer.KeysUnavailable" }
    /// The reason the JWKS fetch failed.
    public var errorMessage: String { message }
}

/// The `authorize` handler: a Lambda authorizer that verifies Cognito tokens itself (`CognitoJWTVerifier`).
///
/// - HTTP API, payload 2.0: the simple response, `{"isAuthorized", "context": {"sub", "username", "groups"}}`
///   (`groups` comma-separated, plus `maxBytes` when the token has `upload:maxBytes`).
/// - REST `TOKEN` and `REQUEST` authorizers, and HTTP APIs with payload 1.0: an IAM policy allowing
///   `execute-api:Invoke` on the whole stage (so API Gateway may cache the answer per token), with the same context;
///   a token that is not valid fails with `Unauthorized` (API Gateway's 401); a valid token of a user outside the
///   required group gets a `Deny` policy (403).
///
/// Bad tokens of every kind get a deny, never a crash. A JWKS that cannot be fetched fails the invocation: no keys,
/// no access.
public struct AuthorizeHandler: LambdaHandler, Sendable {
    /// Verifies each token against the user pool's issuer, client ids and JWKS.
    public let verifier: CognitoJWTVerifier
    private let clock: @Sendable () -> Int64

    /// An authorizer over `verifier`, with `clock` (seconds since the epoch) for `exp` and `nbf`.
    public init(verifier: CognitoJWTVerifier, clock: (@Sendable () -> Int64)? = nil) {
        self.verifier = verifier
        self.clock = clock ?? { WallClock.nowMilliseconds() / 1000 }
    }

    /// From `COGNITO_*`, `JWT_CLOCK_SKEW_SECONDS` and `UPLOAD_REQUIRED_GROUP`. The user pool's JWKS is fetched
    /// here, at init, so the first invocation does not wait for it; a failed fetch is retried on first use.
    public init(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        self.init(
            verifier: CognitoJWTVerifier(configuration: try CognitoVerifierConfiguration(environment: environment))
        )
        verifier.jwks.prefetch()
        verifier.warmUp()
    }

    enum Outcome {
        case allow(VerifiedToken)
        /// A valid token, but the user may not call the API.
        case forbid(JWTVerificationError)
        /// No token, or one that is not valid.
        case unauthorized(JWTVerificationError?)
    }

    /// Answers an HTTP API or REST authorizer event with a simple response or an IAM policy.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let encoder = LambdaJSONEncoder()
        switch try LambdaEvent.decode(event) {
        case .v2Authorizer(let request):
            let token = request.identitySource?.first ?? Self.header("authorization", in: request.headers)
            switch try verify(token, context: context) {
            case .allow(let verified):
                return try encoder.encode(
                    APIGatewaySimpleAuthorizerResponse(isAuthorized: true, context: Self.context(verified))
                )
            case .forbid, .unauthorized:
                return try encoder.encode(APIGatewaySimpleAuthorizerResponse(isAuthorized: false))
            }
        case .tokenAuthorizer(let request):
            return try encoder.encode(
                policy(for: request.authorizationToken, methodArn: request.methodArn, context: context)
            )
        case .requestAuthorizer(let request):
            let token =
                Self.header("authorization", in: request.headers) ?? request.authorizationToken
                ?? request.identitySource
            return try encoder.encode(policy(for: token, methodArn: request.methodArn, context: context))
        case let other:
            throw LambdaEventError(
                .unrecognised,
                "authorize answers API Gateway authorizer events (TOKEN, REQUEST, HTTP API 2.0), not \(other.kind.rawValue)"
            )
        }
    }

    private func policy(
        for token: String?,
        methodArn: String,
        context: LambdaContext
    ) throws -> APIGatewayAuthorizerPolicyResponse {
        switch try verify(token, context: context) {
        case .allow(let verified):
            return APIGatewayAuthorizerPolicyResponse(
                principalId: verified.subject,
                effect: .allow,
                resource: Self.stageWildcard(methodArn),
                context: Self.context(verified)
            )
        case .forbid(let error):
            return APIGatewayAuthorizerPolicyResponse(
                principalId: "forbidden",
                effect: .deny,
                resource: Self.stageWildcard(methodArn),
                context: ["reason": .string(error.message)]
            )
        case .unauthorized:
            throw UnauthorizedError()
        }
    }

    func verify(_ header: String?, context: LambdaContext) throws(AuthorizerUnavailableError) -> Outcome {
        guard let header, let token = BearerToken.extract(header) else {
            context.logger.info("denied", metadata: ["reason": "no token"])
            return .unauthorized(nil)
        }
        do {
            let verified = try verifier.verify(token, now: clock())
            guard UploadKey.isSafeSubject(verified.subject) else {
                context.logger.info("denied", metadata: ["reason": "the token's sub is not a safe key segment"])
                return .unauthorized(nil)
            }
            context.logger.debug("allowed", metadata: ["sub": "\(verified.subject)", "kid": "\(verified.keyID)"])
            return .allow(verified)
        } catch {
            // The reason, never the token.
            context.logger.info("denied", metadata: ["code": "\(error.code.rawValue)", "reason": "\(error.message)"])
            switch error.code {
            case .jwksUnavailable: throw AuthorizerUnavailableError(message: error.message)
            case .missingGroup, .missingScope: return .forbid(error)
            default: return .unauthorized(error)
            }
        }
    }

    /// What the API's integrations see as the authorizer context. Values are strings: API Gateway allows no arrays.
    static func context(_ verified: VerifiedToken) -> [String: JSONValue] {
        var context: [String: JSONValue] = [
            "sub": .string(verified.subject),
            "username": .string(verified.claims.username ?? ""),
            "groups": .string(verified.claims.groups.joined(separator: ",")),
        ]
        if let maxBytes = verified.claims.string("upload:maxBytes"), Int64(maxBytes) != nil {
            context["maxBytes"] = .string(maxBytes)
        }
        return context
    }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/*` for a method ARN; the ARN itself when it is not one.
    static func stageWildcard(_ methodArn: String) -> String {
        let parts = methodArn.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("arn:"), !parts[1].isEmpty else { return methodArn }
        return "\(parts[0])/\(parts[1])/*"
    }

    static func header(_ name: String, in headers: [String: String]?) -> String? {
        guard let headers else { return nil }
        return headers.first { $0.key.lowercased() == name }?.value
    }
}

/// The `pretoken` handler: Cognito's Pre Token Generation trigger writes the user's upload prefix and size limit
/// into their tokens, so a client can show them and the API can enforce them.
///
/// - Version 1: `upload:prefix` and `upload:maxBytes` as strings (V1 allows no other type), in the ID token.
/// - Version 2: the same claims typed (`upload:maxBytes` a number) in both the ID and the access token.
///
/// The limit is the largest of the user's groups in `UPLOAD_GROUP_LIMITS`, or `UPLOAD_MAX_BYTES`.
public struct PreTokenHandler: LambdaHandler, Sendable {
    /// The key prefix and size limits written into each token.
    public let limits: UploadLimits

    /// A trigger that writes these limits' prefix and sizes.
    public init(limits: UploadLimits) {
        self.limits = limits
    }

    /// From `UPLOAD_KEY_PREFIX`, `UPLOAD_MAX_BYTES` and `UPLOAD_GROUP_LIMITS`.
    public init(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        self.init(limits: try UploadLimits(environment: environment))
    }

    /// Adds `upload:prefix` and `upload:maxBytes` to a V1 or V2 Pre Token Generation event and returns it.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let encoder = LambdaJSONEncoder()
        switch try LambdaEvent.decode(event) {
        case .preTokenGenerationV1(var trigger):
            let (prefix, maxBytes) = try claims(
                attributes: trigger.request.userAttributes,
                groups: trigger.request.groupConfiguration?.groupsToOverride ?? []
            )
            var details = trigger.response?.claimsOverrideDetails ?? .init()
            var claims = details.claimsToAddOrOverride ?? [:]
            claims["upload:prefix"] = prefix
            claims["upload:maxBytes"] = String(maxBytes)
            details.claimsToAddOrOverride = claims
            trigger.response = .init(claimsOverrideDetails: details)
            return try encoder.encode(trigger)
        case .preTokenGenerationV2(var trigger):
            let (prefix, maxBytes) = try claims(
                attributes: trigger.request.userAttributes,
                groups: trigger.request.groupConfiguration?.groupsToOverride ?? []
            )
            let added: [String: JSONValue] = ["upload:prefix": .string(prefix), "upload:maxBytes": .integer(maxBytes)]
            var details = trigger.response?.claimsAndScopeOverrideDetails ?? .init()
            var id = details.idTokenGeneration ?? .init()
            id.claimsToAddOrOverride = (id.claimsToAddOrOverride ?? [:]).merging(added) { $1 }
            var access = details.accessTokenGeneration ?? .init()
            access.claimsToAddOrOverride = (access.claimsToAddOrOverride ?? [:]).merging(added) { $1 }
            details.idTokenGeneration = id
            details.accessTokenGeneration = access
            trigger.response = .init(claimsAndScopeOverrideDetails: details)
            return try encoder.encode(trigger)
        case let other:
            throw LambdaEventError(
                .unrecognised,
                "pretoken answers Cognito Pre Token Generation events (V1, V2), not \(other.kind.rawValue)"
            )
        }
    }

    private func claims(attributes: [String: String], groups: [String]) throws(LambdaEventError) -> (String, Int64) {
        guard let subject = attributes["sub"], UploadKey.isSafeSubject(subject) else {
            throw LambdaEventError(.invalid, "request.userAttributes.sub is missing or not a safe key segment")
        }
        return (limits.userPrefix(subject: subject), limits.maxBytes(forGroups: groups))
    }
}
