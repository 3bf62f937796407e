/// Wire constants of the Lambda Runtime API (version 2018-06-01).
///
/// Every path, header name and limit the client and the local emulator share lives here, so the two
/// can never drift apart.
package enum RuntimeAPI {
    package static let version = "2018-06-01"
    package static let nextPath = "/2018-06-01/runtime/invocation/next"
    package static let invocationPrefix = "/2018-06-01/runtime/invocation/"
    package static let initErrorPath = "/2018-06-01/runtime/init/error"

    package static func responsePath(requestID: String) -> String {
        "\(invocationPrefix)\(requestID)/response"
    }

    package static func errorPath(requestID: String) -> String {
        "\(invocationPrefix)\(requestID)/error"
    }

    /// The largest streamed response Lambda accepts: 200 MB. The first 6 MB go out at full speed; past them
    /// Lambda caps the rate at 2 MB/s.
    package static let maxStreamedResponseBytes = 200 * 1024 * 1024

    /// The response mode header value of a streamed response.
    package static let streamingResponseMode = "streaming"

    /// The content type of a streamed Function URL response: a JSON prelude (`statusCode`, `headers`,
    /// `cookies`), eight NUL bytes, then the body.
    package static let httpIntegrationContentType = "application/vnd.awslambda.http-integration-response"

    /// The largest buffered response Lambda accepts: 6 MiB plus the 100 bytes of slack Lambda allows.
    package static let maxResponseBytes = 6_291_556

    /// The content type of `/error` and `/init/error` bodies.
    package static let errorContentType = "application/vnd.aws.lambda.error+json"

    package enum Header {
        package static let requestID = "Lambda-Runtime-Aws-Request-Id"
        package static let deadline = "Lambda-Runtime-Deadline-Ms"
        package static let invokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
        package static let traceID = "Lambda-Runtime-Trace-Id"
        package static let clientContext = "Lambda-Runtime-Client-Context"
        package static let cognitoIdentity = "Lambda-Runtime-Cognito-Identity"
        package static let tenantID = "Lambda-Runtime-Aws-Tenant-Id"
        package static let functionErrorType = "Lambda-Runtime-Function-Error-Type"
        /// The trailer of a streamed response that failed mid-stream: the error JSON, base64-encoded.
        package static let functionErrorBody = "Lambda-Runtime-Function-Error-Body"
        package static let responseMode = "Lambda-Runtime-Function-Response-Mode"
        /// Per invocation, never reused across retries (unlike the request id). Echoed on `/response` and
        /// `/error` so Lambda can refuse, with 410, the late answer of an invocation that timed out.
        package static let invocationID = "Lambda-Runtime-Invocation-Id"
    }
}

/// Wire constants of the Lambda Extensions API (version 2020-01-01), which the runtime uses to register itself
/// as an internal extension so that Lambda sends it SIGTERM before shutting the environment down.
package enum ExtensionsAPI {
    package static let registerPath = "/2020-01-01/extension/register"
    package static let nextEventPath = "/2020-01-01/extension/event/next"

    package enum Header {
        /// On register: the extension's name.
        package static let name = "Lambda-Extension-Name"
        /// Answered by register; sent on every later call.
        package static let identifier = "Lambda-Extension-Identifier"
    }
}

/// Names of the environment variables Lambda sets for a custom runtime, and the ones this runtime reads.
package enum LambdaEnvironment {
    package static let runtimeAPI = "AWS_LAMBDA_RUNTIME_API"
    package static let handler = "_HANDLER"
    package static let traceID = "_X_AMZN_TRACE_ID"
    package static let functionName = "AWS_LAMBDA_FUNCTION_NAME"
    package static let functionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
    package static let functionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
    package static let logGroupName = "AWS_LAMBDA_LOG_GROUP_NAME"
    package static let logStreamName = "AWS_LAMBDA_LOG_STREAM_NAME"
    package static let logFormat = "AWS_LAMBDA_LOG_FORMAT"
    package static let logLevel = "AWS_LAMBDA_LOG_LEVEL"
    package static let taskRoot = "LAMBDA_TASK_ROOT"
    package static let functionTimeout = "AWS_LAMBDA_FUNCTION_TIMEOUT"
    /// Lambda Managed Instances: how many invocations Lambda may send this process at once.
    package static let maxConcurrency = "AWS_LAMBDA_MAX_CONCURRENCY"
    /// This runtime's own setting: `true` registers an internal extension, so Lambda sends SIGTERM at shutdown
    /// and the registered shutdown hooks run. `false` turns it off even when hooks are registered.
    package static let gracefulShutdown = "LAMBDA_RUNTIME_GRACEFUL_SHUTDOWN"
}
