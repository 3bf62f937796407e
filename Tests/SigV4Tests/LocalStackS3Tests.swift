import Foundation
import S3Presigning
import SigV4
import TestSupport
import Testing

/// Presigned uploads against a strict S3: LocalStack checks presigned signatures, expiry and POST policy
/// conditions, so what it accepts and what it refuses is the contract.
@Suite(
    "Against a strict S3 (LocalStack)",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .serialized
)
struct LocalStackS3Tests {
    /// LocalStack's default account accepts the key pair test/test and checks signatures made with it.
    static let credentials = try! AWSCredentials(accessKeyID: "test", secretAccessKey: "test")
    static let region = "us-east-1"

    let endpoint = TestServices.localStack ?? "http://127.0.0.1:4566"
    let bucket = "ue-presign-\(UUID().uuidString.lowercased().prefix(8))"

    private func presigner() throws -> S3Presigner {
        try S3Presigner(credentials: Self.credentials, endpoint: try S3Endpoint.custom(endpoint, region: Self.region))
    }

    /// Creates the test's bucket with a header-signed request.
    private func createBucket() throws {
        let signer = try SigV4Signer(credentials: Self.credentials, region: Self.region, service: "s3")
        let host = endpoint.replacingOccurrences(of: "http://", with: "")
        let signed = try signer.signHeaders(
            SigningRequest(method: "PUT", path: "/\(bucket)", headers: [.init("Host", host)]),
            payload: .emptyBody,
            at: .now(),
            addContentSHA256Header: true
        )
        var headers: [String: String] = [:]
        for header in signed.request.headers where header.name.lowercased() != "host" {
            headers[header.name] = header.value
        }
        let response = try Curl.send("PUT", "\(endpoint)/\(bucket)", headers: headers)
        try #require(response.status == 200, "creating the bucket: \(response.status) \(response.body)")
    }

    private func get(_ key: String) throws -> Curl.Response {
        let url = try presigner().presignGet(bucket: bucket, key: key, expires: 60, at: .now()).url
        return try Curl.send("GET", url)
    }

    private static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 200)

    @Test func aPresignedPutLandsWithItsSignedHeadersAndAGetReadsItBack() throws {
        try createBucket()
        let key = "uploads/u-1/a b/ü+%.png"
        let put = try presigner().presignPut(
            bucket: bucket,
            key: key,
            options: .init(contentType: "image/png", metadata: ["owner": "u-1"], noOverwrite: true),
            expires: 300,
            at: .now()
        )
        let response = try Curl.send("PUT", put.url, headers: put.headers, body: Self.png)
        #expect(response.status == 200, "\(response.body)")
        let read = try get(key)
        #expect(read.status == 200)
        #expect(read.headers["content-type"] == "image/png")
        #expect(read.headers["x-amz-meta-owner"] == "u-1")
    }

    @Test func refusesExpiredTamperedMovedAndAlteredPuts() throws {
        try createBucket()
        let presigner = try presigner()
        let options = S3Presigner.PutOptions(contentType: "image/png", metadata: ["owner": "u-1"])
        let put = try presigner.presignPut(
            bucket: bucket,
            key: "uploads/u-1/x.png",
            options: options,
            expires: 300,
            at: .now()
        )

        // Signed an hour ago for one minute.
        let old = try presigner.presignPut(
            bucket: bucket,
            key: "uploads/u-1/x.png",
            options: options,
            expires: 60,
            at: SigningTime.now().adding(seconds: -3600)
        )
        #expect(try Curl.send("PUT", old.url, headers: old.headers, body: Self.png).status == 403, "expired")

        let signature = try #require(put.url.range(of: "X-Amz-Signature=")).upperBound
        var tampered = put.url
        let first = tampered[signature]
        tampered.replaceSubrange(signature...signature, with: first == "a" ? "b" : "a")
        #expect(
            try Curl.send("PUT", tampered, headers: put.headers, body: Self.png).status == 403,
            "tampered signature"
        )

        let moved = put.url.replacingOccurrences(of: "/uploads/u-1/x.png", with: "/uploads/u-2/x.png")
        #expect(try Curl.send("PUT", moved, headers: put.headers, body: Self.png).status == 403, "another key")

        var otherType = put.headers
        otherType["Content-Type"] = "text/html"
        #expect(try Curl.send("PUT", put.url, headers: otherType, body: Self.png).status == 403, "another content type")

        var missing = put.headers
        missing["x-amz-meta-owner"] = nil
        #expect(
            try Curl.send("PUT", put.url, headers: missing, body: Self.png).status == 403,
            "a signed header left out"
        )

        #expect(try get("uploads/u-1/x.png").status == 404, "nothing landed")
        #expect(try get("uploads/u-2/x.png").status == 404, "nothing landed")
    }

    private func policy(
        key: PostPolicy.KeyCondition,
        maxBytes: Int64 = 1024,
        at time: SigningTime = .now(),
        expires: Int = 300
    )
        throws -> PresignedPost
    {
        try presigner().presignPost(
            PostPolicy(
                bucket: bucket,
                key: key,
                contentLength: 1...maxBytes,
                contentType: .exact("image/png"),
                metadata: ["owner": "u-1"],
                successActionStatus: 201,
                expires: expires
            ),
            at: time
        )
    }

    @Test func aPostFormUploadLandsWhenItKeepsToThePolicy() throws {
        try createBucket()
        let post = try policy(key: .exact("uploads/u-1/form.png"))
        let response = try Curl.send("POST", post.url, form: post.fields, file: ("file", Self.png, "image/png"))
        #expect(response.status == 201, "\(response.body)")
        let read = try get("uploads/u-1/form.png")
        #expect(read.status == 200)
        #expect(read.headers["x-amz-meta-owner"] == "u-1")
        #expect(read.headers["content-length"] == String(Self.png.count))
    }

    @Test func refusesPostsThatBreakThePolicy() throws {
        try createBucket()
        let post = try policy(key: .exact("uploads/u-1/form.png"), maxBytes: 100)
        let tooBig = try Curl.send("POST", post.url, form: post.fields, file: ("file", Self.png, "image/png"))
        #expect(tooBig.status == 400, "over the size range")
        #expect(tooBig.body.contains("EntityTooLarge"))

        var otherKey = post.fields
        otherKey[otherKey.firstIndex { $0.name == "key" }!].value = "uploads/u-2/form.png"
        #expect(
            try Curl.send("POST", post.url, form: otherKey, file: ("file", [1], "image/png")).status == 403,
            "another key"
        )

        var otherType = post.fields
        otherType[otherType.firstIndex { $0.name == "Content-Type" }!].value = "text/html"
        #expect(
            try Curl.send("POST", post.url, form: otherType, file: ("file", [1], "text/html")).status == 403,
            "another type"
        )

        let prefix = try policy(key: .startsWith("uploads/u-1/"))
        var escape = prefix.fields
        escape[escape.firstIndex { $0.name == "key" }!].value = "uploads/u-2/${filename}"
        #expect(
            try Curl.send("POST", prefix.url, form: escape, file: ("file", [1], "image/png")).status == 403,
            "outside the prefix"
        )

        let expired = try policy(
            key: .exact("uploads/u-1/late.png"),
            at: SigningTime.now().adding(seconds: -3600),
            expires: 60
        )
        #expect(
            try Curl.send("POST", expired.url, form: expired.fields, file: ("file", [1], "image/png")).status == 403,
            "expired"
        )

        #expect(try get("uploads/u-1/form.png").status == 404)
        #expect(try get("uploads/u-2/form.png").status == 404)
    }
}
