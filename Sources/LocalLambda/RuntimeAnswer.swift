import NIOCore

/// One answer a runtime posted to `/response` or `/error`, as the emulator judges it: buffered, or streamed
/// (chunked, with an error after the first byte in its trailers).
struct RuntimeAnswer {
    var requestID: String
    var isError: Bool
    /// The body, kept up to one byte past the limit.
    var body: ByteBuffer
    /// The body's whole length, kept or not.
    var bodyLength: Int
    /// `Lambda-Runtime-Function-Error-Type` on the request.
    var errorTypeHeader: String?
    /// `Lambda-Runtime-Invocation-Id` as the runtime echoed it, if it did.
    var invocationID: String?
    /// `Lambda-Runtime-Function-Response-Mode: streaming`.
    var streamed = false
    /// When the first body byte came (uptime nanoseconds).
    var firstByteAt: UInt64?
    /// The error type and base64 error body from the trailers of a streamed answer.
    var trailerErrorType: String?
    var trailerErrorBody: String?
}
