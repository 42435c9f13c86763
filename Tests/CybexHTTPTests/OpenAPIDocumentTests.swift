import CybexHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The OpenAPI document describes exactly the routes the router serves under `/api/v1`.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("every /api/v1 route is in the document, and every documented operation is a route")
    func documentMatchesRouter() async throws {
        let node = try await TAXIITestNode.makeREST()
        let router = CybexServer.router(configuration: node.configuration, store: node.store, metrics: nil, passwordHasher: TAXIITestNode.hasher)
        let routes = Set(
            router.routes.compactMap { route -> String? in
                let path = route.path.description
                guard path.hasPrefix("/api/v1/") else { return nil }
                return "\(route.method.rawValue) \(path.dropFirst("/api/v1".count))"
            })
        let document = try await node.application().test(.router) { client in
            try await client.execute(uri: "/api/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                return response.json
            }
        }
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in item.keys { documented.insert("\(method.uppercased()) \(path)") }
            for case let operation as [String: Any] in item.values {
                #expect(operation["operationId"] is String)
                #expect((operation["responses"] as? [String: Any])?["401"] != nil, "\(path)")
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
                let expected = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
                #expect(parameters.compactMap { $0["name"] as? String } == expected, "\(path)")
            }
        }
        #expect(routes.count >= 25)
        #expect(routes.subtracting(documented).isEmpty, "undocumented: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "not served: \(documented.subtracting(routes).sorted())")
        let schemes = (document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
        #expect(Set(schemes?.keys.map { $0 } ?? []) == ["basic", "bearer"])
    }
}
