/// Wire constants of the Lambda Runtime API (version 2018-06-01).
///
/// Every path, header name and limit the client and the local emulator share lives here, so the two
/// can never drift apart.
package enum RuntimeAPI {
    /// The API version, the first segment of every path.
    package static let version = "2018-06-01"
    /// `GET`: blocks until Lambda has an invocation, then answers with its event and its headers.
    package static let nextPath = "/2018-06-01/runtime/invocation/next"
    /// The start of every per-invocation path; the request id and `/response` or `/error` follow.
    package static let invocationPrefix = "/2018-06-01/runtime/invocation/"
    /// `POST`: reports that the runtime could not start (no handler, a factory that threw), before any `/next`.
    package static let initErrorPath = "/2018-06-01/runtime/init/error"

    /// `POST` the response of invocation `requestID` here.
    package static func responsePath(requestID: String) -> String {
        "\(invocationPrefix)\(requestID)/response"
    }

    /// `POST` the error of invocation `requestID` here, with ``errorContentType``.
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

    /// Header names of the Runtime API: on the `/next` answer, and on what the runtime posts back.
    package enum Header {
        /// On `/next`: the invocation's request id.
        package static let requestID = "Lambda-Runtime-Aws-Request-Id"
        /// On `/next`: when the invocation times out, in milliseconds since the Unix epoch.
        package static let deadline = "Lambda-Runtime-Deadline-Ms"
        /// On `/next`: the ARN the caller invoked, with its version or alias.
        package static let invokedFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
        /// On `/next`: the X-Ray trace header; absent when tracing is off.
        package static let traceID = "Lambda-Runtime-Trace-Id"
        /// On `/next`: the mobile SDK client context, JSON; absent for other callers.
        package static let clientContext = "Lambda-Runtime-Client-Context"
        /// On `/next`: the caller's Cognito identity, JSON; absent for other callers.
        package static let cognitoIdentity = "Lambda-Runtime-Cognito-Identity"
        /// On `/next`: the tenant of a tenant-isolated function; absent otherwise.
        package static let tenantID = "Lambda-Runtime-Aws-Tenant-Id"
        /// On `/error`, and as a trailer of a stream that failed: the error's type, printable ASCII only.
        package static let functionErrorType = "Lambda-Runtime-Function-Error-Type"
        /// The trailer of a streamed response that failed mid-stream: the error JSON, base64-encoded.
        package static let functionErrorBody = "Lambda-Runtime-Function-Error-Body"
        /// On `/response`: ``RuntimeAPI/streamingResponseMode`` for a streamed response.
        package static let responseMode = "Lambda-Runtime-Function-Response-Mode"
        /// Per invocation, never reused across retries (unlike the request id). Echoed on `/response` and
        /// `/error` so Lambda can refuse, with 410, the late answer of an invocation that timed out.
        package static let invocationID = "Lambda-Runtime-Invocation-Id"
    }
}

/// Wire constants of the Lambda Extensions API (version 2020-01-01), which the runtime uses to register itself
/// as an internal extension so that Lambda sends it SIGTERM before shutting the environment down.
package enum ExtensionsAPI {
    /// `POST`: registers an extension, during init; answered with its identifier.
    package static let registerPath = "/2020-01-01/extension/register"
    /// `GET`: blocks until the next event the extension registered for.
    package static let nextEventPath = "/2020-01-01/extension/event/next"

    /// Header names of the Extensions API.
    package enum Header {
        /// On register: the extension's name.
        package static let name = "Lambda-Extension-Name"
        /// Answered by register; sent on every later call.
        package static let identifier = "Lambda-Extension-Identifier"
    }
}

/// Names of the environment variables Lambda sets for a custom runtime, and the ones this runtime reads.
package enum LambdaEnvironment {
    /// The Runtime API's `host:port`.
    package static let runtimeAPI = "AWS_LAMBDA_RUNTIME_API"
    /// The handler to run, as the function's configuration names it.
    package static let handler = "_HANDLER"
    /// The current invocation's X-Ray trace header, which the runtime keeps up to date for AWS SDKs.
    package static let traceID = "_X_AMZN_TRACE_ID"
    /// The function's name.
    package static let functionName = "AWS_LAMBDA_FUNCTION_NAME"
    /// The version that runs: a number, or `$LATEST`.
    package static let functionVersion = "AWS_LAMBDA_FUNCTION_VERSION"
    /// The function's memory, in MB.
    package static let functionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
    /// The CloudWatch Logs group of the function's output.
    package static let logGroupName = "AWS_LAMBDA_LOG_GROUP_NAME"
    /// The log stream of this execution environment.
    package static let logStreamName = "AWS_LAMBDA_LOG_STREAM_NAME"
    /// The log format the function is configured with: `Text` or `JSON`.
    package static let logFormat = "AWS_LAMBDA_LOG_FORMAT"
    /// The lowest application log level, set with the JSON format: `TRACE` to `FATAL`.
    package static let logLevel = "AWS_LAMBDA_LOG_LEVEL"
    /// Where the function's code is unpacked (`/var/task`).
    package static let taskRoot = "LAMBDA_TASK_ROOT"
    /// The function's timeout, in seconds, as the local emulator sets it.
    package static let functionTimeout = "AWS_LAMBDA_FUNCTION_TIMEOUT"
    /// Lambda Managed Instances: how many invocations Lambda may send this process at once.
    package static let maxConcurrency = "AWS_LAMBDA_MAX_CONCURRENCY"
    /// This runtime's own setting: `true` registers an internal extension, so Lambda sends SIGTERM at shutdown
    /// and the registered shutdown hooks run. `false` turns it off even when hooks are registered.
    package static let gracefulShutdown = "LAMBDA_RUNTIME_GRACEFUL_SHUTDOWN"
}
