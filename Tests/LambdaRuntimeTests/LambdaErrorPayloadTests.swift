import Foundation
import LambdaRuntime
import Testing

@Suite("Error payloads")
struct LambdaErrorPayloadTests {
    @Test func describesAPlainErrorByItsTypeAndDescription() {
        let payload = LambdaErrorPayload(TestError(description: "bucket missing"))
        #expect(payload.errorType == "TestError")
        #expect(payload.errorMessage == "bucket missing")
        #expect(
            String(decoding: payload.jsonBytes(), as: UTF8.self)
                == #"{"errorMessage":"bucket missing","errorType":"TestError","stackTrace":[]}"#
        )
    }

    @Test func escapesEveryControlCharacterAndTheJavaScriptLineSeparators() throws {
        var all = ""
        for value in 0..<0x20 { all.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        all += "\u{7F}\u{2028}\u{2029}\u{E2}"
        let bytes = LambdaErrorPayload(errorType: "T", errorMessage: all).jsonBytes()
        // Only printable ASCII and UTF-8 multibyte sequences remain raw.
        #expect(!bytes.contains { $0 < 0x20 })
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"\u2028\u2029"#))
        #expect(text.contains(#"\u0000\u0001"#))
        #expect(text.contains(#"\b\t\n\u000b\f\r"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["errorMessage"] as? String == all)
    }

    @Test func cutsHugeMessagesAtAScalarBoundaryAndSaysSo() throws {
        let message = String(repeating: "é", count: LambdaErrorPayload.maxMessageBytes)
        let bytes = LambdaErrorPayload(errorType: "T", errorMessage: message).jsonBytes()
        #expect(bytes.count < LambdaErrorPayload.maxMessageBytes + 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let cut = try #require(object["errorMessage"] as? String)
        #expect(cut.hasSuffix("(\(LambdaErrorPayload.maxMessageBytes) more bytes truncated)"))
        #expect(cut.hasPrefix("éé"))
    }

    @Test func keepsTheFunctionErrorTypeHeaderToPrintableASCII() {
        #expect(LambdaErrorPayload(errorType: "Ünauth\n", errorMessage: "").headerSafeErrorType == "_nauth_")
        #expect(LambdaErrorPayload(errorType: "", errorMessage: "").headerSafeErrorType == "Unknown")
    }
}
