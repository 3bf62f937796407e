import LambdaRuntime
import NIOCore
import NIOHTTP1

/// The Extensions API, as far as an internal extension uses it: registration with no events, and the event poll,
/// which waits until the runtime stops. A runtime that registered is stopped with SIGTERM first (see
/// `RuntimeAPIEmulator.stopRuntime()`).
extension RuntimeAPIEmulator {
    /// Answers `POST /2020-01-01/extension/register`.
    func extensionRegistrationReceived(name: String?, body: ByteBuffer) -> (HTTPResponseStatus, HTTPHeaders, String) {
        func refused(
            _ status: HTTPResponseStatus,
            _ type: String,
            _ message: String
        ) -> (
            HTTPResponseStatus, HTTPHeaders, String
        ) {
            (status, HTTPHeaders(), Self.errorJSON(type: type, message: message))
        }
        guard let name, !name.isEmpty else {
            return refused(
                .badRequest,
                "InvalidRequest",
                "register needs the \(ExtensionsAPI.Header.name) header: the extension's name"
            )
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        guard let events = Self.registeredEvents(text) else {
            return refused(
                .badRequest,
                "InvalidRequest",
                #"the register body must be {"events":[…]} with INVOKE or SHUTDOWN; got \#(text.prefix(80))"#
            )
        }
        if events.contains("SHUTDOWN") {
            return refused(
                .badRequest,
                "ShutdownEventNotSupportedForInternalExtension",
                "an internal extension cannot register for SHUTDOWN: Lambda sends the process SIGTERM instead"
            )
        }
        if events.contains("INVOKE") {
            return refused(
                .badRequest,
                "InvalidRequest",
                "this emulator sends no INVOKE events to extensions; register with {\"events\":[]}"
            )
        }
        guard let runtime else {
            return refused(.forbidden, "InvalidStateTransition", "no runtime is running to register an extension")
        }
        guard !runtime.sawNext else {
            return refused(
                .forbidden,
                "InvalidStateTransition",
                "State transition from Ready to ExtensionRegistered failed: register before the runtime's first /next"
            )
        }
        guard runtime.extensionID == nil else {
            return refused(.forbidden, "InvalidStateTransition", "extension \(name) is already registered")
        }
        let id = Identifiers.requestID()
        runtime.extensionID = id
        var headers = HTTPHeaders()
        headers.add(name: ExtensionsAPI.Header.identifier, value: id)
        headers.add(name: "Content-Type", value: "application/json")
        let handler = JSONString.quoted(command?.environment[LambdaEnvironment.handler] ?? "")
        let answer =
            "{\"functionName\":\(JSONString.quoted(configuration.functionName)),"
            + "\"functionVersion\":\"$LATEST\",\"handler\":\(handler)}"
        return (.ok, headers, answer)
    }

    /// Parks `GET /2020-01-01/extension/event/next` until the runtime stops, or refuses an unknown id.
    func extensionEventRequested(by waiter: NextWaiter, id: String?) {
        guard let runtime, let registered = runtime.extensionID, id == registered else {
            waiter.respondError(
                status: .forbidden,
                type: "Extension.UnknownExtensionIdentifier",
                message: "\(ExtensionsAPI.Header.identifier) \"\((id ?? "").prefix(64))\" was not given by register"
            )
            return
        }
        extensionPolls.append(waiter)
    }

    func extensionPollClosed(_ waiter: NextWaiter) {
        extensionPolls.removeAll { $0 === waiter }
    }

    /// The `events` of a register body, or `nil` when it is not `{"events":[strings]}`.
    static func registeredEvents(_ body: String) -> [String]? {
        guard case .object(let object)? = JSONText.value(Array(body.utf8)), case .array(let items)? = object["events"]
        else { return nil }
        var events: [String] = []
        for item in items {
            guard case .string(let event) = item else { return nil }
            events.append(event)
        }
        return events
    }
}
