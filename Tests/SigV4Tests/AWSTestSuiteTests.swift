import Crypto
import Foundation
import SigV4
import TestSupport
import Testing

/// The AWS SigV4 test suites, every stage: canonical request, string to sign, signature.
@Suite(
    "AWS SigV4 test suites",
    .enabled(if: SharedMaterial.directory != nil, Comment(rawValue: SharedMaterial.missingReason))
)
struct AWSTestSuiteTests {
    static var awsCAuthCases: [String] {
        guard let directory = SharedMaterial.directory else { return [] }
        let root = directory + "/vectors/sigv4/aws-c-auth-v4"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/context.json") }.sorted()
            .map { "\(root)/\($0)" }
    }

    static var botocoreCases: [String] {
        guard let directory = SharedMaterial.directory else { return [] }
        let root = directory + "/vectors/sigv4/botocore-aws4_testsuite"
        var cases: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix(".req") { cases.append("\(root)/\((relative as NSString).deletingPathExtension)") }
        }
        return cases.sorted()
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    private func signer(_ context: Context) throws -> SigV4Signer {
        try SigV4Signer(
            credentials: try AWSCredentials(
                accessKeyID: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token
            ),
            region: context.region,
            service: context.service,
            uriRule: .generic(normalizePath: context.normalize)
        )
    }

    private func time(_ iso: String) throws -> SigningTime {
        let basic = iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return try SigningTime(amzDate: basic)
    }

    @Test func findsAllTheCases() {
        #expect(Self.awsCAuthCases.count == 38)
        // 28 cases, two of them folders of variants (normalize-path, post-sts-token).
        #expect(Self.botocoreCases.count == 34)
    }

    @Test(arguments: awsCAuthCases)
    func awsCAuthHeaderSigning(directory: String) throws {
        let context = try JSONDecoder().decode(Context.self, from: Data(try read("\(directory)/context.json").utf8))
        let request = try TestSuiteRequest(try read("\(directory)/request.txt"))
        let payload = PayloadHash.sha256Hex(SHA256.hash(data: request.body).map { String(format: "%02x", $0) }.joined())
        let signed = try signer(context).signHeaders(
            request.signingRequest,
            payload: payload,
            at: try time(context.timestamp),
            addContentSHA256Header: context.sign_body,
            signSessionToken: !(context.omit_session_token ?? false)
        )
        #expect(signed.canonicalRequest == (try read("\(directory)/header-canonical-request.txt")), "canonical request")
        #expect(signed.stringToSign == (try read("\(directory)/header-string-to-sign.txt")), "string to sign")
        #expect(signed.signature == (try read("\(directory)/header-signature.txt")), "signature")
    }

    @Test(arguments: awsCAuthCases)
    func awsCAuthQuerySigning(directory: String) throws {
        let context = try JSONDecoder().decode(Context.self, from: Data(try read("\(directory)/context.json").utf8))
        let request = try TestSuiteRequest(try read("\(directory)/request.txt"))
        let payload = PayloadHash.sha256Hex(SHA256.hash(data: request.body).map { String(format: "%02x", $0) }.joined())
        let presigned = try signer(context).presign(
            request.signingRequest,
            expires: context.expiration_in_seconds,
            payload: payload,
            signSessionToken: !(context.omit_session_token ?? false),
            at: try time(context.timestamp)
        )
        #expect(
            presigned.canonicalRequest == (try read("\(directory)/query-canonical-request.txt")),
            "canonical request"
        )
        #expect(presigned.stringToSign == (try read("\(directory)/query-string-to-sign.txt")), "string to sign")
        #expect(presigned.signature == (try read("\(directory)/query-signature.txt")), "signature")
    }

    @Test(arguments: botocoreCases)
    func botocoreSuite(base: String) throws {
        let name = (base as NSString).lastPathComponent
        let request = try TestSuiteRequest(try read(base + ".req"))
        let signer = try SigV4Signer(
            credentials: try AWSCredentials(
                accessKeyID: "AKIDEXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                // The one case signed with temporary credentials (the suite's README names the token).
                sessionToken: name == "get-vanilla-with-session-token"
                    ? "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" : nil
            ),
            region: "us-east-1",
            service: "service",
            uriRule: .generic(normalizePath: true)
        )
        let payload = PayloadHash.sha256Hex(SHA256.hash(data: request.body).map { String(format: "%02x", $0) }.joined())
        let signed = try signer.signHeaders(
            request.signingRequest,
            payload: payload,
            at: try SigningTime(amzDate: "20150830T123600Z"),
            addContentSHA256Header: false
        )
        #expect(signed.canonicalRequest == (try read(base + ".creq")), "\(name): canonical request")
        #expect(signed.stringToSign == (try read(base + ".sts")), "\(name): string to sign")
        #expect(signed.request.header("Authorization") == (try read(base + ".authz")), "\(name): authorization")
    }
}
