import LambdaRuntime

/// Registration of typed handlers, whose events and results are JSON decoded and encoded with this module's coders.
extension HandlerRegistry {
    /// Registers a typed handler under `name`; its events are decoded from JSON and its results encoded to JSON.
    public mutating func register<Handler: LambdaCodableHandler & SendableMetatype>(
        _ name: String,
        _ factory: @escaping @Sendable () throws -> Handler
    ) {
        let adapted: @Sendable () throws -> any LambdaHandler = { CodableHandlerAdapter(try factory()) }
        register(name, adapted)
    }

    /// Registers an async typed handler under `name`; its events are decoded from JSON and its results encoded to
    /// JSON, and it runs on Swift's concurrency runtime.
    public mutating func register<Handler: AsyncLambdaCodableHandler>(
        _ name: String,
        _ factory: @escaping @Sendable () throws -> Handler
    ) {
        register(name) { AsyncCodableHandlerAdapter(try factory()) }
    }
}
