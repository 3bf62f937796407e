import Dispatch
import Foundation
import Synchronization

/// Paths of the executables built beside the test bundle, and the shared material beside the project.
public enum BuiltProducts {
    /// The directory of the build products (`.build/debug`).
    public static var directory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // Under `swift test` the test binary sits inside `<Package>PackageTests.xctest` on some platforms.
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("bootstrap").path) {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }

    public static var bootstrap: String { directory + "/bootstrap" }
    public static var fixtureBootstrap: String { directory + "/fixture-bootstrap" }
    public static var uploadEdge: String { directory + "/upload-edge" }

    /// The project's root: the nearest ancestor of the build directory with a `Package.swift`.
    public static var projectRoot: String {
        var url = URL(fileURLWithPath: directory)
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
        {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }
}

/// Runs a command to completion and captures its output.
public struct CommandResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// Runs `arguments` with `environment` added to this process's.
    public static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        removing removed: [String] = []
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        for name in removed { merged[name] = nil }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes while the process runs, so neither fills up and blocks it.
        let errorData = Mutex(Data())
        let errorDone = DispatchSemaphore(value: 0)
        Thread {
            let data = error.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            errorDone.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorDone.wait()
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: errorData.withLock { String(decoding: $0, as: UTF8.self) }
        )
    }
}
