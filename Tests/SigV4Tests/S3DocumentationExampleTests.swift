import LambdaRuntime
import S3Presigning
import SigV4
import Testing

/// The signature examples of the Amazon S3 API Reference, with their published values:
/// - "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk (AWS Signature
///   Version 4)", examples GET Object, PUT Object, GET Bucket Lifecycle, Get Bucket (List Objects);
/// - "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the presigned GET;
/// - "Example: Browser-Based Upload using HTTP POST (Using AWS Signature Version 4)", the POST policy.
/// All use the documentation's example key pair, 2013-05-24 (2015-12-29 for POST), us-east-1.
@Suite("Amazon S3 documentation examples")
struct S3DocumentationExampleTests {
    static let credentials = try! AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    private func signer() throws -> SigV4Signer {
        try SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3", uriRule: .s3)
    }

    private func sign(
        _ method: String,
        _ path: String,
        query: [SigningRequest.QueryItem] = [],
        headers: [SigningRequest.Header],
        payload: String
    ) throws -> SigV4Signer.SignedRequest {
        try signer().signHeaders(
            SigningRequest(
                method: method,
                path: path,
                query: query,
                headers: [.init("Host", "examplebucket.s3.amazonaws.com")] + headers
            ),
            payload: .sha256Hex(payload),
            at: try SigningTime(amzDate: "20130524T000000Z"),
            addContentSHA256Header: true
        )
    }

    @Test func getObjectWithRange() throws {
        let signed = try sign("GET", "/test.txt", headers: [.init("Range", "bytes=0-9")], payload: Self.emptyHash)
        #expect(
            signed.canonicalRequest
                == "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:\(Self.emptyHash)\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\(Self.emptyHash)"
        )
        #expect(signed.stringToSign.hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func putObject() throws {
        let signed = try sign(
            "PUT",
            "/test%24file.text",
            headers: [
                .init("Date", "Fri, 24 May 2013 00:00:00 GMT"), .init("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            payload: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        )
        #expect(signed.stringToSign.hasSuffix("9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() throws {
        let signed = try sign("GET", "/", query: [.init("lifecycle", "")], headers: [], payload: Self.emptyHash)
        #expect(signed.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\n"))
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjects() throws {
        let signed = try sign(
            "GET",
            "/",
            query: [.init("max-keys", "2"), .init("prefix", "J")],
            headers: [],
            payload: Self.emptyHash
        )
        #expect(signed.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func presignedGetObject() throws {
        let presigner = try S3Presigner(
            credentials: Self.credentials,
            endpoint: try S3Endpoint(
                region: "us-east-1",
                style: .custom(scheme: "https", host: "examplebucket.s3.amazonaws.com", port: nil)
            )
        )
        // The documentation's URL is virtual-hosted on the global endpoint: sign that host and path directly.
        let signer = try signer()
        let presigned = try signer.presign(
            SigningRequest(
                method: "GET",
                path: "/test.txt",
                headers: [.init("Host", "examplebucket.s3.amazonaws.com")]
            ),
            expires: 86_400,
            at: try SigningTime(amzDate: "20130524T000000Z")
        )
        #expect(presigned.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            presigned.query
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
        _ = presigner
    }

    @Test func postPolicySignature() throws {
        let policy =
            "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
        let signature = try signer().signature(ofPolicy: policy, at: try SigningTime(amzDate: "20151229T000000Z"))
        #expect(signature == "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e")
        let document = String(decoding: try #require(Base64.decode(policy)), as: UTF8.self)
        #expect(document.contains(#"["starts-with", "$key", "user/user1/"]"#))
    }
}
