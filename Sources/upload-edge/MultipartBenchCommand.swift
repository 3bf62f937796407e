import ArgumentParser
import Benchmarks
import CurlHTTP
import Foundation

struct MultipartBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multipart",
        abstract: "upload-edge upload against aws s3 cp on a large file, and presigned part URLs per second.",
        discussion: """
            Starts upload-edge serve on --port (LocalStack S3 on loopback), signs in as its dev user, writes a \
            file of random bytes behind a PNG signature, and uploads it in turns with `upload-edge upload` (the \
            API, SHA-256 per part, parts straight to LocalStack as awscli's go, or through serve's /upload proxy \
            with --through-site) and `aws s3 cp` (straight to LocalStack with static keys), both with the same part size and concurrency (awscli's through an \
            AWS_CONFIG_FILE in a temporary directory). Reports each one's MB/s (10^6 bytes per second, wall clock \
            of the whole command, process start included) and their ratio. Then times presignUploadPart with \
            Content-Length and x-amz-checksum-sha256 signed in, as the API signs parts. Run it from the project's \
            root; make bench installs awscli into .build-bench-venv.
            """
    )

    @Option(help: "The size of the file, in MiB.")
    var sizeMib = 256

    @Option(help: "The part size of both clients, in MiB (5 or more).")
    var partMib = 8

    @Option(help: "Parts in flight at once, for both clients.")
    var concurrency = 4

    @Option(help: "Uploads per client; the median is reported.")
    var rounds = 3

    @Option(help: "The port for upload-edge serve (not 8080, which a developer's serve may hold).")
    var port = 8097

    @Option(help: "The bootstrap serve runs (default: the one built beside upload-edge).")
    var bootstrap: String?

    @Option(help: "The aws command (awscli).")
    var aws = ".build-bench-venv/bin/aws"

    @Option(help: "Seconds to time part URL signing.")
    var signingSeconds: Double = 2

    @Flag(
        help: """
            Send our parts through serve's /upload (as CloudFront would in AWS) instead of straight to LocalStack, \
            where aws s3 cp sends its own.
            """
    )
    var throughSite = false

    @Option(help: "Seconds to wait after each upload, so the validator's work on it does not overlap the next.")
    var settleSeconds: Double = 5

    func validate() throws {
        guard sizeMib >= 1, partMib >= 5, concurrency >= 1, rounds >= 1 else {
            throw ValidationError("--size-mib and --rounds must be positive, --part-mib at least 5, --concurrency 1+")
        }
        guard FileManager.default.isExecutableFile(atPath: aws) else {
            throw ValidationError(
                "no awscli at \(aws): run `make bench` (it installs awscli into .build-bench-venv), or pass --aws"
            )
        }
        guard FileManager.default.fileExists(atPath: "Tests/Scripts/services.sh") else {
            throw ValidationError("run upload-edge bench multipart from the project's root (where Package.swift is)")
        }
    }

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data("  \($0)\n".utf8)) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ue-bench-multipart-\(getpid())")
            .path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let size = sizeMib * 1_048_576
        let partBytes = partMib * 1_048_576
        let file = scratch + "/bench.png"
        log("writing \(sizeMib) MiB of random bytes behind a PNG signature to \(file)")
        try Self.writeRandomFile(file, size: size)

        log("starting upload-edge serve on port \(port) (its log: \(scratch)/serve.log)")
        let serve = try BenchServe.start(
            port: port,
            arguments: [
                "--bootstrap", try SiblingExecutable.resolve(bootstrap, name: "bootstrap", product: "bootstrap"),
                "--max-bytes", String(size + 1_048_576), "--multipart-threshold", String(partBytes),
                "--part-bytes", String(partBytes),
            ] + (throughSite ? [] : ["--direct-uploads"]),
            log: scratch + "/serve.log"
        )
        defer { serve.stop() }
        let token = try serve.signIn()
        let api = "http://127.0.0.1:\(port)/api"

        let config = scratch + "/aws-config"
        try """
        [default]
        region = \(serve.region)
        s3 =
            multipart_threshold = \(partBytes)
            multipart_chunksize = \(partBytes)
            max_concurrent_requests = \(concurrency)

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let awsEnvironment = [
            "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": scratch + "/no-credentials",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        ]
        let uploadEdge = SiblingExecutable.path("upload-edge")
        // object-created validates both uploads (their keys are under uploads/) and may move them to quarantine/.
        let cleanup: (String) -> Void = { key in
            for object in [key, "quarantine/" + key] {
                _ = try? Timed.run(
                    [
                        aws, "s3", "rm", "s3://\(serve.bucket)/\(object)", "--endpoint-url", serve.s3,
                        "--only-show-errors",
                    ],
                    environment: awsEnvironment
                )
            }
        }

        // Three subjects: ours (SHA-256 per part, as the API signs it), awscli as it comes (botocore's default
        // CRC32 per part) and awscli asked for SHA-256 too, so S3 does the same checking work for both.
        let subjects = ["upload-edge", "awscli", "awscli-sha256"]
        var figures: [String: [Double]] = [:]
        for round in 1...rounds {
            // Rotate who goes first, so none always meets a warmer (or busier) LocalStack.
            let offset = (round - 1) % subjects.count
            for subject in subjects[offset...] + subjects[..<offset] {
                let key: String
                let result: Timed.Result
                if subject == "upload-edge" {
                    result = try Timed.run(
                        [
                            uploadEdge, "upload", file, "--api", api, "--concurrency", String(concurrency),
                            "--state-dir", scratch, "--quiet",
                        ],
                        environment: ["UPLOAD_EDGE_TOKEN": token]
                    )
                    guard result.status == 0, let line = result.output.split(separator: "\n").last,
                        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                        (object["size"] as? Int) == size, let uploaded = object["key"] as? String
                    else {
                        throw ValidationError(
                            "upload-edge upload failed (\(result.status)): \(result.output.suffix(500))"
                        )
                    }
                    key = uploaded
                } else {
                    key = "uploads/bench-awscli/\(UUID().uuidString).png"
                    let checksum = subject == "awscli-sha256" ? ["--checksum-algorithm", "SHA256"] : []
                    result = try Timed.run(
                        [
                            aws, "s3", "cp", file, "s3://\(serve.bucket)/\(key)", "--endpoint-url", serve.s3,
                            "--only-show-errors", "--no-progress",
                        ] + checksum,
                        environment: awsEnvironment
                    )
                    guard result.status == 0 else {
                        throw ValidationError("aws s3 cp failed (\(result.status)): \(result.output.suffix(500))")
                    }
                }
                let rate = Double(size) / result.seconds / 1e6
                figures[subject, default: []].append(rate)
                log("round \(round): \(subject) " + String(format: "%.2f s, %.1f MB/s", result.seconds, rate))
                Thread.sleep(forTimeInterval: settleSeconds)
                cleanup(key)
            }
        }
        let ours = figures["upload-edge"] ?? []
        let theirs = figures["awscli"] ?? []
        let theirsSHA256 = figures["awscli-sha256"] ?? []
        let ourStart = try Timed.median(3) { try Timed.run([uploadEdge, "upload", "--help"]).seconds }
        let theirStart = try Timed.median(3) { try Timed.run([aws, "--version"], environment: awsEnvironment).seconds }
        let awsVersion = (try? Timed.run([aws, "--version"], environment: awsEnvironment).output) ?? ""
        serve.stop()

        log("timing presignUploadPart for \(signingSeconds) s")
        let signing = try MultipartSigningBenchmark(seconds: signingSeconds).measure()

        let oursMedian = Timed.median(ours)
        let theirsMedian = Timed.median(theirs)
        let ratio = oursMedian / theirsMedian
        print(
            "Multipart upload of \(sizeMib) MiB (random bytes behind a PNG signature), parts of \(partMib) MiB, "
                + "\(concurrency) at a time, to LocalStack on loopback; median of \(rounds), wall clock:\n"
        )
        print("client                                   MB/s (median)   runs")
        print("---------------------------------------  --------------  ------------------------")
        print(
            Self.row(
                throughSite ? "upload-edge upload (API, /upload proxy)" : "upload-edge upload (API, parts direct)",
                oursMedian,
                ours
            )
        )
        let version = awsVersion.split(separator: " ").first.map(String.init).orEmpty
        print(Self.row("aws s3 cp (\(version), CRC32)", theirsMedian, theirs))
        print(Self.row("aws s3 cp --checksum-algorithm SHA256", Timed.median(theirsSHA256), theirsSHA256))
        // The same runs with each command's own start-up (Python's imports, for awscli) taken out.
        let oursNet = Double(size) / (Double(size) / oursMedian / 1e6 - ourStart) / 1e6
        let theirsNet = Double(size) / (Double(size) / theirsMedian / 1e6 - theirStart) / 1e6
        print(
            String(
                format: "\nratio upload-edge / awscli: %.2fx (%.2fx with process start taken out: %.1f vs %.1f MB/s); "
                    + "against awscli with SHA-256: %.2fx",
                ratio,
                oursNet / theirsNet,
                oursNet,
                theirsNet,
                oursMedian / Timed.median(theirsSHA256)
            )
        )
        print(
            String(
                format: "process start (median of 3): upload-edge %.0f ms, aws %.0f ms (included above)",
                ourStart * 1000,
                theirStart * 1000
            )
        )
        print(
            String(
                format: "signing part URLs (presignUploadPart, Content-Length and checksum signed): %.2f µs per part, "
                    + "%.0f/s, median of %d batches of 100",
                signing.microsecondsPerPart,
                signing.partsPerSecond,
                signing.parts / 100
            )
        )
        print("\nGoals:")
        print(
            "  [\(ratio >= 1 ? "met" : "MISSED")] upload-edge at least awscli's MB/s: "
                + String(format: "%.1f vs %.1f MB/s (%.2fx)", oursMedian, theirsMedian, ratio)
        )
        print(
            "  [\(signing.microsecondsPerPart <= 10 ? "met" : "MISSED")] signing <= 10 µs per part URL: "
                + String(format: "%.2f µs", signing.microsecondsPerPart)
        )
    }

    static func row(_ name: String, _ median: Double, _ runs: [Double]) -> String {
        name.padding(toLength: 39, withPad: " ", startingAt: 0) + String(format: "  %14.1f  ", median)
            + runs.map { String(format: "%.1f", $0) }.joined(separator: ", ")
    }

    /// `size` bytes: the 8-byte PNG signature, then /dev/urandom, written 1 MiB at a time.
    static func writeRandomFile(_ path: String, size: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let output = FileHandle(forWritingAtPath: path), let random = FileHandle(forReadingAtPath: "/dev/urandom")
        else { throw ValidationError("cannot write \(path)") }
        defer {
            try? output.close()
            try? random.close()
        }
        var written = 0
        var first = true
        while written < size {
            var chunk = try random.read(upToCount: min(1_048_576, size - written)) ?? Data()
            if first {
                chunk.replaceSubrange(0..<8, with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                first = false
            }
            try output.write(contentsOf: chunk)
            written += chunk.count
        }
    }
}

extension Optional where Wrapped == String {
    fileprivate var orEmpty: String { self ?? "" }
}
