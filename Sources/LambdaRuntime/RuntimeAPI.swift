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
}
