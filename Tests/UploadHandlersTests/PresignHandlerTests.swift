import Foundation
import LambdaRuntime
import S3Presigning
import TestSupport
import Testing
import UploadHandlers

@Suite("presign: API requests become presigned uploads bound to the user")
struct PresignHandlerTests {
    static let sub = "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    static let kms = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    /// `Events/apigw-http-v2-presign-post.json` (JWT authorizer claims) with `body`, and `method`; without its
    /// authorizer when `authorizer` is false.
    func event(
        _ body: Any?,
        method: String = "POST",
        authorizer: Bool = true,
        edit: (inout [String: Any]) -> Void = { _ in }
    ) throws -> [UInt8] {
        var event = try Fixture.withBody(
            Fixture.object(ProjectEvents.directory + "/apigw-http-v2-presign-post.json"),
            body
        )
        var context = event["requestContext"] as! [String: Any]
        var http = context["http"] as! [String: Any]
        http["method"] = method
        context["http"] = http
        if !authorizer { context["authorizer"] = nil }
        event["requestContext"] = context
        edit(&event)
        return try Fixture.bytes(event)
    }

    func call(
        _ event: [UInt8],
        _ configuration: PresignConfiguration = Fixture.configuration()
    ) throws -> Fixture.HTTPResult {
        try Fixture.http(try Fixture.presign(configuration).handle(event, context: Fixture.context))
    }

    static func policyConditions(_ fields: [String: String]) throws -> [Any] {
        let policy = try #require(fields["policy"])
        let document = try #require(Data(base64Encoded: policy))
        let object = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        return try #require(object["conditions"] as? [Any])
    }

    /// The init's warm-up really runs the presign path: both methods are presigned, also with a required group and
    /// with a wildcard type first in the list, and with a limit of one byte.
    @Test func theWarmUpPresignsAPostAndAPut() throws {
        #expect(try Fixture.presign().warmUp() == 2)
        #expect(try Fixture.presign(Fixture.configuration(group: "uploaders")).warmUp() == 2)
        #expect(try Fixture.presign(Fixture.configuration(group: #"up"loaders"#)).warmUp() == 2)
        var wildcard = Fixture.configuration()
        wildcard.allowedTypes = ["video/*", "image/png"]
        #expect(try Fixture.presign(wildcard).warmUp() == 2)
        var tiny = Fixture.configuration(limits: UploadLimits(keyPrefix: "uploads/", maxBytes: 1))
        tiny.allowedTypes = ["image/png"]
        #expect(try Fixture.presign(tiny).warmUp() == 2)
    }

    @Test func aPostFormBindsKeySizeTypeEncryptionOwnerAndExpiry() throws {
        let result = try call(
            try event(["filename": "holiday photo.jpg", "contentType": "image/jpeg", "size": 482_133])
        )
        #expect(result.status == 200, "\(result.body)")
        #expect(result.headers["Access-Control-Allow-Origin"] == "https://d111111abcdef8.cloudfront.net")
        #expect(result.headers["Cache-Control"] == "no-store")
        let key = "uploads/\(Self.sub)/\(Fixture.uuid)/holiday photo.jpg"
        #expect(result.body["method"] as? String == "POST")
        #expect(result.body["url"] as? String == "https://upload-edge-uploads.s3.eu-west-1.amazonaws.com/")
        #expect(result.body["key"] as? String == key)
        #expect(result.body["expiresAt"] as? String == "2026-11-25T14:32:15Z")
        #expect(result.body["maxBytes"] as? Int == 482_133)
        #expect(result.body["headers"] == nil)
        let fields = try #require(result.body["fields"] as? [String: String])
        #expect(fields["key"] == key)
        #expect(fields["Content-Type"] == "image/jpeg")
        #expect(fields["x-amz-server-side-encryption"] == "aws:kms")
        #expect(fields["x-amz-server-side-encryption-aws-kms-key-id"] == Self.kms)
        #expect(fields["x-amz-meta-owner"] == Self.sub)
        #expect(fields["success_action_status"] == "201")

        let conditions = try Self.policyConditions(fields)
        let text = String(
            decoding: try JSONSerialization.data(
                withJSONObject: conditions,
                options: [.sortedKeys, .withoutEscapingSlashes]
            ),
            as: UTF8.self
        )
        #expect(text.contains(#"{"key":"\#(key)"}"#))
        #expect(text.contains(#"["content-length-range",1,482133]"#))
        #expect(text.contains(#"{"Content-Type":"image/jpeg"}"#))
        #expect(text.contains(#"{"x-amz-server-side-encryption":"aws:kms"}"#))
        #expect(text.contains(#"{"x-amz-server-side-encryption-aws-kms-key-id":"\#(Self.kms)"}"#))
        #expect(text.contains(#"{"x-amz-meta-owner":"\#(Self.sub)"}"#))
        #expect(text.contains(#"{"bucket":"upload-edge-uploads"}"#))
        #expect(!text.contains("starts-with"), "nothing in the policy is a prefix match")
    }

    @Test func aPutURLSignsTypeEncryptionOwnerNoOverwriteAndChecksum() throws {
        let checksum = Data(SHA256Fixture.digest).base64EncodedString()
        let result = try call(
            try event([
                "filename": "scan.pdf", "contentType": "application/pdf", "size": 1000, "method": "PUT",
                "checksumSHA256": checksum,
            ])
        )
        #expect(result.status == 200, "\(result.body)")
        #expect(result.body["method"] as? String == "PUT")
        #expect(result.body["fields"] == nil)
        let headers = try #require(result.body["headers"] as? [String: String])
        #expect(headers["Content-Type"] == "application/pdf")
        #expect(headers["x-amz-server-side-encryption"] == "aws:kms")
        #expect(headers["x-amz-server-side-encryption-aws-kms-key-id"] == Self.kms)
        #expect(headers["x-amz-meta-owner"] == Self.sub)
        #expect(headers["If-None-Match"] == "*")
        #expect(headers["x-amz-checksum-sha256"] == checksum)
        #expect(headers["Content-Length"] == "1000", "the size is signed: the body must be exactly that long")
        let url = try #require(result.body["url"] as? String)
        let key = "uploads/\(Self.sub)/\(Fixture.uuid)/scan.pdf"
        #expect(url.hasPrefix("https://upload-edge-uploads.s3.eu-west-1.amazonaws.com/\(key)?"))
        #expect(url.contains("X-Amz-Expires=300"))
        let signed = try #require(url.split(separator: "X-Amz-SignedHeaders=").last?.split(separator: "&").first)
        #expect(
            signed
                == "content-length%3Bcontent-type%3Bhost%3Bif-none-match%3Bx-amz-checksum-sha256%3Bx-amz-meta-owner%3Bx-amz-server-side-encryption%3Bx-amz-server-side-encryption-aws-kms-key-id"
        )
    }

    @Test func withoutAKMSKeyNoEncryptionIsBound() throws {
        let result = try call(
            try event(["filename": "a.png", "contentType": "image/png", "size": 10]),
            Fixture.configuration(kms: nil)
        )
        let fields = try #require(result.body["fields"] as? [String: String])
        #expect(fields["x-amz-server-side-encryption"] == nil)
    }

    @Test func theKeyNeverLeavesTheUsersPrefix() throws {
        let prefix = "uploads/\(Self.sub)/\(Fixture.uuid)/"
        let cases: [(String, String)] = [
            ("../../other-user/evil.png", "evil.png"),
            ("..\\..\\windows\\evil.png", "evil.png"),
            ("/etc/passwd.png", "passwd.png"),
            ("uploads/other/x.png", "x.png"),
            ("a\u{202E}gnp.exe", "agnp.exe"),
            ("line\nbreak.png", "linebreak.png"),
            ("e\u{301}cole.png", "\u{E9}cole.png"),
            ("  spaced   out .png ", "spaced out .png"),
            ("what?*:<>|.png", "what______.png"),
        ]
        for (filename, expected) in cases {
            let result = try call(try event(["filename": filename, "contentType": "image/png", "size": 10]))
            #expect(result.status == 200, "\(filename): \(result.body)")
            #expect(result.body["key"] as? String == prefix + expected, "\(filename)")
        }
    }

    @Test func refusesFilenamesThatSanitiseToNothing() throws {
        for filename in ["", "..", ".", "a/..", "dir/", "\u{200B}\u{202E}", "   ", "\u{0}\u{1}"] {
            let result = try call(try event(["filename": filename, "contentType": "image/png", "size": 10]))
            #expect(result.status == 400, "\(filename.debugDescription)")
            #expect(result.error == "BadRequest")
            #expect(result.message.contains("filename"), "\(result.message)")
        }
    }

    @Test func answersMalformedRequestsWith400SayingWhatToFix() throws {
        let cases: [(Any?, String)] = [
            (nil, "body is empty"),
            ("not json", "not a JSON object"),
            ("[1,2]", "not a JSON object"),
            (["contentType": "image/png", "size": 1], "filename is missing"),
            (["filename": 5, "contentType": "image/png", "size": 1], "filename must be a string"),
            (["filename": "a.png", "size": 1], "contentType is missing"),
            (["filename": "a.png", "contentType": "png", "size": 1], "not a media type"),
            (["filename": "a.png", "contentType": "image/png; charset=x", "size": 1], "not a media type"),
            (["filename": "a.png", "contentType": "image/png"], "size is missing"),
            (["filename": "a.png", "contentType": "image/png", "size": "12"], "size must be a whole number"),
            (["filename": "a.png", "contentType": "image/png", "size": 1.5], "size must be a whole number"),
            (["filename": "a.png", "contentType": "image/png", "size": 0], "at least 1 byte"),
            (["filename": "a.png", "contentType": "image/png", "size": -5], "at least 1 byte"),
            (
                ["filename": "a.png", "contentType": "image/png", "size": 1, "method": "DELETE"],
                "not POST, PUT or MULTIPART"
            ),
            (
                ["filename": "a.png", "contentType": "image/png", "size": 1, "method": "PUT", "checksumSHA256": "abc"],
                "base64"
            ),
            (
                [
                    "filename": "a.png", "contentType": "image/png", "size": 1,
                    "checksumSHA256": Data(SHA256Fixture.digest).base64EncodedString(),
                ],
                "only signed into PUT"
            ),
            (String(repeating: " ", count: 20_000), "at most 16384"),
            // Found against deploy/openapi.yaml: `uppercased()` made a dotless ı into MULTIPART.
            (
                ["filename": "a.png", "contentType": "image/png", "size": 1, "method": "multıpart"],
                "not POST, PUT or MULTIPART"
            ),
        ]
        // Spellings a lenient base64 decoder takes but the signed header and the spec do not: missing or extra
        // padding, and stray bits in the last character.
        let canonical = Data(SHA256Fixture.digest).base64EncodedString()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let last = canonical.dropLast().last!
        let strayBits = String(canonical.dropLast(2)) + String(alphabet[alphabet.firstIndex(of: last)! + 1]) + "="
        for checksum in [String(canonical.dropLast()), canonical + "=", strayBits] {
            let result = try call(
                try event([
                    "filename": "a.png", "contentType": "image/png", "size": 1, "method": "PUT",
                    "checksumSHA256": checksum,
                ])
            )
            #expect(result.status == 400, "\(checksum) was taken")
            #expect(result.message.contains("base64"), "\(result.message)")
        }
        for (body, message) in cases {
            let result = try call(try event(body))
            #expect(result.status == 400, "\(String(describing: body).prefix(60))")
            #expect(result.error == "BadRequest")
            #expect(result.message.contains(message), "\(result.message) does not say \(message)")
            #expect(result.headers["Content-Type"] == "application/json")
        }
    }

    @Test func answers401WithoutAUser() throws {
        let result = try call(
            try event(["filename": "a.png", "contentType": "image/png", "size": 1], authorizer: false)
        )
        #expect(result.status == 401)
        #expect(result.error == "Unauthorized")
        #expect(result.headers["WWW-Authenticate"] == "Bearer")
    }

    @Test func answers403OutsideTheRequiredGroupOrForAnUnsafeSub() throws {
        let body: [String: Any] = ["filename": "a.png", "contentType": "image/png", "size": 1]
        #expect(try call(try event(body), Fixture.configuration(group: "uploaders")).status == 200)
        let refused = try call(try event(body), Fixture.configuration(group: "admins"))
        #expect(refused.status == 403)
        #expect(refused.message.contains("admins"))
        let unsafe = try call(
            try event(body) { event in
                var context = event["requestContext"] as! [String: Any]
                context["authorizer"] = ["jwt": ["claims": ["sub": "../someone-else"], "scopes": NSNull()]]
                event["requestContext"] = context
            }
        )
        #expect(unsafe.status == 403)
    }

    @Test func answers413OverTheLimitAndHonoursGroupAndTokenLimits() throws {
        let big: [String: Any] = ["filename": "a.png", "contentType": "image/png", "size": 10_485_761]
        let refused = try call(try event(big))
        #expect(refused.status == 413)
        #expect(refused.error == "TooLarge")
        #expect(refused.message.contains("10485760"))
        #expect(
            try call(try event(big), Fixture.configuration(limits: .init(groupLimits: ["uploaders": 20_000_000])))
                .status == 200
        )
        let viaClaim = try call(
            try event(big) { event in
                var context = event["requestContext"] as! [String: Any]
                var authorizer = context["authorizer"] as! [String: Any]
                var jwt = authorizer["jwt"] as! [String: Any]
                var claims = jwt["claims"] as! [String: Any]
                claims["upload:maxBytes"] = "104857600"
                jwt["claims"] = claims
                authorizer["jwt"] = jwt
                context["authorizer"] = authorizer
                event["requestContext"] = context
            }
        )
        #expect(viaClaim.status == 200)
        #expect(viaClaim.body["maxBytes"] as? Int == 10_485_761)
    }

    @Test func answers415ForTypesNotAllowed() throws {
        for type in ["text/html", "image/svg+xml", "application/x-msdownload", "video/mp4"] {
            let result = try call(try event(["filename": "a", "contentType": type, "size": 1]))
            #expect(result.status == 415, "\(type)")
            #expect(result.error == "UnsupportedType")
            #expect(result.message.contains("image/jpeg"))
        }
        var wildcard = Fixture.configuration()
        wildcard.allowedTypes = ["image/*"]
        #expect(try call(try event(["filename": "a", "contentType": "image/avif", "size": 1]), wildcard).status == 200)
        #expect(try call(try event(["filename": "a", "contentType": "IMAGE/PNG", "size": 1])).status == 200)
    }

    @Test func answersPreflightAndOtherMethods() throws {
        // A preflight carries no credentials.
        let preflight = try call(try event(nil, method: "OPTIONS", authorizer: false))
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://d111111abcdef8.cloudfront.net")
        #expect(preflight.headers["Access-Control-Allow-Methods"] == "GET, POST, DELETE, OPTIONS")
        #expect(preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type")

        // GET reads limits and status (UploadStatusTests); anything else is refused.
        let put = try call(try event(nil, method: "PUT"))
        #expect(put.status == 405)
        #expect(put.message.contains("GET /uploads/{key}"))
    }

    @Test func corsAnswersOnlyListedOrigins() throws {
        let body: [String: Any] = ["filename": "a.png", "contentType": "image/png", "size": 1]
        let other = try call(
            try event(body) { event in
                var headers = event["headers"] as! [String: String]
                headers["origin"] = "https://evil.example"
                event["headers"] = headers
            }
        )
        #expect(other.headers["Access-Control-Allow-Origin"] == nil)
        #expect(other.headers["Vary"] == "Origin")
        let any = try call(try event(body), Fixture.configuration(cors: ["*"]))
        #expect(any.headers["Access-Control-Allow-Origin"] == "*")
        let none = try call(try event(body), Fixture.configuration(cors: []))
        #expect(none.headers["Access-Control-Allow-Origin"] == nil)
    }

    @Test(
        "REST API requests with Cognito authorizer claims (real captures)",
        .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason)),
        arguments: ["rest-v1-cognito-authorizer-id-token.json", "rest-v1-cognito-authorizer-access-token.json"]
    )
    func restRequestsFromRealCaptures(_ name: String) throws {
        let path = try #require(SharedMaterial.directory) + "/fixtures/events/" + name
        var event = try Fixture.withBody(
            try Fixture.object(path),
            ["filename": "r.pdf", "contentType": "application/pdf", "size": 99]
        )
        event["httpMethod"] = "POST"
        let result = try call(try Fixture.bytes(event))
        #expect(result.status == 200, "\(result.body)")
        let claims =
            (((event["requestContext"] as! [String: Any])["authorizer"] as! [String: Any])["claims"] as! [String: Any])
        let sub = claims["sub"] as! String
        #expect((result.body["key"] as? String)?.hasPrefix("uploads/\(sub)/") == true)
        // v1 in, v1 out: no cookies member, a statusCode and a string body.
        let raw = try Fixture.json(try Fixture.presign().handle(try Fixture.bytes(event), context: Fixture.context))
        #expect(raw["cookies"] == nil)
    }

    @Test(
        "HTTP API requests after the authorize handler (real capture, its context)",
        .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason))
    )
    func httpRequestsAfterTheLambdaAuthorizer() throws {
        let path = try #require(SharedMaterial.directory) + "/fixtures/events/http-api-v2-after-lambda-authorizer.json"
        var event = try Fixture.withBody(
            try Fixture.object(path),
            ["filename": "x.gif", "contentType": "image/gif", "size": 5]
        )
        var context = event["requestContext"] as! [String: Any]
        var http = context["http"] as! [String: Any]
        http["method"] = "POST"
        context["http"] = http
        context["authorizer"] = [
            "lambda": ["sub": Self.sub, "username": "alice", "groups": "uploaders,pro", "maxBytes": "100"]
        ]
        event["requestContext"] = context
        let result = try call(try Fixture.bytes(event), Fixture.configuration(group: "pro"))
        #expect(result.status == 200, "\(result.body)")
        #expect((result.body["key"] as? String)?.hasPrefix("uploads/\(Self.sub)/") == true)
        var tooBig = event
        tooBig["body"] = #"{"filename":"x.gif","contentType":"image/gif","size":101}"#
        #expect(try call(try Fixture.bytes(tooBig)).status == 413)
    }

    @Test func functionURLRequestsWithoutAVerifierAre401() throws {
        let event = try Fixture.withBody(
            Fixture.object(ProjectEvents.directory + "/lambdaurl-post-json.json"),
            ["filename": "a.png", "contentType": "image/png", "size": 1]
        )
        #expect(try call(try Fixture.bytes(event)).status == 401)
    }

    @Test func otherEventsAreAnErrorNotAResponse() throws {
        #expect(throws: (any Error).self) {
            try Fixture.presign().handle(try ProjectEvents.bytes("s3-objectcreated-put.json"), context: Fixture.context)
        }
    }
}

/// The SHA-256 of "hello".
enum SHA256Fixture {
    static let digest: [UInt8] = [
        0x2c, 0xf2, 0x4d, 0xba, 0x5f, 0xb0, 0xa3, 0x0e, 0x26, 0xe8, 0x3b, 0x2a, 0xc5, 0xb9, 0xe2, 0x9e,
        0x1b, 0x16, 0x1e, 0x5c, 0x1f, 0xa7, 0x42, 0x5e, 0x73, 0x04, 0x33, 0x62, 0x93, 0x8b, 0x98, 0x24,
    ]
}
