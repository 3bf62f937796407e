import ArgumentParser
import CognitoAuth
import CurlHTTP
import Foundation
import LocalLambda
import LocalServe
import NIOPosix
import SigV4

#if canImport(Glibc)
import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The whole upload flow on this machine: the page, the API, Cognito, S3 and the validator.",
        discussion: """
            Starts, on 127.0.0.1 only: LocalStack (S3, SQS, KMS; or moto with --s3 moto) and moto_server (Cognito), with a bucket, a queue \
            for its ObjectCreated notifications, a user pool, an app client and a dev user; the real bootstrap under \
            the Runtime API emulator for presign and object-created; an HTTP API emulator serving the page at / and \
            the API at /api/ behind a JWT authorizer; an SQS event source mapping that feeds object-created; and ClamAV \
            standing in for GuardDuty Malware Protection: it scans each new object with the signatures in --clamav-db, \
            tags it GuardDutyMalwareScanStatus and sends object-created GuardDuty's scan result event. \
            Installs what is missing on first use (Python venvs: a few minutes once). Ctrl-C stops everything. \
            Run it from the project's root.
            """
    )

    enum S3Emulator: String, ExpressibleByArgument, CaseIterable {
        case localstack
        case moto
    }

    @Option(
        help: """
            The S3 (and SQS, KMS) to run: localstack checks presigned signatures and POST policies strictly; moto             is lighter (no Python 3.13 needed) and checks them less.
            """
    )
    var s3: S3Emulator = .localstack

    @Option(help: "The port of the page and the API.")
    var port = 8080

    @Option(help: "The largest upload for the dev user, in bytes.")
    var maxBytes = 10_485_760

    @Option(help: "Files of this many bytes or more go up in parts (UPLOAD_MULTIPART_THRESHOLD).")
    var multipartThreshold = 64 * 1_048_576

    @Option(help: "The part size of multipart uploads, in bytes: 5 MiB (5242880) or more (UPLOAD_PART_BYTES).")
    var partBytes = 8 * 1_048_576

    @Option(help: "The bootstrap to run (default: the one built beside upload-edge).")
    var bootstrap: String?

    @Option(help: "The site directory to serve.")
    var site = "deploy/site"

    @Option(
        help: """
            The ClamAV signature databases the GuardDuty stand-in scans with: the project's (EICAR and a few rules, \
            see its README.md), or a directory freshclam filled on a connected machine.
            """
    )
    var clamavDb = "deploy/local/clamav"

    @Flag(help: "No malware scan: object-created does not wait for a verdict (SCAN_REQUIRED=false).")
    var noScan = false

    @Flag(help: "Send upload bytes straight to the S3, not through this server's /upload (as CloudFront would).")
    var directUploads = false

    @Flag(help: "Print the runtimes' log lines too.")
    var verbose = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: "Package.swift"),
            FileManager.default.fileExists(atPath: "Tests/Scripts/services.sh")
        else {
            throw ValidationError("run upload-edge serve from the project's root (where Package.swift is)")
        }
        guard FileManager.default.fileExists(atPath: site + "/index.html") else {
            throw ValidationError("\(site)/index.html does not exist; pass the page's directory with --site")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        guard (5 * 1_048_576...5 * 1_073_741_824).contains(partBytes) else {
            throw ValidationError("--part-bytes must be 5242880 (5 MiB, S3's smallest part) to 5368709120 (5 GiB)")
        }
        guard multipartThreshold >= 1 else { throw ValidationError("--multipart-threshold must be at least 1") }
        var isDirectory: ObjCBool = false
        guard
            noScan
                || (FileManager.default.fileExists(atPath: clamavDb, isDirectory: &isDirectory)
                    && isDirectory.boolValue)
        else {
            throw ValidationError("--clamav-db \(clamavDb) is not a directory of ClamAV signatures; or pass --no-scan")
        }
    }

    func run() async throws {
        let bootstrapPath = try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap")
        let origin = "http://127.0.0.1:\(port)"
        step("checking the Python tools (the first run creates .build-venv: a minute or two)")
        try shell(["make", "--no-print-directory", "-s", "test-deps"])
        if !noScan {
            // make test-deps installs clamav on Debian; elsewhere it has to be there already.
            step("checking ClamAV and the signatures in \(clamavDb)")
            do {
                try MalwareScanStandIn.check(databaseDirectory: clamavDb)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        // Services already running (make test's, say) are used and left running; those started here are stopped.
        let alreadyRunning =
            (s3 == .moto || Self.answers("http://127.0.0.1:4566/_localstack/health"))
            && Self.answers("http://127.0.0.1:5000/moto-api/")
        if s3 == .moto {
            step("starting moto_server (S3, SQS, KMS, Cognito)")
            try shell(["Tests/Scripts/services.sh", "start", "moto"])
        } else {
            step("starting LocalStack and moto_server (the first run builds LocalStack's venv: about a minute)")
            try shell(["Tests/Scripts/services.sh", "start"])
        }
        var services = !alreadyRunning
        func stopServices() {
            if services {
                services = false
                step("stopping LocalStack and moto_server")
                try? shell(["Tests/Scripts/services.sh", "stop"])
            }
        }
        do {
            try await serve(bootstrapPath: bootstrapPath, origin: origin)
        } catch {
            stopServices()
            throw error
        }
        stopServices()
    }

    func serve(bootstrapPath: String, origin: String) async throws {
        let python = FileManager.default.currentDirectoryPath + "/.build-venv/bin/python"
        let moto = ProcessInfo.processInfo.environment["UPLOAD_EDGE_MOTO"] ?? "http://127.0.0.1:5000"
        let localStack =
            s3 == .moto
            ? moto : ProcessInfo.processInfo.environment["UPLOAD_EDGE_LOCALSTACK"] ?? "http://127.0.0.1:4566"
        step("creating the bucket, queue, KMS key, user pool and dev user")
        let setupOutput = try capture([
            python, "deploy/local/setup.py", "--s3", localStack, "--cognito", moto, "--origin", origin,
        ])
        // The JSON is the last line; warnings on standard error come before it.
        let json = setupOutput.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        guard let setup = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else {
            throw ValidationError("deploy/local/setup.py printed no JSON: \(setupOutput.prefix(300))")
        }
        func value(_ name: String) -> String { setup[name] ?? "" }

        var environment: [String: String] = [
            "AWS_REGION": value("region"), "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "UPLOAD_BUCKET": value("bucket"), "UPLOAD_KMS_KEY_ID": value("kmsKeyArn"),
            "UPLOAD_MAX_BYTES": String(maxBytes), "S3_ENDPOINT": localStack, "CORS_ALLOW_ORIGIN": origin,
            "COGNITO_USER_POOL_ID": value("userPoolId"), "COGNITO_CLIENT_IDS": value("clientId"),
            "COGNITO_ISSUER": value("issuer"), "COGNITO_JWKS_URL": value("jwksURL"),
            "AWS_LAMBDA_LOG_FORMAT": "JSON", "REJECT_ACTION": "quarantine",
            // Uploads go through this origin's /upload, as they go through CloudFront's in AWS.
            "UPLOAD_PUBLIC_ENDPOINT": directUploads ? "" : origin + HTTPAPIGateway.uploadPath,
            "UPLOAD_MULTIPART_THRESHOLD": String(multipartThreshold), "UPLOAD_PART_BYTES": String(partBytes),
            // A fresh session key each run: sessions of an earlier run are refused, as after a rotation.
            "UPLOAD_SESSION_KEY": Self.randomKey(),
            // With the stand-in, uploads stay pending until its verdict, as with GuardDuty in AWS.
            "SCAN_REQUIRED": noScan ? "false" : "true",
        ]
        if s3 == .moto {
            // moto does not apply SSE from a POST form's fields, so with it uploads go unencrypted and the
            // validator does not ask for SSE-KMS.
            environment["UPLOAD_KMS_KEY_ID"] = nil
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        func runtime(_ handler: String) async throws -> RuntimeAPIEmulator {
            var configuration = EmulatorConfiguration()
            configuration.port = 0
            configuration.timeoutSeconds = 30
            configuration.functionName = "upload-edge-\(handler)"
            configuration.region = value("region")
            let emulator = RuntimeAPIEmulator(
                configuration: configuration,
                command: RuntimeCommand(
                    arguments: [bootstrapPath],
                    environment: environment.merging(["_HANDLER": handler]) { $1 },
                    output: verbose ? .inherit : .discard
                ),
                eventLoop: group.next()
            )
            try await emulator.start()
            return emulator
        }
        step("starting presign and object-created (the real bootstrap, under the Runtime API emulator)")
        let presign = try await runtime("presign")
        let objectCreated = try await runtime("object-created")
        let verifier = CognitoJWTVerifier(
            configuration: CognitoVerifierConfiguration(
                issuer: value("issuer"),
                jwksURL: value("jwksURL"),
                clientIDs: [value("clientId")],
                tokenUse: .any
            )
        )
        let gateway = HTTPAPIGateway(
            siteDirectory: site,
            pageConfiguration: [
                "region": value("region"), "userPoolId": value("userPoolId"), "clientId": value("clientId"),
                "cognitoEndpoint": "/cognito", "apiBase": "/api",
            ],
            cognitoEndpoint: moto,
            verifier: verifier,
            presign: presign,
            uploadOrigin: localStack
        )
        let server: HTTPAPIServer
        do {
            // A form upload (under the threshold) or one part, held in memory on its way through /upload.
            let maxUploadBytes = max(partBytes, min(maxBytes, multipartThreshold)) + 1_048_576
            server = try await HTTPAPIServer(gateway: gateway, port: port, group: group, maxUploadBytes: maxUploadBytes)
        } catch {
            throw ValidationError("cannot listen on 127.0.0.1:\(port): \(error); pick another with --port")
        }
        let log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data("    \(line)\n".utf8)) }
        var scanner: MalwareScanStandIn?
        if !noScan {
            let standIn = MalwareScanStandIn(
                configuration: .init(
                    s3Endpoint: localStack,
                    region: value("region"),
                    credentials: try AWSCredentials(accessKeyID: "test", secretAccessKey: "test"),
                    databaseDirectory: clamavDb
                ),
                function: objectCreated,
                log: log
            )
            standIn.start()
            scanner = standIn
        }
        var onObjectCreated: (@Sendable ([SQSEventSourceMapping.CreatedObject]) -> Void)?
        if let scanner { onObjectCreated = { objects in scanner.enqueue(objects) } }
        let mapping = try SQSEventSourceMapping(
            endpoint: localStack,
            queueURL: value("queueUrl"),
            queueARN: value("queueArn"),
            region: value("region"),
            credentials: try AWSCredentials(accessKeyID: "test", secretAccessKey: "test"),
            function: objectCreated,
            log: log,
            onObjectCreated: onObjectCreated
        )
        mapping.start()

        let scanLine =
            noScan
            ? "No malware scan (--no-scan): uploads are judged without a verdict (SCAN_REQUIRED=false)."
            : "ClamAV stands in for GuardDuty Malware Protection, with the signatures in \(clamavDb)."
        // Written straight to the descriptor, unbuffered: scripts wait for these lines.
        FileHandle.standardOutput.write(
            Data(
                """

                UploadEdge is running on this machine. Open:

                    \(origin)/

                Sign in as:   \(value("username"))
                Password:     \(value("password"))

                Stand-ins: \(s3 == .moto ? "moto" : "LocalStack") S3 \(localStack) (bucket \(value("bucket"))), SQS queue \(value("queueUrl")),
                moto Cognito \(moto) (pool \(value("userPoolId"))), API \(origin)/api/uploads, uploads through \(directUploads ? localStack : origin + "/upload").
                Multipart from \(multipartThreshold) bytes, in parts of \(partBytes).
                \(scanLine)
                Press Ctrl-C to stop everything.

                """.utf8
            )
        )

        await waitForInterrupt()
        step("shutting down")
        mapping.stop()
        scanner?.stop()
        await server.close()
        await presign.shutdown()
        await objectCreated.shutdown()
        try? await group.shutdownGracefully()
    }

    /// 64 random letters and digits.
    static func randomKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<64).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    static func answers(_ url: String) -> Bool {
        guard let client = try? CurlHTTPClient() else { return false }
        return (try? client.send("GET", url, timeoutMilliseconds: 1_000))?.status == 200
    }

    func step(_ text: String) {
        FileHandle.standardError.write(Data("==> \(text)\n".utf8))
    }

    /// Runs a command with the terminal as its output.
    func shell(_ arguments: [String]) throws {
        let child = try ChildProcess.spawn(
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment,
            output: .inherit
        )
        let end = child.waitForTermination()
        guard end == .exited(0) else {
            throw ValidationError("\(arguments.joined(separator: " ")) failed: \(end)")
        }
    }

    /// Runs a command and returns what it printed (standard output and error together).
    func capture(_ arguments: [String]) throws -> String {
        let child = try ChildProcess.spawn(
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment,
            output: .pipe
        )
        var output: [UInt8] = []
        if let descriptor = child.outputDescriptor {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                output += buffer[0..<count]
            }
            close(descriptor)
        }
        let text = String(decoding: output, as: UTF8.self)
        let end = child.waitForTermination()
        guard end == .exited(0) else {
            throw ValidationError("\(arguments.prefix(2).joined(separator: " ")) failed: \(end)\n\(text)")
        }
        return text
    }

    /// Returns on SIGINT or SIGTERM.
    func waitForInterrupt() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for number in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }
}

/// True once.
final class OnceFlag: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var done = false

    func claim() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    static func keep(_ source: any DispatchSourceSignal) { sources.append(source) }
}
