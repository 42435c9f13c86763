import CybexCore
import CybexEngine
import CybexHTTP
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CybexStore

/// The outside probe's write-side findings (issue 13), reproduced over real HTTP as another
/// organisation would: a post answers only from what the poster may see, only an object's creator
/// versions it, only its organisation deletes it, and the objects, their audit entry and their
/// status commit together.
@Suite("Write side over TAXII, as another organisation")
struct WriteSideProbeTests {
    static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    static let amberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"

    /// cert (user `analyst`) and peer (user `prober`) both write a collection that cert, isp and
    /// peer read.
    static func node() async throws -> (TAXIITestNode, String) {
        let node = try await TAXIITestNode.make()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.addOrganisation(name: "peer")
        _ = try await admin.addUser(username: "prober", organisation: "peer", role: .analyst, password: TAXIITestNode.password)
        let shared = try await admin.addCollection(
            title: "shared", description: nil, readers: ["cert", "isp", "peer"], writers: ["cert", "peer"])
        return (node, "/taxii2/cybex/collections/\(shared.id)/")
    }

    static func indicator(
        _ id: String, modified: String = "2026-01-01T00:00:00.000Z", pattern: String = "[ipv4-addr:value = '198.51.100.1']",
        markings: [String] = [], revoked: Bool = false
    ) -> String {
        let refs =
            markings.isEmpty ? "" : #","object_marking_refs":["# + markings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return """
            {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2026-01-01T00:00:00.000Z","modified":"\(modified)",\
            "name":"probe","pattern":"\(pattern)","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"\
            \(revoked ? #","revoked":true"# : "")\(refs)}
            """
    }

    /// The status resource's successes and failures with ids and the status id taken out.
    static func outcome(_ response: TestResponse, id: String) -> String {
        var json = response.json
        json["id"] = nil
        json["request_timestamp"] = nil
        let data = try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return "\(response.status.code) " + String(decoding: data, as: UTF8.self).replacingOccurrences(of: id, with: "ID")
    }

    @Test("a post of an id the poster may not see answers as one never posted (finding 2)")
    func postOutcomesAreNoOracle() async throws {
        let (node, base) = try await Self.node()
        let hidden = "indicator--" + Fixture.uuid(0xA1)
        try await node.application().test(.live) { client in
            let stored = try await client.execute(
                uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("analyst"),
                body: Fixture.envelope([Self.indicator(hidden, markings: [Self.red])]))
            #expect(stored.status == .accepted)
            // The same posts, on the hidden id and on ids never posted, must answer alike.
            let variants: [(String) -> String] = [
                { Self.indicator($0) },
                { Self.indicator($0) },
                { Self.indicator($0, modified: "2026-02-01T00:00:00.000Z", revoked: true) },
            ]
            var serial = 0xB0
            for variant in variants {
                serial += 1
                let probe = try await client.execute(
                    uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("prober"),
                    body: Fixture.envelope([variant(hidden)]))
                let fresh = "indicator--" + Fixture.uuid(0xC0)
                let control = try await client.execute(
                    uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("prober"),
                    body: Fixture.envelope([variant(fresh)]))
                #expect(Self.outcome(probe, id: hidden) == Self.outcome(control, id: fresh))
            }
        }
    }

    @Test("another organisation cannot version an object, seen or blind (finding 3)")
    func noVersionHijack() async throws {
        let (node, base) = try await Self.node()
        let green = "indicator--" + Fixture.uuid(0xA2)
        let red = "indicator--" + Fixture.uuid(0xA3)
        let original = "[ipv4-addr:value = '198.51.100.1']"
        let forged = "[ipv4-addr:value = '192.0.2.66']"
        try await node.application().test(.live) { client in
            _ = try await client.execute(
                uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("analyst"),
                body: Fixture.envelope([
                    Self.indicator(green, markings: [Self.green]), Self.indicator(red, pattern: original, markings: [Self.red]),
                ]))
            for id in [green, red] {
                let hijack = try await client.execute(
                    uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("prober"),
                    body: Fixture.envelope([
                        Self.indicator(id, modified: "2026-03-01T00:00:00.000Z", pattern: forged, revoked: true)
                    ]))
                #expect(hijack.status == .accepted)
                #expect(!String(decoding: hijack.body.readableBytesView, as: UTF8.self).contains("new version"))
            }
            // Every reader of cert's objects still gets cert's content as the newest version of cert's object.
            for user in ["analyst", "reader"] {
                let read = try await client.execute(
                    uri: base + "objects/\(green)/?match[version]=all", method: .get, headers: TAXIITestNode.basic(user))
                let objects = read.json["objects"] as? [[String: Any]] ?? []
                #expect(objects.map { $0["pattern"] as? String } == [original], "\(user) reads \(green)")
            }
            let read = try await client.execute(
                uri: base + "objects/\(red)/", method: .get, headers: TAXIITestNode.basic("analyst"))
            let objects = read.json["objects"] as? [[String: Any]] ?? []
            #expect(objects.contains { $0["pattern"] as? String == original && $0["revoked"] == nil })
            // The REST object read gives cert's object, not the later blind posting beside it.
            let collectionID = base.split(separator: "/").last.map(String.init) ?? ""
            var headers = TAXIITestNode.basic("analyst")
            headers[.accept] = "application/json"
            let rest = try await client.execute(
                uri: "/api/v1/collections/\(collectionID)/objects/\(red)", method: .get, headers: headers)
            #expect(rest.json["pattern"] as? String == original)
        }
    }

    @Test("a writer deletes only its own organisation's objects (finding 5)")
    func noForeignDeletes() async throws {
        let (node, base) = try await Self.node()
        let strict = "indicator--" + Fixture.uuid(0xA4)
        try await node.application().test(.live) { client in
            _ = try await client.execute(
                uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("analyst"),
                body: Fixture.envelope([Self.indicator(strict, markings: [Self.amberStrict])]))
            let delete = try await client.execute(
                uri: base + "objects/\(strict)/", method: .delete, headers: TAXIITestNode.basic("prober"))
            #expect(delete.status == .forbidden)
            let read = try await client.execute(
                uri: base + "objects/\(strict)/", method: .get, headers: TAXIITestNode.basic("reader"))
            #expect(read.status == .ok)
        }
    }

    @Test("objects, audit entry and status commit together (finding 6)")
    func oneTransaction() async throws {
        let (node, base) = try await Self.node()
        try await node.store.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'objects.add'
                    BEGIN SELECT RAISE(ABORT, 'audit refused'); END
                    """)
        }
        try await node.application().test(.live) { client in
            let response = try await client.execute(
                uri: base + "objects/", method: .post, headers: TAXIITestNode.posting("analyst"),
                body: Fixture.envelope([Self.indicator("indicator--" + Fixture.uuid(0xA5))]))
            #expect(!(200..<300).contains(response.status.code), "the post failed: \(response.status)")
        }
        let rows = try await node.store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM statuses") ?? -1
            )
        }
        #expect(rows.0 == 0, "no object without its audit entry")
        #expect(rows.1 == 0, "no status without its objects")
    }
}
