import Foundation
import LambdaRuntime
import LocalLambda
import TestSupport
import Testing

/// The Runtime API as a runtime sees it, driven by hand over HTTP.
@Suite("Runtime API emulator: the contract")
struct EmulatorContractTests {
    private static let next = "/2018-06-01/runtime/invocation/next"

    @Test func longPollsNextAndHandsOverTheInvocationWithItsHeaders() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(
                InvocationRequest(
                    payload: Array(#"{"hello":"world"}"#.utf8),
                    traceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                    clientContext: #"{"custom":{"a":1}}"#,
                    cognitoIdentity: #"{"cognitoIdentityId":"id"}"#,
                    tenantID: "tenant-1",
                    requestID: "11111111-2222-4333-8444-555555555555"
                )
            )
            let next = try await http(emulator, "GET", Self.next)
            #expect(next.status == 200)
            #expect(next.text == #"{"hello":"world"}"#)
            #expect(next.header("Lambda-Runtime-Aws-Request-Id") == "11111111-2222-4333-8444-555555555555")
            #expect(next.header("Lambda-Runtime-Trace-Id") == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
            #expect(
                next.header("Lambda-Runtime-Invoked-Function-Arn")
                    == "arn:aws:lambda:us-east-1:012345678912:function:test_function"
            )
            #expect(next.header("Lambda-Runtime-Client-Context") == #"{"custom":{"a":1}}"#)
            #expect(next.header("Lambda-Runtime-Cognito-Identity") == #"{"cognitoIdentityId":"id"}"#)
            #expect(next.header("Lambda-Runtime-Aws-Tenant-Id") == "tenant-1")
            #expect(next.header("Content-Type") == "application/json")
            let deadline = try #require(next.header("Lambda-Runtime-Deadline-Ms").flatMap { Int64($0) })
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect((now + 25_000...now + 31_000).contains(deadline))

            let answer = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/invocation/11111111-2222-4333-8444-555555555555/response",
                body: Array(#"{"ok":true}"#.utf8)
            )
            #expect(answer.status == 202)
            #expect(answer.text == #"{"status":"OK"}"#)
            let outcome = await result
            #expect(outcome.status == .ok)
            #expect(outcome.text == #"{"ok":true}"#)
        }
    }

    @Test func generatesLambdaShapedRequestAndTraceIDs() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke("{}")
            let next = try await http(emulator, "GET", Self.next)
            let id = try #require(next.header("Lambda-Runtime-Aws-Request-Id"))
            #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
            let trace = try #require(next.header("Lambda-Runtime-Trace-Id"))
            #expect(trace.wholeMatch(of: /Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0/) != nil)
            _ = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/\(id)/response", body: [])
            #expect(await result.requestID == id)
        }
    }

    @Test func refusesAnUnknownRequestIDAndASecondAnswerAsTheRIEDoes() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "r-1"))
            _ = try await http(emulator, "GET", Self.next)
            let unknown = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/nope/response", body: [])
            #expect(unknown.status == 400)
            #expect(unknown.text == #"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"# + "\n")
            let first = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/r-1/response", body: [1])
            #expect(first.status == 202)
            let second = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/r-1/response", body: [2])
            #expect(second.status == 403)
            #expect(second.text.contains(#""errorType":"InvalidStateTransition""#))
            let late = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/r-1/error", body: [])
            #expect(late.status == 403)
            #expect(await result.body == [1])
        }
    }

    @Test func takesAnErrorWithTheTypeFromItsHeader() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "e-1"))
            _ = try await http(emulator, "GET", Self.next)
            let body = #"{"errorMessage":"bucket \"x\" is not allowed","errorType":"Body.Type","stackTrace":[]}"#
            let answer = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/invocation/e-1/error",
                headers: [
                    ("Lambda-Runtime-Function-Error-Type", "Function.Validation"),
                    ("Content-Type", "application/vnd.aws.lambda.error+json"),
                ],
                body: Array(body.utf8)
            )
            #expect(answer.status == 202)
            let outcome = await result
            #expect(outcome.status == .error)
            #expect(
                outcome.error
                    == LambdaErrorPayload(errorType: "Function.Validation", errorMessage: #"bucket "x" is not allowed"#)
            )
            #expect(outcome.text == body)
        }
    }

    @Test func refusesAResponseOverTheLimitWithTheRIEBodyAndFailsTheInvocation() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "big"))
            _ = try await http(emulator, "GET", Self.next)
            let oversized = [UInt8](repeating: 0x61, count: 6_291_557)
            let answer = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/invocation/big/response",
                body: oversized
            )
            #expect(answer.status == 413)
            #expect(
                answer.text
                    == #"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#
                    + "\n"
            )
            let outcome = await result
            #expect(outcome.status == .error)
            #expect(outcome.error?.errorType == "Function.ResponseSizeTooLarge")
            #expect(outcome.error?.errorMessage.contains("6291557 bytes") == true)
            // Lambda does not take an error for it afterwards either.
            let error = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/big/error", body: [])
            #expect(error.status == 403)
        }
    }

    @Test func acceptsAResponseExactlyAtTheLimit() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "edge"))
            _ = try await http(emulator, "GET", Self.next)
            let body = [UInt8](repeating: 0x61, count: 6_291_556)
            let answer = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/edge/response", body: body)
            #expect(answer.status == 202)
            #expect(await result.body.count == 6_291_556)
        }
    }

    @Test func failsThePendingInvocationWithAnInitError() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke("{}")
            try await Task.sleep(for: .milliseconds(50))
            let answer = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/init/error",
                headers: [("Lambda-Runtime-Function-Error-Type", "Runtime.HandlerNotFound")],
                body: Array(
                    #"{"errorMessage":"no handler","errorType":"Runtime.HandlerNotFound","stackTrace":[]}"#.utf8
                )
            )
            #expect(answer.status == 202)
            let outcome = await result
            #expect(outcome.status == .initError)
            #expect(
                outcome.error == LambdaErrorPayload(errorType: "Runtime.HandlerNotFound", errorMessage: "no handler")
            )
        }
    }

    @Test func answersUnknownRoutesAndMethodsWithJSONErrors() async throws {
        try await withEmulator(command: nil) { emulator in
            let missing = try await http(emulator, "GET", "/2018-06-01/runtime/nothing")
            #expect(missing.status == 404)
            #expect(missing.text.contains(#""errorType":"NotFound""#))
            let wrong = try await http(emulator, "POST", Self.next)
            #expect(wrong.status == 405)
        }
    }

    @Test func readsTheFunctionTimeoutFromTheEnvironmentAsTheRIEDoes() throws {
        #expect(try EmulatorConfiguration.fromEnvironment(["AWS_LAMBDA_FUNCTION_TIMEOUT": "3"]).timeoutSeconds == 3)
        #expect(try EmulatorConfiguration.fromEnvironment([:]).timeoutSeconds == 300)
        #expect(throws: LocalLambdaError.self) {
            try EmulatorConfiguration.fromEnvironment(["AWS_LAMBDA_FUNCTION_TIMEOUT": "3s"])
        }
    }
}
