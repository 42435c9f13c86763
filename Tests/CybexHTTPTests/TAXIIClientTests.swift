import AsyncHTTPClient
import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The Engine's TAXII client over AsyncHTTPClient against a live Cybex server on loopback: what
/// feeds and federation read other nodes with.
@Suite("TAXII client")
struct TAXIIClientTests {
    func client(_ user: String, password: String = TAXIITestNode.password, maxResponseBytes: Int = 64 << 20) -> TAXIIClient {
        TAXIIClient(
            transport: AsyncHTTPTransport(timeout: .seconds(30)), credential: .basic(username: user, password: password),
            maxResponseBytes: maxResponseBytes)
    }

    @Test func discoversPostsPagesAndPollsAnotherNode() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        try await node.application().test(.live) { live in
            let base = "http://127.0.0.1:\(try #require(live.port))"
            let analyst = client("analyst")

            let discovery = try await analyst.discovery(base + "/taxii2/")
            let apiRoot = try #require(discovery.apiRoots.first)
            #expect(apiRoot.hasSuffix("/taxii2/cybex/"))
            let collections = try await analyst.collections(apiRoot: apiRoot)
            let listed = try #require(collections.first { $0.id == node.collectionID })
            #expect(listed.canRead && listed.canWrite)

            let envelope = Array(#"{"objects":[\#((0..<5).map { Fixture.indicator($0) }.joined(separator: ","))]}"#.utf8)
            let status = try await analyst.addObjects(apiRoot: apiRoot, collectionID: node.collectionID, envelope: envelope)
            #expect(status.status == "complete" && status.totalCount == 5 && status.successCount == 5)
            #expect(try await analyst.status(apiRoot: apiRoot, id: status.id) == status)

            // Paged by two: three pages, each object once.
            var ids: [String] = []
            var pages = 0
            let last = try await analyst.pollObjects(apiRoot: apiRoot, collectionID: node.collectionID, limit: 2) { page in
                pages += 1
                ids += page.objects.compactMap { $0["id"]?.stringValue }
            }
            #expect(pages == 3)
            #expect(ids.sorted() == (0..<5).map { "indicator--" + Fixture.uuid($0) }.sorted())
            // A later poll from the last date added finds nothing new.
            let later = try await analyst.objects(apiRoot: apiRoot, collectionID: node.collectionID, addedAfter: last)
            #expect(later.objects.isEmpty && !later.more)

            // What a feed does with a page: the one ingest entry, into a collection of this node.
            let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
            let mirror = try await engine.administration(actor: "test").addCollection(
                title: "Mirror", description: nil, readers: ["cert"], writers: ["cert"])
            let page = try await analyst.objects(apiRoot: apiRoot, collectionID: node.collectionID)
            let analystUser = try #require(try await node.store.user(named: "analyst"))
            let principal = Principal(
                user: analystUser, organisation: try #require(try await node.store.organisation(named: "cert")))
            let report = try await engine.collections.add(page.envelope, as: .envelope, to: mirror.id, by: principal)
            #expect(report.added == 5)
        }
    }

    @Test func refusalsAndAnswersThatAreNotTAXIIBecomeErrors() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        try await node.application().test(.live) { live in
            let base = "http://127.0.0.1:\(try #require(live.port))"
            let apiRoot = base + "/taxii2/cybex/"
            let envelope = Array(#"{"objects":[\#(Fixture.indicator(1))]}"#.utf8)

            // A reader may not write: the server's error resource comes back as the error.
            let refused = await #expect(throws: TAXIIClientError.self) {
                _ = try await client("reader").addObjects(apiRoot: apiRoot, collectionID: node.collectionID, envelope: envelope)
            }
            #expect(refused?.status == 403 && refused?.title == "Forbidden")
            let unauthorised = await #expect(throws: TAXIIClientError.self) {
                _ = try await client("analyst", password: "wrong password").collections(apiRoot: apiRoot)
            }
            #expect(unauthorised?.status == 401)
            // A collection the caller may not see is absent.
            let absent = await #expect(throws: TAXIIClientError.self) {
                _ = try await client("stranger").objects(apiRoot: apiRoot, collectionID: node.collectionID)
            }
            #expect(absent?.status == 404)
            // Not a TAXII answer.
            let plain = await #expect(throws: TAXIIClientError.self) {
                _ = try await client("analyst").discovery(base + "/healthz")
            }
            #expect(plain?.title == "Not a TAXII 2.1 answer")
            // An answer longer than the limit is refused, never truncated.
            _ = try await client("analyst").addObjects(apiRoot: apiRoot, collectionID: node.collectionID, envelope: envelope)
            await #expect(throws: (any Error).self) {
                _ = try await client("analyst", maxResponseBytes: 64).objects(apiRoot: apiRoot, collectionID: node.collectionID)
            }
        }
    }
}
