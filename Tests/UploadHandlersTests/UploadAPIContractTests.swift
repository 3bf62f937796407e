import Foundation
import Testing

@testable import UploadHandlers

/// `deploy/openapi.yaml` and the routes `presign` dispatches on name the same routes, both ways.
@Suite struct UploadAPIContractTests {
    static let specPath = "deploy/openapi.yaml"

    /// `METHOD /path` of every operation under the spec's `paths:`, read from its block layout: paths indented by
    /// two spaces, their operations by four (the layout `deploy/openapi.yaml` keeps).
    static func specRoutes(_ text: String) -> Set<String> {
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var routes = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let content = line.dropFirst(indent)
            if content.isEmpty || content.hasPrefix("#") { continue }
            if indent == 0 {
                inPaths = content.hasPrefix("paths:")
                path = nil
                continue
            }
            guard inPaths, let colon = content.firstIndex(of: ":") else { continue }
            let name = content[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            if indent == 2 {
                path = name
            } else if indent == 4, let path, methods.contains(name) {
                routes.insert("\(name.uppercased()) \(path)")
            }
        }
        return routes
    }

    static var handlerRoutes: Set<String> { Set(PresignHandler.routes.map { "\($0.method) \($0.path)" }) }

    @Test func everyRouteTheHandlerServesIsInTheSpecAndEveryRouteInTheSpecIsServed() throws {
        let text = try String(contentsOfFile: Self.specPath, encoding: .utf8)
        let spec = Self.specRoutes(text)
        let served = Self.handlerRoutes
        #expect(!spec.isEmpty, "no routes read from \(Self.specPath)")
        #expect(served.subtracting(spec).sorted() == [], "served by presign but missing from \(Self.specPath)")
        #expect(spec.subtracting(served).sorted() == [], "in \(Self.specPath) but not served by presign")
    }

    @Test func theReaderFindsOperationsAndOnlyOperations() {
        let text = """
            openapi: 3.1.0
            paths:
              /a:
                get:
                  parameters: []
                delete:
                  responses: {}
              "/b/{key}":
                parameters: []
                post:
                  summary: x
            components:
              schemas:
                get:
                  type: object
            """
        #expect(Self.specRoutes(text) == ["GET /a", "DELETE /a", "POST /b/{key}"])
    }

    /// Each entry of the table is what dispatch finds for a request to it, so the table cannot list a route the
    /// dispatcher does not serve.
    @Test func dispatchServesEveryRouteOfTheTable() throws {
        let handler = try Fixture.presign()
        let key = "uploads/user-1/0b5c4a8e-3f1d-4e2a-9c7b-6d5e4f3a2b1c/photo.png"
        for route in PresignHandler.routes {
            let path =
                "/api"
                + route.path.replacingOccurrences(of: "{key}", with: key.replacingOccurrences(of: "/", with: "%2F"))
            let exchange = HTTPExchange(method: route.method, path: path)
            let expected: PresignHandler.Route =
                switch route.endpoint {
                case .read: .limits
                case .create: .create
                case .status: .status(key)
                case .download: .download(key)
                case .listParts: .listParts
                case .abort: .abort
                case .signParts: .signParts
                case .complete: .complete
                }
            #expect(try handler.route(of: exchange) == expected, "\(route.method) \(path)")
        }
    }
}
