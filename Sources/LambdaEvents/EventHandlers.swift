import LambdaCodable
import LambdaRuntime

/// Decodes any event by its shape and answers with its summary (`EventSummary`): shows what the runtime
/// received, typed. An event of no known shape is an error that names its top-level keys.
public struct InspectHandler: LambdaHandler {
    /// The handler; it keeps no state.
    public init() {}

    /// Answers with `event`'s summary as JSON.
    /// - Throws: `LambdaEventError` when `event` is no known kind or does not decode as its kind.
    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        try LambdaJSONEncoder().encode(EventSummary.of(try LambdaEvent.decode(event)))
    }
}

/// Sends each event to the handler for its kind, told by shape: one function for every event source.
public struct EventRouter: LambdaHandler {
    private var routes: [LambdaEventKind: any LambdaHandler]
    private var fallback: (any LambdaHandler)?

    /// A router sending each kind to its handler in `routes`, and the others to `fallback`.
    /// - Parameters:
    ///   - routes: The handler for each kind.
    ///   - fallback: The handler for kinds without a route; without one, such events fail with a message that
    ///     says which kinds are routed.
    public init(routes: [LambdaEventKind: any LambdaHandler], fallback: (any LambdaHandler)? = nil) {
        self.routes = routes
        self.fallback = fallback
    }

    /// Tells `event`'s kind by its shape and hands the bytes, undecoded, to that kind's handler.
    /// - Throws: `LambdaEventError` when the kind is unknown or has no handler, or what the handler throws.
    public mutating func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let kind = try LambdaEvent.kind(of: event)
        if var handler = routes[kind] {
            defer { routes[kind] = handler }
            return try handler.handle(event, context: context)
        }
        guard var fallback else {
            let routed = routes.keys.map(\.rawValue).sorted().joined(separator: ", ")
            throw LambdaEventError(.unrecognised, "no handler for \(kind.rawValue) events; routed: \(routed)")
        }
        defer { self.fallback = fallback }
        return try fallback.handle(event, context: context)
    }
}

extension LambdaEventError: LambdaReportableError {
    /// The `errorType` Lambda reports: `Event.Unrecognised`, `Event.Malformed`, `Event.Invalid`,
    /// `Event.InvalidNestedPayload`.
    public var errorType: String {
        switch code {
        case .unrecognised: "Event.Unrecognised"
        case .malformed: "Event.Malformed"
        case .invalid: "Event.Invalid"
        case .invalidNestedPayload: "Event.InvalidNestedPayload"
        }
    }

    /// The `errorMessage` Lambda reports: the message, with the JSON path that failed.
    public var errorMessage: String { message }
}
