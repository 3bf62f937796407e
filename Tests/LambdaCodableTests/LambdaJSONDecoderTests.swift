import Foundation
import LambdaCodable
import LambdaRuntime
import Testing

/// A type with every shape Codable offers, to compare with Foundation's decoder.
private struct Everything: Codable, Equatable {
    struct Nested: Codable, Equatable {
        var name: String
        var tags: [String]
    }

    enum Mode: String, Codable {
        case fast, safe
    }

    var string: String
    var escaped: String
    var int: Int
    var negative: Int64
    var big: UInt64
    var double: Double
    var exponent: Double
    var bool: Bool
    var optionalPresent: String?
    var optionalNull: String?
    var optionalAbsent: Int?
    var array: [Int]
    var nested: Nested
    var nestedArray: [Nested]
    var dictionary: [String: Int]
    var stringDictionary: [String: String]
    var mode: Mode
    var json: JSONValue
    var small: Int8
    var float: Float
}

private let everythingJSON = #"""
    {"string":"plain","escaped":"q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00","int":42,"negative":-9007199254740993,
     "big":18446744073709551615,"double":3.25,"exponent":-1.5e-3,"bool":true,"optionalPresent":"here",
     "optionalNull":null,"array":[1,2,3],"nested":{"name":"n","tags":["a","b"]},
     "nestedArray":[{"name":"x","tags":[]},{"name":"y","tags":["z"]}],"dictionary":{"a":1,"b":2},
     "stringDictionary":{"k":"v","é":"ü"},"mode":"safe","json":{"a":[1,2.5,"x",null,true,{}]},"small":-128,
     "float":0.5}
    """#

@Suite("LambdaJSONDecoder")
struct LambdaJSONDecoderTests {
    @Test func decodesWhatFoundationsDecoderDecodes() throws {
        let bytes = Array(everythingJSON.utf8)
        let ours = try LambdaJSONDecoder().decode(Everything.self, from: bytes)
        let foundation = try JSONDecoder().decode(Everything.self, from: Data(bytes))
        #expect(ours == foundation)
        #expect(ours.escaped == "q\"b\\s/n\nt\tué😀")
        #expect(ours.big == UInt64.max)
        #expect(ours.optionalNull == nil)
        #expect(
            ours.json
                == .object(["a": .array([.integer(1), .number(2.5), .string("x"), .null, .bool(true), .object([:])])])
        )
    }

    @Test func roundTripsThroughItsEncoderAndMatchesFoundationsEncoding() throws {
        let value = try LambdaJSONDecoder().decode(Everything.self, from: Array(everythingJSON.utf8))
        let ours = try LambdaJSONEncoder().encode(value)
        #expect(try LambdaJSONDecoder().decode(Everything.self, from: ours) == value)
        let foundation = Array(try JSONEncoder().encode(value))
        #expect(try JSONValue(parsing: ours) == (try JSONValue(parsing: foundation)))
        // Members in declaration order, nil optionals left out, no escaped slashes.
        let text = String(decoding: ours, as: UTF8.self)
        #expect(text.hasPrefix(#"{"string":"plain","escaped":"q\"b\\s/n\nt\tué😀","int":42"#))
        #expect(!text.contains("optionalAbsent"))
        #expect(text.contains(#""optionalNull":null"#) == false)
    }

    @Test(
        arguments: [
            (#"{"a": 1}"#, "a: expected a string"),
            (#"{"a": null}"#, "a: expected a string, found null"),
            (#"{}"#, "a: required key is missing"),
            (#"[1]"#, "expected a value of type Dictionary<String, Any>"),
        ] as [(String, String)]
    )
    func namesThePathAndTheProblem(json: String, message: String) throws {
        struct One: Decodable { var a: String }
        do {
            _ = try LambdaJSONDecoder().decode(One.self, from: Array(json.utf8))
            Issue.record("decoded \(json)")
        } catch let error as DecodingError {
            let description = describe(error)
            #expect(description.hasPrefix(message), "\(description)")
        }
    }

    @Test func namesDeepPathsWithArrayIndices() throws {
        struct Leaf: Decodable { var method: String }
        struct Context: Decodable { var http: [Leaf] }
        struct Root: Decodable { var requestContext: Context }
        let json = #"{"requestContext":{"http":[{"method":"GET"},{"method":7}]}}"#
        do {
            _ = try LambdaJSONDecoder().decode(Root.self, from: Array(json.utf8))
            Issue.record("decoded")
        } catch let error as DecodingError {
            #expect(describe(error) == "requestContext.http[1].method: expected a string")
        }
    }

    @Test(arguments: [
        "", "{", #"{"a":"#, #"{"a":1,}"#, "[1,]", "[01]", #"{"a":1}x"#, #""\q""#, "nul", "-", "1e", #""\u12""#,
        "[\"\u{01}\"]", "{\"a\" 1}", "[1 2]", "{1:2}",
    ])
    func refusesMalformedJSONAsDataCorrupted(json: String) {
        #expect(throws: DecodingError.self) { try LambdaJSONDecoder().decode(JSONValue.self, from: Array(json.utf8)) }
    }

    @Test func refusesDeepNestingWithoutCrashing() throws {
        let deep = Array((String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)
        #expect(throws: DecodingError.self) { try LambdaJSONDecoder().decode(JSONValue.self, from: deep) }
        let deepObject = Array(
            (String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)).utf8
        )
        #expect(throws: DecodingError.self) { try LambdaJSONDecoder().decode(JSONValue.self, from: deepObject) }
    }

    @Test func decodesTenMegabyteStrings() throws {
        struct Body: Decodable { var body: String }
        let big = String(repeating: "abcdefghij", count: 1_048_576)
        let json = Array(#"{"body":""#.utf8) + Array(big.utf8) + Array(#""}"#.utf8)
        #expect(try LambdaJSONDecoder().decode(Body.self, from: json).body.utf8.count == 10_485_760)
        let unterminated = Array(#"{"body":""#.utf8) + Array(big.utf8)
        #expect(throws: DecodingError.self) { try LambdaJSONDecoder().decode(Body.self, from: unterminated) }
    }

    @Test func checksIntegerRanges() throws {
        struct Small: Decodable { var value: Int8 }
        struct Whole: Decodable { var value: Int }
        #expect(throws: DecodingError.self) {
            try LambdaJSONDecoder().decode(Small.self, from: Array(#"{"value":128}"#.utf8))
        }
        #expect(try LambdaJSONDecoder().decode(Whole.self, from: Array(#"{"value":1.0e3}"#.utf8)).value == 1000)
        #expect(throws: DecodingError.self) {
            try LambdaJSONDecoder().decode(Whole.self, from: Array(#"{"value":1.5}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try LambdaJSONDecoder().decode(Whole.self, from: Array(#"{"value":99999999999999999999}"#.utf8))
        }
    }

    @Test func takesTheFirstOfDuplicateMembersAsFoundationDoes() throws {
        struct One: Decodable {
            var a: String
            var b: String
        }
        // Whatever order the lookups come in, the first "a" wins, as in JSONDecoder: a token or event read by
        // both must mean the same to both.
        for json in [#"{"a":"first","b":"x","a":"second"}"#, #"{"b":"x","a":"first","a":"second"}"#] {
            #expect(try LambdaJSONDecoder().decode(One.self, from: Array(json.utf8)).a == "first")
            #expect(try JSONDecoder().decode(One.self, from: Data(json.utf8)).a == "first")
        }
        let dictionary = try LambdaJSONDecoder().decode([String: String].self, from: Array(#"{"k":"1","k":"2"}"#.utf8))
        #expect(dictionary == ["k": "1"])
        #expect(try JSONDecoder().decode([String: String].self, from: Data(#"{"k":"1","k":"2"}"#.utf8)) == ["k": "1"])
    }

    @Test func findsMembersInAnyOrder() throws {
        struct Three: Decodable, Equatable {
            var a: Int
            var b: Int
            var c: Int
        }
        for json in [#"{"a":1,"b":2,"c":3}"#, #"{"c":3,"b":2,"a":1}"#, #"{"b":2,"x":0,"c":3,"a":1}"#] {
            #expect(try LambdaJSONDecoder().decode(Three.self, from: Array(json.utf8)) == Three(a: 1, b: 2, c: 3))
        }
    }

    @Test func refusesNonFiniteNumbersWhenEncoding() {
        #expect(throws: EncodingError.self) { try LambdaJSONEncoder().encode(["x": Double.nan]) }
    }

    private func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let path = render(context.codingPath)
            let kind: String
            switch type {
            case is String.Type: kind = "a string"
            default: kind = "a value of type \(type)"
            }
            return (path.isEmpty ? "" : "\(path): ") + "expected \(kind)"
        case .valueNotFound(_, let context):
            return "\(render(context.codingPath)): expected a string, found null"
        case .keyNotFound(let key, let context):
            return render(context.codingPath + [key]) + ": required key is missing"
        case .dataCorrupted(let context):
            return "data corrupted: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += (out.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return out
    }
}
