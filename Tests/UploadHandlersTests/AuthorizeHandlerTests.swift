import CognitoAuth
import Foundation
import LambdaRuntime
import TestSupport
import Testing
import UploadHandlers

/// Keys for the authorizer tests, made once.
private enum AuthorizerKeys {
    static let pool = try! TestSigningKey(kid: "authorizer-key")
    static let forger = try! TestSigningKey(kid: "authorizer-key")
    static let jwks = try! TestJWT.jwks([pool.jwk()])
}

@Suite("authorize: a Lambda authorizer on the Cognito verifier")
struct AuthorizeHandlerTests {
    let now = TestJWT.now

    func handler(group: String? = nil, jwks: MemoryJWKS = MemoryJWKS(AuthorizerKeys.jwks)) -> AuthorizeHandler {
        let configuration = CognitoVerifierConfiguration(
            issuer: TestJWT.issuer,
            clientIDs: [TestJWT.clientID],
            requiredGroup: group
        )
        return AuthorizeHandler(verifier: CognitoJWTVerifier(configuration: configuration, fetcher: jwks))
    }

    /// Runs the handler off the cooperative pool (the JWKS load blocks, as it does on the runtime's thread).
    func invoke(_ handler: AuthorizeHandler, _ event: [String: Any]) async throws -> Result<[String: Any], any Error> {
        let bytes = try Fixture.bytes(event)
        let output = try await offPool { Result { try handler.handle(bytes, context: Fixture.context) } }
        return output.flatMap { bytes in Result { try Fixture.json(bytes) } }
    }

    func event(_ name: String) throws -> [String: Any] {
        try Fixture.object(ProjectEvents.directory + "/" + name)
    }

    var goodToken: String { get throws { try AuthorizerKeys.pool.token(TestJWT.idClaims(now: now)) } }

    /// lambda-perf counts init and the first invocation: the JWKS is fetched during init, over HTTP as in Lambda.
    @Test func fetchesTheJWKSAtInitSoTheFirstInvocationDoesNot() async throws {
        let server = try ScriptedRuntimeAPI(script: [
            .init(status: 200, headers: [("Content-Type", "application/json")], body: AuthorizerKeys.jwks)
        ])
        let environment = EnvironmentReader([
            "COGNITO_USER_POOL_ID": TestJWT.poolID, "AWS_REGION": TestJWT.region,
            "COGNITO_CLIENT_IDS": TestJWT.clientID,
            "COGNITO_JWKS_URL": "http://\(server.endpoint)/jwks-\(UUID().uuidString).json",
        ])
        let handler = try await offPool { try AuthorizeHandler(environment: environment) }
        #expect(server.requests.count == 1)
        #expect(handler.verifier.jwks.isLoaded)
        let token = try goodToken
        let now = self.now
        let subject = try await offPool { try handler.verifier.verify(token, now: now).subject }
        #expect(subject == TestJWT.subject)
        // The first verification used the keys fetched at init.
        #expect(server.requests.count == 1)
    }

    /// presign behind an authorizer (the template) leaves the keys to the first request without claims.
    @Test func presignFetchesTheJWKSAtInitUnlessTold() async throws {
        for (setting, fetchesAtInit) in [(nil, true), ("false", false), ("true", true)] as [(String?, Bool)] {
            let server = try ScriptedRuntimeAPI(script: [
                .init(status: 200, headers: [("Content-Type", "application/json")], body: AuthorizerKeys.jwks)
            ])
            var variables = [
                "UPLOAD_BUCKET": "upload-edge-uploads", "AWS_REGION": TestJWT.region,
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "COGNITO_USER_POOL_ID": TestJWT.poolID, "COGNITO_CLIENT_IDS": TestJWT.clientID,
                "COGNITO_JWKS_URL": "http://\(server.endpoint)/jwks-\(UUID().uuidString).json",
            ]
            variables["COGNITO_JWKS_PREFETCH"] = setting
            let environment = EnvironmentReader(variables)
            _ = try await offPool { try PresignHandler(environment: environment) }
            #expect(server.requests.count == (fetchesAtInit ? 1 : 0), "COGNITO_JWKS_PREFETCH=\(setting ?? "unset")")
        }
        let wrong = EnvironmentReader([
            "UPLOAD_BUCKET": "upload-edge-uploads", "AWS_REGION": TestJWT.region, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "COGNITO_USER_POOL_ID": TestJWT.poolID,
            "COGNITO_CLIENT_IDS": TestJWT.clientID, "COGNITO_JWKS_PREFETCH": "later",
        ])
        #expect {
            try PresignHandler(environment: wrong)
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(
                #"COGNITO_JWKS_PREFETCH: is "later"; it must be true or false"#
            )
                ?? false
        }
    }

    @Test func aJWKSServerThatIsDownAtInitDoesNotFailInit() async throws {
        let environment = EnvironmentReader([
            "COGNITO_USER_POOL_ID": TestJWT.poolID, "AWS_REGION": TestJWT.region,
            "COGNITO_CLIENT_IDS": TestJWT.clientID,
            "COGNITO_JWKS_URL": "http://127.0.0.1:1/jwks-\(UUID().uuidString).json",
        ])
        let handler = try await offPool { try AuthorizeHandler(environment: environment) }
        #expect(!handler.verifier.jwks.isLoaded)
    }

    var badTokens: [String] {
        get throws {
            var expired = TestJWT.idClaims(now: now)
            expired["exp"] = now - 10
            return [
                try AuthorizerKeys.pool.token(expired),
                try AuthorizerKeys.forger.token(TestJWT.idClaims(now: now)),
                "garbage",
                String(repeating: "a", count: 200_000),
                "",
            ]
        }
    }

    @Test func httpAPIPayload2GetsTheSimpleResponse() async throws {
        var event = try event("authorizer-http-v2-request.json")
        event["identitySource"] = ["Bearer " + (try goodToken)]
        let allowed = try await invoke(handler(), event).get()
        #expect(allowed["isAuthorized"] as? Bool == true)
        let context = try #require(allowed["context"] as? [String: String])
        #expect(context == ["sub": TestJWT.subject, "username": "alice", "groups": "uploaders"])

        for bad in try badTokens {
            event["identitySource"] = ["Bearer " + bad]
            let denied = try await invoke(handler(), event).get()
            #expect(denied["isAuthorized"] as? Bool == false)
            #expect(denied["context"] == nil)
        }
        event["identitySource"] = nil
        event["headers"] = [:] as [String: String]
        #expect(try await invoke(handler(), event).get()["isAuthorized"] as? Bool == false)
    }

    @Test func restTokenAuthorizersGetAPolicyOrUnauthorized() async throws {
        var event = try event("authorizer-rest-token.json")
        event["authorizationToken"] = "Bearer " + (try goodToken)
        let allowed = try await invoke(handler(), event).get()
        #expect(allowed["principalId"] as? String == TestJWT.subject)
        let document = try #require(allowed["policyDocument"] as? [String: Any])
        let statement = try #require((document["Statement"] as? [[String: Any]])?.first)
        #expect(statement["Effect"] as? String == "Allow")
        #expect(statement["Action"] as? String == "execute-api:Invoke")
        let methodArn = try #require(event["methodArn"] as? String)
        let stage = methodArn.split(separator: "/").prefix(2).joined(separator: "/")
        #expect(statement["Resource"] as? String == stage + "/*")

        for bad in try badTokens {
            event["authorizationToken"] = bad
            let result = try await invoke(handler(), event)
            guard case .failure(let error) = result else {
                Issue.record("a bad token got a policy")
                continue
            }
            // "Unauthorized" exactly: what makes API Gateway answer 401.
            #expect(LambdaErrorPayload(error).errorMessage == "Unauthorized")
        }
    }

    @Test func aValidTokenOutsideTheRequiredGroupGetsADenyPolicy() async throws {
        var event = try event("authorizer-rest-token.json")
        event["authorizationToken"] = try goodToken
        let denied = try await invoke(handler(group: "admins"), event).get()
        let statement = try #require(
            ((denied["policyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]])?.first
        )
        #expect(statement["Effect"] as? String == "Deny")
    }

    @Test func restRequestAuthorizersReadTheAuthorizationHeader() async throws {
        for name in ["authorizer-rest-request.json", "authorizer-http-v1-request.json"] {
            var event = try event(name)
            var headers = event["headers"] as? [String: String] ?? [:]
            headers = headers.filter { $0.key.lowercased() != "authorization" }
            headers["Authorization"] = "Bearer " + (try goodToken)
            event["headers"] = headers
            event["authorizationToken"] = nil
            event["identitySource"] = nil
            let allowed = try await invoke(handler(), event).get()
            #expect(allowed["principalId"] as? String == TestJWT.subject, "\(name)")
        }
    }

    @Test func failsClosedWhenTheKeysCannotBeFetched() async throws {
        let jwks = MemoryJWKS(AuthorizerKeys.jwks)
        jwks.fail(true)
        var event = try event("authorizer-http-v2-request.json")
        event["identitySource"] = ["Bearer " + (try goodToken)]
        let result = try await invoke(handler(jwks: jwks), event)
        guard case .failure(let error) = result else {
            Issue.record("answered without keys")
            return
        }
        #expect(LambdaErrorPayload(error).errorType == "Authorizer.KeysUnavailable")
    }

    @Test func neverLogsTheToken() async throws {
        let store = RecordingLogHandler.Store()
        let token = try goodToken
        let context = LambdaContext(
            requestID: "r",
            deadlineMilliseconds: .max,
            invokedFunctionARN: "arn",
            logger: .init(label: "t") { _ in RecordingLogHandler(store: store) }
        )
        var event = try event("authorizer-http-v2-request.json")
        for candidate in [token, try badTokens[0], try badTokens[1]] {
            event["identitySource"] = ["Bearer " + candidate]
            let bytes = try Fixture.bytes(event)
            let handler = handler()
            _ = try await offPool { try handler.handle(bytes, context: context) }
        }
        let signature = String(token.split(separator: ".")[2].prefix(20))
        for entry in store.all {
            #expect(!"\(entry.message) \(entry.metadata)".contains(signature))
        }
        #expect(!store.all.isEmpty)
    }
}

@Suite("pretoken: upload claims in Cognito's tokens")
struct PreTokenHandlerTests {
    let handler = PreTokenHandler(
        limits: UploadLimits(maxBytes: 10_485_760, groupLimits: ["pro": 104_857_600, "free": 1_048_576])
    )

    @Test func version1WritesStringClaims() throws {
        var event = try Fixture.object(ProjectEvents.directory + "/cognito-pretokengen-v1.json")
        var request = event["request"] as! [String: Any]
        request["groupConfiguration"] = [
            "groupsToOverride": ["free", "pro"], "iamRolesToOverride": [], "preferredRole": NSNull(),
        ]
        event["request"] = request
        let sub = (request["userAttributes"] as! [String: String])["sub"]!
        let out = try Fixture.json(try handler.handle(try Fixture.bytes(event), context: Fixture.context))
        let claims = try #require(
            ((out["response"] as? [String: Any])?["claimsOverrideDetails"] as? [String: Any])?["claimsToAddOrOverride"]
                as? [String: String]
        )
        #expect(claims["upload:prefix"] == "uploads/\(sub)/")
        #expect(claims["upload:maxBytes"] == "104857600")
        #expect(out["userPoolId"] as? String == event["userPoolId"] as? String, "the event goes back whole")
    }

    @Test func version2WritesTypedClaimsToBothTokens() throws {
        let event = try Fixture.object(ProjectEvents.directory + "/cognito-pretokengen-v2.json")
        let out = try Fixture.json(try handler.handle(try Fixture.bytes(event), context: Fixture.context))
        let details = try #require(
            (out["response"] as? [String: Any])?["claimsAndScopeOverrideDetails"] as? [String: Any]
        )
        let sub = ((event["request"] as! [String: Any])["userAttributes"] as! [String: String])["sub"]!
        for token in ["idTokenGeneration", "accessTokenGeneration"] {
            let claims = try #require((details[token] as? [String: Any])?["claimsToAddOrOverride"] as? [String: Any])
            #expect(claims["upload:prefix"] as? String == "uploads/\(sub)/", "\(token)")
            #expect(claims["upload:maxBytes"] is Int, "\(token): a number, not a string")
        }
    }

    @Test(
        "real captures keep the claims already set",
        .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason)),
        arguments: [
            "cognito-pretokengen-v1-request.json", "cognito-pretokengen-v1-with-response.json",
            "cognito-pretokengen-v2-request-powertools.json", "cognito-pretokengen-v2-with-response.json",
            "cognito-pretokengen-v2-with-typed-claims.json",
        ]
    )
    func realCaptures(_ name: String) throws {
        let path = try #require(SharedMaterial.directory) + "/fixtures/events/" + name
        let input = try Fixture.object(path)
        let attributes = (input["request"] as? [String: Any])?["userAttributes"] as? [String: Any]
        guard attributes?["sub"] != nil else {
            // A library example without the sub Cognito always sends: refused, naming the field.
            #expect {
                try handler.handle(try Fixture.bytes(input), context: Fixture.context)
            } throws: { error in
                "\(error)".contains("userAttributes.sub")
            }
            return
        }
        let out = try Fixture.json(try handler.handle(try Fixture.bytes(input), context: Fixture.context))
        let text = String(decoding: try JSONSerialization.data(withJSONObject: out), as: UTF8.self)
        #expect(text.contains("upload:prefix"))
        // Claims the event already asked for stay.
        if let response = input["response"] as? [String: Any],
            let existing = (response["claimsOverrideDetails"] as? [String: Any])?["claimsToAddOrOverride"]
                as? [String: Any]
        {
            for name in existing.keys { #expect(text.contains(name), "\(name) was dropped") }
        }
    }

    @Test func refusesAnEventWithoutSub() throws {
        var event = try Fixture.object(ProjectEvents.directory + "/cognito-pretokengen-v2.json")
        var request = event["request"] as! [String: Any]
        request["userAttributes"] = ["email": "x@example.com"]
        event["request"] = request
        #expect(throws: (any Error).self) { try handler.handle(try Fixture.bytes(event), context: Fixture.context) }
    }
}
