import CybexCore
import Foundation
import GRDB
import Testing

@testable import CybexStore

/// The compact layout of schema step 12: object rows and memberships carry numbers for their owner
/// and collection, and memberships no longer repeat the object row's id, version, spec version and
/// owner. A store written before the step reads the same after it, and goes on taking versions.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func migrationToTheCompactLayoutKeepsObjectsAndLineages(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 11 }
            let json = { (version: Int) in
                #"{"type":"indicator","spec_version":"2.1","id":"indicator--a","modified":"v\#(version)"}"#
            }
            let blob = { (text: String) in
                let hex = text.utf8.map { String(format: "%02x", $0) }.joined()
                return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
            let no = backend == .sqlite ? "0" : "FALSE"
            for (pk, version, owner) in [(1, 100, "org-1"), (2, 200, "org-1"), (3, 100, "org-2")] {
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, version_text, created, modified, revoked,
                        owner_org, tlp, json, granular_marked)
                    VALUES (\(pk), 'indicator--a', 'indicator', '2.1', \(version), 'v\(version)', 100, \(version), \(no),
                        '\(owner)', \(owner == "org-2" ? "'red'" : "NULL"), \(blob(json(version))), 0)
                    """)
            }
            if backend == .postgres {
                // Rows written with their keys, as the store itself never does: move the sequence past them.
                try await database.execute("SELECT setval(pg_get_serial_sequence('objects', 'pk'), 3)")
            }
            // c-1 holds org-1's two versions; c-2 holds org-2's own version and org-1's first one.
            for (collection, date, pk, version, owner) in [
                ("c-1", 10, 1, 100, "org-1"), ("c-1", 20, 2, 200, "org-1"), ("c-2", 30, 3, 100, "org-2"),
                ("c-2", 40, 1, 100, "org-1"),
            ] {
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection_id, date_added, object_pk, id, type, version, taxii_version,
                        spec_version, owner_org)
                    VALUES ('\(collection)', \(date), \(pk), 'indicator--a', 'indicator', \(version), \(version), '2.1',
                        '\(owner)')
                    """)
            }
            try await database.execute("INSERT INTO object_recipients (object_pk, organisation_id) VALUES (3, 'org-3')")
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == database.migrationSteps.last!.version)
                if let sqlite = store as? SQLiteStore {
                    // The copied tables' old pages were given back to the file system.
                    #expect(try await sqlite.pool.read { try Int.fetchOne($0, sql: "PRAGMA freelist_count") } == 0)
                }
                let all = try await store.objects(in: "c-1", matching: ObjectQuery(versions: .all))
                #expect(all.records.map(\.dateAdded) == [10, 20])
                #expect(all.records.map(\.version) == [100, 200])
                #expect(all.records.map(\.id) == ["indicator--a", "indicator--a"])
                #expect(all.records.map { String(decoding: $0.json, as: UTF8.self) } == [json(100), json(200)])
                let newest = try await store.objects(in: "c-1", matching: ObjectQuery(ids: ["indicator--a"], versions: .last))
                #expect(newest.records.map(\.version) == [200])
                // c-2: two lineages of one id, each with its own newest version.
                let lineages = try await store.objects(in: "c-2", matching: ObjectQuery(ids: ["indicator--a"], versions: .last))
                #expect(lineages.records.map(\.dateAdded) == [30, 40])
                #expect(try await store.objectCount(in: "c-2") == 2)

                // Ownership and recipients survive: org-2's TLP:RED version is its own and org-3's.
                let scope = { (viewer: String) in
                    ReadScope(
                        viewer: viewer, levels: [.clear, .green, .amber], recipientLevels: [.red], collectionDefault: nil,
                        ownerDefaults: [:])
                }
                for (viewer, seen): (String, [Int64]) in [
                    ("org-1", [40]), ("org-2", [30, 40]), ("org-3", [30, 40]), ("org-4", [40]),
                ] {
                    let page = try await store.objects(in: "c-2", matching: ObjectQuery(versions: .all, scope: scope(viewer)))
                    #expect(page.records.map(\.dateAdded) == seen, "as \(viewer)")
                }

                // The lineages go on: org-1 versions its object, and org-2's post of org-1's version
                // in c-1 (which it sees there) is a duplicate.
                let next = STIXObjectRecord(
                    id: "indicator--a", type: "indicator", specVersion: "2.1", created: 100, modified: 300, versionText: "v300",
                    revoked: false, createdByRef: nil, tlp: nil, validUntil: nil, objectMarkingRefs: [],
                    json: Array(json(300).utf8))
                let added = try await store.addObjects([next], to: "c-1", owner: "org-1")
                guard case .added(_, true) = added.first else {
                    Issue.record("expected a new version, got \(added)")
                    return
                }
                #expect(try await store.objectCount(in: "c-1") == 3)
                let again = try await store.addObjects([next], to: "c-1", owner: "org-1")
                #expect(again == [.duplicate])
                let removed = try await store.deleteObject(
                    id: "indicator--a", from: "c-2", versions: .all, specVersions: nil, scope: nil, owner: "org-2",
                    audit: nil)
                #expect(removed == 1)
                #expect(
                    try await store.objects(in: "c-2", matching: ObjectQuery(versions: .all)).records.map(\.dateAdded) == [40])
            }
        }
    }
}

/// Schema step 24: memberships carry their type's number. A store written before it is found by
/// type as before (one type, several, one never stored, in a removal), and new types get numbers.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func membershipsStoredBeforeTypeNumbersAreFoundByType(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 23 }
            let no = backend == .sqlite ? "0" : "FALSE"
            let blob = { (text: String) in
                let hex = StoredJSON.encode(Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
                return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
            try await database.execute("INSERT INTO organisation_numbers (num, id) VALUES (1, 'org-1')")
            try await database.execute("INSERT INTO collection_numbers (num, id) VALUES (1, 'c-1'), (2, 'c-2')")
            let rows: [(pk: Int, type: String, collection: Int, date: Int)] = [
                (1, "indicator", 1, 10), (2, "malware", 1, 20), (3, "indicator", 1, 30), (4, "domain-name", 1, 40),
                (5, "malware", 2, 50), (6, "x-custom-thing", 2, 60),
            ]
            for row in rows {
                let id = "\(row.type)--\(row.pk)"
                let json = #"{"type":"\#(row.type)","spec_version":"2.1","id":"\#(id)"}"#
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, created, modified, revoked, owner, tlp, json,
                        granular_marked)
                    VALUES (\(row.pk), '\(id)', '\(row.type)', '2.1', 100, 100, 100, \(no), 1, NULL, \(blob(json)), 0)
                    """)
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection, date_added, object_pk, type, taxii_version)
                    VALUES (\(row.collection), \(row.date), \(row.pk), '\(row.type)', 100)
                    """)
            }
            if backend == .postgres {
                try await database.execute("SELECT setval(pg_get_serial_sequence('objects', 'pk'), 6)")
            }
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == database.migrationSteps.last!.version)
                func dates(_ collection: String, _ types: [String]?) async throws -> [Int64] {
                    try await store.objects(in: collection, matching: ObjectQuery(types: types, versions: .all)).records
                        .map(\.dateAdded)
                }
                #expect(try await dates("c-1", ["indicator"]) == [10, 30])
                #expect(try await dates("c-1", ["malware", "domain-name"]) == [20, 40])
                #expect(try await dates("c-2", ["malware"]) == [50])
                #expect(try await dates("c-2", ["x-custom-thing"]) == [60])
                #expect(try await dates("c-1", ["x-custom-thing"]).isEmpty)
                #expect(try await dates("c-1", ["never-stored"]).isEmpty)
                #expect(try await dates("c-1", ["never-stored", "indicator"]) == [10, 30])
                #expect(try await dates("c-1", nil) == [10, 20, 30, 40])
                // The search across collections too.
                var search = ObjectSearch(
                    collections: [ObjectSearch.Collection(id: "c-1", scope: nil), ObjectSearch.Collection(id: "c-2", scope: nil)])
                search.types = ["malware"]
                #expect(Set(try await store.search(search).hits.map(\.record.id)) == ["malware--2", "malware--5"])

                // A type first written after the step gets a number of its own and is found by it.
                let note =
                    #"{"type":"note","spec_version":"2.1","id":"note--7","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"x","object_refs":["malware--2"]}"#
                let record = STIXObjectRecord(
                    id: "note--7", type: "note", specVersion: "2.1", created: 100, modified: 100, versionText: nil,
                    revoked: false, createdByRef: nil, tlp: nil, validUntil: nil, objectMarkingRefs: [],
                    json: Array(note.utf8))
                _ = try await store.addObjects([record], to: "c-1", owner: "org-1")
                #expect(
                    try await store.objects(in: "c-1", matching: ObjectQuery(types: ["note"])).records.map(\.id) == ["note--7"])
                #expect(try await dates("c-1", ["indicator"]) == [10, 30])

                // A removal by type reads the numbers too.
                let removed = try await store.removeObjects(
                    in: "c-1", matching: RemovalSelection(types: ["malware"]), dryRun: false)
                #expect(removed.map(\.id) == ["malware--2"])
                #expect(try await dates("c-1", nil).count == 4)
                #expect(try await dates("c-2", ["malware"]) == [50])
            }
        }
    }
}
