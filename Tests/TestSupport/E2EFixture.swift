import Foundation
import Testing

/// Runs `Tests/Scripts/e2e_fixture.py`, which sets up the real services' state (users, buckets, keys) and reads
/// back what landed, and decodes the JSON it prints.
public enum E2EFixture {
    public static func run<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
        let python = try #require(PythonTools.python)
        let result = try CommandResult.run([python, PythonTools.script("e2e_fixture.py")] + arguments)
        try #require(result.status == 0, "e2e_fixture.py \(arguments.first ?? ""): \(result.standardError)")
        return try JSONDecoder().decode(T.self, from: Data(result.standardOutput.utf8))
    }
}

/// What `e2e_fixture.py storage` made: a bucket and a KMS key.
public struct StorageFixture: Decodable, Sendable {
    public var bucket: String
    public var kmsKeyId: String
    public var kmsKeyArn: String
}
