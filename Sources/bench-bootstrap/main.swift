// The runtime with I/O-bound handlers, for `upload-edge bench runtime --concurrency`: each invocation waits 5 ms,
// as a handler waiting on S3 or a database does. Not deployed; bootstrap does not depend on it.
import LambdaRuntime

#if canImport(Glibc)
import Glibc
#endif

var registry = HandlerRegistry()
// Blocks its worker thread for 5 ms, then echoes: a synchronous handler calling a blocking client.
registry.register("sleep-5ms") {
    ClosureHandler { event, _ in
        usleep(5_000)
        return event
    }
}
// Awaits 5 ms on Swift's concurrency runtime, then echoes: an async handler calling an async client.
registry.register("async-sleep-5ms") {
    AsyncClosureHandler { event, _ in
        try await Task.sleep(for: .milliseconds(5))
        return event
    }
}
RuntimeLoop.main(registry: registry)
