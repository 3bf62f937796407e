import Foundation

/// HTTP through the `curl` command: real requests, the way a user or a browser-less client would send them.
public enum Curl {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public var headers: [String: String]
    }

    /// Sends a request; `form` fields go as `multipart/form-data` (`-F`), in order, with the file last.
    public static func send(
        _ method: String,
        _ url: String,
        headers: [String: String] = [:],
        body: [UInt8]? = nil,
        form: [(String, String)]? = nil,
        file: (name: String, bytes: [UInt8], contentType: String?)? = nil
    ) throws -> Response {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("body").path
        let headerFile = directory.appendingPathComponent("headers").path
        var arguments = ["/usr/bin/curl", "-sS", "-X", method, "-o", output, "-D", headerFile, "-w", "%{http_code}"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            arguments += ["-H", "\(name): \(value)"]
        }
        if let body {
            let path = directory.appendingPathComponent("upload").path
            try Data(body).write(to: URL(fileURLWithPath: path))
            arguments += ["--data-binary", "@\(path)"]
        }
        for (name, value) in form ?? [] {
            // --form-string: values are literal (no @file or <file).
            arguments += ["--form-string", "\(name)=\(value)"]
        }
        if let file {
            let path = directory.appendingPathComponent("file.bin").path
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
            arguments += ["-F", "\(file.name)=@\(path)" + (file.contentType.map { ";type=\($0)" } ?? "")]
        }
        arguments.append(url)
        let result = try CommandResult.run(arguments)
        guard result.status == 0, let status = Int(result.standardOutput) else {
            throw TestFailure("curl failed (\(result.status)): \(result.standardError)")
        }
        var parsed: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let data = FileManager.default.contents(atPath: output) ?? Data()
        return Response(status: status, body: String(decoding: data, as: UTF8.self), headers: parsed)
    }
}

/// The services `Tests/Scripts/services.sh` starts for `make test`.
public enum TestServices {
    /// LocalStack's endpoint, when `UPLOAD_EDGE_LOCALSTACK` names one that answers.
    public static let localStack: String? = {
        guard let endpoint = ProcessInfo.processInfo.environment["UPLOAD_EDGE_LOCALSTACK"] else { return nil }
        guard let health = try? Curl.send("GET", endpoint + "/_localstack/health"), health.status == 200 else {
            return nil
        }
        return endpoint
    }()

    public static let localStackMissing =
        "needs LocalStack: run `make test`, or `Tests/Scripts/services.sh start` and set UPLOAD_EDGE_LOCALSTACK"

    /// moto_server's endpoint, when `UPLOAD_EDGE_MOTO` names one that answers.
    public static let moto: String? = {
        guard let endpoint = ProcessInfo.processInfo.environment["UPLOAD_EDGE_MOTO"] else { return nil }
        guard let status = try? Curl.send("GET", endpoint + "/moto-api/").status, status == 200 else { return nil }
        return endpoint
    }()

    public static let motoMissing =
        "needs moto_server: run `make test`, or `Tests/Scripts/services.sh start` and set UPLOAD_EDGE_MOTO"
}
