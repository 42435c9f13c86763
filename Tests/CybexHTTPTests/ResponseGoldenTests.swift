import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// TAXII and REST answers, byte for byte, on a fixed store: the same requests on the same data must
/// give the same statuses, media types, paging headers and bodies as `Fixtures/responses.golden`,
/// whatever is refactored underneath. Every id, time and date added in the store is fixed (the
/// store's clock starts at a set point), so the answers are reproducible.
///
/// After a deliberate change of an answer, record the file again and review its diff:
/// `CYBEX_RECORD_GOLDEN=1 swift test --filter ResponseGoldenTests`.
@Suite("Responses byte for byte")
struct ResponseGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/responses.golden")
    static let password = "correct horse battery"
    static let created: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z

    /// The fixed node: two organisations, an analyst and a reader, one collection, and objects
    /// posted at dates added from 2100-01-01T00:00:00.000001Z on.
    static func store(in folder: URL) async throws -> SQLiteStore {
        let path = folder.appendingPathComponent("cybex.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let hasher = PasswordHasher(cost: 4)
        let cert = Organisation(id: "00000000-0000-4000-8000-00000000000a", name: "cert", createdAt: created)
        let isp = Organisation(
            id: "00000000-0000-4000-8000-00000000000b", name: "isp", createdAt: created, parentID: cert.id, defaultTLP: .green)
        try await store.createOrganisation(cert)
        try await store.createOrganisation(isp)
        try await store.setOrganisationParent(id: isp.id, parentID: cert.id)
        try await store.setOrganisationDefaultTLP(id: isp.id, tlp: .green)
        let analyst = User(
            id: "00000000-0000-4000-8000-0000000000a1", username: "analyst", organisationID: cert.id, role: .analyst,
            passwordHash: hasher.hash(password), createdAt: created)
        let reader = User(
            id: "00000000-0000-4000-8000-0000000000b1", username: "reader", organisationID: isp.id, role: .reader,
            passwordHash: hasher.hash(password), createdAt: created)
        try await store.createUser(analyst)
        try await store.createUser(reader)
        try await store.createCollection(
            CollectionRecord(
                id: "feed", title: "Feed", description: "fixed", readers: [cert.id, isp.id], writers: [cert.id],
                createdAt: created))
        // Dates added follow the store's clock from here, whatever the time of the run.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE clock SET last = 4102444800000000") }
        try queue.close()
        // No post-commit stage: retro-hunt would add a sighting stamped with the wall clock, and the
        // recorded answers are about the read paths (retro-hunt has tests of its own).
        let engine = Engine(store: store, hasher: hasher, postCommit: PostCommitStage())
        let principal = Principal(user: analyst, organisation: cert)
        for envelope in envelopes {
            _ = try await engine.collections.add(Array(envelope.utf8), as: .envelope, to: "feed", by: principal)
        }
        return store
    }

    static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    static let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

    static func indicator(_ n: Int, modified: String = "2026-02-01T00:00:00.000Z", marking: String = green) -> String {
        """
        {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000001\(String(format: "%02d", n))",\
        "created":"2026-02-01T00:00:00.000Z","modified":"\(modified)","name":"Indicator \(n)",\
        "pattern":"[domain-name:value = 'c2-\(n).example.org']","pattern_type":"stix","valid_from":"2026-02-01T00:00:00Z",\
        "object_marking_refs":["\(marking)"]}
        """
    }

    static let envelopes: [String] = [
        #"{"objects":[\#(indicator(1)),\#(indicator(2)),\#(indicator(3, marking: amber))]}"#,
        #"{"objects":[\#(indicator(1, modified: "2026-02-02T00:00:00.000Z")),\#(indicator(4, marking: red))]}"#,
        #"""
        {"objects":[{"type":"domain-name","spec_version":"2.1","id":"domain-name--00000000-0000-4000-8000-000000000201",\#
        "value":"c2-1.example.org","object_marking_refs":["\#(green)"]},\#
        {"type":"malware","spec_version":"2.1","id":"malware--00000000-0000-4000-8000-000000000301",\#
        "created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"Family","is_family":true,\#
        "object_marking_refs":["\#(green)"]}]}
        """#,
    ]

    /// Each request: who asks, the method, the path with its query, and the Accept header.
    static let requests: [(user: String?, uri: String, accept: String)] = {
        let taxii = "application/taxii+json;version=2.1"
        let json = "application/json"
        let objects = "/taxii2/cybex/collections/feed/objects/"
        let one = "indicator--00000000-0000-4000-8000-000000000101"
        var list: [(String?, String, String)] = []
        for user in ["analyst", "reader"] {
            list += [
                (user, "/taxii2/", taxii), (user, "/taxii2/cybex/", taxii), (user, "/taxii2/cybex/collections/", taxii),
                (user, "/taxii2/cybex/collections/feed/", taxii), (user, objects, taxii),
                (user, objects + "?match[version]=all", taxii), (user, objects + "?limit=2", taxii),
                (user, objects + "?match[type]=indicator&match[version]=first", taxii),
                (user, objects + "?match[id]=\(one),malware--00000000-0000-4000-8000-000000000301", taxii),
                (user, objects + "?added_after=2100-01-01T00:00:00.000002Z", taxii),
                (user, "/taxii2/cybex/collections/feed/manifest/?match[version]=all", taxii),
                (user, objects + "\(one)/?match[version]=all", taxii), (user, objects + "\(one)/versions/", taxii),
                (user, objects + "indicator--00000000-0000-4000-8000-000000000104/", taxii),
                (user, objects + "?match[version]=newest", taxii), (user, objects, "text/html"),
                (user, "/api/v1/collections", json), (user, "/api/v1/collections/feed", json),
                (user, "/api/v1/collections/feed/objects?limit=2", json), (user, "/api/v1/collections/feed/objects/\(one)", json),
                (user, "/api/v1/collections/feed/count", json), (user, "/api/v1/objects?value=C2-1.EXAMPLE.ORG", json),
                (user, "/api/v1/objects?type=indicator&version=all&limit=3", json), (user, "/api/v1/organisations", json),
                (user, "/api/v1/users", json), (user, "/api/v1/objects?version=newest", json),
            ]
        }
        list += [(nil, "/taxii2/", taxii), (nil, "/api/v1/collections", json)]
        return list
    }()

    @Test func answersAreByteForByteTheRecordedOnes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await Self.store(in: folder)
        let router = CybexServer.router(
            configuration: ServerConfiguration(defaultPageSize: 100, maxPageSize: 500), store: store, metrics: nil,
            passwordHasher: PasswordHasher(cost: 4))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let transcript = try await Application(router: router, logger: logger).test(.router) { client in
            var text = ""
            for request in Self.requests {
                var headers: HTTPFields = [.accept: request.accept]
                if let user = request.user {
                    headers[.authorization] = "Basic " + Data("\(user):\(Self.password)".utf8).base64EncodedString()
                }
                let response = try await client.execute(uri: request.uri, method: .get, headers: headers)
                text += "=== GET \(request.uri) as \(request.user ?? "nobody") accepting \(request.accept)\n"
                text += "\(response.status.code)\n"
                for name in ["Content-Type", "X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last", "WWW-Authenticate"] {
                    for value in response.headers[values: HTTPField.Name(name)!] { text += "\(name): \(value)\n" }
                }
                text += String(buffer: response.body) + "\n"
            }
            return text
        }
        try await store.close()
        if ProcessInfo.processInfo.environment["CYBEX_RECORD_GOLDEN"] == "1" {
            try Data(transcript.utf8).write(to: Self.golden)
            return
        }
        let recorded = try String(contentsOf: Self.golden, encoding: .utf8)
        let got = transcript.split(separator: "\n", omittingEmptySubsequences: false)
        let want = recorded.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            transcript == recorded,
            "first difference at line \(firstDifference.map { $0.offset + 1 } ?? min(got.count, want.count) + 1): got \(firstDifference.map { String($0.element.0) } ?? "(end)"), recorded \(firstDifference.map { String($0.element.1) } ?? "(end)")"
        )
    }
}
