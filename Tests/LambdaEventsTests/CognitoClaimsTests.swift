import LambdaEvents
import LambdaRuntime
import TestSupport
import Testing

@Suite("Cognito claims, typed")
struct CognitoClaimsTests {
    /// The same ID token, as an HTTP API JWT authorizer and as a REST Cognito authorizer pass it on.
    static let httpAPI: [String: JSONValue] = [
        "sub": "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "cognito:username": "alice", "token_use": "id",
        "aud": "4r5t6y7u8i9o0p1a2s3d4f5g6h", "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Upl0adEdg",
        "cognito:groups": "[uploaders pro]", "exp": "1795620435", "iat": "1795616835", "auth_time": "1795616835",
        "email": "alice@example.com",
    ]
    static let rest: [String: JSONValue] = [
        "sub": "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "cognito:username": "alice", "token_use": "id",
        "aud": "4r5t6y7u8i9o0p1a2s3d4f5g6h", "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Upl0adEdg",
        "cognito:groups": "uploaders,pro", "exp": "Wed Nov 25 15:27:15 UTC 2026", "iat": "Wed Nov 25 14:27:15 UTC 2026",
        "auth_time": "1795616835", "email": "alice@example.com",
    ]
    static let verified: [String: JSONValue] = [
        "sub": "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "cognito:username": "alice", "token_use": "id",
        "aud": "4r5t6y7u8i9o0p1a2s3d4f5g6h", "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Upl0adEdg",
        "cognito:groups": .array(["uploaders", "pro"]), "exp": .integer(1_795_620_435), "iat": .integer(1_795_616_835),
        "auth_time": .integer(1_795_616_835), "email": "alice@example.com",
    ]

    @Test func readsTheSameWhicheverWayTheClaimsArrived() {
        let fromHTTP = CognitoClaims(Self.httpAPI)
        let fromREST = CognitoClaims(Self.rest)
        let fromToken = CognitoClaims(Self.verified)
        #expect(fromHTTP == fromREST)
        #expect(fromHTTP == fromToken)
        #expect(fromHTTP.groups == ["uploaders", "pro"])
        #expect(fromHTTP.expiresAt == 1_795_620_435)
        #expect(fromREST.expiresAt == 1_795_620_435)
        #expect(fromREST.issuedAt == 1_795_616_835)
        #expect(fromHTTP.clientID == "4r5t6y7u8i9o0p1a2s3d4f5g6h")
        #expect(fromHTTP.tokenUse == .id)
        #expect(fromHTTP.username == "alice")
    }

    @Test func readsAccessTokens() {
        let claims = CognitoClaims([
            "sub": "u", "username": "alice", "token_use": "access", "client_id": "client-1",
            "scope": "openid email upload/write", "cognito:groups": "[uploaders]",
        ])
        #expect(claims.tokenUse == .access)
        #expect(claims.clientID == "client-1")
        #expect(claims.username == "alice")
        #expect(claims.scopes == ["openid", "email", "upload/write"])
        #expect(claims.groups == ["uploaders"])
    }

    @Test(arguments: [
        ("Tue Jun 18 15:00:04 UTC 2024", Int64(1_718_722_804)),
        ("Thu Jan 01 00:00:00 UTC 1970", 0),
        ("Sat Feb 29 12:00:00 UTC 2028", 1_835_438_400),
        ("Wed Nov 25 15:27:15 UTC 2026", 1_795_620_435),
    ])
    func parsesRESTClaimDates(text: String, seconds: Int64) {
        #expect(CognitoClaims(["exp": .string(text)]).expiresAt == seconds)
    }

    @Test(arguments: ["Tue Jun 18 15:00:04 CEST 2024", "Tue Foo 18 15:00:04 UTC 2024", "2024-06-18T15:00:04Z", ""])
    func refusesOtherDateFormats(text: String) {
        #expect(CognitoClaims(["exp": .string(text)]).expiresAt == nil)
    }

    @Test func readsClaimsStraightFromBothKindsOfRequest() throws {
        guard
            case .apiGatewayV2(let http) = try LambdaEvent.decode(
                try ProjectEvents.bytes("apigw-http-v2-jwt-id-token.json")
            ),
            case .apiGatewayV1(let rest) = try LambdaEvent.decode(
                try ProjectEvents.bytes("apigw-rest-v1-cognito-authorizer.json")
            )
        else { throw TestFailure("kinds") }
        let fromHTTP = try #require(CognitoClaims(http))
        let fromREST = try #require(CognitoClaims(rest))
        #expect(fromHTTP.subject == fromREST.subject)
        #expect(fromHTTP.groups.contains("uploaders"))
        #expect(fromREST.groups == ["uploaders"])
        #expect(fromREST.expiresAt != nil)
    }
}
