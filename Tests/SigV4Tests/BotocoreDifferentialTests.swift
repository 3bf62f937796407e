import Foundation
import LambdaRuntime
import S3Presigning
import SigV4
import TestSupport
import Testing

/// Our presigned URLs and POST policies against botocore's, for the same inputs, time and credentials: 1,200
/// generated cases (keys with spaces, unicode, every reserved character, `//`; seven regions; five endpoint
/// styles; session tokens; expiries; content types; SSE-KMS; metadata).
@Suite(
    "Differential: botocore",
    .enabled(if: PythonTools.has("botocore"), Comment(rawValue: PythonTools.missing("botocore")))
)
struct BotocoreDifferentialTests {
    static let caseCount = 1_200

    struct Case: Decodable {
        var id: Int
        var operation: String
        var style: String
        var region: String
        var bucket: String
        var key: String
        var expires: Int
        var date: String
        var sessionToken: String?
        var contentType: String?
        var kmsKeyId: String?
        var metadata: [String: String]?
        var minBytes: Int64?
        var maxBytes: Int64?
        var botocore: Output

        struct Output: Decodable {
            var url: String
            var fields: [String: String]?
        }
    }

    static func cases() throws -> [Case] {
        let result = try CommandResult.run(
            [PythonTools.python!, PythonTools.script("botocore_oracle.py"), "generate", "--count", String(caseCount)]
        )
        guard result.status == 0 else { throw TestFailure("the oracle failed: \(result.standardError)") }
        return try result.standardOutput.split(separator: "\n").map {
            try JSONDecoder().decode(Case.self, from: Data($0.utf8))
        }
    }

    private func presigner(_ item: Case) throws -> S3Presigner {
        let credentials = try AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: item.sessionToken
        )
        let endpoint: S3Endpoint
        switch item.style {
        case "virtual": endpoint = try S3Endpoint(region: item.region, style: .virtualHosted)
        case "path": endpoint = try S3Endpoint(region: item.region, style: .pathStyle)
        case "accelerate": endpoint = try S3Endpoint(region: item.region, style: .accelerate(dualStack: false))
        case "accelerate-dualstack": endpoint = try S3Endpoint(region: item.region, style: .accelerate(dualStack: true))
        default: endpoint = try S3Endpoint.custom("http://127.0.0.1:4566", region: item.region)
        }
        return try S3Presigner(credentials: credentials, endpoint: endpoint)
    }

    /// A URL as scheme-and-authority, path, and its sorted query items (order is not part of the contract).
    private func parts(_ url: String) -> (String, String, [String]) {
        let split = url.split(separator: "?", maxSplits: 1).map(String.init)
        let schemeAndRest = split[0].components(separatedBy: "://")
        let slash = schemeAndRest[1].firstIndex(of: "/") ?? schemeAndRest[1].endIndex
        let origin = schemeAndRest[0] + "://" + schemeAndRest[1][..<slash]
        let path = String(schemeAndRest[1][slash...])
        let query = split.count > 1 ? split[1].split(separator: "&").map(String.init).sorted() : []
        return (origin, path, query)
    }

    @Test func presignedPutAndGetURLsEqualBotocoresAndPostPoliciesMatchAndVerify() throws {
        let cases = try Self.cases()
        #expect(cases.count == Self.caseCount)
        var compared = ["put": 0, "get": 0, "post": 0]
        var ourPosts: [String] = []
        for item in cases {
            let time = try SigningTime(amzDate: item.date)
            let presigner = try presigner(item)
            switch item.operation {
            case "put", "get":
                let ours =
                    item.operation == "put"
                    ? try presigner.presignPut(
                        bucket: item.bucket,
                        key: item.key,
                        options: .init(
                            contentType: item.contentType,
                            kmsKeyID: item.kmsKeyId,
                            metadata: item.metadata ?? [:]
                        ),
                        expires: item.expires,
                        at: time
                    )
                    : try presigner.presignGet(bucket: item.bucket, key: item.key, expires: item.expires, at: time)
                let (ourOrigin, ourPath, ourQuery) = parts(ours.url)
                let (theirOrigin, theirPath, theirQuery) = parts(item.botocore.url)
                #expect(ourOrigin == theirOrigin, "case \(item.id) (\(item.style)): host")
                #expect(ourPath == theirPath, "case \(item.id): path for key \(item.key.debugDescription)")
                #expect(ourQuery == theirQuery, "case \(item.id): query and signature")
            default:
                let key: PostPolicy.KeyCondition =
                    item.key.hasSuffix("${filename}")
                    ? .startsWith(String(item.key.dropLast("${filename}".count))) : .exact(item.key)
                let ours = try presigner.presignPost(
                    PostPolicy(
                        bucket: item.bucket,
                        key: key,
                        contentLength: item.maxBytes.map { (item.minBytes ?? 0)...$0 },
                        contentType: item.contentType.map { .exact($0) },
                        kmsKeyID: item.kmsKeyId,
                        metadata: item.metadata ?? [:],
                        expires: item.expires
                    ),
                    at: time
                )
                let theirFields = try #require(item.botocore.fields)
                #expect(ours.url == item.botocore.url, "case \(item.id): form URL")
                var ourFields: [String: String] = [:]
                for field in ours.fields { ourFields[field.name] = field.value }
                let unsigned = { (fields: [String: String]) in
                    fields.filter { $0.key != "policy" && $0.key != "x-amz-signature" }
                }
                #expect(unsigned(ourFields) == unsigned(theirFields), "case \(item.id): fields")
                let ourPolicy = try policy(try #require(ourFields["policy"]))
                let theirPolicy = try policy(try #require(theirFields["policy"]))
                #expect(ourPolicy.expiration == theirPolicy.expiration, "case \(item.id): expiration")
                #expect(ourPolicy.conditions == theirPolicy.conditions, "case \(item.id): conditions")
                let line: [String: Any?] = [
                    "id": item.id, "region": item.region, "date": item.date, "sessionToken": item.sessionToken,
                    "policy": ourFields["policy"], "signature": ourFields["x-amz-signature"],
                ]
                ourPosts.append(
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: line.compactMapValues { $0 }),
                        as: UTF8.self
                    )
                )
            }
            compared[item.operation, default: 0] += 1
        }
        #expect(compared.values.allSatisfy { $0 >= 300 }, "\(compared)")

        // Our POST signatures, checked by botocore's own key derivation and HMAC.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ue-posts-\(UUID().uuidString).jsonl")
        try ourPosts.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let verified = try CommandResult.run([
            PythonTools.python!, PythonTools.script("botocore_oracle.py"), "verify-post", file.path,
        ])
        #expect(verified.status == 0, "\(verified.standardOutput)")
        #expect(verified.standardOutput.contains(#""failed": 0"#))
    }

    /// A policy's expiration and its conditions as a set of canonical JSON texts.
    private func policy(_ base64: String) throws -> (expiration: String, conditions: Set<String>) {
        let document = try #require(Base64.decode(base64))
        let value = try JSONValue(parsing: document)
        guard case .string(let expiration)? = value["expiration"], case .array(let conditions)? = value["conditions"]
        else {
            throw TestFailure("not a policy: \(String(decoding: document, as: UTF8.self))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (expiration, Set(try conditions.map { String(decoding: try encoder.encode($0), as: UTF8.self) }))
    }
}
