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
}
