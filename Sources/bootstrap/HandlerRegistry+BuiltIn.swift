import LambdaEvents
import LambdaRuntime

extension HandlerRegistry {
    /// Every handler this `bootstrap` offers; `_HANDLER` picks one by name.
    static var builtIn: HandlerRegistry {
        var registry = HandlerRegistry()
        // The event bytes, unchanged: smoke tests and the runtime benchmark.
        registry.register("echo") { EchoHandler() }
        // Any event, decoded by shape and summarised.
        registry.register("inspect") { InspectHandler() }
        // One function for every event source: each event goes to the handler for its kind.
        registry.register("route") { EventRouter(routes: [:], fallback: InspectHandler()) }
        return registry
    }
}
