/// A handler whose work is `async`: for handlers that call async libraries (AsyncHTTPClient, Soto, PostgresNIO).
///
/// It runs on Swift's concurrency runtime; the runtime's worker thread waits for it, with no event loop of its
/// own. Under Lambda Managed Instances each of the `AWS_LAMBDA_MAX_CONCURRENCY` workers has its own instance and
/// waits for its own invocation, so that many invocations are awaited at once.
public protocol AsyncLambdaHandler: Sendable {
    /// Handles one invocation.
    /// - Returns: The response payload.
    /// - Throws: Any error; the runtime reports it to Lambda as the invocation's error.
    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8]
}

/// An async handler made of a closure over raw bytes.
public struct AsyncClosureHandler: AsyncLambdaHandler {
    private let body: @Sendable ([UInt8], LambdaContext) async throws -> [UInt8]

    /// Wraps `body`, which is called once per invocation with the event and the context.
    public init(_ body: @escaping @Sendable ([UInt8], LambdaContext) async throws -> [UInt8]) {
        self.body = body
    }

    /// Calls the closure with `event` and `context`.
    /// - Throws: Whatever the closure throws.
    public func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        try await body(event, context)
    }
}

extension AsyncLambdaHandler {
    /// Runs `handle` to completion on the concurrency runtime and blocks this (non-concurrency) thread until it
    /// ends. The worker threads call this; it must never be called from inside a task.
    func handleBlocking(_ event: [UInt8], context: LambdaContext) -> Result<[UInt8], any Error> {
        let outcome = OneShot<SendableResult>()
        Task {
            do {
                outcome.fulfil(SendableResult(.success(try await handle(event, context: context))))
            } catch {
                outcome.fulfil(SendableResult(.failure(error)))
            }
        }
        return outcome.wait().result
    }
}

/// A handler's result carried from its task to the waiting worker thread.
///
/// `@unchecked Sendable`: `any Error` need not be `Sendable`, but the task that made the result hands it over once,
/// through `OneShot`'s lock, and never touches it again.
private struct SendableResult: @unchecked Sendable {
    let result: Result<[UInt8], any Error>
    init(_ result: Result<[UInt8], any Error>) { self.result = result }
}
