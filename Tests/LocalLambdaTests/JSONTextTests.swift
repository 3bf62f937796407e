import Foundation
import LambdaRuntime
import LocalLambda
import Testing

@Suite("JSON text helpers")
struct JSONTextTests {
    @Test func prettyPrintsWithoutReorderingMembers() {
        let text = JSONText.pretty(Array(#"{"z":1,"a":{"s":"x,y:{}"},"e":[],"o":{}}"#.utf8))
        #expect(text == "{\n  \"z\": 1,\n  \"a\": {\n    \"s\": \"x,y:{}\"\n  },\n  \"e\": [],\n  \"o\": {}\n}")
    }

    @Test func compactsAndLeavesStringsAlone() {
        #expect(JSONText.compact(Array("{ \"a b\" : [ 1 , \"c \\\" d\" ] }".utf8)) == #"{"a b":[1,"c \" d"]}"#)
        #expect(JSONText.compact(Array("nope".utf8)) == nil)
    }

    @Test func findsTheFirstDifferenceByPath() throws {
        let expected = try JSONValue(parsing: #"{"a":[1,{"b":"x"}],"c":true}"#)
        let actual = try JSONValue(parsing: #"{"c":true,"a":[1,{"b":"y"}]}"#)
        #expect(JSONText.firstDifference(expected: expected, actual: actual) == #"a[1].b: expected "x", got "y""#)
        #expect(JSONText.firstDifference(expected: expected, actual: expected) == nil)
        let extra = try JSONValue(parsing: #"{"a":[1,{"b":"x"}],"c":true,"d":null}"#)
        #expect(JSONText.firstDifference(expected: expected, actual: extra) == "d: not expected, got null")
    }

    @Test func matchesVaryingValuesByPatternAndNestedJSONInStrings() throws {
        let expected = try JSONValue(parsing: #"{"body":{"id":"~[0-9a-f]{4}","n":1,"t":"~~literal"}}"#)
        let good = try JSONValue(parsing: #"{"body":"{\"n\":1,\"id\":\"beef\",\"t\":\"~literal\"}"}"#)
        #expect(JSONText.firstDifference(expected: expected, actual: good) == nil)
        let badID = try JSONValue(parsing: #"{"body":"{\"n\":1,\"id\":\"beefy\",\"t\":\"~literal\"}"}"#)
        #expect(
            JSONText.firstDifference(expected: expected, actual: badID)?.hasPrefix("body.id: expected a match") == true
        )
        let notJSON = try JSONValue(parsing: #"{"body":"plain"}"#)
        #expect(JSONText.firstDifference(expected: expected, actual: notJSON)?.contains("not JSON") == true)
        let badPattern = try JSONValue(parsing: #"{"a":"~(["}"#)
        #expect(
            JSONText.firstDifference(expected: badPattern, actual: try JSONValue(parsing: #"{"a":"x"}"#))?
                .contains("not a valid regular expression") == true
        )
    }

    @Test func readsAReplayConfigurationDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("static"),
            withIntermediateDirectories: true
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        try "# comment\n\nA=1\nURL=http://${AWS_LAMBDA_RUNTIME_API}/x?y=z\n".write(
            to: directory.appendingPathComponent("environment"),
            atomically: true,
            encoding: .utf8
        )
        try #"{"keys":[]}"#.write(
            to: directory.appendingPathComponent("static/jwks.json"),
            atomically: true,
            encoding: .utf8
        )
        let configuration = try ReplayConfiguration.load(directory.path)
        #expect(configuration.environment == ["A": "1", "URL": "http://${AWS_LAMBDA_RUNTIME_API}/x?y=z"])
        #expect(configuration.staticFiles["/_local/jwks.json"] == Array(#"{"keys":[]}"#.utf8))

        try "A=1\nnot a line\n".write(
            to: directory.appendingPathComponent("environment"),
            atomically: true,
            encoding: .utf8
        )
        #expect {
            try ReplayConfiguration.load(directory.path)
        } throws: { error in
            "\(error)".contains("environment:2")
        }
    }
}
