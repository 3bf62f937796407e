import Foundation
import LambdaCodable
import LambdaRuntime
import Synchronization
import TestSupport
import Testing

/// Invocations in flight at once, across the threads of `N` workers: until `wanted` are inside, each waits.
final class Gathering: Sendable {
    let wanted: Int
    private let state = Locked((inside: 0, reached: false))

    init(wanted: Int) {
        self.wanted = wanted
    }

    /// Enters, waits (at most 5 s) until `wanted` are inside, and says whether they were.
    func gather() -> Bool {
        state.withLock { state in
            state.inside += 1
            if state.inside >= wanted { state.reached = true }
        }
        defer { state.withLock { $0.inside -= 1 } }
        for _ in 0..<5_000 {
            if state.withLock({ $0.reached }) { return true }
            usleep(1_000)
        }
        return false
    }

    /// `gather()` for async code: it waits without holding a thread of Swift's concurrency pool.
    func gatherAsync() async throws -> Bool {
        state.withLock { state in
            state.inside += 1
            if state.inside >= wanted { state.reached = true }
        }
        defer { state.withLock { $0.inside -= 1 } }
        for _ in 0..<5_000 {
            if state.withLock({ $0.reached }) { return true }
            try await Task.sleep(for: .milliseconds(1))
        }
        return false
    }
}

/// The runtime against a strict Runtime API that serves connections concurrently and reads bodies as they are sent
/// (chunks and trailers too): Managed Instances workers, invocation ids, and streamed responses on the wire.
@Suite("Runtime against a strict concurrent Runtime API")
struct ManagedInstancesTests {
    static func invocations(_ count: Int, event: String) -> [ScriptedRuntimeAPI.Reply] {
        (1...count).map {
            .invocation(id: "r\($0)", event: event, extraHeaders: [("Lambda-Runtime-Invocation-Id", "inv-\($0)")])
        }
    }

    @Test func fourWorkersHoldFourInvocationsAtOnceEachWithItsOwnConnectionAndHandler() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(8, event: "x"))
        let gathering = Gathering(wanted: 4)
        let built = Atomic<Int>(0)
        let registry = HandlerRegistry.only("gather") {
            built.add(1, ordering: .relaxed)
            return ClosureHandler { _, _ in Array((gathering.gather() ? "gathered" : "alone").utf8) }
        }
        let exit = await runLoop(registry, handler: "gather", api: api, maxInvocations: 8, concurrency: 4)
        #expect(exit == .finished)
        #expect(api.mostInvocationsInFlight == 4)
        #expect(built.load(ordering: .relaxed) == 4)
        #expect(api.connections == 4)
        let answers = api.requests.filter { $0.path.hasSuffix("/response") }
        #expect(answers.count == 8)
        // The first four answers can only come once four were held; the last four may come one by one.
        #expect(answers.prefix(4).allSatisfy { $0.body == Array("gathered".utf8) })
        for answer in answers {
            let id = answer.path.split(separator: "/")[3]
            #expect(answer.header("Lambda-Runtime-Invocation-Id") == "inv-\(id.dropFirst())")
        }
    }

    @Test func asyncHandlersRunConcurrentlyUpToTheLimit() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(4, event: "x"))
        let gathering = Gathering(wanted: 4)
        var registry = HandlerRegistry()
        registry.register("async-gather") {
            AsyncClosureHandler { _, _ in
                Array((try await gathering.gatherAsync() ? "gathered" : "alone").utf8)
            }
        }
        let exit = await runLoop(registry, handler: "async-gather", api: api, maxInvocations: 4, concurrency: 4)
        #expect(exit == .finished)
        #expect(api.mostInvocationsInFlight == 4)
        #expect(api.requests.filter { $0.path.hasSuffix("/response") }.allSatisfy { $0.body == Array("gathered".utf8) })
    }

    struct Order: Decodable, Sendable { var item: String }
    struct Receipt: Encodable, Sendable {
        var item: String
        var worker: Bool
    }

    @Test func asyncCodableHandlersDecodeAwaitAndEncodeAndNameABadEvent() async throws {
        let api = try ScriptedRuntimeAPI(invocations: [
            .invocation(id: "ok", event: #"{"item":"tea"}"#), .invocation(id: "bad", event: #"{"thing":1}"#),
        ])
        var registry = HandlerRegistry()
        registry.register("order") {
            AsyncCodableClosureHandler { (order: Order, _) in
                try await Task.sleep(for: .milliseconds(1))
                return Receipt(item: order.item, worker: Thread.isMainThread == false)
            }
        }
        #expect(await runLoop(registry, handler: "order", api: api, maxInvocations: 2) == .finished)
        let answer = try #require(api.requests.first { $0.path.hasSuffix("/ok/response") })
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"item":"tea","worker":true}"#)
        let error = try #require(api.requests.first { $0.path.hasSuffix("/bad/error") })
        #expect(error.header("Lambda-Runtime-Function-Error-Type") == "Runtime.EventDecodingError")
        #expect(String(decoding: error.body, as: UTF8.self).contains("item"))
    }

    @Test func streamsEachWriteAsOneChunkWithTheHeadersLambdaReads() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(1, event: "x"))
        var registry = HandlerRegistry()
        registry.register("three") {
            StreamingClosureHandler { _, _, stream in
                try stream.setContentType("text/plain")
                for chunk in ["one,", "two,", "three"] { try stream.write(chunk) }
            }
        }
        #expect(await runLoop(registry, handler: "three", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.first { $0.path.hasSuffix("/response") })
        #expect(post.path == "/2018-06-01/runtime/invocation/r1/response")
        #expect(post.header("Lambda-Runtime-Function-Response-Mode") == "streaming")
        #expect(post.header("Transfer-Encoding") == "chunked")
        #expect(post.header("Content-Length") == nil)
        #expect(post.header("Content-Type") == "text/plain")
        #expect(post.header("Lambda-Runtime-Invocation-Id") == "inv-1")
        #expect(
            post.header("Trailer")?.replacingOccurrences(of: " ", with: "")
                == "Lambda-Runtime-Function-Error-Type,Lambda-Runtime-Function-Error-Body"
        )
        #expect(post.chunks.map { String(decoding: $0, as: UTF8.self) } == ["one,", "two,", "three"])
        #expect(post.trailers.isEmpty)
        #expect(post.raw.suffix(5) == Array("0\r\n\r\n".utf8))
    }

    /// libcurl 7.88 kept its trailer state on a reused handle, and the second chunked upload wrote before its
    /// buffer: streamed responses run on a copy of the handle that shares the connection.
    @Test func streamsResponseAfterResponseOverOneKeptConnection() async throws {
        let event = String(repeating: "0123456789abcdef", count: 10_000)
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(5, event: event))
        var registry = HandlerRegistry()
        registry.register("stream-echo") { StreamEchoHandler() }
        #expect(await runLoop(registry, handler: "stream-echo", api: api, maxInvocations: 5) == .finished)
        let posts = api.requests.filter { $0.path.hasSuffix("/response") }
        #expect(posts.count == 5)
        for post in posts {
            #expect(post.body == Array(event.utf8))
            #expect(post.header("Transfer-Encoding") == "chunked")
        }
        #expect(api.connections == 1)
    }

    @Test func aFunctionURLStreamStartsWithTheHTTPIntegrationPreludeAndEightNULs() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(1, event: "x"))
        var registry = HandlerRegistry()
        registry.register("url") {
            StreamingClosureHandler { _, _, stream in
                try stream.writeHTTPIntegrationPrelude(
                    statusCode: 201,
                    headers: ["content-type": "text/plain", "x-quote": "a\"b"],
                    cookies: ["session=1; Secure"]
                )
                try stream.write("created")
            }
        }
        #expect(await runLoop(registry, handler: "url", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.first { $0.path.hasSuffix("/response") })
        #expect(post.header("Content-Type") == "application/vnd.awslambda.http-integration-response")
        let prelude =
            #"{"statusCode":201,"headers":{"content-type":"text/plain","x-quote":"a\"b"},"cookies":["session=1; Secure"]}"#
        #expect(post.body == Array(prelude.utf8) + [UInt8](repeating: 0, count: 8) + Array("created".utf8))
        #expect(post.chunks.count == 2)
    }

    @Test func aStreamOverLambdasLimitIsRefusedWithWhatToDoInstead() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(1, event: "x"))
        var registry = HandlerRegistry()
        registry.register("huge") {
            StreamingClosureHandler { _, _, stream in
                // Lazy: 200 MB and one byte, never allocated.
                try stream.write(repeatElement(UInt8(0), count: 200 * 1024 * 1024 + 1))
            }
        }
        #expect(await runLoop(registry, handler: "huge", api: api, maxInvocations: 1) == .finished)
        // Refused before the first byte, so it is an ordinary error, with the limit and the way out in it.
        let post = try #require(api.requests.first { $0.path.hasSuffix("/error") })
        let text = String(decoding: post.body, as: UTF8.self)
        #expect(text.contains("200 MB"))
        #expect(text.contains("S3"))
    }

    @Test func anErrorMidStreamEndsTheBodyWithTheErrorInTrailers() async throws {
        let api = try ScriptedRuntimeAPI(invocations: Self.invocations(1, event: "x"))
        var registry = HandlerRegistry()
        registry.register("fails") {
            StreamingClosureHandler { _, _, stream in
                try stream.write("partial ")
                try stream.write("answer")
                throw TestError(description: "the source went away")
            }
        }
        #expect(await runLoop(registry, handler: "fails", api: api, maxInvocations: 1) == .finished)
        let post = try #require(api.requests.first { $0.path.hasSuffix("/response") })
        #expect(post.chunks.map { String(decoding: $0, as: UTF8.self) } == ["partial ", "answer"])
        #expect(post.trailer("Lambda-Runtime-Function-Error-Type") == "TestError")
        let encoded = try #require(post.trailer("Lambda-Runtime-Function-Error-Body"))
        let body = try #require(Data(base64Encoded: encoded))
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["errorType"] as? String == "TestError")
        #expect(object["errorMessage"] as? String == "the source went away")
        // Nothing went to /error: the caller already has the first bytes.
        #expect(!api.requests.contains { $0.path.hasSuffix("/error") })
    }
}
