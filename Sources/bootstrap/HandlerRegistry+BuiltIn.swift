import LambdaEvents
import LambdaRuntime
import UploadHandlers

extension HandlerRegistry {
    /// Every handler this `bootstrap` offers; `_HANDLER` picks one by name.
    static var builtIn: HandlerRegistry {
        var registry = HandlerRegistry()
        // The event bytes, unchanged: smoke tests and the runtime benchmark.
        registry.register("echo") { EchoHandler() }
        // The event bytes again, streamed in three chunks: smoke tests of response streaming.
        registry.register("stream-echo") { StreamEchoHandler() }
        // Any event, decoded by shape and summarised.
        registry.register("inspect") { InspectHandler() }
        // The upload API: presigned uploads, the Lambda authorizer, Cognito's Pre Token Generation trigger.
        registry.register("presign") { try PresignHandler() }
        registry.register("authorize") { try AuthorizeHandler() }
        registry.register("pretoken") { try PreTokenHandler() }
        // After the upload: validates each new object, then tags, quarantines or deletes it.
        registry.register("object-created") { try ObjectCreatedHandler() }
        // One function for every event source: each event goes to the handler for its kind.
        registry.register("route") { UploadRoutes.router(environment: EnvironmentReader()) }
        return registry
    }
}
