import Foundation
import LocalLambda
import TestSupport
import Testing

/// What `Tests/Scripts/e2e_fixture.py cognito` set up in moto.
struct CognitoFixture: Decodable {
    struct User: Decodable {
        var sub: String
        var idToken: String
        var accessToken: String
    }

    var poolId: String
    var clientId: String
    var issuer: String
    var jwksURL: String
    var alice: User
    var bob: User
}

struct HeadResult: Decodable {
    var exists: Bool
    var size: Int?
    var contentType: String?
    var metadata: [String: String]?
    var sse: String?
    var kmsKeyId: String?
}

/// The whole upload path against real services: moto issues Cognito tokens and serves the pool's JWKS; the real
/// `bootstrap` runs `authorize` and `presign` under the Runtime API emulator; curl uploads to LocalStack's strict
/// S3 with what `presign` returned; and what S3 holds afterwards is read back.
@Suite(
    "Uploads end to end (moto Cognito, bootstrap, LocalStack S3)",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .enabled(if: TestServices.moto != nil, Comment(rawValue: TestServices.motoMissing)),
    .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3"))),
    .serialized
)
struct UploadEndToEndTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x42, count: 400)

    let localStack = TestServices.localStack ?? ""
    let moto = TestServices.moto ?? ""

    func fixture<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
        try E2EFixture.run(type, arguments)
    }

    func head(_ bucket: String, _ key: String) throws -> HeadResult {
        try fixture(HeadResult.self, ["head", "--endpoint", localStack, "--bucket", bucket, "--key", key])
    }

    func environment(_ cognito: CognitoFixture, _ storage: StorageFixture) -> [String: String] {
        [
            "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "COGNITO_USER_POOL_ID": cognito.poolId,
            "COGNITO_CLIENT_IDS": cognito.clientId,
            "COGNITO_JWKS_URL": cognito.jwksURL,
            "UPLOAD_REQUIRED_GROUP": "uploaders",
            "UPLOAD_BUCKET": storage.bucket,
            "UPLOAD_KMS_KEY_ID": storage.kmsKeyArn,
            "UPLOAD_MAX_BYTES": "4096",
            "S3_ENDPOINT": localStack,
            "CORS_ALLOW_ORIGIN": "https://d111111abcdef8.cloudfront.net",
        ]
    }

    func event(_ name: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: ProjectEvents.directory + "/" + name),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TestFailure("Events/\(name) is not a JSON object") }
        return object
    }

    func invoke(_ emulator: RuntimeAPIEmulator, _ event: [String: Any]) async throws -> [String: Any] {
        let payload = Array(try JSONSerialization.data(withJSONObject: event))
        let result = await emulator.invoke(InvocationRequest(payload: payload))
        try #require(result.status == .ok, "\(result.status): \(String(decoding: result.body, as: UTF8.self))")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any])
    }

    /// An HTTP API request to presign, as API Gateway sends it after the `authorize` handler allowed it.
    func presignRequest(context: [String: Any]?, body: [String: Any]) throws -> [String: Any] {
        var event = try event("apigw-http-v2-presign-post.json")
        var requestContext = event["requestContext"] as! [String: Any]
        requestContext["authorizer"] = context.map { ["lambda": $0] }
        event["requestContext"] = requestContext
        event["body"] = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return event
    }

    func grant(_ response: [String: Any]) throws -> [String: Any] {
        #expect(response["statusCode"] as? Int == 200, "\(response)")
        let body = try #require(response["body"] as? String)
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func signInAuthorizePresignUploadAndReadBack() async throws {
        let cognito = try fixture(CognitoFixture.self, ["cognito", "--endpoint", moto])
        let bucket = "ue-e2e-\(UUID().uuidString.lowercased().prefix(8))"
        let storage = try fixture(StorageFixture.self, ["storage", "--endpoint", localStack, "--bucket", bucket])
        let environment = environment(cognito, storage)

        // 1–2. moto's token through authorize, under the emulator, with the real bootstrap.
        let authorizerContext: [String: Any] = try await withEmulator(
            command: RuntimeCommand(
                arguments: [BuiltProducts.bootstrap],
                environment: environment.merging(["_HANDLER": "authorize"]) { $1 },
                output: .discard
            )
        ) { emulator in
            var request = try event("authorizer-http-v2-request.json")
            request["identitySource"] = ["Bearer " + cognito.alice.idToken]
            let allowed = try await invoke(emulator, request)
            #expect(allowed["isAuthorized"] as? Bool == true, "\(allowed)")
            let context = try #require(allowed["context"] as? [String: Any])
            #expect(context["sub"] as? String == cognito.alice.sub)
            #expect(context["groups"] as? String == "uploaders")

            request["identitySource"] = ["Bearer " + cognito.alice.accessToken]
            #expect(try await invoke(emulator, request)["isAuthorized"] as? Bool == true, "access tokens too")
            request["identitySource"] = ["Bearer " + cognito.bob.idToken]
            #expect(try await invoke(emulator, request)["isAuthorized"] as? Bool == false, "bob is in no group")
            var parts = cognito.alice.idToken.split(separator: ".").map(String.init)
            parts[1] = parts[1].replacingOccurrences(of: "a", with: "b")
            request["identitySource"] = ["Bearer " + parts.joined(separator: ".")]
            #expect(try await invoke(emulator, request)["isAuthorized"] as? Bool == false, "a tampered token")
            return context
        }

        try await withEmulator(
            command: RuntimeCommand(
                arguments: [BuiltProducts.bootstrap],
                environment: environment.merging(["_HANDLER": "presign"]) { $1 },
                output: .discard
            )
        ) { emulator in
            // 3. presign through the emulator: the client's filename tries to climb into another prefix.
            let size = Self.png.count
            let post = try grant(
                try await invoke(
                    emulator,
                    try presignRequest(
                        context: authorizerContext,
                        body: [
                            "filename": "../../\(cognito.bob.sub)/photo.png", "contentType": "image/png", "size": size,
                        ]
                    )
                )
            )
            let key = try #require(post["key"] as? String)
            #expect(key.hasPrefix("uploads/\(cognito.alice.sub)/"))
            #expect(key.hasSuffix("/photo.png"))
            let url = try #require(post["url"] as? String)
            let fieldObject = try #require(post["fields"] as? [String: String])
            // The order the handler gave (JSONSerialization loses it; S3 needs only the file last).
            let fields = fieldObject.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }

            // 5. Refused by S3: a larger file, another type, another key. Nothing lands.
            let larger = try Curl.send("POST", url, form: fields, file: ("file", Self.png + [0], "image/png"))
            #expect(larger.status == 400, "a larger file: \(larger.body)")
            #expect(larger.body.contains("EntityTooLarge"))
            var otherType = fields.filter { $0.0 != "Content-Type" }
            otherType.append(("Content-Type", "text/html"))
            let typed = try Curl.send("POST", url, form: otherType, file: ("file", Self.png, "text/html"))
            #expect(typed.status == 403, "another type: \(typed.body)")
            let otherKey = "uploads/\(cognito.bob.sub)/x/photo.png"
            let moved = try Curl.send(
                "POST",
                url,
                form: fields.map { $0.0 == "key" ? ($0.0, otherKey) : $0 },
                file: ("file", Self.png, "image/png")
            )
            #expect(moved.status == 403, "another key: \(moved.body)")
            #expect(try head(bucket, key).exists == false)
            #expect(try head(bucket, otherKey).exists == false)

            // 3–4. The upload as granted lands, owned by alice, encrypted with our key.
            let upload = try Curl.send("POST", url, form: fields, file: ("file", Self.png, "image/png"))
            #expect(upload.status == 201, "\(upload.body)")
            let landed = try head(bucket, key)
            #expect(landed.exists)
            #expect(landed.size == size)
            #expect(landed.contentType == "image/png")
            #expect(landed.metadata?["owner"] == cognito.alice.sub)
            #expect(landed.sse == "aws:kms")
            #expect(landed.kmsKeyId?.hasSuffix(storage.kmsKeyId) == true, "\(landed.kmsKeyId ?? "no key")")

            // The PUT form: exact size, type, owner and SSE signed, and no overwrite.
            let put = try grant(
                try await invoke(
                    emulator,
                    try presignRequest(
                        context: authorizerContext,
                        body: ["filename": "scan.png", "contentType": "image/png", "size": size, "method": "PUT"]
                    )
                )
            )
            let putURL = try #require(put["url"] as? String)
            let headers = try #require(put["headers"] as? [String: String])
            let putKey = try #require(put["key"] as? String)
            var wrongType = headers
            wrongType["Content-Type"] = "image/gif"
            #expect(try Curl.send("PUT", putURL, headers: wrongType, body: Self.png).status == 403, "another type")
            var noSSE = headers
            noSSE["x-amz-server-side-encryption"] = nil
            noSSE["x-amz-server-side-encryption-aws-kms-key-id"] = nil
            #expect(try Curl.send("PUT", putURL, headers: noSSE, body: Self.png).status == 403, "without SSE-KMS")
            var larger2 = headers
            larger2["Content-Length"] = nil
            #expect(
                try Curl.send("PUT", putURL, headers: larger2, body: Self.png + [1, 2, 3]).status == 403,
                "a larger body"
            )
            #expect(try head(bucket, putKey).exists == false)
            var sendable = headers
            sendable["Content-Length"] = nil  // curl sets it from the body, which must match the signed value
            let stored = try Curl.send("PUT", putURL, headers: sendable, body: Self.png)
            #expect(stored.status == 200, "\(stored.body)")
            let putLanded = try head(bucket, putKey)
            #expect(putLanded.metadata?["owner"] == cognito.alice.sub)
            #expect(putLanded.sse == "aws:kms")
            let again = try Curl.send("PUT", putURL, headers: sendable, body: Self.png)
            #expect(again.status == 412, "If-None-Match: * refuses an overwrite: \(again.status) \(again.body)")

            // Without an authorizer, presign verifies the bearer token itself against moto's JWKS.
            var direct = try presignRequest(
                context: nil,
                body: ["filename": "d.png", "contentType": "image/png", "size": 10]
            )
            var requestHeaders = direct["headers"] as! [String: String]
            requestHeaders["authorization"] = "Bearer " + cognito.alice.accessToken
            direct["headers"] = requestHeaders
            let verified = try grant(try await invoke(emulator, direct))
            #expect((verified["key"] as? String)?.hasPrefix("uploads/\(cognito.alice.sub)/") == true)
            requestHeaders["authorization"] = "Bearer " + cognito.bob.accessToken
            direct["headers"] = requestHeaders
            #expect(try await invoke(emulator, direct)["statusCode"] as? Int == 403, "bob is in no group")
            requestHeaders["authorization"] = "Bearer nonsense"
            direct["headers"] = requestHeaders
            #expect(try await invoke(emulator, direct)["statusCode"] as? Int == 401)

            // The size limit of the API: 4096 here.
            let tooBig = try await invoke(
                emulator,
                try presignRequest(
                    context: authorizerContext,
                    body: ["filename": "b.png", "contentType": "image/png", "size": 4097]
                )
            )
            #expect(tooBig["statusCode"] as? Int == 413)
        }
    }
}
