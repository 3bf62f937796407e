import Synchronization
import Testing

@testable import SigV4

/// One derived key per credentials, region and service for the whole process: under Lambda Managed Instances every
/// worker has its own presigner, and they share the day's key.
@Suite("SigV4 signing-key cache, shared across workers")
struct SigningKeyCacheTests {
    static let credentials = try! AWSCredentials(accessKeyID: "AKIDSHARED", secretAccessKey: "secret-1")

    @Test func signersOfTheSameCredentialsShareOneCache() throws {
        let first = SigningKeyCache.shared(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        let second = SigningKeyCache.shared(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        #expect(first === second)
        #expect(first !== SigningKeyCache.shared(credentials: Self.credentials, region: "us-east-1", service: "s3"))
        // The same key id with another secret is not the same signer: it must not get the other's key.
        let other = try AWSCredentials(accessKeyID: "AKIDSHARED", secretAccessKey: "secret-2")
        let replaced = SigningKeyCache.shared(credentials: other, region: "eu-west-1", service: "s3")
        #expect(replaced !== first)
        let time = SigningTime(epochSeconds: 1_764_000_000)
        #expect(replaced.key(for: time).key != first.key(for: time).key)
    }

    @Test func workersOnManyThreadsGetTheSameKey() async throws {
        let credentials = try AWSCredentials(accessKeyID: "AKIDTHREADS", secretAccessKey: "secret")
        let time = SigningTime(epochSeconds: 1_764_000_000)
        let expected = SigningKeyCache(credentials: credentials, region: "eu-west-1", service: "s3").key(for: time)
        let scopes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let signer = try! SigV4Signer(credentials: credentials, region: "eu-west-1", service: "s3")
                    _ = signer.credentialScope(at: time)
                    let cache = SigningKeyCache.shared(credentials: credentials, region: "eu-west-1", service: "s3")
                    return cache.key(for: time).key == expected.key
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(scopes == Array(repeating: true, count: 8))
    }
}
