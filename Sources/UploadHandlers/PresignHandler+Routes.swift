import SigV4

extension PresignHandler {
    /// What a request asks for, by method and path.
    enum Route: Equatable {
        /// `GET /uploads`: the caller's limits, for the page's checks before an upload.
        case limits
        /// `GET /uploads/{key}`: one upload's status.
        case status(String)
        /// `POST /uploads`: a new upload (POST form, PUT URL, or a multipart upload).
        case create
        /// `POST /uploads/multipart/parts`: presigned part URLs.
        case signParts
        /// `GET /uploads/multipart`: the parts S3 holds, for resuming.
        case listParts
        /// `POST /uploads/multipart/complete`.
        case complete
        /// `DELETE /uploads/multipart`.
        case abort
        /// `GET /uploads?list=1`: the caller's own uploads, newest first, a page at a time.
        case list
        /// `GET /uploads/{key}/download`: a short-lived download URL for a clean upload.
        case download(String)
    }

    /// One route of the upload API: a method on a path template, as `deploy/openapi.yaml` names them.
    struct APIRoute: Sendable, Equatable {
        enum Endpoint: Sendable, Equatable {
            /// `limits`, or `list` with the `list` query parameter.
            case read
            case create
            case status
            case download
            case listParts
            case abort
            case signParts
            case complete
        }

        var method: String
        /// The path after the stage, with `{key}` for an upload's key (API Gateway's `{key+}`).
        var path: String
        var endpoint: Endpoint
    }

    /// Every route `presign` serves, and the only place `route(of:)` finds them; `deploy/openapi.yaml` describes
    /// exactly these (`UploadAPIContractTests`). OPTIONS (a CORS preflight) is answered on every path.
    static let routes: [APIRoute] = [
        APIRoute(method: "GET", path: "/uploads", endpoint: .read),
        APIRoute(method: "POST", path: "/uploads", endpoint: .create),
        APIRoute(method: "GET", path: "/uploads/multipart", endpoint: .listParts),
        APIRoute(method: "DELETE", path: "/uploads/multipart", endpoint: .abort),
        APIRoute(method: "POST", path: "/uploads/multipart/parts", endpoint: .signParts),
        APIRoute(method: "POST", path: "/uploads/multipart/complete", endpoint: .complete),
        APIRoute(method: "GET", path: "/uploads/{key}", endpoint: .status),
        APIRoute(method: "GET", path: "/uploads/{key}/download", endpoint: .download),
    ]

    /// What a 405 on each path suggests instead.
    private static let methodHints: [String: String] = [
        "/uploads": "to /uploads: POST with a JSON body asks for an upload, GET reads your limits "
            + "(and GET /uploads/{key} one upload's status)",
        "/uploads/multipart": "to /uploads/multipart: GET lists an upload's parts, DELETE aborts it",
        "/uploads/multipart/parts": "to sign parts",
        "/uploads/multipart/complete": "to complete an upload",
        "/uploads/{key}": "to /uploads/{key} for an upload's status",
        "/uploads/{key}/download": "for a download URL",
    ]

    /// The route of a request. The path may carry the stage (`/api/uploads`); a key in it is percent-encoded, or
    /// given decoded as the `{key+}` path parameter.
    func route(of exchange: HTTPExchange) throws(UploadAPIError) -> Route {
        var path = exchange.path
        while path.hasSuffix("/") { path.removeLast() }
        var rest: Substring?
        var search = path[...]
        while let range = search.firstRange(of: "/uploads") {
            let after = search[range.upperBound...]
            if after.isEmpty || after.hasPrefix("/") {
                rest = after
                break
            }
            search = after
        }
        guard let rest else {
            // A Function URL is the whole API: a POST to any other path asks for an upload, as it always has.
            if exchange.method == "POST" { return .create }
            var paths: [String] = []
            for route in Self.routes where !paths.contains(route.path) { paths.append(route.path) }
            throw UploadAPIError(
                404,
                "NotFound",
                "the upload API serves \(paths.dropLast().joined(separator: ", ")) and \(paths.last ?? "")"
            )
        }
        let template: String
        var key = ""
        if rest.isEmpty || Self.routes.contains(where: { $0.path == "/uploads" + rest && !$0.path.contains("{") }) {
            template = "/uploads" + rest
        } else {
            if let parameter = exchange.pathParameters["key"], !parameter.isEmpty {
                key = parameter
            } else {
                guard let decoded = URIEncoding.decode(rest.dropFirst()), !decoded.isEmpty else {
                    throw .badRequest("the key in the path is not percent-encoded UTF-8")
                }
                key = decoded
            }
            // {key+} takes …/download too: it is a download when what is left still has the shape of a key,
            // {prefix}{sub}/{uuid}/{name} (a file named "download" keeps its status route).
            let suffix = "/download"
            if key.hasSuffix(suffix), key.hasPrefix(configuration.limits.keyPrefix),
                key.dropFirst(configuration.limits.keyPrefix.count).dropLast(suffix.count)
                    .split(separator: "/", omittingEmptySubsequences: false).count >= 3
            {
                template = "/uploads/{key}/download"
                key.removeLast(suffix.count)
            } else {
                template = "/uploads/{key}"
            }
        }
        let served = Self.routes.filter { $0.path == template }
        guard let route = served.first(where: { $0.method == exchange.method }) else {
            let methods = served.map(\.method).sorted().joined(separator: " or ")
            throw UploadAPIError(
                405,
                "MethodNotAllowed",
                "\(exchange.method) is not served here; send \(methods) \(Self.methodHints[template] ?? "")"
            )
        }
        switch route.endpoint {
        case .read: return exchange.query["list"] != nil ? .list : .limits
        case .create: return .create
        case .status: return .status(key)
        case .download: return .download(key)
        case .listParts: return .listParts
        case .abort: return .abort
        case .signParts: return .signParts
        case .complete: return .complete
        }
    }
}
