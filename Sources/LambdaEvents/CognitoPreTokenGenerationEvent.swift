import LambdaRuntime

/// What every Cognito user pool trigger event carries, whatever its version.
public struct CognitoCallerContext: Codable, Sendable, Equatable {
    public var awsSdkVersion: String
    public var clientId: String
}

/// The groups and IAM roles Cognito is about to put in the tokens.
public struct CognitoGroupConfiguration: Codable, Sendable, Equatable {
    public var groupsToOverride: [String]?
    public var iamRolesToOverride: [String]?
    public var preferredRole: String?

    public init(groupsToOverride: [String]? = nil, iamRolesToOverride: [String]? = nil, preferredRole: String? = nil) {
        self.groupsToOverride = groupsToOverride
        self.iamRolesToOverride = iamRolesToOverride
        self.preferredRole = preferredRole
    }
}

/// Cognito's Pre Token Generation trigger, version 1 (`triggerSource` `TokenGeneration_*`): claims of the ID
/// token can be added, overridden (strings only) or suppressed. The handler returns the whole event with
/// `response` filled in.
public struct CognitoPreTokenGenerationV1Event: Codable, Sendable, Equatable {
    /// `"1"`.
    public var version: String
    /// `TokenGeneration_HostedAuth`, `_Authentication`, `_NewPasswordChallenge`, `_AuthenticateDevice`,
    /// `_RefreshTokens`.
    public var triggerSource: String
    public var region: String
    public var userPoolId: String
    public var userName: String
    public var callerContext: CognitoCallerContext
    public var request: Request
    public var response: Response

    public struct Request: Codable, Sendable, Equatable {
        public var userAttributes: [String: String]
        public var groupConfiguration: CognitoGroupConfiguration
        public var clientMetadata: [String: String]?
    }

    public struct Response: Codable, Sendable, Equatable {
        public var claimsOverrideDetails: ClaimsOverrideDetails?

        public init(claimsOverrideDetails: ClaimsOverrideDetails? = nil) {
            self.claimsOverrideDetails = claimsOverrideDetails
        }
    }

    public struct ClaimsOverrideDetails: Codable, Sendable, Equatable {
        /// Version 1 takes string values only.
        public var claimsToAddOrOverride: [String: String]?
        public var claimsToSuppress: [String]?
        public var groupOverrideDetails: CognitoGroupConfiguration?

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
public struct CognitoPreTokenGenerationV2Event: Codable, Sendable, Equatable {
    /// `"2"` (or `"3"` for machine-to-machine, same shape).
    public var version: String
    public var triggerSource: String
    public var region: String
    public var userPoolId: String
    public var userName: String
    public var callerContext: CognitoCallerContext
    public var request: Request
    public var response: Response

    public struct Request: Codable, Sendable, Equatable {
        public var userAttributes: [String: String]
        public var groupConfiguration: CognitoGroupConfiguration
        public var scopes: [String]?
        public var clientMetadata: [String: String]?
    }

    public struct Response: Codable, Sendable, Equatable {
        public var claimsAndScopeOverrideDetails: ClaimsAndScopeOverrideDetails?

        public init(claimsAndScopeOverrideDetails: ClaimsAndScopeOverrideDetails? = nil) {
            self.claimsAndScopeOverrideDetails = claimsAndScopeOverrideDetails
        }
    }

    public struct ClaimsAndScopeOverrideDetails: Codable, Sendable, Equatable {
        public var idTokenGeneration: IDTokenGeneration?
        public var accessTokenGeneration: AccessTokenGeneration?
        public var groupOverrideDetails: CognitoGroupConfiguration?

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

    public struct IDTokenGeneration: Codable, Sendable, Equatable {
        public var claimsToAddOrOverride: [String: JSONValue]?
        public var claimsToSuppress: [String]?

        public init(claimsToAddOrOverride: [String: JSONValue]? = nil, claimsToSuppress: [String]? = nil) {
            self.claimsToAddOrOverride = claimsToAddOrOverride
            self.claimsToSuppress = claimsToSuppress
        }
    }

    public struct AccessTokenGeneration: Codable, Sendable, Equatable {
        public var claimsToAddOrOverride: [String: JSONValue]?
        public var claimsToSuppress: [String]?
        public var scopesToAdd: [String]?
        public var scopesToSuppress: [String]?

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
