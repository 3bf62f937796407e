import LambdaRuntime
import Testing

@Suite("JSON parsing without Foundation")
struct JSONValueParsingTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(
            parsing:
                #"{"s":"a\"b\\c\/d\n\u00e9\ud83c\udf89","i":-42,"big":9007199254740993,"d":1.5e3,"t":true,"f":false,"n":null,"a":[1,[],{}]}"#
        )
        #expect(value["s"] == .string("a\"b\\c/d\né🎉"))
        #expect(value["i"] == .integer(-42))
        #expect(value["big"] == .integer(9_007_199_254_740_993))
        #expect(value["d"] == .number(1500))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.integer(1), .array([]), .object([:])]))
    }

    @Test func keepsNumbersBeyondInt64AsDoubles() throws {
        #expect(try JSONValue(parsing: "18446744073709551616") == .number(18_446_744_073_709_551_616))
    }

    @Test(
        arguments: [
            ("", "unexpected end of input"),
            ("{", "expected a member name"),
            (#"{"a":1"#, "unexpected end of input"),
            (#"{"a" 1}"#, "expected ':'"),
            ("[1,]", "unexpected character"),
            ("01", "unexpected data after the document"),
            ("\"a\u{01}\"", "unescaped control character in a string"),
            (#""\x""#, "invalid escape sequence"),
            (#""\u12G4""#, #"invalid hex digit in a \u escape"#),
            ("tru", "unexpected end of input"),
            ("1.", "expected a digit after '.'"),
            ("{} {}", "unexpected data after the document"),
            ("\"open", "unterminated string"),
        ] as [(String, String)]
    )
    func refusesMalformedInputWithTheReason(input: String, reason: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: input) }
        do {
            _ = try JSONValue(parsing: input)
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test func refusesNestingDeeperThanTheLimitInsteadOfExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try JSONValue(parsing: deep)
            Issue.record("parsed 100,000 levels")
        } catch {
            #expect(error.reason == "nested deeper than \(JSONValue.maxParseDepth) levels")
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue(parsing: fine)) != nil)
    }

    @Test func replacesLoneSurrogatesInsteadOfFailing() throws {
        #expect(try JSONValue(parsing: #""\ud800x""#) == .string("\u{FFFD}x"))
    }
}
