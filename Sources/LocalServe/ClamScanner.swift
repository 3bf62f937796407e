import Foundation
import LocalLambda

#if canImport(Glibc)
import Glibc
#endif

/// ClamAV's `clamscan` over one file, with the signature databases of one directory.
///
/// `clamscan` loads the databases on every run: instant with the project's few signatures, some seconds with the
/// full official database.
struct ClamScanner: Sendable {
    /// What `clamscan` said about a file.
    struct Verdict: Sendable, Equatable {
        var result: MalwareScanResultEvent.Result
        /// The signatures that matched, without ClamAV's `.UNOFFICIAL` suffix.
        var threats: [String] = []
        /// What `clamscan` printed, for the log when the scan failed.
        var output = ""
    }

    /// `clamscan`, or a path to it.
    var executable = "clamscan"
    /// A directory of signature databases (`.ndb`, `.ldb`, `.cvd`, …), given to `clamscan -d`.
    var databaseDirectory: String
    /// The largest file (and the most data unpacked from an archive) scanned; beyond it the verdict is `unsupported`.
    var maxBytes: Int64

    /// ClamAV's names for a file or archive past its limits, with `--alert-exceeds-max`.
    static let limitsExceeded = "Heuristics.Limits.Exceeded"
    /// What ClamAV appends to the names of signatures from databases it did not sign.
    static let unofficialSuffix = ".UNOFFICIAL"

    /// Scans `path`: exit status 0 is `noThreatsFound`, 1 `threatsFound` (or `unsupported` when only ClamAV's limits
    /// were hit), anything else `failed`.
    func scan(_ path: String) -> Verdict {
        let arguments = [
            executable, "--no-summary", "--stdout", "--database=\(databaseDirectory)",
            "--max-filesize=\(maxBytes)", "--max-scansize=\(maxBytes * 4)", "--alert-exceeds-max=yes", path,
        ]
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                arguments: arguments,
                environment: ProcessInfo.processInfo.environment,
                output: .pipe
            )
        } catch {
            return Verdict(result: .failed, output: "\(error)")
        }
        let output = Self.readAll(child.outputDescriptor)
        switch child.waitForTermination() {
        case .exited(0):
            return Verdict(result: .noThreatsFound, output: output)
        case .exited(1):
            let threats = Self.threats(in: output, path: path)
            let real = threats.filter { !$0.hasPrefix(Self.limitsExceeded) }
            if real.isEmpty, !threats.isEmpty { return Verdict(result: .unsupported, threats: threats, output: output) }
            return Verdict(result: .threatsFound, threats: real, output: output)
        case let end:
            return Verdict(result: .failed, output: "clamscan ended with \(end): \(output)")
        }
    }

    /// The names in `clamscan`'s `<path>: <name> FOUND` lines.
    static func threats(in output: String, path: String) -> [String] {
        let prefix = path + ": "
        let suffix = " FOUND"
        return output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { return nil }
            var name = String(line.dropFirst(prefix.count).dropLast(suffix.count))
            if name.hasSuffix(unofficialSuffix) { name.removeLast(unofficialSuffix.count) }
            return name
        }
    }

    /// Scans an empty file, so that a missing `clamscan` or a database it cannot load fails before the first upload.
    /// - Throws: `SetupError` saying what is wrong and how to fix it.
    func check() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-clamav-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let verdict = scan(empty)
        guard verdict.result == .noThreatsFound else {
            throw SetupError(
                "clamscan cannot scan with the signatures in \(databaseDirectory): "
                    + verdict.output.trimmingCharacters(in: .whitespacesAndNewlines).prefix(400)
            )
        }
    }

    /// Whether `executable` is a file that can be run, or a name found on `PATH`.
    var isInstalled: Bool {
        if executable.contains("/") { return access(executable, X_OK) == 0 }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(executable)", X_OK) == 0 }
    }

    static func readAll(_ descriptor: Int32?) -> String {
        guard let descriptor else { return "" }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(descriptor)
        return String(decoding: output, as: UTF8.self)
    }
}
