import Foundation
import LambdaRuntime
import LocalLambda
import TestSupport
import Testing

/// `upload-edge replay`, run as a user runs it.
@Suite("upload-edge replay")
struct ReplayCommandTests {
    /// Writes `files` (name → content) into a new directory.
    private func directory(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ue-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, content) in files {
            try content.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url.path
    }

    private func replay(_ arguments: [String], handler: String) throws -> CommandResult {
        try CommandResult.run(
            [BuiltProducts.uploadEdge, "replay"] + arguments
                + ["--handler", handler, "--bootstrap", BuiltProducts.fixtureBootstrap, "--timeout", "2"]
        )
    }

    private func lines(_ result: CommandResult) throws -> [[String: Any]] {
        try result.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func printsOneJSONObjectPerEventWithTheResponseAsJSON() throws {
        let events = try directory([
            "a.json": #"{"b": [1, 2], "a": "ü"}"#,
            "b.json": "not json",
            "ignored.txt": "x",
        ])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let result = try replay([events, "--json"], handler: "echo")
        #expect(result.status == 0, "\(result.standardError)")
        let objects = try lines(result)
        try #require(objects.count == 2)
        #expect(objects[0]["event"] as? String == events + "/a.json")
        #expect(objects[0]["handler"] as? String == "echo")
        #expect(objects[0]["status"] as? String == "ok")
        #expect((objects[0]["durationMs"] as? Double).map { $0 > 0 } == true)
        let first = try #require(JSONText.value(Array(result.standardOutput.split(separator: "\n")[0].utf8)))
        #expect(first["response"] == .object(["b": .array([.integer(1), .integer(2)]), "a": .string("ü")]))
        #expect(objects[0]["error"] == nil)
        // Not JSON: the raw text.
        #expect(objects[1]["response"] as? String == "not json")
        // Order kept, whitespace dropped.
        #expect(result.standardOutput.contains(#""response":{"b":[1,2],"a":"ü"}"#))
    }

    @Test func comparesWithExpectedFilesAndFailsOnADifference() throws {
        let events = try directory([
            "same.json": #"{"n": 1, "list": [true]}"#,
            "same.expected.json": #"{"list": [true], "n": 1.0}"#,
            "other.json": #"{"n": 1}"#,
            "other.expected.json": #"{"n": 2}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let result = try replay([events, "--json"], handler: "echo")
        #expect(result.status == 1)
        let objects = try lines(result)
        let byName = Dictionary(uniqueKeysWithValues: objects.map { (($0["event"] as? String) ?? "", $0) })
        #expect(byName[events + "/same.json"]?["expected"] as? String == "match")
        #expect(byName[events + "/other.json"]?["expected"] as? String == "mismatch")
        #expect(byName[events + "/other.json"]?["difference"] as? String == "n: expected 2, got 1")
        #expect(objects.count == 2)
    }

    @Test func anExpectedErrorIsNotAFailure() throws {
        let events = try directory([
            "bad.json": "no bucket",
            "bad.expected.json": #"{"errorType": "FixtureError", "errorMessage": "no bucket"}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let result = try replay([events, "--json"], handler: "fail")
        #expect(result.status == 0, "\(result.standardOutput)")
        let object = try #require(try lines(result).first)
        #expect(object["status"] as? String == "error")
        #expect(object["expected"] as? String == "match")
        #expect(object["error"] as? [String: String] == ["errorType": "FixtureError", "errorMessage": "no bucket"])
    }

    @Test(arguments: [
        ("fail", "boom", "error"),
        ("crash", "4", "crash"),
        ("sleep", "4000", "timeout"),
        ("init-fails", "{}", "init-error"),
        ("greet", #"{"name": 5}"#, "error"),
    ])
    func reportsEachKindOfFailureAndExitsNonZero(handler: String, event: String, status: String) throws {
        let events = try directory(["event.json": event])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let result = try replay([events + "/event.json", "--json"], handler: handler)
        #expect(result.status == 1)
        let object = try #require(try lines(result).first)
        #expect(object["status"] as? String == status)
        #expect((object["error"] as? [String: String])?["errorType"] != nil)
    }

    @Test func theProjectsEventsReplayThroughTheRealBootstrapAsExpected() throws {
        // What `make run` does: every handler, configured from Events/_replay, the JWKS served by the emulator.
        let result = try CommandResult.run(
            [
                BuiltProducts.uploadEdge, "replay", ProjectEvents.directory, "--json", "--bootstrap",
                BuiltProducts.bootstrap,
            ]
        )
        #expect(result.status == 0, "\(result.standardError)")
        let outcomes = try lines(result)
        #expect(outcomes.count == ProjectEvents.files.count)
        for outcome in outcomes {
            #expect(
                outcome["expected"] as? String == "match",
                "\(outcome["event"] ?? ""): \(outcome["difference"] ?? "")"
            )
        }
        let allowed = outcomes.first { ($0["event"] as? String)?.hasSuffix("/authorizer-http-v2-request.json") == true }
        #expect((allowed?["response"] as? [String: Any])?["isAuthorized"] as? Bool == true)

        let unconfigured = try CommandResult.run(
            [
                BuiltProducts.uploadEdge, "replay", ProjectEvents.directory + "/authorizer-rest-token.json",
                "--no-config", "--json",
            ]
                + ["--bootstrap", BuiltProducts.bootstrap]
        )
        #expect(unconfigured.status == 1)
        #expect(unconfigured.standardOutput.contains("COGNITO_USER_POOL_ID: is not set"))
    }

    @Test func namesTheJSONPathWhenATypedEventDoesNotDecode() throws {
        let events = try directory(["event.json": #"{"name": 5}"#])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let object = try #require(try lines(try replay([events, "--json"], handler: "greet")).first)
        let error = try #require(object["error"] as? [String: String])
        #expect(error["errorType"] == "Runtime.EventDecodingError")
        #expect(error["errorMessage"] == "event is not a valid Greeting: name: expected a string")
    }

    @Test func capturesTheHandlersLogsPerEvent() throws {
        let events = try directory(["1.json": "one", "2.json": "two"])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let objects = try lines(try replay([events, "--json"], handler: "log"))
        #expect((objects[0]["logs"] as? String)?.contains("handling one") == true)
        #expect((objects[0]["logs"] as? String)?.contains("handling two") == false)
        #expect((objects[1]["logs"] as? String)?.contains("handling two") == true)
    }

    @Test func printsAReadableReportWithASummaryTable() throws {
        let events = try directory(["ok.json": #"{"a":1}"#])
        defer { try? FileManager.default.removeItem(atPath: events) }
        let result = try replay([events], handler: "echo")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("==> \(events)/ok.json  handler=echo  status=ok"))
        #expect(result.standardOutput.contains("    {\n      \"a\": 1\n    }"))
        #expect(result.standardOutput.contains("EVENT"))
        #expect(result.standardOutput.contains("1 event: 1 ok; no failures."))
    }

    @Test func explainsAMissingPath() throws {
        let result = try replay(["/nonexistent/events"], handler: "echo")
        #expect(result.status != 0)
        #expect(result.standardError.contains("/nonexistent/events: no such file or directory"))
    }
}
