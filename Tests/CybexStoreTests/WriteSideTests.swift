import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Testing

@testable import CybexStore

/// The write side of the sharing policy (SECURITY.md, "Who may version, delete, and what a post
/// reveals"), through the Engine calls every exchange path makes, on both backends: what a post
/// answers depends only on what the poster may see, only an object's creator versions it, only its
/// organisation (or an administrator) deletes it, and the objects, their audit entry and their
/// status commit together.
@Suite("Write side of the sharing policy")
struct WriteSideTests {
    /// A node with two writing organisations (cert, isp), a reader organisation (partner) and an
    /// administrator, and one collection all three read and the first two write.
    struct Node {
        let store: any Store
        let service: CollectionService
        let collectionID: String
        let cert: Principal
        let isp: Principal
        let partner: Principal
        let admin: Principal

        static func make(_ store: any Store) async throws -> Node {
            let administration = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "test")
            for name in ["cert", "isp", "partner", "admin"] { _ = try await administration.addOrganisation(name: name) }
            for (user, org, role) in [
                ("ana", "cert", Role.analyst), ("ivan", "isp", .analyst), ("pat", "partner", .reader), ("root", "admin", .admin),
            ] {
                _ = try await administration.addUser(username: user, organisation: org, role: role, password: "a long password")
            }
            let collection = try await administration.addCollection(
                title: "shared", description: nil, readers: ["cert", "isp", "partner"], writers: ["cert", "isp"])
            func principal(_ name: String) async throws -> Principal {
                let user = try await store.user(named: name)!
                return Principal(user: user, organisation: try await store.organisation(id: user.organisationID)!)
            }
            return Node(
                store: store, service: CollectionService(store: store), collectionID: collection.id,
                cert: try await principal("ana"), isp: try await principal("ivan"), partner: try await principal("pat"),
                admin: try await principal("root"))
        }

        func post(_ objects: [String], by principal: Principal) async throws -> IngestReport {
            let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
            return try await service.add(body, as: .envelope, to: collectionID, by: principal)
        }

        /// The (id, version, pattern or value) of what `principal` reads of `id`.
        func read(_ id: String, by principal: Principal, versions: VersionSelector = .last) async throws -> [Seen] {
            let page = try await service.objects(
                in: collectionID, matching: ObjectQuery(ids: [id], versions: versions), for: principal)
            return page.records.map { record in
                let object = (try? JSONSerialization.jsonObject(with: Data(record.json))) as? [String: Any] ?? [:]
                return Seen(
                    id: record.id, version: record.version,
                    content: (object["pattern"] ?? object["value"]) as? String ?? "",
                    revoked: object["revoked"] as? Bool ?? false)
            }
        }
    }

    struct Seen: Hashable {
        var id: String
        var version: Int64
        var content: String
        var revoked: Bool
    }

    static let red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    static let amberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"

    static func indicator(
        _ id: String, created: String = "2026-01-01T00:00:00.000Z", modified: String = "2026-01-01T00:00:00.000Z",
        pattern: String = "[ipv4-addr:value = '198.51.100.1']", markings: [String] = [], revoked: Bool = false
    ) -> String {
        let refs =
            markings.isEmpty ? "" : #","object_marking_refs":["# + markings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return """
            {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"\(created)","modified":"\(modified)",\
            "name":"probe","pattern":"\(pattern)","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"\
            \(revoked ? #","revoked":true"# : "")\(refs)}
            """
    }

    static func ipv4(_ value: String, markings: [String] = []) -> (id: String, json: String) {
        let id = DeterministicID.identifier(for: .object([("type", .string("ipv4-addr")), ("value", .string(value))]))!
        let refs =
            markings.isEmpty ? "" : #","object_marking_refs":["# + markings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return (id, #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(id)","value":"\#(value)"\#(refs)}"#)
    }

    static func distribution(_ id: String, to recipients: [String]) -> String {
        """
        {"type":"marking-definition","spec_version":"2.1","id":"\(id)","created":"2026-01-01T00:00:00.000Z",\
        "name":"recipients","extensions":{"\(DistributionMarking.extensionID)":{"extension_type":"property-extension",\
        "recipients":[\(recipients.map { "\"\($0)\"" }.joined(separator: ","))]}}}
        """
    }

    static func uuid(_ n: Int) -> String { "6ba7b810-9dad-41d1-80b4-" + String(format: "%012x", n) }

    /// The outcome with the object's id written as `ID`, so that two objects' outcomes compare.
    static func shape(_ item: IngestItem) -> String {
        let id = item.id ?? ""
        switch item.outcome {
        case .added: return "added"
        case .newVersion: return "new version"
        case .duplicate: return "duplicate"
        case .rejected(let reason): return "rejected: " + reason.replacingOccurrences(of: id, with: "ID")
        }
    }

    // MARK: Finding 2: post outcomes are no existence oracle

    @Test(arguments: Backend.enabled)
    func postingAnIDThePosterMayNotSeeAnswersAsANeverPostedOne(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hidden = "indicator--" + Self.uuid(1)
            let marking = "marking-definition--" + Self.uuid(2)
            let address = Self.ipv4("203.0.113.7", markings: [Self.red])
            // cert stores an indicator, an address and a distribution marking, all TLP:RED for partner only.
            let stored = try await node.post(
                [
                    Self.distribution(marking, to: ["partner"]),
                    Self.indicator(hidden, pattern: "[ipv4-addr:value = '198.51.100.200']", markings: [Self.red, marking]),
                    address.json,
                ], by: node.cert)
            #expect(stored.rejected.isEmpty, "\(stored.rejected)")
            #expect(try await node.read(hidden, by: node.isp).isEmpty)

            // isp posts, blind, what cert stored and the same things for ids never posted: every
            // answer must be the same.
            // Each probe repeats on the hidden id what its control does on an id never posted.
            let fresh = "indicator--" + Self.uuid(3)
            let freshAddress = Self.ipv4("203.0.113.8")
            let unknownMarking = "marking-definition--" + Self.uuid(4)
            let probes: [(String, String)] = [
                (Self.indicator(hidden), Self.indicator(fresh)),
                (Self.indicator(hidden), Self.indicator(fresh)),
                (
                    Self.indicator(hidden, modified: "2026-02-01T00:00:00.000Z"),
                    Self.indicator(fresh, modified: "2026-02-01T00:00:00.000Z")
                ),
                (
                    Self.indicator(hidden, created: "2025-06-01T00:00:00.000Z", modified: "2026-03-01T00:00:00.000Z"),
                    Self.indicator(fresh, created: "2025-06-01T00:00:00.000Z", modified: "2026-03-01T00:00:00.000Z")
                ),
                (
                    Self.indicator(hidden, modified: "2026-04-01T00:00:00.000Z", revoked: true),
                    Self.indicator(fresh, modified: "2026-04-01T00:00:00.000Z", revoked: true)
                ),
                (Self.ipv4("203.0.113.7").json, freshAddress.json),
                (Self.ipv4("203.0.113.7").json, freshAddress.json),
                (
                    Self.indicator("indicator--" + Self.uuid(5), markings: [marking]),
                    Self.indicator("indicator--" + Self.uuid(6), markings: [unknownMarking])
                ),
            ]
            var shapes: Set<String> = []
            for (probe, control) in probes {
                let probed = try await node.post([probe], by: node.isp).items
                let controlled = try await node.post([control], by: node.isp).items
                #expect(probed.count == 1 && controlled.count == 1)
                let message = Self.shape(probed[0]).replacingOccurrences(of: marking, with: "MARKING")
                let expected = Self.shape(controlled[0]).replacingOccurrences(of: unknownMarking, with: "MARKING")
                #expect(message == expected, "probe \(probe.prefix(80))")
                shapes.insert(expected)
            }
            // The probes went through every kind of outcome.
            #expect(shapes.count >= 4, "\(shapes)")
            // cert's objects are untouched, and partner still reads cert's versions.
            for reader in [node.cert, node.partner] {
                let original = try await node.read(hidden, by: reader, versions: .all).filter {
                    $0.content.contains("198.51.100.200")
                }
                #expect(
                    original.count == 1 && original.allSatisfy { !$0.revoked }, "\(reader.user.username) keeps cert's version")
            }
            #expect(try await node.read(address.id, by: node.partner).count == 1)
        }
    }

    // MARK: Finding 3: only the creator versions an object

    @Test(arguments: Backend.enabled)
    func anotherOrganisationNeverVersionsAnObject(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let visible = "indicator--" + Self.uuid(10)
            let hidden = "indicator--" + Self.uuid(11)
            let original = "[ipv4-addr:value = '198.51.100.1']"
            let forged = "[ipv4-addr:value = '192.0.2.66']"
            let posted = try await node.post(
                [Self.indicator(visible, markings: [Self.green]), Self.indicator(hidden, markings: [Self.red])], by: node.cert)
            #expect(posted.added == 2, "\(posted.items)")

            // isp sees the TLP:GREEN indicator: its "new version" is refused, its copy is a duplicate.
            let hijack = try await node.post(
                [
                    Self.indicator(
                        visible, modified: "2026-03-01T00:00:00.000Z", pattern: forged, markings: [Self.green], revoked: true)
                ], by: node.isp)
            #expect(hijack.rejected.count == 1)
            #expect(Self.shape(hijack.items[0]).contains("only its creator may version it"))
            #expect(try await node.post([Self.indicator(visible, markings: [Self.green])], by: node.isp).duplicates == 1)

            // Blind, on the TLP:RED one: stored as isp's own object, which replaces cert's for nobody.
            let blind = try await node.post(
                [Self.indicator(hidden, modified: "2026-03-01T00:00:00.000Z", pattern: forged, revoked: true)], by: node.isp)
            #expect(blind.added == 1)
            for reader in [node.cert, node.isp, node.partner] {
                let seen = try await node.read(visible, by: reader, versions: .all)
                #expect(seen.map(\.content) == [original], "\(reader.user.username) reads the original only")
                #expect(!seen.contains { $0.revoked })
            }
            // cert still gets its own version as the newest of its object; isp's posting (unmarked,
            // so AMBER, which cert sees) stands beside it as isp's own, with isp's version history.
            let certSees = try await node.read(hidden, by: node.cert)
            #expect(certSees.contains(Seen(id: hidden, version: 1_767_225_600_000_000, content: original, revoked: false)))
            #expect(certSees.count == 2)
            let certVersions = try await node.read(hidden, by: node.cert, versions: .first)
            #expect(Set(certVersions.map(\.content)) == [original, forged])
            // isp reads back what it posted, and only that.
            #expect(try await node.read(hidden, by: node.isp, versions: .all).map(\.content) == [forged])
        }
    }

    @Test(arguments: Backend.enabled)
    func everyOrganisationsObservableIsItsOwnPosting(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let red = Self.ipv4("198.51.100.9", markings: [Self.red])
            let green = Self.ipv4("198.51.100.9", markings: [Self.green])
            #expect(try await node.post([red.json], by: node.cert).added == 1)
            #expect(try await node.post([green.json], by: node.isp).added == 1)
            #expect(try await node.post([green.json], by: node.isp).duplicates == 1)
            // cert sees both postings, isp and partner only isp's (TLP:GREEN).
            #expect(try await node.read(red.id, by: node.cert).count == 2)
            #expect(try await node.read(red.id, by: node.isp).count == 1)
            #expect(try await node.read(red.id, by: node.partner).count == 1)
            let page = try await node.service.objects(
                in: node.collectionID, matching: ObjectQuery(ids: [red.id]), for: node.partner)
            #expect(page.records.first.map { String(decoding: $0.json, as: UTF8.self) }?.contains(Self.green) == true)
        }
    }

    // MARK: Finding 5: only an object's organisation deletes it

    @Test(arguments: Backend.enabled)
    func writersDeleteOnlyTheirOwnOrganisationsPostings(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let strict = "indicator--" + Self.uuid(20)
            let hidden = "indicator--" + Self.uuid(21)
            let own = "indicator--" + Self.uuid(22)
            _ = try await node.post(
                [Self.indicator(strict, markings: [Self.amberStrict]), Self.indicator(hidden, markings: [Self.red])],
                by: node.cert)
            _ = try await node.post([Self.indicator(own)], by: node.isp)
            func delete(_ id: String, by principal: Principal) async -> EngineError.Code? {
                await Self.deletion(of: id, in: node, by: principal)
            }
            #expect(await delete(strict, by: node.isp) == .forbidden, "seen, not isp's")
            #expect(await delete(hidden, by: node.isp) == .notFound, "not seen: as if never posted")
            #expect(await delete("indicator--" + Self.uuid(29), by: node.isp) == .notFound)
            #expect(try await node.read(strict, by: node.partner).count == 1, "cert's readers keep it")
            #expect(await delete(own, by: node.isp) == nil)
            #expect(await delete(strict, by: node.admin) == nil, "an administrator deletes any posting")
            #expect(try await node.read(strict, by: node.partner).isEmpty)
            let entries = try await store.auditEntries(matching: AuditQuery(action: "objects.delete"))
            #expect(entries.contains { $0.event.actor == "root" && $0.event.detail.contains("as administrator") })
            #expect(entries.contains { $0.event.actor == "ivan" && !$0.event.detail.contains("as administrator") })
        }
    }

    /// What deleting every version of `id` answers: nil when it was deleted, else the error's code.
    static func deletion(of id: String, in node: Node, by principal: Principal) async -> EngineError.Code? {
        let result: Result<Int, any Error>
        do {
            result = .success(
                try await node.service.delete(
                    objectID: id, from: node.collectionID, versions: .all, specVersions: nil, by: principal))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success: return nil
        case .failure(let error): return (error as? EngineError)?.code ?? .conflict
        }
    }

    // MARK: Finding 6: objects, audit and status commit together

    @Test(arguments: Backend.enabled)
    func objectsAuditAndStatusCommitTogether(_ backend: Backend) async throws {
        try await backend.withDatabase { database in
            let statusID = "status-" + Self.uuid(30)
            let (collectionID, principal) = try await database.withStore { store in
                let node = try await Node.make(store)
                return (node.collectionID, node.cert)
            }
            // The audit append fails inside the transaction: nothing of the post may remain.
            for statement in Self.failingAuditTrigger(backend) { try await database.execute(statement) }
            try await database.withStore { store async throws in
                let service = CollectionService(store: store)
                let body =
                    Array(#"{"objects":["#.utf8) + Array(Self.indicator("indicator--" + Self.uuid(31)).utf8) + Array("]}".utf8)
                var failed = false
                do {
                    _ = try await service.add(body, as: .envelope, to: collectionID, by: principal) { _ in
                        StoredStatus(id: statusID, userID: principal.user.id, createdAt: 0, json: Array("{}".utf8))
                    }
                } catch {
                    failed = true
                }
                #expect(failed, "the audit append failed, so the post must fail")
                #expect(try await store.objectCount(in: collectionID) == 0)
                #expect(try await store.status(id: statusID) == nil)
            }
            try await database.execute(Self.dropFailingAuditTrigger(backend))
            try await database.withStore { store in
                let service = CollectionService(store: store)
                let body =
                    Array(#"{"objects":["#.utf8) + Array(Self.indicator("indicator--" + Self.uuid(31)).utf8) + Array("]}".utf8)
                let report = try await service.add(body, as: .envelope, to: collectionID, by: principal) { _ in
                    StoredStatus(id: statusID, userID: principal.user.id, createdAt: 0, json: Array("{}".utf8))
                }
                #expect(report.added == 1)
                #expect(try await store.objectCount(in: collectionID) == 1)
                #expect(try await store.status(id: statusID) != nil)
                let added = try await store.auditEntries(matching: AuditQuery(action: "objects.add"))
                #expect(added.count == 1 && added[0].event.detail.hasPrefix("1 added"))
                #expect(try await store.verifyAuditChain().isIntact)
            }
        }
    }

    static func failingAuditTrigger(_ backend: Backend) -> [String] {
        switch backend {
        case .sqlite:
            return [
                """
                CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'objects.add'
                BEGIN SELECT RAISE(ABORT, 'audit refused'); END
                """
            ]
        case .postgres:
            return [
                """
                CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF NEW.action = 'objects.add' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$
                """,
                "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()",
            ]
        }
    }

    static func dropFailingAuditTrigger(_ backend: Backend) -> String {
        backend == .sqlite ? "DROP TRIGGER fail_audit" : "DROP TRIGGER fail_audit ON audit_log"
    }
}
