/// The handlers a `bootstrap` binary offers, by the name `_HANDLER` selects.
///
/// Each entry is a factory, so a handler's setup (reading configuration, building clients) runs once at init,
/// and a factory that throws is reported to Lambda as an init error.
public struct HandlerRegistry: Sendable {
    public typealias Factory = @Sendable () throws -> any LambdaHandler

    private var factories: [String: Factory] = [:]

    public init() {}

    /// Registers a byte handler under `name`, replacing any earlier one.
    public mutating func register(_ name: String, _ factory: @escaping @Sendable () throws -> any LambdaHandler) {
        factories[name] = factory
    }

    /// The registered names, sorted.
    public var names: [String] { factories.keys.sorted() }

    /// Builds the handler registered under `name`.
    /// - Throws: `LambdaRuntimeError` with code `.unknownHandler` when no handler has that name; whatever the
    ///   factory throws when its setup fails.
    public func makeHandler(named name: String) throws -> any LambdaHandler {
        guard let factory = factories[name] else {
            let available = names.map { "\"\($0)\"" }.joined(separator: ", ")
            throw LambdaRuntimeError(
                .unknownHandler,
                "_HANDLER is \"\(name)\", which names no handler in this bootstrap; set it to one of: \(available)"
            )
        }
        return try factory()
    }
}
