import Foundation
import TestSupport
import Testing

/// `upload-edge presign`, run as a user runs it: which endpoint options go together.
@Suite("upload-edge presign")
struct PresignCommandTests {
    private func presign(_ arguments: [String]) throws -> CommandResult {
        try CommandResult.run(
            [BuiltProducts.uploadEdge, "presign", "put", "--bucket", "my-bucket", "--key", "a/b.png"]
                + ["--region", "eu-west-1", "--date", "20261202T060000Z"] + arguments,
            environment: [
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ],
            removing: ["AWS_SESSION_TOKEN"]
        )
    }

    private func url(_ result: CommandResult) throws -> String {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        return try #require(object["url"] as? String)
    }

    @Test func acceptsPathStyleWithACustomEndpointWhichIsPathStyleAlready() throws {
        let both = try presign(["--endpoint", "http://127.0.0.1:4566", "--path-style"])
        #expect(both.status == 0, "\(both.standardError)")
        let alone = try presign(["--endpoint", "http://127.0.0.1:4566"])
        #expect(try url(both).hasPrefix("http://127.0.0.1:4566/my-bucket/a/b.png?"))
        #expect(try url(both) == url(alone))
    }

    @Test(arguments: [["--endpoint", "http://127.0.0.1:4566"], ["--path-style"]])
    func refusesAccelerateWithAnotherEndpointChoice(other: [String]) throws {
        let result = try presign(["--accelerate"] + other)
        #expect(result.status != 0)
        #expect(result.standardError.contains("--accelerate cannot go with \(other[0])"))
    }
}
