import Foundation
import LambdaRuntime
import Logging
import Synchronization
import TestSupport
import Testing

@Suite("Runtime loop against a scripted Runtime API")
struct RuntimeLoopTests {
    @Test func fetchesAnInvocationAndPostsTheResponseBytesOverOneConnection() async throws {
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(id: "req-1", event: #"{"n":1}"#), .accepted,
            .invocation(id: "req-2", event: #"{"n":2}"#), .accepted,
        ])
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: api, maxInvocations: 2)
        #expect(exit == .finished)
        let requests = api.requests
        try #require(requests.count == 4)
        #expect(requests[0].head.hasPrefix("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"))
        #expect(requests[1].head.hasPrefix("POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\n"))
        #expect(requests[1].body == Array(#"{"n":1}"#.utf8))
        #expect(requests[1].header("Content-Length") == "7")
        #expect(requests[3].path == "/2018-06-01/runtime/invocation/req-2/response")
        // One reused handle: one TCP connection for every request.
        #expect(Set(requests.map(\.connection)) == [1])
        #expect(api.connections == 1)
    }

    @Test func postsWithoutExpectContinueOrAFormContentType() async throws {
        let big = String(repeating: "a", count: 2 * 1024 * 1024)
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "big", event: big), .accepted])
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: api, maxInvocations: 1)
        #expect(exit == .finished)
        let post = try #require(api.requests.last)
        // Over 1 MiB curl would otherwise send `Expect: 100-continue` and wait for an answer.
        #expect(post.header("Expect") == nil)
        #expect(post.header("Content-Type") == nil)
        #expect(post.header("Content-Length") == String(big.utf8.count))
        #expect(post.body.count == big.utf8.count)
        #expect(post.header("Transfer-Encoding") == nil)
    }

    @Test(arguments: [
        #"quote " and backslash \ and slash /"#,
        "newline\n tab\t return\r nul\u{0} bell\u{07} escape\u{1B} del\u{7F}",
        "non-ASCII: Grüße, 日本語, עברית",
        "emoji: 🎉👩‍👩‍👧 and a flag 🇩🇪",
        "line separators \u{2028} \u{2029}",
        String(repeating: "\"\\\n", count: 1000),
    ])
    func postsErrorsAsValidJSONWhateverTheMessage(message: String) async throws {
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "e1", event: "{}"), .accepted])
        let registry = HandlerRegistry.only("fail") { ClosureHandler { _, _ in throw TestError(description: message) } }
        #expect(await runLoop(registry, handler: "fail", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.last)
        #expect(post.path == "/2018-06-01/runtime/invocation/e1/error")
        #expect(post.header("Content-Type") == "application/vnd.aws.lambda.error+json")
        #expect(post.header("Lambda-Runtime-Function-Error-Type") == "TestError")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        #expect(object["errorMessage"] as? String == message)
        #expect(object["errorType"] as? String == "TestError")
        #expect((object["stackTrace"] as? [Any])?.isEmpty == true)
        #expect(Set(object.keys) == ["errorMessage", "errorType", "stackTrace"])
    }

    @Test func reportableErrorsChooseTheirTypeAndAHeaderSafeCopyGoesInTheHeader() async throws {
        struct Unauthorized: LambdaReportableError {
            var errorType: String { "Unauthorized\r\nX-Injected: yes" }
            var errorMessage: String { "Unauthorized" }
        }
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "u1", event: "{}"), .accepted])
        let registry = HandlerRegistry.only("auth") { ClosureHandler { _, _ in throw Unauthorized() } }
        #expect(await runLoop(registry, handler: "auth", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.last)
        #expect(post.header("Lambda-Runtime-Function-Error-Type") == "Unauthorized__X-Injected:_yes")
        #expect(post.header("X-Injected") == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        #expect(object["errorType"] as? String == "Unauthorized\r\nX-Injected: yes")
    }

    @Test func logsA413AndGoesOnToTheNextInvocation() async throws {
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(id: "too-big", event: "7000000"),
            .init(
                status: 413,
                reason: "Request Entity Too Large",
                body: Array(
                    #"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#
                        .utf8
                )
            ),
            .invocation(id: "fine", event: "3"), .accepted,
        ])
        let registry = HandlerRegistry.only("big") {
            ClosureHandler { event, _ in
                [UInt8](repeating: 120, count: Int(String(decoding: event, as: UTF8.self)) ?? 0)
            }
        }
        let log = RecordingLogHandler.Store()
        #expect(await runLoop(registry, handler: "big", api: api, maxInvocations: 2, log: log) == .finished)
        let paths = api.requests.map(\.path)
        #expect(
            paths == [
                "/2018-06-01/runtime/invocation/next", "/2018-06-01/runtime/invocation/too-big/response",
                "/2018-06-01/runtime/invocation/next", "/2018-06-01/runtime/invocation/fine/response",
            ]
        )
        #expect(!paths.contains { $0.hasSuffix("/error") })
        let entry = try #require(log.all.first { $0.level == .error })
        #expect(entry.message.contains("7000000 bytes is over Lambda's limit of 6291556 bytes"))
        #expect(entry.metadata["requestId"] == "too-big")
    }

    @Test func exitsOnA5xxFromTheRuntimeAPI() async throws {
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(id: "r", event: "{}"),
            .init(status: 500, reason: "Internal Server Error", body: Array("container error".utf8)),
            .invocation(id: "never", event: "{}"),
        ])
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: api)
        #expect(exit == .runtimeAPIFailed)
        #expect(exit.exitCode == 2)
        #expect(api.requests.count == 2)
    }

    @Test func retriesAnUnreachableRuntimeAPIABoundedNumberOfTimesThenExits() async throws {
        // A port that was just free: nothing listens there.
        let api = try ScriptedRuntimeAPI(script: [])
        api.stop()
        let log = RecordingLogHandler.Store()
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: api, log: log)
        #expect(exit == .runtimeAPIUnreachable)
        let retries = log.all.filter { $0.level == .warning && $0.message.contains("retry") }
        #expect(retries.count == RuntimeLoop.maxNextRetries)
    }

    @Test func setsTheTraceIDVariableForEachInvocationAndRemovesItWhenAbsent() async throws {
        let long = "Root=1-" + String(repeating: "ab", count: 200)
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(
                id: "t1",
                event: "",
                extraHeaders: [("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")]
            ),
            .accepted,
            .invocation(id: "t2", event: "", extraHeaders: [("Lambda-Runtime-Trace-Id", long)]),
            .accepted,
            .invocation(id: "t3", event: ""),
            .accepted,
            .invocation(id: "t4", event: "", extraHeaders: [("Lambda-Runtime-Trace-Id", "Root=1-short")]),
            .accepted,
        ])
        let registry = HandlerRegistry.only("trace") {
            ClosureHandler { _, context in
                let variable = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } ?? "<unset>"
                return Array("\(variable)|\(context.traceID ?? "<none>")".utf8)
            }
        }
        #expect(await runLoop(registry, handler: "trace", api: api, maxInvocations: 4) == .finished)
        let answers = api.requests.filter { $0.method == "POST" }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(
            answers == [
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1|Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                "\(long)|\(long)",
                "<unset>|<none>",
                "Root=1-short|Root=1-short",
            ]
        )
    }

    @Test func handsTheHandlerEveryContextField() async throws {
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(
                id: "ctx-1",
                event: "{}",
                deadline: 1_900_000_012_345,
                arn: "arn:aws:lambda:eu-west-1:123456789012:function:presign:live",
                extraHeaders: [
                    ("Lambda-Runtime-Trace-Id", "Root=1-abc"),
                    ("Lambda-Runtime-Client-Context", #"{"client":{"app_title":"uploader"},"custom":{"k":1}}"#),
                    (
                        "Lambda-Runtime-Cognito-Identity",
                        #"{"cognitoIdentityId":"eu-west-1:1234","cognitoIdentityPoolId":"eu-west-1:pool"}"#
                    ),
                    ("Lambda-Runtime-Aws-Tenant-Id", "tenant-42"),
                ]
            ),
            .accepted,
        ])
        let seen = Locked<LambdaContext?>(nil)
        let registry = HandlerRegistry.only("ctx") {
            ClosureHandler { event, context in
                seen.withLock { $0 = context }
                return event
            }
        }
        let function = FunctionConfiguration(
            name: "presign",
            version: "7",
            memoryLimitMB: 512,
            logGroupName: "/aws/lambda/presign",
            logStreamName: "2026/11/25/[7]abc"
        )
        #expect(await runLoop(registry, handler: "ctx", api: api, maxInvocations: 1, function: function) == .finished)
        let context = try #require(seen.withLock { $0 })
        #expect(context.requestID == "ctx-1")
        #expect(context.deadlineMilliseconds == 1_900_000_012_345)
        #expect(context.remainingTime(nowMilliseconds: 1_900_000_010_345) == .seconds(2))
        #expect(context.remainingTime(nowMilliseconds: 1_900_000_099_999) == .zero)
        #expect(context.invokedFunctionARN == "arn:aws:lambda:eu-west-1:123456789012:function:presign:live")
        #expect(context.traceID == "Root=1-abc")
        #expect(context.clientContext?["client"]?["app_title"] == .string("uploader"))
        #expect(context.clientContext?["custom"]?["k"] == .integer(1))
        #expect(context.cognitoIdentity?["cognitoIdentityId"] == .string("eu-west-1:1234"))
        #expect(context.tenantID == "tenant-42")
        #expect(context.function == function)
    }

    @Test func reportsAnUnknownHandlerAsAnInitErrorNamingTheChoices() async throws {
        let api = try ScriptedRuntimeAPI(script: [.accepted])
        var registry = HandlerRegistry()
        registry.register("echo") { EchoHandler() }
        registry.register("presign") { EchoHandler() }
        let exit = await runLoop(registry, handler: "presing", api: api)
        #expect(exit == .initFailed)
        #expect(exit.exitCode == 1)
        let post = try #require(api.requests.first)
        #expect(post.path == "/2018-06-01/runtime/init/error")
        #expect(post.header("Lambda-Runtime-Function-Error-Type") == "Runtime.HandlerNotFound")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        #expect(
            object["errorMessage"] as? String
                == #"_HANDLER is "presing", which names no handler in this bootstrap; set it to one of: "echo", "presign""#
        )
        #expect(api.requests.count == 1)
    }

    @Test func reportsAHandlerWhoseSetupThrowsAsAnInitError() async throws {
        let api = try ScriptedRuntimeAPI(script: [.accepted])
        let registry = HandlerRegistry.only("presign") { throw TestError(description: "UPLOAD_BUCKET is not set") }
        #expect(await runLoop(registry, handler: "presign", api: api) == .initFailed)
        let post = try #require(api.requests.first)
        #expect(post.path == "/2018-06-01/runtime/init/error")
        #expect(post.header("Content-Type") == "application/vnd.aws.lambda.error+json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        #expect(object["errorMessage"] as? String == "UPLOAD_BUCKET is not set")
        #expect(object["errorType"] as? String == "TestError")
    }

    @Test func reportsAMissingHandlerSettingAsAnInitError() async throws {
        let api = try ScriptedRuntimeAPI(script: [.accepted])
        #expect(await runLoop(.only("echo") { EchoHandler() }, handler: nil, api: api) == .initFailed)
        let post = try #require(api.requests.first)
        #expect(post.header("Lambda-Runtime-Function-Error-Type") == "Runtime.InvalidConfiguration")
        #expect(String(decoding: post.body, as: UTF8.self).contains(#"_HANDLER is not set"#))
    }

    @Test func stopsWithoutARuntimeAPIAddress() async {
        let log = RecordingLogHandler.Store()
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: nil, log: log)
        #expect(exit == .notConfigured)
        #expect(log.all.contains { $0.level == .critical && $0.message.contains("AWS_LAMBDA_RUNTIME_API is not set") })
    }

    @Test func logLinesFromAHandlerCarryTheRequestID() async throws {
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "log-1", event: "{}"), .accepted])
        let log = RecordingLogHandler.Store()
        let registry = HandlerRegistry.only("log") {
            ClosureHandler { event, context in
                context.logger.info("validated upload")
                return event
            }
        }
        #expect(await runLoop(registry, handler: "log", api: api, maxInvocations: 1, log: log) == .finished)
        let entry = try #require(log.all.first { $0.message == "validated upload" })
        #expect(entry.metadata["requestId"] == "log-1")
    }
}

@Suite("Runtime loop: invocation ids, late answers, streaming")
struct RuntimeContractTests {
    @Test func echoesTheInvocationIDOnResponseAndErrorOnlyWhenNextSentIt() async throws {
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(id: "r1", event: "ok", extraHeaders: [("Lambda-Runtime-Invocation-Id", "inv-1")]), .accepted,
            .invocation(id: "r2", event: "no id"), .accepted,
        ])
        let exit = await runLoop(.only("echo") { EchoHandler() }, handler: "echo", api: api, maxInvocations: 2)
        #expect(exit == .finished)
        let requests = api.requests
        try #require(requests.count == 4)
        #expect(requests[1].header("Lambda-Runtime-Invocation-Id") == "inv-1")
        #expect(requests[3].header("Lambda-Runtime-Invocation-Id") == nil)

        let failing = try ScriptedRuntimeAPI(script: [
            .invocation(id: "e1", event: "boom", extraHeaders: [("Lambda-Runtime-Invocation-Id", "inv-e")]), .accepted,
        ])
        let registry = HandlerRegistry.only("fail") { ClosureHandler { _, _ in throw TestError(description: "boom") } }
        #expect(await runLoop(registry, handler: "fail", api: failing, maxInvocations: 1) == .finished)
        let post = try #require(failing.requests.last)
        #expect(post.path == "/2018-06-01/runtime/invocation/e1/error")
        #expect(post.header("Lambda-Runtime-Invocation-Id") == "inv-e")
    }

    @Test func aGoneAnswerIsLoggedAndTheLoopGoesOn() async throws {
        let gone = ScriptedRuntimeAPI.Reply(status: 410, reason: "Gone", body: Array(#"{"errorType":"Gone"}"#.utf8))
        let api = try ScriptedRuntimeAPI(script: [
            .invocation(id: "late", event: "1", extraHeaders: [("Lambda-Runtime-Invocation-Id", "inv-late")]), gone,
            .invocation(id: "next", event: "2"), .accepted,
        ])
        let log = RecordingLogHandler.Store()
        let exit = await runLoop(
            .only("echo") { EchoHandler() },
            handler: "echo",
            api: api,
            maxInvocations: 2,
            log: log
        )
        #expect(exit == .finished)
        #expect(api.requests.count == 4)
        #expect(api.requests[3].path == "/2018-06-01/runtime/invocation/next/response")
        #expect(log.all.contains { $0.message.contains("410 Gone") && $0.message.contains("inv-late") })
    }

    @Test func anErrorBeforeTheFirstStreamedByteGoesToTheErrorPath() async throws {
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "s1", event: "x"), .accepted])
        var registry = HandlerRegistry()
        registry.register("stream-fails") {
            StreamingClosureHandler { _, _, _ in throw TestError(description: "no bytes yet") }
        }
        #expect(await runLoop(registry, handler: "stream-fails", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.last)
        #expect(post.path == "/2018-06-01/runtime/invocation/s1/error")
        #expect(post.header("Lambda-Runtime-Function-Response-Mode") == nil)
    }

    @Test func asyncHandlersAnswerThroughTheSameLoop() async throws {
        let api = try ScriptedRuntimeAPI(script: [.invocation(id: "a1", event: "ping"), .accepted])
        var registry = HandlerRegistry()
        registry.register("async") {
            AsyncClosureHandler { event, _ in
                try await Task.sleep(for: .milliseconds(5))
                return event + Array(" pong".utf8)
            }
        }
        #expect(await runLoop(registry, handler: "async", api: api, maxInvocations: 1) == .finished)
        #expect(api.requests.last?.body == Array("ping pong".utf8))
    }

    @Test func aBadConcurrencySettingRunsOneWorkerAndSaysWhatToSet() {
        var warnings: [String] = []
        #expect(RuntimeLoop.Settings.parseConcurrency("four", warnings: &warnings) == 1)
        #expect(RuntimeLoop.Settings.parseConcurrency("0", warnings: &warnings) == 1)
        #expect(RuntimeLoop.Settings.parseConcurrency("4", warnings: &warnings) == 4)
        #expect(RuntimeLoop.Settings.parseConcurrency(nil, warnings: &warnings) == 1)
        #expect(warnings.count == 2)
        #expect(warnings[0].contains("AWS_LAMBDA_MAX_CONCURRENCY is \"four\""))
    }
}
