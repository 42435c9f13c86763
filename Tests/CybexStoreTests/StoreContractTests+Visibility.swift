import CybexCore
import CybexTestSupport
import Foundation
import Testing

@testable import CybexStore

/// The SQL form of the sharing policy: on each backend, for random read scopes, the versions the
/// store returns (all, last, first), counts and deletes are exactly those ``ReadScope/allows(marking:owner:recipients:)``
/// allows, with the collection's and the owners' default levels in play.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func readScopesFilterExactlyAsThePolicy(backend: Backend) async throws {
        try await backend.withStore { store in
            var random = SeededGenerator(state: 0xC0FF_EE00)
            let orgs = (0..<6).map { "org-\($0)" }
            let levels: [TLPLevel?] = [nil, .clear, .green, .amber, .amberStrict, .red]
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            // 300 objects of 1 to 3 versions, each version with a random owner, marking and recipients.
            // Each owner posts blind (it sees nothing of the others), so every owner's versions of an
            // id are a lineage of their own, and `last`/`first` are chosen within each lineage.
            var labels: [String: [(version: Int64, owner: String, marking: TLPLevel?, recipients: Set<String>)]] = [:]
            for n in 0..<300 {
                let id = "indicator--00000000-0000-4000-8000-\(String(format: "%012d", n))"
                for v in 0..<Int.random(in: 1...3, using: &random) {
                    let owner = orgs.randomElement(using: &random)!
                    var record = Fixture.sdo(id, modified: Fixture.base + Int64(v))
                    record.tlp = levels.randomElement(using: &random)!
                    record.recipients = orgs.filter { _ in Bool.random(using: &random) }
                    let blind = ReadScope(
                        viewer: owner, levels: [], recipientLevels: [], collectionDefault: nil, ownerDefaults: [:])
                    _ = try await store.addObjects([record], to: collection.id, owner: owner, scope: blind, commit: nil)
                    labels[id, default: []].append((Fixture.base + Int64(v), owner, record.tlp, Set(record.recipients)))
                }
            }
            var cases = 0
            for _ in 0..<60 {
                var scope = ReadScope(
                    collection: collection, viewer: .organisation(orgs.randomElement(using: &random)!),
                    directory: SharingDirectory())
                scope.viewer = Bool.random(using: &random) ? orgs.randomElement(using: &random)! : nil
                scope.levels = Set(TLPLevel.allCases.filter { _ in Bool.random(using: &random) })
                scope.recipientLevels = Set(TLPLevel.allCases.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
                scope.collectionDefault = levels.randomElement(using: &random)!
                scope.ownerDefaults = Dictionary(
                    uniqueKeysWithValues: orgs.compactMap { org in levels.randomElement(using: &random)!.map { (org, $0) } })

                var expected: [String: [Int64]] = [:]
                var expectedLast: [String: [Int64]] = [:]
                var expectedFirst: [String: [Int64]] = [:]
                for (id, versions) in labels {
                    let visible = versions.filter {
                        scope.allows(marking: $0.marking, owner: $0.owner, recipients: $0.recipients)
                    }
                    if !visible.isEmpty {
                        expected[id] = visible.map(\.version).sorted()
                        let lineages = Dictionary(grouping: visible, by: \.owner).values
                        expectedLast[id] = lineages.map { $0.map(\.version).max()! }.sorted()
                        expectedFirst[id] = lineages.map { $0.map(\.version).min()! }.sorted()
                    }
                    cases += versions.count
                }
                func read(_ versions: VersionSelector) async throws -> [String: [Int64]] {
                    let page = try await store.objects(
                        in: collection.id,
                        matching: ObjectQuery(
                            versions: versions, limit: 10_000, withContent: Bool.random(using: &random), scope: scope))
                    return Dictionary(grouping: page.records, by: \.id).mapValues { $0.map(\.version).sorted() }
                }
                #expect(try await read(.all) == expected)
                #expect(try await read(.last) == expectedLast)
                #expect(try await read(.first) == expectedFirst)
                #expect(try await store.objectCount(in: collection.id, scope: scope) == expected.values.map(\.count).reduce(0, +))
            }
            #expect(cases >= 30_000)

            // Deleting through a scope removes only the versions it allows.
            let scope = ReadScope(
                viewer: "org-0", levels: [], recipientLevels: [], collectionDefault: nil, ownerDefaults: [:])
            for (id, versions) in labels.prefix(40) {
                let removed = try await store.deleteObject(
                    id: id, from: collection.id, versions: .all, specVersions: nil, scope: scope)
                #expect(removed == versions.count { $0.owner == "org-0" })
                let left = try await store.objects(in: collection.id, matching: ObjectQuery(ids: [id], versions: .all))
                #expect(left.records.map(\.version).sorted() == versions.filter { $0.owner != "org-0" }.map(\.version).sorted())
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func collectionSharingSettingsAndMarkingDefinitionsRoundTrip(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["cert", "isp"], in: store)
            let group = SharingGroup(
                id: UUID().uuidString.lowercased(), name: "region", members: [orgs["isp"]!.id], createdAt: Fixture.base)
            try await store.createSharingGroup(group)
            var collection = Fixture.collection()
            collection.readers = [orgs["cert"]!.id]
            collection.defaultTLP = .amberStrict
            collection.sharingGroupID = group.id
            collection.isPublic = true
            try await store.createCollection(collection)
            #expect(try await store.collection(id: collection.id) == collection)
            #expect(try await store.collections() == [collection])
            let together = try #require(try await store.collectionWithDirectory(id: collection.id))
            #expect(together.0 == collection)
            #expect(together.1 == (try await store.sharingDirectory()))
            #expect(together.1.groups[group.id] == [orgs["isp"]!.id])
            #expect(try await store.collectionWithDirectory(id: "no-such-collection") == nil)
            let user = User(
                id: UUID().uuidString.lowercased(), username: "ana", organisationID: orgs["cert"]!.id, role: .analyst,
                passwordHash: "x", createdAt: Fixture.base)
            try await store.createUser(user)
            let signIn = try #require(try await store.userWithOrganisation(named: "ana"))
            #expect(signIn.0 == user && signIn.1 == orgs["cert"])
            #expect(try await store.userWithOrganisation(named: "nobody") == nil)

            let marking = "marking-definition--11111111-2222-4333-8444-555555555555"
            var definition = Fixture.sco(marking)
            definition.type = "marking-definition"
            definition.recipients = [orgs["isp"]!.id, orgs["cert"]!.id]
            let plain = "marking-definition--66666666-2222-4333-8444-555555555555"
            var other = Fixture.sco(plain)
            other.type = "marking-definition"
            _ = try await store.addObjects([definition, other], to: collection.id, owner: orgs["cert"]!.id)
            #expect(
                try await store.markingDefinitions(ids: [marking, plain, "marking-definition--unknown"])
                    == [marking: [orgs["isp"]!.id, orgs["cert"]!.id], plain: []])
            #expect(try await store.markingDefinitions(ids: []) == [:])
        }
    }

    /// A scoped read labels each version: its level (marking, else the collection's default, else
    /// the owner's, else AMBER), whether the viewer owns it, and whether it carries granular
    /// markings, the one thing that tells the read path which versions may need redaction.
    @Test(arguments: Backend.enabled)
    func scopedReadsLabelEveryVersion(backend: Backend) async throws {
        try await backend.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            let marking = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
            var granular = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
            granular.tlp = nil
            granular.granularMarkingRefs = [marking]
            var marked = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
            marked.tlp = .red
            let plain = Fixture.sco(Fixture.id("ipv4-addr"))
            _ = try await store.addObjects([granular, marked], to: collection.id, owner: "org-a")
            _ = try await store.addObjects([plain], to: collection.id, owner: "org-b")
            let scope = ReadScope(
                viewer: "org-a", levels: Set(TLPLevel.allCases), recipientLevels: [], collectionDefault: nil,
                ownerDefaults: ["org-b": .green])
            for withContent in [true, false] {
                let page = try await store.objects(
                    in: collection.id, matching: ObjectQuery(versions: .all, withContent: withContent, scope: scope))
                let labels = Dictionary(
                    uniqueKeysWithValues: page.records.map { ($0.id, ($0.level, $0.viewerOwns, $0.granularMarked)) })
                #expect(labels.count == 3)
                #expect(labels[granular.id].map { $0 == (.amber, true, true) } == true)
                #expect(labels[marked.id].map { $0 == (.red, true, false) } == true)
                #expect(labels[plain.id].map { $0 == (.green, false, false) } == true)
                #expect(page.records.allSatisfy { $0.json.isEmpty != withContent })
            }
        }
    }

    /// Migration 8 marks the versions stored before it that carry granular markings, from their JSON.
    /// It searches the bytes, so the name as a mere value is marked too: harmless, the read path then
    /// parses that object and finds nothing to redact.
    @Test(arguments: Backend.enabled)
    func migrationMarksGranularlyMarkedVersionsFromTheirJSON(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let steps = database.migrationSteps
            try await database.applyMigrations { $0 < 8 }
            try await database.execute(
                "INSERT INTO collections (id, title, description, alias, created_at) VALUES ('c1', 'c', '', NULL, 1)")
            let objects = [
                (
                    "indicator--00000000-0000-4000-8000-000000000001",
                    #"{"type":"indicator","granular_markings":[{"marking_ref":"marking-definition--x","selectors":["name"]}]}"#
                ),
                ("indicator--00000000-0000-4000-8000-000000000002", #"{"type":"indicator","name":"granular_markings"}"#),
                (
                    "indicator--00000000-0000-4000-8000-000000000003",
                    #"{"type":"indicator","name":"granular","object_marking_refs":[]}"#
                ),
            ]
            for (n, (id, json)) in objects.enumerated() {
                let bytes = backend == .sqlite ? "CAST('\(json)' AS BLOB)" : "convert_to('\(json)', 'UTF8')"
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, revoked, owner_org, json)
                    VALUES (\(n + 1), '\(id)', 'indicator', '2.1', 1, \(backend == .sqlite ? "0" : "FALSE"), 'org-a', \(bytes))
                    """)
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection_id, date_added, object_pk, id, type, version, taxii_version, spec_version)
                    VALUES ('c1', \(n + 1), \(n + 1), '\(id)', 'indicator', 1, 1, '2.1')
                    """)
            }
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == steps.last!.version)
                let scope = ReadScope(
                    viewer: nil, levels: Set(TLPLevel.allCases), recipientLevels: [], collectionDefault: nil, ownerDefaults: [:])
                let page = try await store.objects(in: "c1", matching: ObjectQuery(versions: .all, scope: scope))
                #expect(page.records.map(\.granularMarked) == [true, true, false])
            }
        }
    }
}

extension StoreContractTests {
    /// Migration 9 gives every membership its owner, so versions stored before it keep their history
    /// per organisation: a node upgraded with objects in place reads them as it did, and each owner's
    /// lineage goes on from its own versions.
    @Test(arguments: Backend.enabled)
    func migrationGivesStoredVersionsTheirOwnersLineage(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 < 9 }
            try await database.execute(
                "INSERT INTO collections (id, title, description, alias, created_at) VALUES ('c1', 'c', '', NULL, 1)")
            let id = "indicator--00000000-0000-4000-8000-000000000009"
            // Two versions of one object by org-a, stored before lineages existed.
            for version in [1, 2] {
                let record = Fixture.sdo(id, modified: Fixture.base + Int64(version))
                let hex = record.json.map { String(format: "%02x", $0) }.joined()
                let bytes = backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
                try await database.execute(
                    """
                    INSERT INTO objects (id, type, spec_version, version, created, modified, revoked, created_by_ref, owner_org, json)
                    VALUES ('\(id)', 'indicator', '2.1', \(Fixture.base + Int64(version)), \(Fixture.base),
                        \(Fixture.base + Int64(version)), \(backend == .sqlite ? "0" : "FALSE"), '\(record.createdByRef ?? "")',
                        'org-a', \(bytes))
                    """)
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection_id, date_added, object_pk, id, type, version, taxii_version, spec_version)
                    SELECT 'c1', \(version), pk, id, type, version, version, '2.1' FROM objects WHERE version = \(Fixture.base + Int64(version))
                    """)
            }
            try await database.withStore { store in
                let last = try await store.objects(in: "c1", matching: ObjectQuery(ids: [id]))
                #expect(last.records.map(\.version) == [Fixture.base + 2])
                // org-a's lineage goes on; org-b's post of the same id is a lineage of its own.
                let next = Fixture.sdo(id, modified: Fixture.base + 3)
                #expect(try await store.addObjects([next], to: "c1", owner: "org-a").compactMap(Fixture.dateAdded).count == 1)
                let blind = ReadScope(viewer: "org-b", levels: [], recipientLevels: [], collectionDefault: nil, ownerDefaults: [:])
                let outcome = try await store.addObjects(
                    [Fixture.sdo(id, modified: Fixture.base + 2)], to: "c1", owner: "org-b", scope: blind, commit: nil)
                #expect(outcome == [.added(dateAdded: Fixture.dateAdded(outcome[0]) ?? 0, newVersion: false)])
                let newest = try await store.objects(in: "c1", matching: ObjectQuery(ids: [id]))
                #expect(newest.records.map(\.version).sorted() == [Fixture.base + 2, Fixture.base + 3])
            }
        }
    }
}
