import Foundation
import LambdaRuntime
import LocalLambda
import TestSupport
import Testing

/// The emulator running the real runtime process, as Lambda would.
@Suite("Runtime API emulator: the runtime process")
struct EmulatorProcessTests {
    private static let invokePath = "/2015-03-31/functions/function/invocations"

    @Test func servesTheRIEInvokeEndpointThroughTheRealBootstrap() async throws {
        let command = RuntimeCommand(
            arguments: [BuiltProducts.bootstrap],
            environment: ["_HANDLER": "echo"],
            output: .discard
        )
        try await withEmulator(command: command) { emulator in
            let event = #"{"Records":[{"s3":{"object":{"key":"uploads/a+b.png"}}}]}"#
            for _ in 0..<3 {
                let response = try await http(emulator, "POST", Self.invokePath, body: Array(event.utf8))
                #expect(response.status == 200)
                #expect(response.text == event)
                #expect(response.header("X-Amz-Function-Error") == nil)
                #expect(response.header("X-Amzn-RequestId") != nil)
            }
        }
    }

    @Test func passesTheClientContextHeaderDecodedToTheRuntime() async throws {
        try await withEmulator(command: nil) { emulator in
            let encoded = Data(#"{"custom":{"tier":"pro"}}"#.utf8).base64EncodedString()
            async let response = http(
                emulator,
                "POST",
                Self.invokePath,
                headers: [("X-Amz-Client-Context", encoded)],
                body: []
            )
            let next = try await http(emulator, "GET", "/2018-06-01/runtime/invocation/next")
            #expect(next.header("Lambda-Runtime-Client-Context") == #"{"custom":{"tier":"pro"}}"#)
            let id = try #require(next.header("Lambda-Runtime-Aws-Request-Id"))
            _ = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/invocation/\(id)/response",
                body: Array("done".utf8)
            )
            #expect(try await response.text == "done")
        }
    }

    @Test func marksFunctionErrorsOnTheInvokeEndpoint() async throws {
        try await withEmulator(command: fixture("fail")) { emulator in
            let response = try await http(emulator, "POST", Self.invokePath, body: Array("bad \"input\"".utf8))
            #expect(response.status == 200)
            #expect(response.header("X-Amz-Function-Error") == "Unhandled")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(object["errorMessage"] as? String == "bad \"input\"")
            #expect(object["errorType"] as? String == "FixtureError")
        }
    }

    @Test func timesOutALongInvocationKillsTheRuntimeAndStartsAFreshOne() async throws {
        try await withEmulator(command: fixture("sleep"), timeoutSeconds: 1) { emulator in
            #expect(await emulator.invoke("0").status == .ok)
            let before = try #require(await emulator.runtimeProcess()?.pid)
            let slow = await emulator.invoke("5000")
            #expect(slow.status == .timeout)
            #expect(slow.error?.errorType == "Sandbox.Timedout")
            #expect(slow.error?.errorMessage == "RequestId: \(slow.requestID) Error: Task timed out after 1.00 seconds")
            let after = await emulator.invoke("0")
            #expect(after.status == .ok)
            #expect(await emulator.runtimeProcess()?.pid != before)
        }
    }

    @Test func reportsACrashWithItsExitStatusAndRestartsTheRuntime() async throws {
        try await withEmulator(command: fixture("crash")) { emulator in
            let crashed = await emulator.invoke("7")
            #expect(crashed.status == .crash)
            #expect(crashed.error?.errorType == "Runtime.ExitError")
            #expect(
                crashed.error?.errorMessage
                    == "RequestId: \(crashed.requestID) Error: Runtime exited with error: exit status 7"
            )
            let again = await emulator.invoke("3")
            #expect(again.status == .crash)
            #expect(again.error?.errorMessage.hasSuffix("exit status 3") == true)
        }
    }

    @Test func reportsAnInitErrorToEachInvocationThatTriesToInit() async throws {
        try await withEmulator(command: fixture("init-fails")) { emulator in
            for _ in 0..<2 {
                let result = await emulator.invoke("{}")
                #expect(result.status == .initError)
                #expect(
                    result.error
                        == LambdaErrorPayload(
                            errorType: "FixtureError",
                            errorMessage: "cannot read UPLOAD_BUCKET: it is not set"
                        )
                )
            }
        }
    }

    @Test func reportsAnUnknownHandlerAsAnInitError() async throws {
        try await withEmulator(command: fixture("no-such-handler")) { emulator in
            let result = await emulator.invoke("{}")
            #expect(result.status == .initError)
            #expect(result.error?.errorType == "Runtime.HandlerNotFound")
        }
    }

    @Test func reportsAnOversizedResponseAndKeepsTheRuntimeServing() async throws {
        try await withEmulator(command: fixture("big")) { emulator in
            let big = await emulator.invoke("6291557")
            #expect(big.status == .error)
            #expect(big.error?.errorType == "Function.ResponseSizeTooLarge")
            let pid = await emulator.runtimeProcess()?.pid
            let small = await emulator.invoke("10")
            #expect(small.status == .ok)
            #expect(small.body.count == 10)
            // Same process: the runtime logged the 413 and went on.
            #expect(await emulator.runtimeProcess()?.pid == pid)
        }
    }

    @Test func startsTheRuntimeOnDemandAndMeasuresItsInit() async throws {
        try await withEmulator(command: fixture("echo")) { emulator in
            let nanoseconds = try await emulator.startRuntime().get()
            #expect(nanoseconds > 0)
            #expect(await emulator.runtimeProcess() != nil)
            let termination = try await emulator.stopRuntime().get()
            #expect(termination == .signalled(SIGKILL))
            #expect(await emulator.runtimeProcess() == nil)
            #expect(await emulator.invoke("{}").status == .ok)
        }
    }

    @Test func reportsARuntimeThatCannotBeStarted() async throws {
        let command = RuntimeCommand(arguments: ["/nonexistent/bootstrap"], output: .discard)
        try await withEmulator(command: command) { emulator in
            let result = await emulator.invoke("{}")
            #expect(result.status == .crash)
            #expect(result.error?.errorMessage.contains("cannot start /nonexistent/bootstrap") == true)
        }
    }
}
