#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The command that starts the function's runtime, and the environment it gets.
public struct RuntimeCommand: Sendable {
    public var arguments: [String]
    /// Added to (and overriding) the emulator's own environment.
    public var environment: [String: String]
    public var output: ChildProcess.Output
    /// With `output: .pipe`: receives each started runtime's pid and the read end of its output pipe, which it
    /// then owns.
    public var outputReceiver: (@Sendable (pid_t, Int32) -> Void)?

    public init(
        arguments: [String],
        environment: [String: String] = [:],
        output: ChildProcess.Output = .inherit,
        outputReceiver: (@Sendable (pid_t, Int32) -> Void)? = nil
    ) {
        self.arguments = arguments
        self.environment = environment
        self.output = output
        self.outputReceiver = outputReceiver
    }
}

/// What the caller of an invocation may set, as the Invoke API's headers do.
public struct InvocationRequest: Sendable {
    public var payload: [UInt8]
    /// `X-Amzn-Trace-Id`; generated when absent.
    public var traceID: String?
    /// The client context JSON (the Invoke API takes it base64-encoded in `X-Amz-Client-Context`).
    public var clientContext: String?
    public var cognitoIdentity: String?
    public var tenantID: String?
    /// `X-Amzn-RequestId`; generated when absent.
    public var requestID: String?

    public init(
        payload: [UInt8],
        traceID: String? = nil,
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        tenantID: String? = nil,
        requestID: String? = nil
    ) {
        self.payload = payload
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
        self.requestID = requestID
    }
}
