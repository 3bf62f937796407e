import LambdaEvents
import LambdaRuntime
import Logging

/// The `route` handler's table: API requests to `presign`, authorizer events to `authorize`, Pre Token Generation
/// to `pretoken`, S3 notifications (direct, EventBridge, SNS, SQS) to `object-created`, anything else to `inspect`.
public enum UploadRoutes {
    /// A router over the upload handlers. A handler whose configuration is missing or wrong does not stop the
    /// others: its events fail with the configuration error (which names the variable), and the rest are served.
    public static func router(environment: EnvironmentReader, logger: Logger = Logger(label: "route")) -> EventRouter {
        func build(_ name: String, _ make: () throws(ConfigurationError) -> any LambdaHandler) -> any LambdaHandler {
            do {
                return try make()
            } catch {
                logger.warning("\(name) is not configured; its events will fail", metadata: ["error": "\(error)"])
                return UnconfiguredHandler(name: name, error: error)
            }
        }
        let presign = build("presign") { () throws(ConfigurationError) in try PresignHandler(environment: environment) }
        let authorize = build("authorize") { () throws(ConfigurationError) in
            try AuthorizeHandler(environment: environment)
        }
        let pretoken = build("pretoken") { () throws(ConfigurationError) in
            try PreTokenHandler(environment: environment)
        }
        let objectCreated = build("object-created") { () throws(ConfigurationError) in
            try ObjectCreatedHandler(environment: environment)
        }
        return EventRouter(
            routes: [
                .apiGatewayV2: presign, .functionURL: presign, .apiGatewayV1: presign,
                .v2Authorizer: authorize, .tokenAuthorizer: authorize, .requestAuthorizer: authorize,
                .preTokenGenerationV1: pretoken, .preTokenGenerationV2: pretoken,
                .s3: objectCreated, .s3Test: objectCreated, .eventBridgeS3: objectCreated,
                .guardDutyMalwareScan: objectCreated, .sqs: objectCreated,
                .sns: objectCreated,
            ],
            fallback: InspectHandler()
        )
    }
}

/// Stands in for a handler whose configuration failed: every event it gets fails with that error.
struct UnconfiguredHandler: LambdaHandler {
    var name: String
    var error: ConfigurationError

    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        throw ConfigurationError(error.variable, "\(error.message) (needed by \(name))")
    }
}
