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

/// HEAD is answered on every GET route with the GET's status and headers and no body (issue 13,
/// finding 8b), over real HTTP; the routes are read from the router, so a new GET route is covered.
@Suite("HEAD requests")
struct HeadRequestTests {
    @Test("HEAD on every GET route answers the GET's status and headers, without a body")
    func headMirrorsGet() async throws {
        let node = try await TAXIITestNode.makeREST()
        let posted = try await node.application().test(.live) { client in
            try await client.execute(
                uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"),
                body: Fixture.envelope([Fixture.indicator(1)]))
        }
        let statusID = try #require(posted.json["id"] as? String)
        let router = CybexServer.router(configuration: node.configuration, store: node.store, metrics: nil, passwordHasher: TAXIITestNode.hasher)
        let values = [
            "apiRoot": "cybex", "collectionID": node.collectionID, "id": node.collectionID,
            "objectID": "indicator--" + Fixture.uuid(1), "statusID": statusID,
        ]
        let paths = router.routes.filter { $0.method == .get }.map { route in
            route.path.description.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                guard segment.hasPrefix("{") || segment.hasPrefix(":") else { return String(segment) }
                let name = segment.trimmingCharacters(in: CharacterSet(charactersIn: ":{}"))
                return values[name, default: "unknown"]
            }.joined(separator: "/")
        }
        #expect(paths.count >= 20)
        try await node.application().test(.live) { client in
            for path in paths {
                let headers = path.hasPrefix("/api/") ? TAXIITestNode.rest("root") : TAXIITestNode.basic("analyst")
                let get = try await client.execute(uri: path, method: .get, headers: headers)
                let head = try await client.execute(uri: path, method: .head, headers: headers)
                #expect(head.status == get.status, "\(path)")
                #expect(head.status != .notFound || get.status == .notFound, "\(path)")
                #expect(head.body.readableBytes == 0, "\(path)")
                var getHeaders = get.headers
                var headHeaders = head.headers
                getHeaders[.date] = nil
                headHeaders[.date] = nil
                #expect(headHeaders == getHeaders, "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
            }
            let taxiiRead = try await client.execute(uri: node.objectsPath, method: .head, headers: TAXIITestNode.basic("analyst"))
            #expect(taxiiRead.status == .ok)
        }
    }
}
