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
            // What the runtime prints stays in the test log: a crash under chroot says why there.
            output: .inherit
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
        #expect(!libraries.contains { $0.hasPrefix("libssl") || $0.hasPrefix("libcrypto") }, "OpenSSL is linked in")
        // libstdc++ and zlib come from their static archives (make lambda's STATIC_LIBS): glibc's loader, libc, libm
        // and libgcc_s (the unwinder) are all the zip carries.
        #expect(
            libraries.filter { !$0.hasPrefix("ld-linux") }.sorted() == ["libc.so.6", "libgcc_s.so.1", "libm.so.6"],
            "\(libraries.sorted())"
        )
        #expect(!libraries.contains { $0.contains("Foundation") || $0.contains("icu") })
        let interpreter = try CommandResult.run(["/usr/bin/readelf", "-l", root + "/var/task/bootstrap"])
        #expect(interpreter.standardOutput.contains("[Requesting program interpreter: /var/task/lib/ld-linux"))
        // Hardened as a distribution builds it: position-independent, relocations read-only after start (RELRO)
        // and bound at start (BIND_NOW), so neither the GOT nor relocated data can be overwritten later.
        #expect(interpreter.standardOutput.contains("GNU_RELRO"), "bootstrap must keep RELRO")
        let dynamic = try CommandResult.run(["/usr/bin/readelf", "-d", root + "/var/task/bootstrap"]).standardOutput
        #expect(dynamic.contains("BIND_NOW") && dynamic.contains("PIE"), "\(dynamic)")
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

    /// The packaged libcurl and OpenSSL speak TLS, and trust what Amazon Linux trusts: the authorizer fetches its
    /// JWKS over HTTPS from a server whose authority is only in the chroot's `/etc/pki/tls/certs/ca-bundle.crt`,
    /// where `provided.al2` and `provided.al2023` keep the bundle (and with /proc, which Lambda mounts too). With an unrelated authority there instead, the
    /// same fetch is refused, and the error says it was the certificate.
    @Test(.enabled(if: PythonTools.has("cryptography"), Comment(rawValue: PythonTools.missing("cryptography"))))
    func fetchesTheJWKSOverHTTPSTrustingAmazonLinuxsCABundle() async throws {
        let key = try TestSigningKey(kid: "https-\(UUID().uuidString.prefix(8))")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ue-https-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data(try TestJWT.jwks([try key.jwk()])).write(to: URL(fileURLWithPath: work + "/jwks.json"))
        let server = try HTTPSFileServer(file: work + "/jwks.json", directory: work)
        defer { server.stop() }

        var event = try #require(
            try JSONSerialization.jsonObject(with: Data(try ProjectEvents.bytes("authorizer-http-v2-request.json")))
                as? [String: Any]
        )
        event["identitySource"] = ["Bearer " + (try key.token(TestJWT.idClaims(now: TestJWT.now)))]
        let payload = Array(try JSONSerialization.data(withJSONObject: event))
        let environment = [
            "AWS_REGION": TestJWT.region, "COGNITO_ISSUER": TestJWT.issuer, "COGNITO_CLIENT_IDS": TestJWT.clientID,
            "COGNITO_JWKS_URL": "https://127.0.0.1:\(server.port)/jwks.json",
            // Lambda sets neither; a developer's shell often does, naming a host path the chroot lacks.
            "SSL_CERT_FILE": "", "SSL_CERT_DIR": "",
        ]

        let root = try unpack()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Lambda gives every function /proc, and the package is tested as it runs there: the dispatch thread pool
        // behind Swift tasks reads /proc/<tid>/stat when a worker stays busy, and without /proc it traps ("workq:
        // registered worker exited prematurely", SIGILL; seen here 1 run in 40, when jwt-kit parsed keys in a task).
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        let mounted = try CommandResult.run(["/bin/mount", "-t", "proc", "proc", root + "/proc"])
        try #require(mounted.status == 0, "mount -t proc: \(mounted.standardError)")
        defer { _ = try? CommandResult.run(["/bin/umount", "-l", root + "/proc"]) }
        let bundle = root + "/etc/pki/tls/certs/ca-bundle.crt"
        try FileManager.default.createDirectory(
            atPath: (bundle as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try FileManager.default.copyItem(atPath: server.authority, toPath: bundle)
        try await withEmulator(command: command(root, handler: "authorize", environment: environment)) { emulator in
            let result = await emulator.invoke(InvocationRequest(payload: payload))
            let body = String(decoding: result.body, as: UTF8.self)
            #expect(result.status == .ok, "\(body)")
            #expect(body.contains(#""isAuthorized":true"#), "\(body)")
        }

        try FileManager.default.removeItem(atPath: bundle)
        try FileManager.default.copyItem(atPath: server.otherAuthority, toPath: bundle)
        try await withEmulator(command: command(root, handler: "authorize", environment: environment)) { emulator in
            let result = await emulator.invoke(InvocationRequest(payload: payload))
            #expect(result.status != .ok, "a server the bundle does not vouch for must not be trusted")
            let message = result.error?.errorMessage ?? String(decoding: result.body, as: UTF8.self)
            #expect(message.lowercased().contains("certificate"), "\(message)")
        }
        // The first runtime got the keys from this server; the second never got past the handshake.
        #expect(server.requests().filter { $0.hasPrefix("GET ") } == ["GET /jwks.json"])
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

/// `Tests/Scripts/https_file_server.py`: one file over HTTPS on 127.0.0.1, with a certificate from an authority
/// made for this run (`authority`, a PEM file) and a second, unrelated authority (`otherAuthority`).
final class HTTPSFileServer: @unchecked Sendable {  // The process and pipes are only touched by the test's thread.
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let port: Int
    let authority: String
    let otherAuthority: String
    private var printed = ""

    init(file: String, directory: String) throws {
        authority = directory + "/authority.pem"
        otherAuthority = directory + "/other-authority.pem"
        process.executableURL = URL(fileURLWithPath: try #require(PythonTools.python))
        process.arguments = [PythonTools.script("https_file_server.py"), file, authority, otherAuthority]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !printed.contains("\n") && process.isRunning && Date() < deadline {
            printed += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        let ready = printed.split(separator: "\n").first { $0.hasPrefix("ready ") }
        port = try #require(ready.flatMap { Int($0.dropFirst(6)) }, "https_file_server.py printed: \(printed)")
    }

    /// Stops the server: what it printed, one "GET PATH" line per request it answered.
    func requests() -> [String] {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        printed += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return printed.split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
