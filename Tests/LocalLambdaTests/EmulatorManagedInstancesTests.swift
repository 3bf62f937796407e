import Foundation
import LambdaRuntime
import LocalLambda
import TestSupport
import Testing

/// The emulator's side of Lambda's current contract: Managed Instances concurrency, invocation ids and late
/// answers, streamed responses, and the Extensions API with SIGTERM at shutdown.
@Suite("Runtime API emulator: Managed Instances, invocation ids, streaming, extensions")
struct EmulatorManagedInstancesTests {
    private static let next = "/2018-06-01/runtime/invocation/next"

    @Test func sendsAnInvocationIDAndRefusesAnAnswerThatEchoesAnother() async throws {
        try await withEmulator(command: nil) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "r-1"))
            let next = try await http(emulator, "GET", Self.next)
            let id = try #require(next.header("Lambda-Runtime-Invocation-Id"))
            #expect(id.count == 36)
            let path = "/2018-06-01/runtime/invocation/r-1/response"
            let wrong = try await http(
                emulator,
                "POST",
                path,
                headers: [("Lambda-Runtime-Invocation-Id", "someone-else")],
                body: [1]
            )
            #expect(wrong.status == 400)
            #expect(wrong.text.contains(#""errorType":"InvalidInvocationID""#))
            let right = try await http(
                emulator,
                "POST",
                path,
                headers: [("Lambda-Runtime-Invocation-Id", id)],
                body: [2]
            )
            #expect(right.status == 202)
            let outcome = await result
            #expect(outcome.body == [2])
            #expect(outcome.echoedInvocationID == true)
        }
    }

    @Test func answersTheLateAnswerOfATimedOutInvocationWith410() async throws {
        try await withEmulator(command: nil, timeoutSeconds: 1, concurrency: 2) { emulator in
            async let result = emulator.invoke(InvocationRequest(payload: [], requestID: "slow"))
            let next = try await http(emulator, "GET", Self.next)
            let id = try #require(next.header("Lambda-Runtime-Invocation-Id"))
            #expect(await result.status == .timeout)
            let late = try await http(
                emulator,
                "POST",
                "/2018-06-01/runtime/invocation/slow/response",
                headers: [("Lambda-Runtime-Invocation-Id", id)],
                body: [1]
            )
            #expect(late.status == 410)
            #expect(late.text.contains("timed out before this answer came"))
        }
    }

    @Test func handsOutUpToTheConcurrencyBeforeAnyAnswer() async throws {
        try await withEmulator(command: nil, concurrency: 3) { emulator in
            // Queued in this order, on the emulator's loop (four `async let` invokes would race to the queue).
            let results = try await emulator.eventLoop.submit {
                ["a", "b", "c", "d"].map { emulator.enqueueOnLoop(InvocationRequest(payload: [], requestID: $0)) }
            }.get()
            async let first = http(emulator, "GET", Self.next)
            async let second = http(emulator, "GET", Self.next)
            async let third = http(emulator, "GET", Self.next)
            let handed = try await [first, second, third].compactMap { $0.header("Lambda-Runtime-Aws-Request-Id") }
            #expect(Set(handed) == ["a", "b", "c"])
            // The fourth waits for room: it is handed out once one of the three is answered.
            async let fourth = http(emulator, "GET", Self.next)
            _ = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/b/response", body: [])
            let handedLast = try await fourth
            #expect(handedLast.header("Lambda-Runtime-Aws-Request-Id") == "d")
            for id in ["a", "c", "d"] {
                _ = try await http(emulator, "POST", "/2018-06-01/runtime/invocation/\(id)/response", body: [])
            }
            var statuses: [InvocationStatus] = []
            for result in results { statuses.append(try await result.get().status) }
            #expect(statuses == [.ok, .ok, .ok, .ok])
        }
    }

    @Test func runsFourInvocationsAtOnceThroughTheRealRuntime() async throws {
        try await withEmulator(command: fixture("gather"), concurrency: 4) { emulator in
            let results = await withTaskGroup(of: InvocationResult.self) { group in
                for _ in 0..<4 { group.addTask { await emulator.invoke("4") } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.map(\.text) == Array(repeating: "gathered 4", count: 4))
            #expect(results.allSatisfy { $0.echoedInvocationID == true })
        }
    }

    @Test func keepsTheRuntimeAfterATimeoutUnderManagedInstancesAndItSurvivesThe410() async throws {
        try await withEmulator(command: fixture("sleep"), timeoutSeconds: 1, concurrency: 2) { emulator in
            #expect(await emulator.invoke("0").status == .ok)
            let pid = await emulator.runtimeProcess()?.pid
            #expect(await emulator.invoke("1500").status == .timeout)
            // The runtime's late answer got 410; it logged it and went on serving.
            try await Task.sleep(for: .milliseconds(700))
            let after = await emulator.invoke("5")
            #expect(after.status == .ok)
            #expect(after.text == "5")
            #expect(await emulator.runtimeProcess()?.pid == pid)
        }
    }

    @Test func takesAStreamedAnswerAndAnErrorInItsTrailers() async throws {
        try await withEmulator(command: fixture("stream-three")) { emulator in
            let result = await emulator.invoke("{}")
            #expect(result.status == .ok)
            #expect(result.streamed)
            #expect(result.text == "one,two,three")
            #expect(result.firstByteNanoseconds != nil)
        }
        try await withEmulator(command: fixture("stream-fail")) { emulator in
            let result = await emulator.invoke("{}")
            #expect(result.status == .error)
            #expect(result.streamed)
            #expect(result.text == "partial answer")
            #expect(
                result.error
                    == LambdaErrorPayload(
                        errorType: "FixtureError",
                        errorMessage: "the source went away after 2 chunks"
                    )
            )
        }
    }

    @Test func sendsSIGTERMToARuntimeThatRegisteredAndItExitsOnItsOwn() async throws {
        let command = fixture("echo", environment: ["FIXTURE_SHUTDOWN_HOOK": "1"])
        try await withEmulator(command: command) { emulator in
            #expect(await emulator.invoke("hi").text == "hi")
            let termination = try await emulator.stopRuntime().get()
            // Its hooks ran and it exited 0 within Lambda's 500 ms: the emulator sends SIGKILL 500 ms after SIGTERM,
            // so a process still running then ends `.signalled(SIGKILL)`. (A wall clock around the stop measured the
            // test's own scheduling too, and went over 500 ms on a loaded CI machine.)
            #expect(termination == .exited(0))
            #expect(RuntimeAPIEmulator.shutdownGrace == .milliseconds(500))
        }
        try await withEmulator(command: fixture("echo")) { emulator in
            #expect(await emulator.invoke("hi").text == "hi")
            let termination = try await emulator.stopRuntime().get()
            #expect(termination == .signalled(SIGKILL))
        }
    }

    @Test func refusesRegistrationsAnInternalExtensionCannotMake() async throws {
        try await withEmulator(command: nil) { emulator in
            let register = "/2020-01-01/extension/register"
            let unnamed = try await http(emulator, "POST", register, body: Array(#"{"events":[]}"#.utf8))
            #expect(unnamed.status == 400)
            #expect(unnamed.text.contains("Lambda-Extension-Name"))
            let shutdown = try await http(
                emulator,
                "POST",
                register,
                headers: [("Lambda-Extension-Name", "x")],
                body: Array(#"{"events":["SHUTDOWN"]}"#.utf8)
            )
            #expect(shutdown.status == 400)
            #expect(shutdown.text.contains("ShutdownEventNotSupportedForInternalExtension"))
            // No runtime runs here to register.
            let none = try await http(
                emulator,
                "POST",
                register,
                headers: [("Lambda-Extension-Name", "x")],
                body: Array(#"{"events":[]}"#.utf8)
            )
            #expect(none.status == 403)
            let poll = try await http(
                emulator,
                "GET",
                "/2020-01-01/extension/event/next",
                headers: [("Lambda-Extension-Identifier", "made-up")]
            )
            #expect(poll.status == 403)
        }
    }

    @Test func readsTheConcurrencyFromTheEnvironmentAndRefusesABadOne() throws {
        #expect(try EmulatorConfiguration.fromEnvironment(["AWS_LAMBDA_MAX_CONCURRENCY": "8"]).maxConcurrency == 8)
        #expect(throws: LocalLambdaError.self) {
            try EmulatorConfiguration.fromEnvironment(["AWS_LAMBDA_MAX_CONCURRENCY": "0"])
        }
    }
}
