import Foundation
import LambdaRuntime
import LocalLambda
import TestSupport
import Testing

/// An independent Runtime API client against the emulator: awslambdaric, the Python runtime interface client
/// built on aws-lambda-cpp.
@Suite("Runtime API emulator: awslambdaric as the client")
struct AwslambdaricTests {
    /// The Python that has awslambdaric: `UPLOAD_EDGE_PYTHON`, which `make test` sets to its venv.
    static let python = PythonTools.python

    static var available: Bool { PythonTools.has("awslambdaric") }

    /// A directory holding the Python handlers.
    static func handlerDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-ric-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        def echo(event, context):
            return event

        def fail(event, context):
            raise ValueError("bad upload: " + str(event.get("key")))

        def context_fields(event, context):
            return {"requestId": context.aws_request_id, "arn": context.invoked_function_arn,
                    "remainingPositive": context.get_remaining_time_in_millis() > 0}
        """.write(to: directory.appendingPathComponent("handlers.py"), atomically: true, encoding: .utf8)
        return directory.path
    }

    private func command(_ handler: String, in directory: String) -> RuntimeCommand {
        RuntimeCommand(
            arguments: [Self.python!, "-m", "awslambdaric", "handlers.\(handler)"],
            environment: ["PYTHONPATH": directory, "LAMBDA_TASK_ROOT": directory],
            output: .discard
        )
    }

    @Test(
        .enabled(
            if: available,
            "needs awslambdaric: run `make test`, or set UPLOAD_EDGE_PYTHON to a Python that has it"
        )
    )
    func echoesThroughTheEmulator() async throws {
        let directory = try Self.handlerDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withEmulator(command: command("echo", in: directory)) { emulator in
            for index in 0..<3 {
                let result = await emulator.invoke(#"{"key":"uploads/\#(index).png","size":5368709120}"#)
                #expect(result.status == .ok)
                let value = try #require(JSONText.value(result.body))
                #expect(value == .object(["key": .string("uploads/\(index).png"), "size": .integer(5_368_709_120)]))
            }
        }
    }

    @Test(
        .enabled(
            if: available,
            "needs awslambdaric: run `make test`, or set UPLOAD_EDGE_PYTHON to a Python that has it"
        )
    )
    func reportsItsErrorsThroughTheErrorEndpoint() async throws {
        let directory = try Self.handlerDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withEmulator(command: command("fail", in: directory)) { emulator in
            let result = await emulator.invoke(#"{"key":"x.exe"}"#)
            #expect(result.status == .error)
            #expect(result.error?.errorType == "ValueError")
            #expect(result.error?.errorMessage == "bad upload: x.exe")
        }
    }

    @Test(
        .enabled(
            if: available,
            "needs awslambdaric: run `make test`, or set UPLOAD_EDGE_PYTHON to a Python that has it"
        )
    )
    func readsTheInvocationHeadersTheEmulatorSends() async throws {
        let directory = try Self.handlerDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withEmulator(command: command("context_fields", in: directory)) { emulator in
            let result = await emulator.invoke(InvocationRequest(payload: Array("{}".utf8), requestID: "ric-1"))
            #expect(result.status == .ok)
            let value = try #require(JSONText.value(result.body))
            #expect(value["requestId"] == .string("ric-1"))
            #expect(value["arn"] == .string("arn:aws:lambda:us-east-1:012345678912:function:test_function"))
            #expect(value["remainingPositive"] == .bool(true))
        }
    }
}
