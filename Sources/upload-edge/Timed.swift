import Foundation

/// Commands run to completion and timed by the wall clock.
enum Timed {
    struct Result {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// Runs `arguments` with `environment` added to this process's; standard output and error together.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(
            status: process.terminationStatus,
            output: String(decoding: output, as: UTF8.self),
            seconds: seconds
        )
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    static func median(_ count: Int, _ measure: () throws -> Double) throws -> Double {
        median(try (0..<count).map { _ in try measure() })
    }
}
