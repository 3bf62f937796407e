import Foundation
import LocalLambda
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where the deployment zip is: `UPLOAD_EDGE_LAMBDA_ZIP`, or what `deploy/package.sh` writes by default.
enum DeploymentZip {
    static let path =
        ProcessInfo.processInfo.environment["UPLOAD_EDGE_LAMBDA_ZIP"]
        ?? BuiltProducts.projectRoot + "/dist/upload-edge-lambda.zip"
}

/// The deployment zip, proven to need nothing from the host: unzipped into an otherwise empty directory and run
/// there under chroot, as Lambda runs it from /var/task, serving invocations from the emulator on 127.0.0.1.
@Suite(
    "The deployment package (deploy/package.sh) under chroot",
    .enabled(if: getuid() == 0, "chroot needs root: run the tests as root (CI does) to prove the package"),
    .enabled(
        if: FileManager.default.fileExists(atPath: DeploymentZip.path),
        Comment(rawValue: "no \(DeploymentZip.path): build it with deploy/package.sh (make test does)")
    ),
    .serialized
)
struct DeployPackageTests {
    /// An empty directory with the zip's contents at /var/task, and nothing else.
    func unpack() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ue-chroot-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/var/task", withIntermediateDirectories: true)
        let result = try CommandResult.run(["/usr/bin/unzip", "-q", DeploymentZip.path, "-d", root + "/var/task"])
        try #require(result.status == 0, "unzip: \(result.standardError)")
        return root
    }

    func command(_ root: String, handler: String, environment: [String: String] = [:]) -> RuntimeCommand {
        RuntimeCommand(
            arguments: ["/usr/sbin/chroot", root, "/var/task/bootstrap"],
            environment: environment.merging(["_HANDLER": handler, "LAMBDA_TASK_ROOT": "/var/task"]) { $1 },
            output: .discard
        )
    }

    @Test func holdsOnlyBootstrapAndItsLibraries() throws {
        let root = try unpack()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let top = try FileManager.default.contentsOfDirectory(atPath: root + "/var/task").sorted()
        #expect(top == ["bootstrap", "lib"])
        let libraries = try FileManager.default.contentsOfDirectory(atPath: root + "/var/task/lib")
        #expect(libraries.contains { $0.hasPrefix("ld-linux") }, "the loader travels with the binary")
        #expect(libraries.contains("libc.so.6"))
        #expect(!libraries.contains { $0.hasPrefix("libcurl") }, "libcurl is linked in, HTTP(S) only")
        #expect(!libraries.contains { $0.contains("Foundation") || $0.contains("icu") })
        let interpreter = try CommandResult.run(["/usr/bin/readelf", "-l", root + "/var/task/bootstrap"])
        #expect(interpreter.standardOutput.contains("[Requesting program interpreter: /var/task/lib/ld-linux"))
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/var/task/bootstrap")
        #expect(((attributes[.posixPermissions] as? Int) ?? 0) & 0o111 != 0, "bootstrap must stay executable")
    }

    @Test func servesInvocationsUnderChrootWithNothingFromTheHost() async throws {
        let root = try unpack()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withEmulator(command: command(root, handler: "echo")) { emulator in
            for index in 0..<3 {
                let payload = Array(#"{"n":\#(index),"text":"héllo"}"#.utf8)
                let result = await emulator.invoke(InvocationRequest(payload: payload))
                #expect(result.status == .ok, "\(result.status) \(String(decoding: result.body, as: UTF8.self))")
                #expect(result.body == payload)
            }
        }
        // A handler with real work: decoding, SigV4 and SHA-256 in the packaged binary.
        let environment = [
            "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "UPLOAD_BUCKET": "upload-edge-uploads",
        ]
        try await withEmulator(command: command(root, handler: "presign", environment: environment)) { emulator in
            let event = try ProjectEvents.bytes("apigw-http-v2-presign-post.json")
            let result = await emulator.invoke(InvocationRequest(payload: event))
            let body = String(decoding: result.body, as: UTF8.self)
            #expect(result.status == .ok, "\(body)")
            #expect(body.contains(#""statusCode":200"#), "\(body)")
            #expect(body.contains("x-amz-signature"), "\(body)")
        }
    }

    @Test func reportsAnInitErrorForAnUnknownHandler() async throws {
        let root = try unpack()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withEmulator(command: command(root, handler: "no-such-handler")) { emulator in
            let result = await emulator.invoke(InvocationRequest(payload: Array("{}".utf8)))
            #expect(result.status == .initError)
            #expect(result.error?.errorMessage.contains("no-such-handler") == true)
        }
    }

    @Test func samBuildTargetsPutThePackageInTheArtifactsDirectory() throws {
        for function in ["PresignFunction", "AuthorizeFunction", "PreTokenFunction", "ObjectCreatedFunction"] {
            let artifacts = FileManager.default.temporaryDirectory.appendingPathComponent("ue-sam-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: artifacts) }
            try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
            let result = try CommandResult.run(
                ["/usr/bin/make", "-C", BuiltProducts.projectRoot, "--no-print-directory", "build-\(function)"],
                environment: ["ARTIFACTS_DIR": artifacts]
            )
            try #require(result.status == 0, "make build-\(function): \(result.standardError)")
            let contents = try FileManager.default.contentsOfDirectory(atPath: artifacts).sorted()
            #expect(contents == ["bootstrap", "lib"], "build-\(function)")
        }
    }
}
