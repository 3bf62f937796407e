import ArgumentParser
import Foundation
import UploadClient

struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload files through the UploadEdge API, in parallel parts and resumably when they are large.",
        discussion: """
            Asks GET {api}/uploads for your limits. A file under the multipart threshold goes up in one presigned \
            PUT carrying its SHA-256, which S3 checks. A larger one goes up as a multipart upload: parts of the \
            size the API chooses, each with its SHA-256, --concurrency at a time, each tried up to 3 times, URLs \
            signed again when they expire. If the upload is interrupted (Ctrl-C, a crash, the network), run the \
            same command again: the state file (FILE.upload-edge-state.json, or in --state-dir) lets it send only \
            the parts S3 does not have yet; it is removed once the upload completes. Prints one JSON line per \
            uploaded file on standard output: {"etag","file","key","size"}; progress and errors go to standard error.
            """
    )

    @Argument(help: "The files to upload.")
    var files: [String]

    @Option(help: "The API's base URL, e.g. http://127.0.0.1:8080/api (upload-edge serve) or https://…/api.")
    var api: String

    @Option(
        help: """
            The Cognito ID token to send as the bearer (default: the \(UploadAPI.tokenVariable) environment \
            variable, which keeps it out of the process list).
            """
    )
    var token: String?

    @Option(help: "The Content-Type to declare (default: from the extension: .jpg, .jpeg, .png, .gif, .webp, .pdf).")
    var contentType: String?

    @Option(help: "Parts sent at once in a multipart upload, 1 to 64.")
    var concurrency = 4

    @Option(help: "The directory for the resume state files (default: FILE.upload-edge-state.json beside each file).")
    var stateDir: String?

    @Flag(help: "No progress on standard error, only errors.")
    var quiet = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to upload") }
        guard api.hasPrefix("http://") || api.hasPrefix("https://") else {
            throw ValidationError("--api \"\(api)\" must be an http(s) URL such as http://127.0.0.1:8080/api")
        }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 64") }
        guard resolvedToken != nil else {
            throw ValidationError(
                "no token: sign in, then pass the ID token with --token or set \(UploadAPI.tokenVariable)"
            )
        }
        if let stateDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: stateDir, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw ValidationError("--state-dir \(stateDir) is not a directory") }
        }
    }

    var resolvedToken: String? {
        let value = token ?? ProcessInfo.processInfo.environment[UploadAPI.tokenVariable]
        return value.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let standardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
        let display = ProgressDisplay(style: ProgressDisplay.standardErrorStyle, write: standardError)
        let progress: any UploadProgress = quiet ? SilentProgress() : display
        let client = UploadClient(
            settings: UploadClient.Settings(
                api: api,
                token: resolvedToken ?? "",
                concurrency: concurrency,
                contentType: contentType,
                stateDirectory: stateDir
            ),
            progress: progress
        )
        Interruption.install(standardError)
        let ticker = quiet || display.style != .bar ? nil : Ticker { display.tick() }
        defer { ticker?.stop() }
        let files = files
        let failures = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            // Blocking libcurl and worker threads: off the cooperative pool.
            Thread {
                continuation.resume(returning: Self.upload(files, client: client, report: standardError))
            }.start()
        }
        if failures > 0 { throw ExitCode.failure }
    }

    /// Uploads the files one after another; returns how many failed.
    static func upload(_ files: [String], client: UploadClient, report: (String) -> Void) -> Int {
        let limits: UploadLimits
        do {
            limits = try client.limits()
        } catch {
            report("upload-edge: \(error.message)\n")
            return files.count
        }
        var failures = 0
        for (index, file) in files.enumerated() {
            do {
                let result = try client.upload(file, limits: limits)
                FileHandle.standardOutput.write(Data((result.json + "\n").utf8))
            } catch {
                failures += 1
                report("upload-edge: \(file): \(error.message)\n")
                if error.stopsEveryUpload {
                    failures += files.count - index - 1
                    if index < files.count - 1 { report("upload-edge: not trying the remaining files\n") }
                    break
                }
            }
        }
        return failures
    }
}

/// Ctrl-C: says how to resume, then exits 130 (the state file is already on disk).
enum Interruption {
    static func install(_ write: @escaping @Sendable (String) -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            write("\nupload-edge: interrupted; run the same command again to resume (the parts sent are kept)\n")
            exit(130)
        }
        source.resume()
        SignalSources.keep(source)
    }
}

/// Calls `body` every 0.2 s on a thread of its own until stopped.
final class Ticker: @unchecked Sendable {  // `stopped` is guarded by `lock`
    private let lock = NSLock()
    private var stopped = false

    init(_ body: @escaping @Sendable () -> Void) {
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                Thread.sleep(forTimeInterval: 0.2)
                body()
            }
        }.start()
    }

    func stop() { lock.withLock { stopped = true } }
}
