import Foundation

/// What a replay runs with besides the events: a directory (`Events/_replay` by default) holding
///
/// - `environment`: `NAME=value` lines (`#` starts a comment) for the runtime, e.g. the bucket and user pool the
///   sample events belong to. A value may contain `${AWS_LAMBDA_RUNTIME_API}`, the emulator's address.
/// - `static/`: files the emulator serves as JSON at `/_local/{name}`, e.g. the sample user pool's JWKS.
public struct ReplayConfiguration: Sendable, Equatable {
    public var environment: [String: String]
    public var staticFiles: [String: [UInt8]]

    public init(environment: [String: String] = [:], staticFiles: [String: [UInt8]] = [:]) {
        self.environment = environment
        self.staticFiles = staticFiles
    }

    /// The conventional directory for `eventPaths`: `_replay` beside the first of them (inside it, for a directory).
    public static func defaultDirectory(for eventPaths: [String]) -> String? {
        guard let first = eventPaths.first else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory) else { return nil }
        let folder = isDirectory.boolValue ? first : (first as NSString).deletingLastPathComponent
        let candidate = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("_replay")
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// Reads `directory`.
    /// - Throws: `LocalLambdaError.invalidConfiguration` naming the file and line that cannot be read.
    public static func load(_ directory: String) throws(LocalLambdaError) -> ReplayConfiguration {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LocalLambdaError(.invalidConfiguration, "\(directory) is not a directory of replay configuration")
        }
        var configuration = ReplayConfiguration()
        let environmentFile = (directory as NSString).appendingPathComponent("environment")
        if let data = FileManager.default.contents(atPath: environmentFile) {
            configuration.environment = try parseEnvironment(
                String(decoding: data, as: UTF8.self),
                file: environmentFile
            )
        }
        let staticDirectory = (directory as NSString).appendingPathComponent("static")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: staticDirectory)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = (staticDirectory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LocalLambdaError(.invalidConfiguration, "\(path): cannot read the file")
            }
            configuration.staticFiles[EmulatorConfiguration.staticPrefix + name] = Array(data)
        }
        return configuration
    }

    /// `NAME=value` lines; blank lines and `#` comments skipped; the value is everything after the first `=`.
    static func parseEnvironment(_ text: String, file: String) throws(LocalLambdaError) -> [String: String] {
        var environment: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="),
                line[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), equals != line.startIndex
            else {
                throw LocalLambdaError(
                    .invalidConfiguration,
                    "\(file):\(index + 1): \"\(line.prefix(60))\" is not NAME=value"
                )
            }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return environment
    }
}
