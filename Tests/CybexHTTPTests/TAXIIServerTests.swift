import CybexCore
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("TAXII 2.1 server")
struct TAXIIServerTests {
    @Test("every endpoint requires credentials and answers 401 with a challenge for both schemes")
    func authenticationRequired() async throws {
        let node = try await TAXIITestNode.make()
        try await node.application().test(.router) { client in
            for path in ["/taxii2/", "/taxii2/cybex/", "/taxii2/cybex/collections/", node.objectsPath, "/metrics"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(path)")
                    let challenges = response.headers[values: .wwwAuthenticate]
                    #expect(challenges.contains { $0.hasPrefix("Basic") })
                    #expect(challenges.contains { $0.hasPrefix("Bearer") })
                    #expect(response.json["title"] as? String == "Unauthorized")
                }
            }
            try await client.execute(uri: "/taxii2/", method: .get, headers: TAXIITestNode.basic("analyst", "wrong password")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/taxii2/", method: .get, headers: [.authorization: "Bearer cbx_not-a-real-token-at-all"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/taxii2/", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .ok)
                #expect($0.headers[.contentType] == "application/taxii+json;version=2.1")
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        let failures = try await node.store.auditEvents(limit: 100).filter { $0.action == "auth.failure" }
        #expect(failures.count >= 2)
    }

    @Test("bad requests get the right status and a TAXII error resource, and change nothing")
    func badInput() async throws {
        let node = try await TAXIITestNode.make(maxContentLength: 4096)
        try await node.application().test(.router) { client in
            var headers = TAXIITestNode.posting("analyst")
            let cases: [(HTTPFields, ByteBuffer, HTTPResponse.Status)] = [
                (headers, ByteBuffer(string: "{not json"), .badRequest),
                (headers, ByteBuffer(string: #"{"objects": {}}"#), .badRequest),
                (headers, ByteBuffer(string: String(repeating: " ", count: 5000) + "{}"), .contentTooLarge),
                ({ headers[.contentType] = "application/json"; return headers }(), Fixture.envelope([Fixture.indicator(1)]), .unsupportedMediaType),
                ({ headers[.contentType] = "application/taxii+json;version=2.1"; headers[.accept] = "application/xml"; return headers }(),
                    Fixture.envelope([Fixture.indicator(1)]), .notAcceptable),
                (TAXIITestNode.posting("reader"), Fixture.envelope([Fixture.indicator(1)]), .forbidden),
            ]
            for (headers, body, expected) in cases {
                try await client.execute(uri: node.objectsPath, method: .post, headers: headers, body: body) { response in
                    #expect(response.status == expected)
                    #expect(response.headers[.contentType] == "application/taxii+json;version=2.1")
                    #expect(response.json["title"] is String)
                    #expect(response.json["http_status"] as? String == String(expected.code))
                }
            }
            try await client.execute(uri: "/taxii2/cybex/collections/no-such-collection/objects/", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: node.objectsPath + "indicator--\(Fixture.uuid(99))/", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .notFound)
            }
            // A collection the organisation has no rights on is indistinguishable from a missing one.
            try await client.execute(uri: node.objectsPath, method: .get, headers: TAXIITestNode.basic("stranger")) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: node.objectsPath + "?limit=0", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: node.objectsPath + "?match[version]=yesterday", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: node.objectsPath + "?next=forged", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .badRequest)
            }
        }
        #expect(try await node.store.objectCount(in: node.collectionID) == 0)
    }

    @Test("an invalid object fails in the status resource while its valid neighbours succeed")
    func partialEnvelope() async throws {
        let node = try await TAXIITestNode.make()
        try await node.application().test(.router) { client in
            let invalid = #"{"type":"indicator","spec_version":"2.1","id":"indicator--\#(Fixture.uuid(7))","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}"#
            let body = Fixture.envelope([Fixture.indicator(1), invalid, Fixture.indicator(2)])
            let status = try await client.execute(uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: body) {
                response in
                #expect(response.status == .accepted)
                return response.json
            }
            #expect(status["status"] as? String == "complete")
            #expect(status["total_count"] as? Int == 3)
            #expect(status["success_count"] as? Int == 2)
            #expect(status["failure_count"] as? Int == 1)
            #expect(status["pending_count"] as? Int == 0)
            let failure = (status["failures"] as? [[String: Any]])?.first
            #expect(failure?["id"] as? String == "indicator--\(Fixture.uuid(7))")
            #expect((failure?["message"] as? String)?.contains("pattern") == true)
            let statusID = try #require(status["id"] as? String)
            try await client.execute(uri: "/taxii2/cybex/status/\(statusID)/", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .ok)
                #expect($0.json["id"] as? String == statusID)
            }
            // Another user may not read someone else's status.
            try await client.execute(uri: "/taxii2/cybex/status/\(statusID)/", method: .get, headers: TAXIITestNode.basic("reader")) {
                #expect($0.status == .notFound)
            }
        }
        #expect(try await node.store.objectCount(in: node.collectionID) == 2)
    }

    @Test("versions, manifest, object-by-id and delete agree")
    func versionsAndDelete() async throws {
        let node = try await TAXIITestNode.make()
        let id = "indicator--\(Fixture.uuid(42))"
        try await node.application().test(.router) { client in
            let versions = ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]
            for version in versions {
                try await client.execute(
                    uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"),
                    body: Fixture.envelope([Fixture.indicator(42, id: id, modified: version)])
                ) { #expect($0.json["success_count"] as? Int == 1) }
            }
            let reader = TAXIITestNode.basic("reader")
            try await client.execute(uri: node.objectsPath + "\(id)/versions/", method: .get, headers: reader) {
                #expect($0.json["versions"] as? [String] == versions)
            }
            for (filter, expected) in [("", [versions[2]]), ("?match[version]=first", [versions[0]]), ("?match[version]=all", versions),
                ("?match[version]=first,last", [versions[0], versions[2]]), ("?match[version]=\(versions[1])", [versions[1]])] {
                try await client.execute(uri: node.objectsPath + "\(id)/" + filter, method: .get, headers: reader) { response in
                    let objects = response.json["objects"] as? [[String: Any]] ?? []
                    #expect(objects.map { $0["modified"] as? String } == expected, "\(filter)")
                    #expect(response.headers[HTTPField.Name("X-TAXII-Date-Added-First")!] != nil)
                }
            }
            try await client.execute(uri: "/taxii2/cybex/collections/\(node.collectionID)/manifest/?match[version]=all", method: .get, headers: reader) {
                let records = $0.json["objects"] as? [[String: Any]] ?? []
                #expect(records.compactMap { $0["version"] as? String } == versions)
                #expect(records.allSatisfy { $0["media_type"] as? String == "application/stix+json;version=2.1" })
            }
            try await client.execute(uri: node.objectsPath + "\(id)/", method: .delete, headers: reader) { #expect($0.status == .forbidden) }
            try await client.execute(uri: node.objectsPath + "\(id)/?match[version]=first", method: .delete, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: node.objectsPath + "\(id)/versions/", method: .get, headers: reader) {
                #expect($0.json["versions"] as? [String] == Array(versions.dropFirst()))
            }
            try await client.execute(uri: node.objectsPath + "\(id)/", method: .delete, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: node.objectsPath + "\(id)/", method: .get, headers: reader) { #expect($0.status == .notFound) }
            try await client.execute(uri: node.objectsPath + "\(id)/", method: .delete, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .notFound)
            }
        }
    }
}
