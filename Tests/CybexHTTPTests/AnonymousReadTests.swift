import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Requests without credentials, over real HTTP: refused unless the node serves public collections
/// openly, and then limited to the TLP:CLEAR objects of public collections.
@Suite("Anonymous reads of public collections")
struct AnonymousReadTests {
    static let clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

    func node() async throws -> (TAXIITestNode, publicID: String, objects: [String: String]) {
        let node = try await TAXIITestNode.make()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        let open = try await admin.addCollection(
            title: "Public feed", description: nil, readers: ["cert"], writers: ["cert"], isPublic: true)
        let analyst = try await node.store.user(named: "analyst")!
        let principal = Principal(user: analyst, organisation: try await node.store.organisation(id: analyst.organisationID)!)
        var ids: [String: String] = [:]
        var objects: [String] = []
        for (n, (name, marking)) in [("clear", Self.clear), ("green", Self.green), ("none", "")].enumerated() {
            var json = Fixture.indicator(n)
            if !marking.isEmpty { json = String(json.dropLast()) + #","object_marking_refs":["\#(marking)"]}"# }
            objects.append(json)
            ids[name] = "indicator--" + Fixture.uuid(n)
        }
        let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
        for target in [open.id, node.collectionID] {
            let report = try await CollectionService(store: node.store).add(body, as: .envelope, to: target, by: principal)
            #expect(report.rejected.isEmpty)
        }
        return (node, open.id, ids)
    }

    func application(_ node: TAXIITestNode, anonymous: Bool) -> some ApplicationProtocol {
        var configuration = node.configuration
        configuration.anonymousReads = anonymous
        let router = CybexServer.router(configuration: configuration, store: node.store, metrics: nil, passwordHasher: TAXIITestNode.hasher)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Application(router: router, logger: logger)
    }

    static let accept: HTTPFields = [.accept: "application/taxii+json;version=2.1"]

    @Test func publicCollectionsServeClearObjectsToAnyone() async throws {
        let (node, publicID, ids) = try await node()
        try await application(node, anonymous: true).test(.live) { client in
            let collections = try await client.execute(uri: "/taxii2/cybex/collections/", method: .get, headers: Self.accept)
            #expect(collections.status == .ok)
            let listed = (collections.json["collections"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(listed == [publicID])
            let objects = try await client.execute(
                uri: "/taxii2/cybex/collections/\(publicID)/objects/", method: .get, headers: Self.accept)
            let seen = (objects.json["objects"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(seen == [ids["clear"]!])
            for hidden in [ids["green"]!, ids["none"]!] {
                let byID = try await client.execute(
                    uri: "/taxii2/cybex/collections/\(publicID)/objects/\(hidden)/", method: .get, headers: Self.accept)
                #expect(byID.status == .notFound)
            }
            // A collection that is not public does not exist for anonymous readers, CLEAR objects or not.
            let closed = try await client.execute(
                uri: "/taxii2/cybex/collections/\(node.collectionID)/objects/", method: .get, headers: Self.accept)
            #expect(closed.status == .notFound)
            // Writing always needs credentials.
            var posting = Self.accept
            posting[.contentType] = "application/taxii+json;version=2.1"
            let post = try await client.execute(
                uri: "/taxii2/cybex/collections/\(publicID)/objects/", method: .post, headers: posting,
                body: Fixture.envelope([Fixture.indicator(99)]))
            #expect(post.status == .unauthorized)
            // A signed-in reader of the collection sees all of it.
            let reader = try await client.execute(
                uri: "/taxii2/cybex/collections/\(publicID)/objects/", method: .get, headers: TAXIITestNode.basic("analyst"))
            #expect((reader.json["objects"] as? [[String: Any]])?.count == 3)
        }
        #expect(try await node.store.objectCount(in: publicID) == 3)
    }

    @Test func withoutTheSettingRequestsWithoutCredentialsAreRefused() async throws {
        let (node, publicID, _) = try await node()
        try await application(node, anonymous: false).test(.live) { client in
            for path in ["/taxii2/", "/taxii2/cybex/collections/", "/taxii2/cybex/collections/\(publicID)/objects/"] {
                let response = try await client.execute(uri: path, method: .get, headers: Self.accept)
                #expect(response.status == .unauthorized, "\(path)")
            }
        }
    }
}
