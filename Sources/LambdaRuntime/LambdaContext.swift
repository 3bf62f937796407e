import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What Lambda tells a handler about the invocation in hand and the function it runs in.
public struct LambdaContext: Sendable {
    /// The invocation's id (`Lambda-Runtime-Aws-Request-Id`).
    public let requestID: String
    /// When Lambda stops the invocation, in milliseconds since the Unix epoch (`Lambda-Runtime-Deadline-Ms`).
    public let deadlineMilliseconds: Int64
    /// The ARN the caller invoked, with its version or alias.
    public let invokedFunctionARN: String
    /// The X-Ray trace header, also set as `_X_AMZN_TRACE_ID` for the invocation.
    public let traceID: String?
    /// The mobile client context, parsed; `rawClientContext` keeps the header as sent.
    public let clientContext: JSONValue?
    /// The `Lambda-Runtime-Client-Context` header as sent; `nil` when the caller sent no client context.
    public let rawClientContext: String?
    /// The Cognito identity of a mobile SDK caller, parsed; `rawCognitoIdentity` keeps the header as sent.
    public let cognitoIdentity: JSONValue?
    /// The `Lambda-Runtime-Cognito-Identity` header as sent; `nil` when the caller is not a Cognito identity.
    public let rawCognitoIdentity: String?
    /// The tenant of a tenant-isolated function (`Lambda-Runtime-Aws-Tenant-Id`).
    public let tenantID: String?
    /// The function's name, version, memory and log destination.
    public let function: FunctionConfiguration
    /// A logger whose lines carry this invocation's request id.
    public let logger: Logger

    /// A context from the Runtime API's headers; the client context and Cognito identity are parsed from their raw
    /// JSON, and left `nil` when it does not parse.
    public init(
        requestID: String,
        deadlineMilliseconds: Int64,
        invokedFunctionARN: String,
        traceID: String? = nil,
        rawClientContext: String? = nil,
        rawCognitoIdentity: String? = nil,
        tenantID: String? = nil,
        function: FunctionConfiguration = .init(),
        logger: Logger
    ) {
        self.requestID = requestID
        self.deadlineMilliseconds = deadlineMilliseconds
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.rawClientContext = rawClientContext
        self.clientContext = rawClientContext.flatMap(Self.parseJSON)
        self.rawCognitoIdentity = rawCognitoIdentity
        self.cognitoIdentity = rawCognitoIdentity.flatMap(Self.parseJSON)
        self.tenantID = tenantID
        self.function = function
        self.logger = logger
    }

    /// The time left before the deadline, as seen at `nowMilliseconds` (Unix epoch). Never negative.
    public func remainingTime(nowMilliseconds: Int64) -> Duration {
        .milliseconds(max(0, deadlineMilliseconds - nowMilliseconds))
    }

    /// The time left before the deadline, now.
    public var remainingTime: Duration {
        remainingTime(nowMilliseconds: WallClock.nowMilliseconds())
    }

    private static func parseJSON(_ text: String) -> JSONValue? {
        try? JSONValue(parsing: text)
    }
}

/// The function's own settings, read once from the environment Lambda sets.
public struct FunctionConfiguration: Sendable, Equatable {
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`); empty outside Lambda.
    public var name: String
    /// The version that runs (`AWS_LAMBDA_FUNCTION_VERSION`): a number, or `$LATEST`.
    public var version: String
    /// The memory configured for the function, in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    public var memoryLimitMB: Int
    /// The CloudWatch Logs group the function's output goes to (`AWS_LAMBDA_LOG_GROUP_NAME`).
    public var logGroupName: String
    /// The log stream of this execution environment (`AWS_LAMBDA_LOG_STREAM_NAME`).
    public var logStreamName: String

    /// A configuration with Lambda's values for a function it knows nothing about: no name, `$LATEST`, 128 MB and no
    /// log destination, unless given.
    public init(
        name: String = "",
        version: String = "$LATEST",
        memoryLimitMB: Int = 128,
        logGroupName: String = "",
        logStreamName: String = ""
    ) {
        self.name = name
        self.version = version
        self.memoryLimitMB = memoryLimitMB
        self.logGroupName = logGroupName
        self.logStreamName = logStreamName
    }

    /// Reads `AWS_LAMBDA_FUNCTION_NAME`, `_VERSION`, `_MEMORY_SIZE`, `AWS_LAMBDA_LOG_GROUP_NAME` and
    /// `AWS_LAMBDA_LOG_STREAM_NAME`; unset values keep their defaults.
    public static func fromEnvironment() -> FunctionConfiguration {
        var configuration = FunctionConfiguration()
        if let name = ProcessEnvironment.value(LambdaEnvironment.functionName) { configuration.name = name }
        if let version = ProcessEnvironment.value(LambdaEnvironment.functionVersion) {
            configuration.version = version
        }
        if let memory = ProcessEnvironment.value(LambdaEnvironment.functionMemorySize).flatMap({ Int($0) }) {
            configuration.memoryLimitMB = memory
        }
        if let group = ProcessEnvironment.value(LambdaEnvironment.logGroupName) { configuration.logGroupName = group }
        if let stream = ProcessEnvironment.value(LambdaEnvironment.logStreamName) {
            configuration.logStreamName = stream
        }
        return configuration
    }
}

/// Wall-clock time without Foundation's `Date`.
package enum WallClock {
    /// Milliseconds since the Unix epoch.
    package static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
