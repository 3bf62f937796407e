import LambdaRuntime

/// How one invocation ended, as replay reports it.
public enum InvocationStatus: String, Sendable, Codable, CaseIterable {
    /// The handler answered on `/response`.
    case ok
    /// The handler answered on `/error`, or its response was over the size limit.
    case error
    /// Init failed: the runtime posted `/runtime/init/error`.
    case initError = "init-error"
    /// The invocation ran past the function timeout; the runtime was killed.
    case timeout
    /// The runtime process exited without answering.
    case crash
}

/// The outcome of one invocation through the emulator.
public struct InvocationResult: Sendable {
    public var requestID: String
    public var status: InvocationStatus
    /// The response body (status `ok`), or the error body Lambda would hand the caller (every other status).
    public var body: [UInt8]
    /// For every status but `ok`: the error's type and message.
    public var error: LambdaErrorPayload?
    /// From the moment the invocation became active (dispatched, or started its runtime's init) to its end.
    public var durationNanoseconds: UInt64

    /// The answer came as a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`). With status
    /// `error`, a streamed answer failed mid-stream: `body` holds what was streamed before the error's trailers.
    public var streamed = false
    /// From the invocation becoming active to the first byte of a streamed answer.
    public var firstByteNanoseconds: UInt64?
    /// Whether the runtime echoed `Lambda-Runtime-Invocation-Id` on its answer (`nil`: it never answered).
    public var echoedInvocationID: Bool?

    public var durationMilliseconds: Double { Double(durationNanoseconds) / 1_000_000 }
}
