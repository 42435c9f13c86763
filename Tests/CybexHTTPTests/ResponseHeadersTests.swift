import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every response says `X-Content-Type-Options: nosniff`, and all but `/healthz` say
/// `Cache-Control: no-store` (issue 13, finding 8c), over real HTTP.
@Suite("Response headers")
struct ResponseHeadersTests {
    static let nosniff = HTTPField.Name("X-Content-Type-Options")!

    @Test("object content, administrative data, errors and the OpenAPI document are not stored by caches; nothing is sniffed")
    func securityHeaders() async throws {
        let node = try await TAXIITestNode.makeREST()
        let amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
        let object = String(Fixture.indicator(1).dropLast()) + #","object_marking_refs":["\#(amber)"]}"#
        try await node.application().test(.live) { client in
            let posted = try await client.execute(
                uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: Fixture.envelope([object]))
            #expect(posted.status == .accepted)
            let objectID = "indicator--" + Fixture.uuid(1)
            let requests: [(String, HTTPFields, HTTPResponse.Status)] = [
                (node.objectsPath, TAXIITestNode.basic("analyst"), .ok),  // TLP:AMBER content
                (node.objectsPath + objectID + "/", TAXIITestNode.basic("analyst"), .ok),
                ("/taxii2/", TAXIITestNode.basic("analyst"), .ok),
                ("/taxii2/", [:], .unauthorized),
                (node.objectsPath + "indicator--" + Fixture.uuid(99) + "/", TAXIITestNode.basic("analyst"), .notFound),
                ("/api/v1/users", TAXIITestNode.rest("root"), .ok),
                ("/api/v1/collections/\(node.collectionID)/objects", TAXIITestNode.rest("analyst"), .ok),
                ("/api/v1/organisations", [:], .unauthorized),
                ("/api/openapi.json", [:], .ok),
                ("/no-such-path", [:], .notFound),
            ]
            for (uri, headers, status) in requests {
                let response = try await client.execute(uri: uri, method: .get, headers: headers)
                #expect(response.status == status, "\(uri)")
                #expect(response.headers[Self.nosniff] == "nosniff", "\(uri)")
                #expect(response.headers[.cacheControl] == "no-store", "\(uri)")
            }
            #expect(posted.headers[Self.nosniff] == "nosniff")
            #expect(posted.headers[.cacheControl] == "no-store")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.headers[Self.nosniff] == "nosniff")
            #expect(health.headers[.cacheControl] == nil)
        }
    }
}
