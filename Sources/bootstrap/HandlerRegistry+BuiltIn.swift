import LambdaRuntime

extension HandlerRegistry {
    /// Every handler this `bootstrap` offers; `_HANDLER` picks one by name.
    static var builtIn: HandlerRegistry {
        var registry = HandlerRegistry()
        registry.register("echo") { EchoHandler() }
        return registry
    }
}
