// A bootstrap for tests: the real runtime loop with handlers that misbehave on purpose.
import LambdaCodable
import LambdaRuntime

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

RuntimeLoop.main(registry: registry)
