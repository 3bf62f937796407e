import CognitoAuth
import Foundation
import LambdaRuntime
import LocalLambda
import NIOPosix
import TestSupport
import Testing

@testable import LocalServe

/// The local HTTP API: the JWT authorizer's answers, the payload 2.0 events it sends, the page it serves.
@Suite("upload-edge serve: the HTTP API emulator")
struct HTTPAPIGatewayTests {
    static let key = try! TestSigningKey(kid: "serve-test")

    /// A gateway whose presign function is the real bootstrap, and whose authorizer trusts the test key.
    func withGateway(_ body: (HTTPAPIGateway) async throws -> Void) async throws {
        let site = FileManager.default.temporaryDirectory.appendingPathComponent("ue-site-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try Data("<!doctype html><title>page</title>".utf8).write(to: URL(fileURLWithPath: site + "/index.html"))
        defer { try? FileManager.default.removeItem(atPath: site) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        let presign = RuntimeAPIEmulator(
            configuration: configuration,
            command: RuntimeCommand(
                arguments: [BuiltProducts.bootstrap],
                environment: [
                    "_HANDLER": "presign", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY": "secret", "UPLOAD_BUCKET": "upload-edge-uploads",
                    "UPLOAD_MAX_BYTES": "4096",
                ],
                output: .discard
            ),
            eventLoop: group.next()
        )
        try await presign.start()
        let verifier = CognitoJWTVerifier(
            configuration: CognitoVerifierConfiguration(
                issuer: TestJWT.issuer,
                jwksURL: "http://127.0.0.1:1/jwks.json",
                clientIDs: [TestJWT.clientID],
                tokenUse: .any
            ),
            fetcher: MemoryJWKS(try TestJWT.jwks([Self.key.jwk()]))
        )
        let gateway = HTTPAPIGateway(
            siteDirectory: site,
            pageConfiguration: ["apiBase": "/api"],
            cognitoEndpoint: "http://127.0.0.1:1",
            verifier: verifier,
            presign: presign
        )
        do {
            try await body(gateway)
        } catch {
            await presign.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        await presign.shutdown()
        try await group.shutdownGracefully()
    }

    func request(_ method: String, _ uri: String, token: String? = nil) -> HTTPAPIGateway.Request {
        var headers = ["host": "127.0.0.1:8080", "user-agent": "test"]
        if let token { headers["authorization"] = "Bearer " + token }
        return .init(method: method, uri: uri, headers: headers, body: [], sourceIP: "127.0.0.1")
    }

    func json(_ response: HTTPAPIGateway.Response) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    @Test func theAuthorizerAnswers401ItselfAndPassesGoodClaimsThrough() async throws {
        try await withGateway { gateway in
            let missing = await gateway.handle(request("GET", "/api/uploads"))
            #expect(missing.status == 401)
            #expect(json(missing)["message"] as? String == "Unauthorized")
            let forged = try TestSigningKey(kid: "serve-test").token(TestJWT.idClaims(now: TestJWT.now))
            #expect(await gateway.handle(request("GET", "/api/uploads", token: forged)).status == 401)
            var expiredClaims = TestJWT.idClaims(now: TestJWT.now - 7_200)
            expiredClaims["exp"] = TestJWT.now - 3_600
            let expired = try Self.key.token(expiredClaims)
            #expect(await gateway.handle(request("GET", "/api/uploads", token: expired)).status == 401)

            // A good token: presign, in the real bootstrap, sees the claims as a JWT authorizer passes them.
            let good = try Self.key.token(TestJWT.idClaims(now: TestJWT.now))
            let limits = await gateway.handle(request("GET", "/api/uploads", token: good))
            #expect(limits.status == 200, "\(String(decoding: limits.body, as: UTF8.self))")
            #expect(json(limits)["keyPrefix"] as? String == "uploads/\(TestJWT.subject)/")
            #expect(json(limits)["maxBytes"] as? Int == 4096)
        }
    }

    @Test func servesThePageAndItsConfigurationButNothingOutsideTheSite() async throws {
        try await withGateway { gateway in
            let page = await gateway.handle(request("GET", "/"))
            #expect(page.status == 200)
            #expect(page.headers.contains { $0.0 == "Content-Type" && $0.1.hasPrefix("text/html") })
            #expect(page.headers.contains { $0.0 == "Content-Security-Policy" })
            let configuration = await gateway.handle(request("GET", "/config.json"))
            #expect(json(configuration)["apiBase"] as? String == "/api")
            for path in ["/../Package.swift", "/%2e%2e/Package.swift", "/.hidden", "/missing.js"] {
                #expect(await gateway.handle(request("GET", path)).status == 404, "\(path)")
            }
            #expect(await gateway.handle(request("POST", "/")).status == 405)
        }
    }

    @Test func eventsHaveTheHTTPAPIShapeWithDecodedKeysAndFlattenedClaims() throws {
        let claims: [String: JSONValue] = [
            "sub": .string("u-1"), "cognito:groups": .array([.string("pro"), .string("beta")]), "exp": .integer(5),
        ]
        var request = request("GET", "/api/uploads/uploads%2Fu-1%2Fa%20b.png?x=1")
        request.headers["authorization"] = "Bearer t"
        let bytes = HTTPAPIGateway.event(for: request, path: "/api/uploads/uploads%2Fu-1%2Fa%20b.png", claims: claims)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "GET /uploads/{key+}")
        #expect(event["rawQueryString"] as? String == "x=1")
        #expect((event["pathParameters"] as? [String: String])?["key"] == "uploads/u-1/a b.png")
        let context = try #require(event["requestContext"] as? [String: Any])
        #expect(context["stage"] as? String == "api")
        let jwt = try #require((context["authorizer"] as? [String: Any])?["jwt"] as? [String: Any])
        let flattened = try #require(jwt["claims"] as? [String: String])
        #expect(flattened == ["sub": "u-1", "cognito:groups": "[pro beta]", "exp": "5"])
    }

    @Test func multipartRoutesAreNamedAndTheirQueryDecoded() throws {
        for (method, path) in [
            ("GET", "/uploads/multipart"), ("DELETE", "/uploads/multipart"), ("POST", "/uploads/multipart/parts"),
            ("POST", "/uploads/multipart/complete"),
        ] {
            let bytes = HTTPAPIGateway.event(
                for: request(method, "/api\(path)?key=uploads%2Fu-1%2Fa%20b.png&uploadId=x+y&session=v1.a_b-c"),
                path: "/api" + path,
                claims: [:]
            )
            let event = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            #expect(event["routeKey"] as? String == "\(method) \(path)")
            #expect(event["pathParameters"] == nil, "not the {key+} route")
            let query = try #require(event["queryStringParameters"] as? [String: String])
            #expect(query == ["key": "uploads/u-1/a b.png", "uploadId": "x y", "session": "v1.a_b-c"])
        }
    }

    /// `/upload…` goes to S3 as CloudFront sends it: without the prefix, with S3's `Host`, the query untouched,
    /// so a URL presigned for S3 is accepted through the site.
    @Test(
        .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
        .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3")))
    )
    func uploadsPassThroughToS3WithItsHostAndTheSignatureIntact() async throws {
        let localStack = try #require(TestServices.localStack)
        let bucket = "gw-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try E2EFixture.run(StorageFixture.self, ["storage", "--endpoint", localStack, "--bucket", bucket])
        let signed = try CommandResult.run([
            PythonTools.python ?? "python3", "-c",
            """
            import boto3, botocore.config
            s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url="\(localStack)", aws_access_key_id="test",
                aws_secret_access_key="test", config=botocore.config.Config(s3={"addressing_style": "path"}))
            print(s3.generate_presigned_url("put_object", Params={"Bucket": "\(bucket)", "Key": "uploads/a b.png"}))
            """,
        ])
        let url = signed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(url.hasPrefix(localStack + "/"), "\(signed.standardError)")
        let site = "/upload" + url.dropFirst(localStack.count)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let presign = RuntimeAPIEmulator(
            configuration: EmulatorConfiguration(),
            command: RuntimeCommand(arguments: ["/bin/true"], environment: [:], output: .discard),
            eventLoop: group.next()
        )
        let gateway = HTTPAPIGateway(
            siteDirectory: "/nonexistent",
            pageConfiguration: [:],
            cognitoEndpoint: "http://127.0.0.1:1",
            verifier: CognitoJWTVerifier(
                configuration: CognitoVerifierConfiguration(issuer: TestJWT.issuer, clientIDs: [TestJWT.clientID])
            ),
            presign: presign,
            uploadOrigin: localStack
        )
        var put = request("PUT", site)
        put.body = Array("through the site".utf8)
        let stored = await gateway.handle(put)
        #expect(stored.status == 200, "\(String(decoding: stored.body, as: UTF8.self))")
        #expect(stored.headers.contains { $0.0.lowercased() == "etag" }, "the page reads the ETag")
        var tampered = request("PUT", site.replacingOccurrences(of: "a%20b.png", with: "c.png"))
        tampered.body = put.body
        #expect(await gateway.handle(tampered).status == 403, "another key is another signature")
        try await group.shutdownGracefully()
    }

    @Test func functionResponsesBecomeHTTPAndBadOnesA500() {
        let answer = HTTPAPIGateway.response(
            from: Array(#"{"statusCode":201,"headers":{"X-A":"b"},"body":"aGk=","isBase64Encoded":true}"#.utf8)
        )
        #expect(answer.status == 201)
        #expect(answer.body == Array("hi".utf8))
        #expect(answer.headers.contains { $0 == ("X-A", "b") })
        #expect(HTTPAPIGateway.response(from: Array("not json".utf8)).status == 500)
        #expect(HTTPAPIGateway.bearerToken("bearer  abc ") == "abc")
        #expect(HTTPAPIGateway.bearerToken("Basic abc") == nil)
    }
}
