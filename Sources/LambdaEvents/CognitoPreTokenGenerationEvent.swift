import LambdaRuntime

/// What every Cognito user pool trigger event carries, whatever its version.
public struct CognitoCallerContext: Codable, Sendable, Equatable {
    /// The version of the AWS SDK that made the sign-in call, e.g. `aws-sdk-unknown-unknown`.
    public var awsSdkVersion: String?
    /// The app client the user signs in through.
    public var clientId: String?
}

/// The groups and IAM roles Cognito is about to put in the tokens.
public struct CognitoGroupConfiguration: Codable, Sendable, Equatable {
    /// The user's groups: they become the `cognito:groups` claim.
    public var groupsToOverride: [String]?
    /// The IAM role ARNs of those groups: the `cognito:roles` claim.
    public var iamRolesToOverride: [String]?
    /// The role ARN of the group with the best precedence: the `cognito:preferred_role` claim.
    public var preferredRole: String?

    /// A group configuration; `nil` members are left as Cognito had them.
    public init(groupsToOverride: [String]? = nil, iamRolesToOverride: [String]? = nil, preferredRole: String? = nil) {
        self.groupsToOverride = groupsToOverride
        self.iamRolesToOverride = iamRolesToOverride
        self.preferredRole = preferredRole
    }
}

/// Cognito's Pre Token Generation trigger, version 1 (`triggerSource` `TokenGeneration_*`): claims of the ID
/// token can be added, overridden (strings only) or suppressed. The handler returns the whole event with
/// `response` filled in.
///
/// Only `request.userAttributes` is required: it holds the `sub` the upload prefix is made of. Every other member
/// is optional (see <doc:RequiredFields>).
public struct CognitoPreTokenGenerationV1Event: Codable, Sendable, Equatable {
    /// `"1"`.
    public var version: String?
    /// `TokenGeneration_HostedAuth`, `_Authentication`, `_NewPasswordChallenge`, `_AuthenticateDevice`,
    /// `_RefreshTokens`.
    public var triggerSource: String?
    /// The user pool's region: `eu-west-1`.
    public var region: String?
    /// The user pool's id: `eu-west-1_AbCdEf123`.
    public var userPoolId: String?
    /// The user's name in the pool (for pools that sign in by email, a generated id).
    public var userName: String?
    /// Which SDK and app client the sign-in came through.
    public var callerContext: CognitoCallerContext?
    /// The user the tokens are for.
    public var request: Request
    /// What the trigger changes in the tokens: empty as Cognito sends it, filled in by the handler.
    public var response: Response?

    /// The user the tokens are for: attributes, groups, and the client's metadata.
    public struct Request: Codable, Sendable, Equatable {
        /// The user's attributes as strings: `sub`, `email`, `email_verified`, `custom:*`…
        public var userAttributes: [String: String]
        /// The groups and roles Cognito is about to put in the ID token.
        public var groupConfiguration: CognitoGroupConfiguration?
        /// The `ClientMetadata` the app passed to the sign-in call.
        public var clientMetadata: [String: String]?
    }

    /// The trigger's answer: the changes to the ID token.
    public struct Response: Codable, Sendable, Equatable {
        /// The claims to add, override or suppress, and the groups to set; `nil` changes nothing.
        public var claimsOverrideDetails: ClaimsOverrideDetails?

        /// An answer making the changes in `claimsOverrideDetails`.
        public init(claimsOverrideDetails: ClaimsOverrideDetails? = nil) {
            self.claimsOverrideDetails = claimsOverrideDetails
        }
    }

    /// The changes version 1 can make to the ID token.
    public struct ClaimsOverrideDetails: Codable, Sendable, Equatable {
        /// Claims to add or replace in the ID token. Version 1 takes string values only.
        public var claimsToAddOrOverride: [String: String]?
        /// Claims to remove from the ID token.
        public var claimsToSuppress: [String]?
        /// The groups and roles to put in the token instead of the user's own.
        public var groupOverrideDetails: CognitoGroupConfiguration?

        /// Changes to the ID token; `nil` members change nothing.
        public init(
            claimsToAddOrOverride: [String: String]? = nil,
            claimsToSuppress: [String]? = nil,
            groupOverrideDetails: CognitoGroupConfiguration? = nil
        ) {
            self.claimsToAddOrOverride = claimsToAddOrOverride
            self.claimsToSuppress = claimsToSuppress
            self.groupOverrideDetails = groupOverrideDetails
        }
    }
}

/// Cognito's Pre Token Generation trigger, version 2: claims of both the ID and the access token, with typed
/// values (numbers, booleans, arrays, objects), and scopes to add or suppress in the access token.
///
/// Only `request.userAttributes` is required: it holds the `sub` the upload prefix is made of. Every other member
/// is optional (see <doc:RequiredFields>).
public struct CognitoPreTokenGenerationV2Event: Codable, Sendable, Equatable {
    /// `"2"` (or `"3"` for machine-to-machine, same shape).
    public var version: String?
    /// `TokenGeneration_HostedAuth`, `_Authentication`, `_NewPasswordChallenge`, `_AuthenticateDevice`,
    /// `_RefreshTokens` (and `TokenGeneration_ClientCredentials` in version 3).
    public var triggerSource: String?
    /// The user pool's region: `eu-west-1`.
    public var region: String?
    /// The user pool's id: `eu-west-1_AbCdEf123`.
    public var userPoolId: String?
    /// The user's name in the pool (for pools that sign in by email, a generated id).
    public var userName: String?
    /// Which SDK and app client the sign-in came through.
    public var callerContext: CognitoCallerContext?
    /// The user the tokens are for, and the scopes requested.
    public var request: Request
    /// What the trigger changes in the tokens: empty as Cognito sends it, filled in by the handler.
    public var response: Response?

    /// The user the tokens are for: attributes, groups, scopes, and the client's metadata.
    public struct Request: Codable, Sendable, Equatable {
        /// The user's attributes as strings: `sub`, `email`, `email_verified`, `custom:*`…
        public var userAttributes: [String: String]
        /// The groups and roles Cognito is about to put in the tokens.
        public var groupConfiguration: CognitoGroupConfiguration?
        /// The OAuth scopes the access token will carry: `openid`, `email`, `upload/write`…
        public var scopes: [String]?
        /// The `ClientMetadata` the app passed to the sign-in call.
        public var clientMetadata: [String: String]?
    }

    /// The trigger's answer: the changes to both tokens.
    public struct Response: Codable, Sendable, Equatable {
        /// The claims and scopes to change; `nil` changes nothing.
        public var claimsAndScopeOverrideDetails: ClaimsAndScopeOverrideDetails?

        /// An answer making the changes in `claimsAndScopeOverrideDetails`.
        public init(claimsAndScopeOverrideDetails: ClaimsAndScopeOverrideDetails? = nil) {
            self.claimsAndScopeOverrideDetails = claimsAndScopeOverrideDetails
        }
    }

    /// The changes version 2 can make: to the ID token, to the access token, and to the groups.
    public struct ClaimsAndScopeOverrideDetails: Codable, Sendable, Equatable {
        /// Changes to the ID token.
        public var idTokenGeneration: IDTokenGeneration?
        /// Changes to the access token, scopes included.
        public var accessTokenGeneration: AccessTokenGeneration?
        /// The groups and roles to put in the tokens instead of the user's own.
        public var groupOverrideDetails: CognitoGroupConfiguration?

        /// Changes to the tokens; `nil` members change nothing.
        public init(
            idTokenGeneration: IDTokenGeneration? = nil,
            accessTokenGeneration: AccessTokenGeneration? = nil,
            groupOverrideDetails: CognitoGroupConfiguration? = nil
        ) {
            self.idTokenGeneration = idTokenGeneration
            self.accessTokenGeneration = accessTokenGeneration
            self.groupOverrideDetails = groupOverrideDetails
        }
    }

    /// The changes to the ID token.
    public struct IDTokenGeneration: Codable, Sendable, Equatable {
        /// Claims to add or replace, any JSON: numbers, booleans, arrays, objects.
        public var claimsToAddOrOverride: [String: JSONValue]?
        /// Claims to remove.
        public var claimsToSuppress: [String]?

        /// Changes to the ID token; `nil` members change nothing.
        public init(claimsToAddOrOverride: [String: JSONValue]? = nil, claimsToSuppress: [String]? = nil) {
            self.claimsToAddOrOverride = claimsToAddOrOverride
            self.claimsToSuppress = claimsToSuppress
        }
    }

    /// The changes to the access token.
    public struct AccessTokenGeneration: Codable, Sendable, Equatable {
        /// Claims to add or replace, any JSON: numbers, booleans, arrays, objects.
        public var claimsToAddOrOverride: [String: JSONValue]?
        /// Claims to remove.
        public var claimsToSuppress: [String]?
        /// Scopes to add to the token's `scope` claim.
        public var scopesToAdd: [String]?
        /// Scopes to remove from it.
        public var scopesToSuppress: [String]?

        /// Changes to the access token; `nil` members change nothing.
        public init(
            claimsToAddOrOverride: [String: JSONValue]? = nil,
            claimsToSuppress: [String]? = nil,
            scopesToAdd: [String]? = nil,
            scopesToSuppress: [String]? = nil
        ) {
            self.claimsToAddOrOverride = claimsToAddOrOverride
            self.claimsToSuppress = claimsToSuppress
            self.scopesToAdd = scopesToAdd
            self.scopesToSuppress = scopesToSuppress
        }
    }
}
