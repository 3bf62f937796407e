/// The one error type of the local tools: emulator, process supervisor, replay.
public struct LocalLambdaError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A setting or environment variable has a value the tools cannot use.
        case invalidConfiguration
        /// The runtime process could not be started.
        case spawnFailed
        /// The emulator could not listen on its address.
        case bindFailed
        /// An event file is missing or unreadable.
        case unreadableEvent
        /// The emulator was shut down while an invocation waited.
        case shutdown
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
