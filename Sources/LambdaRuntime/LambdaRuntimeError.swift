/// The one error type of the runtime: what went wrong between this process and the Lambda Runtime API,
/// or in its own configuration.
public struct LambdaRuntimeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is; it picks the ``errorType`` Lambda reports.
    public enum Code: Sendable, Equatable {
        /// `AWS_LAMBDA_RUNTIME_API` is not set, so there is no Runtime API to talk to.
        case runtimeAPINotConfigured
        /// `_HANDLER` is not set.
        case handlerNotConfigured
        /// `_HANDLER` names no registered handler.
        case unknownHandler
        /// libcurl failed to set up or to complete a request (connection refused, reset, timeout).
        case transport
        /// The Runtime API answered with a status the runtime cannot continue after.
        case unexpectedStatus(Int)
        /// A `/next` answer lacked a header the contract requires.
        case missingHeader
        /// A streaming handler used its response stream out of order or past Lambda's limit.
        case responseStream
    }

    /// What kind of failure it is.
    public let code: Code
    /// What the user should know: what was wrong and how to fix it.
    public let message: String

    /// Creates an error of kind `code` whose text is `message`.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The ``message``.
    public var description: String { message }
}

extension LambdaRuntimeError: LambdaReportableError {
    /// The `Runtime.*` type Lambda reports: `Runtime.InvalidConfiguration`, `Runtime.HandlerNotFound`,
    /// `Runtime.RuntimeAPIError` or `Runtime.ResponseStreamError`, by ``code-swift.property``.
    public var errorType: String {
        switch code {
        case .runtimeAPINotConfigured, .handlerNotConfigured: "Runtime.InvalidConfiguration"
        case .unknownHandler: "Runtime.HandlerNotFound"
        case .transport, .unexpectedStatus, .missingHeader: "Runtime.RuntimeAPIError"
        case .responseStream: "Runtime.ResponseStreamError"
        }
    }

    /// The ``message``, as Lambda reports it.
    public var errorMessage: String { message }
}
