import Foundation
import TestSupport
import Testing

/// `upload-edge upload` as a user runs it, against `upload-edge serve` (the real presign function, moto Cognito,
/// LocalStack S3): one PUT, a multipart upload killed half-way and resumed, and what S3 holds afterwards.
@Suite(
    "upload-edge upload against upload-edge serve",
    .enabled(if: TestServices.localStack != nil, Comment(rawValue: TestServices.localStackMissing)),
    .enabled(if: TestServices.moto != nil, Comment(rawValue: TestServices.motoMissing)),
    .enabled(if: PythonTools.has("boto3"), Comment(rawValue: PythonTools.missing("boto3"))),
    .serialized
)
final class UploadCommandEndToEndTests {
    /// Away from serve's default 8080 and the ports developers use (8093, 8097).
    let port = 18_000 + Int(getpid() % 1_000)
    let serve = Process()
    let directory: String
    var banner = ""

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-upload-e2e-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        serve.executableURL = URL(fileURLWithPath: BuiltProducts.uploadEdge)
        serve.arguments = [
            "serve", "--port", String(port), "--max-bytes", "104857600", "--multipart-threshold", "8388608",
            "--part-bytes", "5242880",
        ]
        serve.currentDirectoryURL = URL(fileURLWithPath: BuiltProducts.projectRoot)
        let output = Pipe()
        serve.standardOutput = output
        serve.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try serve.run()
        let deadline = Date().addingTimeInterval(240)
        while !banner.contains("Press Ctrl-C") && serve.isRunning && Date() < deadline {
            banner += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
    }

    deinit {
        serve.interrupt()
        serve.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func field(_ label: String) throws -> String {
        let line = try #require(banner.split(separator: "\n").first { $0.hasPrefix(label) }, "serve printed: \(banner)")
        return line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
    }

    /// The dev user's ID token, from the page's /cognito endpoint.
    func signIn() throws -> String {
        let config = try TestHTTP.request(port: port, method: "GET", path: "/config.json")
        let page = try #require(try JSONSerialization.jsonObject(with: Data(config.body)) as? [String: Any])
        let request: [String: Any] = [
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": try #require(page["clientId"] as? String),
            "AuthParameters": ["USERNAME": try field("Sign in as:"), "PASSWORD": try field("Password:")],
        ]
        let answer = try TestHTTP.request(
            port: port,
            method: "POST",
            path: "/cognito",
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth"),
            ],
            body: Array(try JSONSerialization.data(withJSONObject: request))
        )
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        let result = try #require(object["AuthenticationResult"] as? [String: Any], "\(answer.text)")
        return try #require(result["IdToken"] as? String)
    }

    /// A PNG signature, then pseudo-random bytes.
    func file(_ name: String, size: Int) throws -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += (8..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func line(_ result: CommandResult) throws -> [String: Any] {
        let last = try #require(result.standardOutput.split(separator: "\n").last, "\(result.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    var api: String { "http://127.0.0.1:\(port)/api" }

    @Test func uploadsOnePutAndResumesAMultipartUploadKilledHalfWay() throws {
        try #require(banner.contains("Press Ctrl-C"), "upload-edge serve did not start: \(banner)")
        let token = try signIn()
        let small = try file("small.png", size: 200_000)
        let one = try CommandResult.run(
            [BuiltProducts.uploadEdge, "upload", small, "--api", api],
            environment: ["UPLOAD_EDGE_TOKEN": token]
        )
        #expect(one.status == 0, "\(one.standardError)")
        let put = try line(one)
        #expect(put["size"] as? Int == 200_000)
        #expect((put["etag"] as? String)?.contains("-") == false)

        // 100 MiB in 20 parts of 5 MiB, one at a time, killed (SIGKILL: a crash) once the first part is up.
        let size = 100 * 1_048_576
        let big = try file("big.png", size: size)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: BuiltProducts.uploadEdge)
        first.arguments = ["upload", big, "--api", api, "--concurrency", "1"]
        first.environment = ProcessInfo.processInfo.environment.merging(["UPLOAD_EDGE_TOKEN": token]) { $1 }
        let progress = Pipe()
        first.standardError = progress
        first.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try first.run()
        var seen = ""
        while first.isRunning && !seen.contains("MiB/s  ETA") {
            seen += String(decoding: progress.fileHandleForReading.availableData, as: UTF8.self)
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let state = big + ".upload-edge-state.json"
        try #require(FileManager.default.fileExists(atPath: state), "the first run ended before the kill: \(seen)")

        let second = try CommandResult.run(
            [BuiltProducts.uploadEdge, "upload", big, "--api", api, "--concurrency", "4"],
            environment: ["UPLOAD_EDGE_TOKEN": token]
        )
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("big.png: resuming, "))
        #expect(!second.standardError.contains("resuming, 0 of"), "\(second.standardError)")
        let object = try line(second)
        #expect(object["size"] as? Int == size)
        #expect((object["etag"] as? String)?.hasSuffix("-20\"") == true, "\(object)")
        #expect(!FileManager.default.fileExists(atPath: state))

        let range = try #require(banner.range(of: #"\(bucket [^)]+"#, options: .regularExpression))
        let bucket = String(banner[range].dropFirst("(bucket ".count))
        let key = try #require(object["key"] as? String)
        // object-created may have moved it to quarantine/ by now (random bytes are no real PNG): either will do,
        // with all its bytes.
        var stored = StoredObject(exists: false)
        for _ in 0..<20 where !stored.exists {
            for candidate in [key, "quarantine/" + key] where !stored.exists {
                stored = try E2EFixture.run(
                    StoredObject.self,
                    ["head", "--endpoint", TestServices.localStack ?? "", "--bucket", bucket, "--key", candidate]
                )
            }
            if !stored.exists { Thread.sleep(forTimeInterval: 0.5) }
        }
        #expect(stored.exists)
        #expect(stored.size == size)
        #expect(stored.contentType == "image/png")
    }

    struct StoredObject: Decodable {
        var exists: Bool
        var size: Int?
        var contentType: String?
    }
}
