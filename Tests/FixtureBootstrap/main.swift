// A bootstrap for tests: the real runtime loop with handlers that misbehave on purpose.
import LambdaCodable
import LambdaRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The error a handler throws, with a message that tests choose.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

struct Greeting: Decodable {
    var name: String
}

struct Reply: Encodable {
    var greeting: String
}

/// How many invocations are inside the `gather` handler, across every worker thread.
enum Gathering {
    static let state = Locked((inside: 0, reached: false))
    static let patienceMilliseconds = 5_000
}

var registry = HandlerRegistry()
registry.register("echo") { EchoHandler() }
// Throws an error whose message is the event's text.
registry.register("fail") {
    ClosureHandler { event, _ in throw FixtureError(description: String(decoding: event, as: UTF8.self)) }
}
// Exits with the status the event holds, without answering.
registry.register("crash") {
    ClosureHandler { event, _ in exit(Int32(String(decoding: event, as: UTF8.self)) ?? 1) }
}
// Sleeps for the event's number of milliseconds, then echoes.
registry.register("sleep") {
    ClosureHandler { event, _ in
        usleep(useconds_t((Int(String(decoding: event, as: UTF8.self)) ?? 0) * 1000))
        return event
    }
}
// Returns as many bytes as the event says.
registry.register("big") {
    ClosureHandler { event, _ in
        [UInt8](repeating: UInt8(ascii: "x"), count: Int(String(decoding: event, as: UTF8.self)) ?? 0)
    }
}
// Logs the event's text at info, then echoes.
registry.register("log") {
    ClosureHandler { event, context in
        context.logger.info("handling \(String(decoding: event, as: UTF8.self))")
        return event
    }
}
// Its setup fails: an init error.
registry.register("init-fails") {
    throw FixtureError(description: "cannot read UPLOAD_BUCKET: it is not set")
}
// A typed handler: {"name": …} in, {"greeting": …} out.
registry.register("greet") {
    CodableClosureHandler { (event: Greeting, _) in Reply(greeting: "hello \(event.name)") }
}

// Waits until the event's number of invocations are inside this handler at once (across workers), then answers
// how many were; after 5 s without that many it fails, saying how many there were.
registry.register("gather") {
    ClosureHandler { event, _ in
        let wanted = Int(String(decoding: event, as: UTF8.self)) ?? 1
        var most = Gathering.state.withLock { state -> Int in
            state.inside += 1
            if state.inside >= wanted { state.reached = true }
            return state.inside
        }
        defer { Gathering.state.withLock { $0.inside -= 1 } }
        var waited = 0
        while !Gathering.state.withLock({ $0.reached }) {
            guard waited < Gathering.patienceMilliseconds else {
                throw FixtureError(description: "only \(most) of \(wanted) invocations were in the handler at once")
            }
            usleep(1_000)
            waited += 1
            most = max(most, Gathering.state.withLock { $0.inside })
        }
        return Array("gathered \(wanted)".utf8)
    }
}
// Streams "one,", "two,", "three" as three chunks.
registry.register("stream-three") {
    StreamingClosureHandler { _, _, stream in
        try stream.setContentType("text/plain")
        for chunk in ["one,", "two,", "three"] { try stream.write(chunk) }
    }
}
// Streams two chunks, then throws: the error must reach the caller as trailers.
registry.register("stream-fail") {
    StreamingClosureHandler { _, _, stream in
        try stream.write("partial ")
        try stream.write("answer")
        throw FixtureError(description: "the source went away after 2 chunks")
    }
}
// Async: sleeps the event's milliseconds on Swift's concurrency runtime, then echoes.
registry.register("async-sleep") {
    AsyncClosureHandler { event, _ in
        try await Task.sleep(for: .milliseconds(Int(String(decoding: event, as: UTF8.self)) ?? 0))
        return event
    }
}
// With FIXTURE_SHUTDOWN_HOOK set: a shutdown hook that prints, so a test sees that SIGTERM ran it.
if getenv("FIXTURE_SHUTDOWN_HOOK") != nil {
    registry.onShutdown("fixture-hook") { print("fixture shutdown hook ran") }
}

RuntimeLoop.main(registry: registry)
