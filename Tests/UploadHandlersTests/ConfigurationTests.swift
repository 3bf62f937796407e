import CognitoAuth
import Foundation
import S3Presigning
import Testing
import UploadHandlers

@Suite("Configuration from the environment")
struct ConfigurationTests {
    static let minimal = ["UPLOAD_BUCKET": "upload-edge-uploads", "AWS_REGION": "eu-west-1"]

    func presign(_ extra: [String: String]) throws(ConfigurationError) -> PresignConfiguration {
        try PresignConfiguration(environment: EnvironmentReader(Self.minimal.merging(extra) { $1 }))
    }

    @Test func defaultsMatchTheDocumentedOnes() throws {
        let configuration = try presign([:])
        #expect(configuration.limits.keyPrefix == "uploads/")
        #expect(configuration.limits.maxBytes == 10_485_760)
        #expect(configuration.expiresSeconds == 300)
        #expect(
            configuration.allowedTypes == ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]
        )
        #expect(configuration.kmsKeyID == nil)
        #expect(configuration.corsAllowOrigins.isEmpty)
        #expect(configuration.endpoint.style == .virtualHosted)
    }

    @Test func readsEveryVariable() throws {
        let configuration = try presign([
            "UPLOAD_KEY_PREFIX": "incoming/", "UPLOAD_MAX_BYTES": "2048",
            "UPLOAD_ALLOWED_TYPES": "image/*, application/PDF",
            "UPLOAD_EXPIRES_SECONDS": "60", "UPLOAD_KMS_KEY_ID": "alias/uploads", "UPLOAD_ACCELERATE": "true",
            "UPLOAD_REQUIRED_GROUP": "uploaders", "CORS_ALLOW_ORIGIN": "https://a.example, https://b.example",
            "UPLOAD_GROUP_LIMITS": "pro=104857600,free=10485760",
        ])
        #expect(configuration.limits.keyPrefix == "incoming/")
        #expect(configuration.limits.maxBytes == 2048)
        #expect(configuration.limits.groupLimits == ["pro": 104_857_600, "free": 10_485_760])
        #expect(configuration.limits.maxBytes(forGroups: ["free", "pro"]) == 104_857_600)
        #expect(configuration.limits.maxBytes(forGroups: ["other"]) == 2048)
        #expect(configuration.allowedTypes == ["image/*", "application/pdf"])
        #expect(configuration.allows("image/heic"))
        #expect(!configuration.allows("imagex/png"))
        #expect(configuration.expiresSeconds == 60)
        #expect(configuration.kmsKeyID == "alias/uploads")
        #expect(configuration.requiredGroup == "uploaders")
        #expect(configuration.corsAllowOrigins == ["https://a.example", "https://b.example"])
        #expect(configuration.endpoint.style == .accelerate(dualStack: false))
        let local = try presign(["S3_ENDPOINT": "http://127.0.0.1:4566"])
        #expect(local.endpoint.style == .custom(scheme: "http", host: "127.0.0.1", port: 4566))
        #expect(try presign(["S3_FORCE_PATH_STYLE": "true"]).endpoint.style == .pathStyle)
    }

    @Test(arguments: [
        (["UPLOAD_BUCKET": ""], "UPLOAD_BUCKET"),
        (["UPLOAD_BUCKET": "Bad_Bucket"], "UPLOAD_BUCKET"),
        (["AWS_REGION": " "], "AWS_REGION"),
        (["UPLOAD_KEY_PREFIX": "uploads"], "UPLOAD_KEY_PREFIX"),
        (["UPLOAD_KEY_PREFIX": "../uploads/"], "UPLOAD_KEY_PREFIX"),
        (["UPLOAD_KEY_PREFIX": "/uploads/"], "UPLOAD_KEY_PREFIX"),
        (["UPLOAD_MAX_BYTES": "ten"], "UPLOAD_MAX_BYTES"),
        (["UPLOAD_MAX_BYTES": "0"], "UPLOAD_MAX_BYTES"),
        (["UPLOAD_MAX_BYTES": "5497558138881"], "UPLOAD_MAX_BYTES"),
        (["UPLOAD_ALLOWED_TYPES": "images"], "UPLOAD_ALLOWED_TYPES"),
        (["UPLOAD_ALLOWED_TYPES": ","], "UPLOAD_ALLOWED_TYPES"),
        (["UPLOAD_EXPIRES_SECONDS": "604801"], "UPLOAD_EXPIRES_SECONDS"),
        (["UPLOAD_ACCELERATE": "maybe"], "UPLOAD_ACCELERATE"),
        (["UPLOAD_ACCELERATE": "true", "S3_ENDPOINT": "http://127.0.0.1:4566"], "UPLOAD_ACCELERATE"),
        (["UPLOAD_ACCELERATE": "true", "UPLOAD_BUCKET": "with.dots"], "UPLOAD_ACCELERATE"),
        (["S3_ENDPOINT": "127.0.0.1:4566"], "S3_ENDPOINT"),
        (["S3_FORCE_PATH_STYLE": "yes please"], "S3_FORCE_PATH_STYLE"),
        (["CORS_ALLOW_ORIGIN": "example.com"], "CORS_ALLOW_ORIGIN"),
        (["UPLOAD_GROUP_LIMITS": "pro"], "UPLOAD_GROUP_LIMITS"),
        (["UPLOAD_GROUP_LIMITS": "pro=-1"], "UPLOAD_GROUP_LIMITS"),
    ])
    func aBadValueNamesItsVariable(_ extra: [String: String], _ variable: String) {
        #expect {
            try presign(extra)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.variable == variable && error.errorMessage.hasPrefix(variable + ": ")
        }
    }

    @Test func cognitoSettings() throws {
        let derived = try CognitoVerifierConfiguration(
            environment: EnvironmentReader([
                "COGNITO_USER_POOL_ID": "eu-west-1_AbCdEf123", "COGNITO_CLIENT_IDS": "a, b",
                "COGNITO_TOKEN_USE": "access",
                "JWT_CLOCK_SKEW_SECONDS": "30",
            ])
        )
        #expect(derived.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123")
        #expect(
            derived.jwksURL == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
        )
        #expect(derived.clientIDs == ["a", "b"])
        #expect(derived.tokenUse == .access)
        #expect(derived.clockSkewSeconds == 30)

        let bad: [([String: String], String)] = [
            (["COGNITO_CLIENT_IDS": "a"], "COGNITO_USER_POOL_ID"),
            (["COGNITO_USER_POOL_ID": "nounderscore", "COGNITO_CLIENT_IDS": "a"], "COGNITO_USER_POOL_ID"),
            (["COGNITO_USER_POOL_ID": "eu-west-1_x"], "COGNITO_CLIENT_IDS"),
            (
                ["COGNITO_USER_POOL_ID": "eu-west-1_x", "COGNITO_CLIENT_IDS": "a", "COGNITO_TOKEN_USE": "refresh"],
                "COGNITO_TOKEN_USE"
            ),
            (
                [
                    "COGNITO_USER_POOL_ID": "eu-west-1_x", "COGNITO_CLIENT_IDS": "a",
                    "COGNITO_JWKS_URL": "http://example.com/j",
                ], "COGNITO_JWKS_URL"
            ),
            (["COGNITO_ISSUER": "http://example.com", "COGNITO_CLIENT_IDS": "a"], "COGNITO_ISSUER"),
            (
                ["COGNITO_USER_POOL_ID": "eu-west-1_x", "COGNITO_CLIENT_IDS": "a", "JWT_CLOCK_SKEW_SECONDS": "-1"],
                "JWT_CLOCK_SKEW_SECONDS"
            ),
        ]
        for (environment, variable) in bad {
            #expect {
                try CognitoVerifierConfiguration(environment: EnvironmentReader(environment))
            } throws: { error in
                (error as? ConfigurationError)?.variable == variable
            }
        }
        let local = try CognitoVerifierConfiguration(
            environment: EnvironmentReader([
                "COGNITO_USER_POOL_ID": "eu-west-1_x", "COGNITO_CLIENT_IDS": "a",
                "COGNITO_JWKS_URL": "http://127.0.0.1:5000/eu-west-1_x/.well-known/jwks.json",
            ])
        )
        #expect(local.jwksURL.hasPrefix("http://127.0.0.1:5000/"))
    }

    @Test func presignNeedsCredentials() {
        #expect {
            try PresignHandler(environment: EnvironmentReader(Self.minimal))
        } throws: { error in
            (error as? ConfigurationError)?.variable == "AWS_ACCESS_KEY_ID"
        }
    }
}

@Suite("Upload keys and filenames")
struct UploadKeyTests {
    @Test func sanitises() throws {
        let cases: [(String, String)] = [
            ("photo.jpg", "photo.jpg"),
            ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
            ("a/b/c.png", "c.png"),
            ("Cafe\u{301}.png", "Caf\u{E9}.png"),
            ("\u{FEFF}bom.png", "bom.png"),
            ("rtl\u{2067}txt.exe\u{2069}.png", "rtltxt.exe.png"),
            ("tab\there.png", "tabhere.png"),
            ("nbsp\u{00A0}\u{00A0}x.png", "nbsp x.png"),
            ("..hidden", "..hidden"),
            ("日本語のファイル.pdf", "日本語のファイル.pdf"),
            ("emoji 📷.jpg", "emoji 📷.jpg"),
        ]
        for (input, expected) in cases {
            #expect(try UploadKey.sanitiseFilename(input) == expected, "\(input.debugDescription)")
        }
        for refused in ["", "..", ".", "...", "/", "a/", "\u{202E}", " \u{200B} "] {
            #expect(throws: UploadKey.FilenameProblem.self, "\(refused.debugDescription)") {
                try UploadKey.sanitiseFilename(refused)
            }
        }
    }

    /// Inputs `make fuzz` found (fuzz-filename): a `/` joined to a combining mark or a joiner is one `Character`
    /// that is not equal to `/`, so a Character-level search missed it, and removing the invisible part then left a
    /// plain `/`: `../\u{200D}../\u{200D}etc/\u{200D}passwd` came out as `../../etc/passwd`.
    @Test(arguments: [
        "../\u{200D}../\u{200D}etc/\u{200D}passwd",
        "a/\u{301}b.txt",
        "a/\u{34F}b",
        "x\u{600}/t",
        "..\\\u{200D}..\\\u{200D}boot.ini",
    ])
    func neverKeepsAPathSeparatorHiddenInsideACharacter(hint: String) throws {
        let result = try UploadKey.sanitiseFilename(hint)
        #expect(!result.unicodeScalars.contains("/"))
        #expect(!result.unicodeScalars.contains("\\"))
        #expect(!result.hasPrefix(".."))
    }

    @Test func theFuzzersFirstCrashingInputsComeOutSafe() throws {
        for encoded in [
            "JYBXqcOu4nR4dMNlqdiAL3QgrnTDY+J4gK50QXJy",
            "L6suLg4uLi4vqy4uLi4uLi7Nzc3Nzc3Nj7Dxek/Nzc1JSc3Fzc3NzY+w8QAAAAAAAM3NLs3Nzc0vzavNzY+w8XpPzc3NSUnNxc3Nzc2PsPEAAAAAAADNzc3Nzc3NNM3N",
        ] {
            let bytes = try #require(Data(base64Encoded: encoded))
            let result = try UploadKey.sanitiseFilename(String(decoding: bytes, as: UTF8.self))
            #expect(!result.unicodeScalars.contains("/"), "\(encoded)")
        }
    }

    @Test func aCharacterLongerThanTheLimitIsCutInsideNotDropped() throws {
        // One letter with 150 combining accents is 301 bytes: dropping it whole left "" (and ".." for the second).
        let accents = String(repeating: "\u{301}", count: 150)
        let cut = try UploadKey.sanitiseFilename("a" + accents)
        // NFC composes the first accent: the cut keeps "á" and as many accents as fit.
        #expect(cut.unicodeScalars.first == "\u{E1}")
        #expect(cut.unicodeScalars.count > 90)
        #expect(cut.utf8.count <= UploadKey.maxFilenameBytes)
        let dots = try UploadKey.sanitiseFilename(".a" + accents + ".")
        #expect(dots != "..")
        #expect(Array(dots.unicodeScalars.prefix(2)) == [".", "\u{E1}"])
        #expect(dots.hasSuffix("."))
        // Truncation does not leave the space before the cut.
        let spaced = try UploadKey.sanitiseFilename(String(repeating: "a", count: 199) + " " + "bbbb")
        #expect(spaced.last != " ")
    }

    @Test func limitsTheLengthKeepingTheExtensionAndWholeCharacters() throws {
        let long = String(repeating: "é", count: 300) + ".jpeg"
        let result = try UploadKey.sanitiseFilename(long)
        #expect(result.utf8.count <= UploadKey.maxFilenameBytes)
        #expect(result.hasSuffix(".jpeg"))
        #expect(result.dropLast(5).allSatisfy { $0 == "é" })
        let noExtension = String(repeating: "x", count: 500)
        #expect(try UploadKey.sanitiseFilename(noExtension).utf8.count == UploadKey.maxFilenameBytes)
    }

    @Test func theWholeKeyStaysValidForS3() throws {
        let filename = try UploadKey.sanitiseFilename(String(repeating: "ü", count: 400) + ".png")
        let key = UploadKey.make(
            userPrefix: UploadLimits().userPrefix(subject: String(repeating: "a", count: 128)),
            uuid: UploadKey.randomUUID(),
            filename: filename
        )
        try S3Names.validateKey(key)
    }

    @Test func uuidsAreVersion4AndDistinct() {
        let uuids = (0..<1000).map { _ in UploadKey.randomUUID() }
        #expect(Set(uuids).count == 1000)
        for uuid in uuids.prefix(50) {
            let bytes = Array(uuid.utf8)
            #expect(bytes.count == 36)
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect("89ab".utf8.contains(bytes[19]))
        }
    }

    @Test func subjectsMustBeSafeSegments() {
        #expect(UploadKey.isSafeSubject("7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f"))
        for unsafe in ["", ".", "..", "a/b", "a\\b", "a b", String(repeating: "a", count: 129), "ü"] {
            #expect(!UploadKey.isSafeSubject(unsafe), "\(unsafe)")
        }
    }
}
