import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Graceful shutdown: the runtime registers as an internal extension with no events, which makes Lambda send the
/// process SIGTERM before it shuts the environment down. On SIGTERM the registered hooks run, then the process
/// exits, within `deadlineMilliseconds` of the signal whatever the hooks do.
///
/// SIGTERM is blocked in every thread (the mask is set here, before any worker or task thread exists, and threads
/// inherit it) and taken by one thread with `sigwait`, so hooks run on an ordinary thread, not in a signal handler.
package enum GracefulShutdown {
    /// The name the runtime registers under.
    package static let extensionName = "lambda-runtime-graceful-shutdown"
    /// From SIGTERM to exit, at most.
    package static let deadlineMilliseconds = 500
    /// How long the hooks may run before the process exits without them finishing: the deadline, less slack.
    package static let hookBudgetMilliseconds = 450

    /// Registers the extension, starts its event poll, and starts the thread that waits for SIGTERM.
    /// - Throws: `LambdaRuntimeError` when the Extensions API refuses the registration or cannot be reached.
    package static func start(endpoint: String, hooks: [ShutdownHook], logger: Logger) throws(LambdaRuntimeError) {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)

        let curl = try CurlEasy(capturedHeaders: [ExtensionsAPI.Header.identifier], connectTimeoutMilliseconds: 2_000)
        let registerURL = "http://\(endpoint)\(ExtensionsAPI.registerPath)"
        let status = try curl.post(
            registerURL,
            body: Array(#"{"events":[]}"#.utf8),
            headers: HeaderList([
                "Expect:", "Content-Type: application/json", "\(ExtensionsAPI.Header.name): \(extensionName)",
            ])
        )
        guard status == 200, let identifier = curl.header(0), !identifier.isEmpty else {
            throw LambdaRuntimeError(
                .unexpectedStatus(status),
                "POST \(ExtensionsAPI.registerPath) answered \(status) "
                    + "\(String(decoding: curl.replyBody.prefix(256), as: UTF8.self)) without an extension id"
            )
        }
        logger.debug("registered as the internal extension \(extensionName) (\(identifier))")

        // Lambda counts the extension's init as done at its first `event/next`. With no events registered the
        // call waits until shutdown; the poll goes on in case Lambda ever answers.
        let poll = ExtensionPoll(curl: curl, url: "http://\(endpoint)\(ExtensionsAPI.nextEventPath)", id: identifier)
        NativeThread.detach { poll.run() }

        NativeThread.detach {
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGTERM)
            var received: Int32 = 0
            while sigwait(&signals, &received) != 0 || received != SIGTERM {}
            logger.info("SIGTERM: running \(hooks.count) shutdown hook(s), then exiting")
            NativeThread.detach {
                usleep(useconds_t(hookBudgetMilliseconds * 1000))
                logger.warning("shutdown hooks still running after \(hookBudgetMilliseconds) ms; exiting without them")
                _exit(0)
            }
            for hook in hooks {
                hook.run()
            }
            _exit(0)
        }
    }
}

/// The extension's `event/next` loop.
///
/// `@unchecked Sendable`: the curl handle is handed to the poll thread once, after registration, and only that
/// thread uses it from then on.
private final class ExtensionPoll: @unchecked Sendable {
    private let curl: CurlEasy
    private let url: String
    private let headers: HeaderList

    init(curl: CurlEasy, url: String, id: String) {
        self.curl = curl
        self.url = url
        self.headers = HeaderList(["\(ExtensionsAPI.Header.identifier): \(id)"])
    }

    func run() {
        while (try? curl.get(url, headers: headers)) == 200 {}
    }
}
