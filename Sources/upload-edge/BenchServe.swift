import ArgumentParser
import CurlHTTP
import Foundation

/// An `upload-edge serve` started for the benchmark, and what it printed: the dev user, the bucket, the S3.
final class BenchServe {
    let process: Process
    let origin: String
    let username: String
    let password: String
    let bucket: String
    let s3: String
    let region = "eu-west-1"
    private var stopped = false

    private init(process: Process, origin: String, banner: String) throws {
        self.process = process
        self.origin = origin
        func field(_ pattern: String) throws -> String {
            guard let range = banner.range(of: pattern, options: .regularExpression) else {
                throw ValidationError("upload-edge serve printed no \(pattern): \(banner)")
            }
            return String(banner[range])
        }
        func after(_ label: String) throws -> String {
            let line = try field(label + " *[^ \n]+")
            return String(line.dropFirst(label.count)).trimmingCharacters(in: .whitespaces)
        }
        username = try after("Sign in as:")
        password = try after("Password:")
        bucket = String(try field(#"\(bucket [^)]+"#).dropFirst("(bucket ".count))
        s3 = String(try field(#"S3 http://[^ ]+"#).dropFirst("S3 ".count))
    }

    /// Starts serve and waits (up to 5 minutes: a first run installs its venvs) for its banner.
    static func start(port: Int, arguments: [String], log: String) throws -> BenchServe {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SiblingExecutable.path("upload-edge"))
        process.arguments = ["serve", "--port", String(port)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        var banner = ""
        let deadline = Date().addingTimeInterval(300)
        let reader = pipe.fileHandleForReading
        while !banner.contains("Press Ctrl-C") {
            let data = reader.availableData
            if data.isEmpty {
                guard process.isRunning, Date() < deadline else {
                    let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(1500)) } ?? ""
                    process.interrupt()
                    throw ValidationError(
                        "upload-edge serve did not start (is port \(port) free? pass --port):\n\(tail)"
                    )
                }
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            banner += String(decoding: data, as: UTF8.self)
        }
        return try BenchServe(process: process, origin: "http://127.0.0.1:\(port)", banner: banner)
    }

    /// Signs in as the dev user through the page's /cognito endpoint: the ID token.
    func signIn() throws -> String {
        let client = try CurlHTTPClient()
        let config = try client.send("GET", origin + "/config.json")
        guard let page = try JSONSerialization.jsonObject(with: Data(config.body)) as? [String: Any],
            let clientID = page["clientId"] as? String
        else { throw ValidationError("\(origin)/config.json has no clientId: \(config.text.prefix(300))") }
        let request: [String: Any] = [
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": clientID,
            "AuthParameters": ["USERNAME": username, "PASSWORD": password],
        ]
        let answer = try client.send(
            "POST",
            origin + "/cognito",
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth"),
            ],
            body: Array(try JSONSerialization.data(withJSONObject: request))
        )
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let result = object["AuthenticationResult"] as? [String: Any], let token = result["IdToken"] as? String
        else {
            throw ValidationError("signing in as \(username) failed (\(answer.status)): \(answer.text.prefix(300))")
        }
        return token
    }

    /// Ctrl-C to serve (it stops what it started), then waits for it.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning { process.interrupt() }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
    }
}
