/// The one error type of the libcurl HTTP client.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The URL is not `http(s)://…`.
        case invalidURL
        /// No connection, a reset, a TLS failure.
        case transport
        /// The request took longer than its timeout.
        case timeout
        /// The response was larger than the limit the caller set.
        case responseTooLarge
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
