/// What a token must be to pass: issued by this user pool, for these clients, of this use, still valid.
public struct CognitoVerifierConfiguration: Sendable, Equatable {
    /// Which kind of Cognito token is accepted, by its `token_use` claim.
    public enum TokenUse: String, Sendable, Equatable {
        /// ID tokens only (`token_use: id`), whose `aud` names the app client.
        case id
        /// Access tokens only (`token_use: access`), whose `client_id` names the app client.
        case access
        /// Either, but still one of the two.
        case any
    }

    /// The exact `iss`: `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`.
    public var issuer: String
    /// Where the pool's public keys are: the issuer plus `/.well-known/jwks.json`.
    public var jwksURL: String
    /// The app clients whose tokens are accepted (`aud` of ID tokens, `client_id` of access tokens).
    public var clientIDs: Set<String>
    /// Which kind of token is accepted.
    public var tokenUse: TokenUse
    /// Seconds of tolerance on `exp` and `nbf` for clock differences.
    public var clockSkewSeconds: Int64
    /// A group the user must belong to (`cognito:groups`).
    public var requiredGroup: String?
    /// Scopes of which an access token must carry at least one, as aws-jwt-verify's `scope` check: a token with
    /// none of them is refused (``JWTVerificationError/Code/missingScope``). Empty: no scope is required.
    public var requiredScopes: [String]

    /// A configuration for tokens of `issuer`; `jwksURL` defaults to the issuer's `/.well-known/jwks.json`, and
    /// no skew, group or scope is required unless given.
    public init(
        issuer: String,
        jwksURL: String? = nil,
        clientIDs: Set<String>,
        tokenUse: TokenUse = .any,
        clockSkewSeconds: Int64 = 0,
        requiredGroup: String? = nil,
        requiredScopes: [String] = []
    ) {
        self.issuer = issuer
        self.jwksURL = jwksURL ?? issuer + "/.well-known/jwks.json"
        self.clientIDs = clientIDs
        self.tokenUse = tokenUse
        self.clockSkewSeconds = clockSkewSeconds
        self.requiredGroup = requiredGroup
        self.requiredScopes = requiredScopes
    }

    /// The issuer of a user pool: `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, the region taken from
    /// the pool id (`eu-west-1_AbCdEf123`).
    public static func issuer(userPoolID: String) -> String? {
        guard let underscore = userPoolID.firstIndex(of: "_") else { return nil }
        let region = userPoolID[..<underscore]
        guard !region.isEmpty, userPoolID.index(after: underscore) < userPoolID.endIndex else { return nil }
        return "https://cognito-idp.\(region).amazonaws.com/\(userPoolID)"
    }
}
