/// What a token must be to pass: issued by this user pool, for these clients, of this use, still valid.
public struct CognitoVerifierConfiguration: Sendable, Equatable {
    public enum TokenUse: String, Sendable, Equatable {
        case id
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
    public var tokenUse: TokenUse
    /// Seconds of tolerance on `exp` and `nbf` for clock differences.
    public var clockSkewSeconds: Int64
    /// A group the user must belong to (`cognito:groups`).
    public var requiredGroup: String?
    /// Scopes an access token must carry, all of them.
    public var requiredScopes: [String]

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
