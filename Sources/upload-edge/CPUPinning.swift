import ArgumentParser
import Foundation

/// Pins the whole benchmark (emulator and every client it starts) to one CPU by re-running it under `taskset`.
enum CPUPinning {
    static let marker = "UPLOAD_EDGE_PINNED_CPU"

    /// Re-executes the current command under `taskset -c cpu` unless that already happened.
    static func ensurePinned(to cpu: Int) throws {
        let environment = ProcessInfo.processInfo.environment
        if environment[marker] == String(cpu) { return }
        let available = ProcessInfo.processInfo.activeProcessorCount
        guard cpu < available else {
            throw ValidationError("--cpu \(cpu) does not exist here: this machine has CPUs 0 to \(available - 1)")
        }
        guard let taskset = ["/usr/bin/taskset", "/bin/taskset"].first(where: FileManager.default.isExecutableFile)
        else {
            throw ValidationError("taskset is not installed (apt-get install util-linux); or pass --no-pin")
        }
        setenv(marker, String(cpu), 1)
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let arguments = [taskset, "-c", String(cpu), executable] + CommandLine.arguments.dropFirst()
        let argv = arguments.map { strdup($0) } + [nil]
        execv(taskset, argv)
        throw ValidationError("cannot run taskset: \(String(describing: strerror(errno)))")
    }
}

/// Makes sure the Python given has awslambdaric, with a message that says how to get it.
enum AwslambdaricCheck {
    static func require(python: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import awslambdaric"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "\(python) cannot import awslambdaric: run `make bench` (it installs it into .build-venv), "
                    + "or `pip install awslambdaric` and pass --python; or pass --skip-awslambdaric"
            )
        }
    }
}

/// The deployed size of a binary: stripped, as it goes into the zip.
struct BinarySize: Codable {
    var path: String
    var bytes: Int
    var strippedBytes: Int
    /// Whether the Swift runtime is linked in (`--static-swift-stdlib`) rather than loaded from libswiftCore.so.
    var staticSwiftStdlib: Bool

    static func measure(_ path: String) throws -> BinarySize {
        let manager = FileManager.default
        let copy = manager.temporaryDirectory.appendingPathComponent("ue-bench-strip-\(getpid())").path
        try? manager.removeItem(atPath: copy)
        try manager.copyItem(atPath: path, toPath: copy)
        defer { try? manager.removeItem(atPath: copy) }
        try run(["strip", copy])
        let needed = try run(["readelf", "-d", path])
        return BinarySize(
            path: path,
            bytes: (try manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0,
            strippedBytes: (try manager.attributesOfItem(atPath: copy)[.size] as? Int) ?? 0,
            staticSwiftStdlib: !needed.contains("libswiftCore.so")
        )
    }

    @discardableResult
    private static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(arguments.joined(separator: " ")) failed")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
