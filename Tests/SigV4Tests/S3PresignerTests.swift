import LambdaRuntime
import S3Presigning
import SigV4
import Testing

@Suite("S3 presigner")
struct S3PresignerTests {
    static let credentials = try! AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN"
    )
    static let time = try! SigningTime(amzDate: "20261125T142715Z")

    private func presigner(
        _ style: S3Endpoint.Style = .virtualHosted,
        region: String = "eu-west-1"
    ) throws -> S3Presigner {
        try S3Presigner(credentials: Self.credentials, endpoint: try S3Endpoint(region: region, style: style))
    }

    @Test func buildsEachEndpointStyle() throws {
        let key = "uploads/a b/ü+%.png"
        let encoded = "uploads/a%20b/%C3%BC%2B%25.png"
        let cases: [(S3Endpoint.Style, String)] = [
            (.virtualHosted, "https://my-bucket.s3.eu-west-1.amazonaws.com/\(encoded)?"),
            (.pathStyle, "https://s3.eu-west-1.amazonaws.com/my-bucket/\(encoded)?"),
            (.accelerate(dualStack: false), "https://my-bucket.s3-accelerate.amazonaws.com/\(encoded)?"),
            (.accelerate(dualStack: true), "https://my-bucket.s3-accelerate.dualstack.amazonaws.com/\(encoded)?"),
            (.custom(scheme: "http", host: "127.0.0.1", port: 4566), "http://127.0.0.1:4566/my-bucket/\(encoded)?"),
        ]
        for (style, prefix) in cases {
            let url = try presigner(style).presignGet(bucket: "my-bucket", key: key, expires: 60, at: Self.time).url
            #expect(url.hasPrefix(prefix), "\(style): \(url)")
        }
        // A dotted bucket cannot use the wildcard certificate: path style.
        let dotted = try presigner().presignGet(bucket: "my.bucket", key: "k", expires: 60, at: Self.time).url
        #expect(dotted.hasPrefix("https://s3.eu-west-1.amazonaws.com/my.bucket/k?"))
    }

    @Test func keepsDoubleSlashesAndDotsInKeys() throws {
        let url = try presigner().presignGet(bucket: "my-bucket", key: "a//./../b", expires: 60, at: Self.time).url
        #expect(url.hasPrefix("https://my-bucket.s3.eu-west-1.amazonaws.com/a//./../b?"))
    }

    @Test func signsTheHeadersAPutBindsAndReturnsThem() throws {
        let put = try presigner().presignPut(
            bucket: "my-bucket",
            key: "uploads/u-1/photo.png",
            options: .init(
                contentType: "image/png",
                kmsKeyID: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd",
                metadata: ["owner": "u-1"],
                checksumSHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                noOverwrite: true
            ),
            expires: 300,
            at: Self.time
        )
        #expect(put.method == "PUT")
        #expect(
            put.url.contains(
                "X-Amz-SignedHeaders=content-type%3Bhost%3Bif-none-match%3Bx-amz-checksum-sha256%3Bx-amz-meta-owner%3Bx-amz-server-side-encryption%3Bx-amz-server-side-encryption-aws-kms-key-id"
            )
        )
        #expect(put.url.contains("X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLETOKEN"))
        #expect(put.url.hasSuffix("&X-Amz-Signature=" + (put.url.split(separator: "=").last.map(String.init) ?? "")))
        #expect(
            put.headers == [
                "Content-Type": "image/png",
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd",
                "x-amz-meta-owner": "u-1",
                "x-amz-checksum-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                "If-None-Match": "*",
            ]
        )
    }

    @Test(arguments: [
        ("ab", "must be 3 to 63 characters long, not 2"),
        ("My-Bucket", "has uppercase letters; bucket names are lowercase"),
        ("my_bucket", "may hold only lowercase letters, digits, dots and hyphens"),
        ("-bucket", "must begin and end with a letter or a digit"),
        ("my..bucket", "must not have two dots in a row"),
        ("192.168.5.4", "must not look like an IP address"),
        ("xn--bucket", "must not begin with \"xn--\", which S3 reserves"),
        ("bucket-s3alias", "must not end with \"-s3alias\", which S3 reserves"),
    ])
    func refusesInvalidBucketNamesSayingWhy(name: String, reason: String) throws {
        #expect(throws: S3PresignError(.invalidBucketName, "bucket name \"\(name)\" \(reason)")) {
            try presigner().presignGet(bucket: name, key: "k", expires: 60, at: Self.time)
        }
    }

    @Test func refusesBadKeysExpiriesAndEndpointSettings() throws {
        #expect(throws: S3PresignError(.invalidKey, "the object key is empty")) {
            try presigner().presignGet(bucket: "my-bucket", key: "", expires: 60, at: Self.time)
        }
        let long = String(repeating: "é", count: 513)
        #expect(throws: S3PresignError(.invalidKey, "the object key is 1026 bytes of UTF-8; S3 keys are at most 1024"))
        {
            try presigner().presignGet(bucket: "my-bucket", key: long, expires: 60, at: Self.time)
        }
        #expect(
            try presigner().presignGet(
                bucket: "my-bucket",
                key: String(repeating: "é", count: 512),
                expires: 60,
                at: Self.time
            ).url.count > 0
        )
        for expiry in [0, -1, 604_801] {
            #expect(throws: S3PresignError.self) {
                try presigner().presignGet(bucket: "my-bucket", key: "k", expires: expiry, at: Self.time)
            }
        }
        #expect(
            try presigner().presignGet(bucket: "my-bucket", key: "k", expires: 604_800, at: Self.time).url.contains(
                "X-Amz-Expires=604800"
            )
        )
        #expect(throws: S3PresignError.self) {
            try presigner(.accelerate(dualStack: false)).presignGet(
                bucket: "my.bucket",
                key: "k",
                expires: 60,
                at: Self.time
            )
        }
        #expect(throws: S3PresignError(.emptyRegion, "the region is empty: set AWS_REGION or pass --region")) {
            try S3Endpoint(region: "")
        }
        #expect(throws: S3PresignError.self) { try S3Endpoint.custom("ftp://x", region: "eu-west-1") }
        #expect(throws: S3PresignError.self) { try S3Endpoint.custom("http://x:99999", region: "eu-west-1") }
        #expect(throws: S3PresignError.self) {
            try presigner().presignPut(
                bucket: "my-bucket",
                key: "k",
                options: .init(metadata: ["bad name": "x"]),
                expires: 60,
                at: Self.time
            )
        }
    }

    @Test func buildsAPostPolicyThatBindsEverything() throws {
        let post = try presigner(.custom(scheme: "http", host: "127.0.0.1", port: 4566)).presignPost(
            PostPolicy(
                bucket: "my-bucket",
                key: .exact("uploads/u-1/9b2c/photo.png"),
                contentLength: 1...1_048_576,
                contentType: .exact("image/png"),
                kmsKeyID: "alias/upload-edge",
                metadata: ["owner": "u-1"],
                successActionStatus: 201,
                expires: 300
            ),
            at: Self.time
        )
        #expect(post.url == "http://127.0.0.1:4566/my-bucket")
        #expect(
            post.fields.map(\.name) == [
                "key", "Content-Type", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                "x-amz-meta-owner", "success_action_status", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                "x-amz-security-token", "policy", "x-amz-signature",
            ]
        )
        let policy = try #require(post.field("policy"))
        let document = try JSONValue(parsing: try #require(Base64.decode(policy)))
        #expect(document["expiration"] == "2026-11-25T14:32:15Z")
        guard case .array(let conditions)? = document["conditions"] else { throw SuiteError("no conditions") }
        #expect(conditions.contains(["content-length-range", 1, 1_048_576]))
        #expect(conditions.contains(["key": "uploads/u-1/9b2c/photo.png"]))
        #expect(conditions.contains(["x-amz-meta-owner": "u-1"]))
        #expect(conditions.contains(["x-amz-security-token": "FwoGZXIvYXdzEXAMPLETOKEN"]))
        // The signature is the HMAC of the base64 policy with the day's signing key.
        let signer = try SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        #expect(post.field("x-amz-signature") == signer.signature(ofPolicy: post.field("policy")!, at: Self.time))
    }

    @Test func buildsAPostPolicyForAPrefixAndAContentTypeFamily() throws {
        let post = try presigner().presignPost(
            PostPolicy(
                bucket: "my-bucket",
                key: .startsWith("uploads/u-1/"),
                contentType: .startsWith("image/"),
                expires: 60
            ),
            at: Self.time
        )
        #expect(post.url == "https://my-bucket.s3.eu-west-1.amazonaws.com/")
        #expect(post.field("key") == "uploads/u-1/${filename}")
        #expect(post.field("Content-Type") == nil)
        #expect(post.policyJSON.contains(#"["starts-with","$key","uploads/u-1/"]"#))
        #expect(post.policyJSON.contains(#"["starts-with","$Content-Type","image/"]"#))
    }

    @Test func signsTheRequestsOfAMultipartUpload() throws {
        let presigner = try presigner(.custom(scheme: "http", host: "127.0.0.1", port: 4566))
        let create = try presigner.createMultipartUpload(
            bucket: "my-bucket",
            key: "big.mov",
            options: .init(contentType: "video/quicktime"),
            at: Self.time
        )
        #expect(create.method == "POST")
        #expect(create.url == "http://127.0.0.1:4566/my-bucket/big.mov?uploads=")
        #expect(
            create.headers.contains {
                $0.0 == "Authorization"
                    && $0.1.contains(
                        "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
                    )
            }
        )
        let part = try presigner.presignUploadPart(
            bucket: "my-bucket",
            key: "big.mov",
            uploadID: "u p/1",
            partNumber: 3,
            expires: 3600,
            at: Self.time
        )
        #expect(part.url.contains("partNumber=3&uploadId=u%20p%2F1"))
        #expect(throws: S3PresignError.self) {
            try presigner.presignUploadPart(
                bucket: "my-bucket",
                key: "big.mov",
                uploadID: "x",
                partNumber: 10_001,
                expires: 60,
                at: Self.time
            )
        }
        let complete = try presigner.completeMultipartUpload(
            bucket: "my-bucket",
            key: "big.mov",
            uploadID: "abc",
            parts: [.init(partNumber: 1, eTag: "\"e1\""), .init(partNumber: 2, eTag: "\"e2\"")],
            at: Self.time
        )
        let body = String(decoding: complete.body, as: UTF8.self)
        #expect(body.contains("<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"))
        #expect(throws: S3PresignError.self) {
            try presigner.completeMultipartUpload(
                bucket: "my-bucket",
                key: "big.mov",
                uploadID: "abc",
                parts: [.init(partNumber: 2, eTag: "a"), .init(partNumber: 1, eTag: "b")],
                at: Self.time
            )
        }
    }

    /// Header names are compared and sorted as bytes, as botocore does: two spellings of one accented name that
    /// Swift's String calls equal (precomposed, and e plus a combining accent) stay two headers, in byte order.
    @Test func comparesHeaderNamesAsBytes() throws {
        let signer = try SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        let precomposed = "x-amz-meta-\u{E9}"
        let decomposed = "x-amz-meta-e\u{301}"
        #expect(precomposed == decomposed, "Swift's String equality would have merged them")
        let request = SigningRequest(
            method: "GET",
            path: "/k",
            headers: [.init("Host", "b.s3.amazonaws.com"), .init(precomposed, " one "), .init(decomposed, "two")]
        )
        let signed = try signer.signHeaders(request, payload: .unsigned, at: Self.time, addContentSHA256Header: false)
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let metaLines = lines.filter { $0.utf8.starts(with: "x-amz-meta-".utf8) }
        #expect(
            metaLines.map { Array($0.utf8) } == [Array("\(decomposed):two".utf8), Array("\(precomposed):one".utf8)]
        )
    }

    @Test func neverShowsSecretsInDescriptions() throws {
        let text = "\(Self.credentials) \(String(reflecting: Self.credentials))"
        #expect(!text.contains("wJalrXUtnFEMI"))
        #expect(!text.contains("FwoGZXIvYXdz"))
        #expect(text.contains("AKID…MPLE"))
        #expect(throws: SigV4Error(.missingCredentials, "AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)")) {
            try AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"])
        }
    }

    @Test func formatsAndParsesSigningTimes() throws {
        #expect(SigningTime(epochSeconds: 0).amzDate == "19700101T000000Z")
        #expect(SigningTime(epochSeconds: 1_795_616_835).amzDate == "20261125T142715Z")
        #expect(SigningTime(epochSeconds: 1_835_438_400).iso8601 == "2028-02-29T12:00:00Z")
        #expect(try SigningTime(amzDate: "20261125T142715Z").epochSeconds == 1_795_616_835)
        for bad in ["2026-11-25T14:27:15Z", "20261325T000000Z", "20260230T000000Z", "20261125T142715"] {
            #expect(throws: SigV4Error.self) { try SigningTime(amzDate: bad) }
        }
    }
}
