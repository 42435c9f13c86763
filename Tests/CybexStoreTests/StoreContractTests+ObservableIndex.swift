import CybexCore
import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import CybexStore

/// The index of distinct observables (schema step 13, ``ObservableIndexing``): one row per
/// distinct value, sets shared by the versions that carry them, containment of addresses and
/// ranges both ways, and nothing left of a value once no object carries it.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func theIndexKeepsOneRowPerDistinctValueWhateverTheVersions(backend: Backend) async throws {
        try await backend.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            let domain = Observable(kind: .domain, value: "evil.example")
            let address = Observable(kind: .ipv4, value: "198.51.100.7")
            let indicator = Fixture.id("indicator")
            for version in 1...12 {
                _ = try await store.addObjects(
                    [Fixture.sdo(indicator, modified: Fixture.base + Int64(version), observables: [domain, address, domain])],
                    to: collection.id, owner: "org-a")
            }
            // An SCO with one of the values (it points at the value: no set), and a second indicator
            // with the same two: no new value; the indicator shares the first one's set.
            _ = try await store.addObjects(
                [
                    Fixture.sco(Fixture.id("ipv4-addr"), value: address.value),
                    Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base, observables: [address, domain]),
                ], to: collection.id, owner: "org-b")
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 2, sets: 1, postings: 2))

            let everything = [ObjectSearch.Collection(id: collection.id, scope: nil)]
            let versions = try await store.search(ObjectSearch(collections: everything, observables: [domain], versions: .all))
            #expect(versions.hits.count == 13)
            let latest = try await store.search(ObjectSearch(collections: everything, observables: [address]))
            #expect(latest.hits.count == 3)

            // A version that drops a value: the earlier versions still carry it, this one does not.
            _ = try await store.addObjects(
                [Fixture.sdo(indicator, modified: Fixture.base + 100, observables: [address])], to: collection.id,
                owner: "org-a")
            let newest = try await store.search(ObjectSearch(collections: everything, observables: [domain]))
            #expect(newest.hits.map(\.record.id).contains(indicator) == false)
            #expect(try await store.search(ObjectSearch(collections: everything, observables: [address])).hits.count == 3)
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 2, sets: 1, postings: 2))
        }
    }

    @Test(arguments: Backend.enabled)
    func addressesAndRangesAreFoundByContainmentBothWays(backend: Backend) async throws {
        try await backend.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            let values = [
                "198.51.100.7", "198.51.100.0/24", "198.51.0.0/16", "203.0.113.5", "198.51.101.1",
            ]
            let v6 = ["2001:db8::1", "2001:db8::/32", "2001:db8:1::/48", "2001:db9::1"]
            var records = values.map { Fixture.sco(Fixture.id("ipv4-addr"), value: $0) }
            for value in v6 {
                var record = Fixture.sco(Fixture.id("ipv6-addr"), value: value)
                record.observables = [Observable(kind: .ipv6, value: value)]
                records.append(record)
            }
            _ = try await store.addObjects(records, to: collection.id, owner: "org-a")

            let containing = { (text: String) in
                try await store.addressValues(containing: try #require(IPNetwork.addressBytes(text))).map(\.value)
            }
            #expect(try await containing("198.51.100.7") == ["198.51.100.7", "198.51.100.0/24", "198.51.0.0/16"])
            #expect(try await containing("198.51.100.9") == ["198.51.100.0/24", "198.51.0.0/16"])
            #expect(try await containing("198.52.0.1") == [])
            #expect(try await containing("2001:db8:1::5") == ["2001:db8:1::/48", "2001:db8::/32"])
            #expect(try await containing("2001:db8::1") == ["2001:db8::1", "2001:db8::/32"])

            let within = { (text: String, limit: Int) in
                try await store.addressValues(within: try #require(IPNetwork(text)), limit: limit).map(\.value)
            }
            #expect(
                try await within("198.51.0.0/16", 100) == ["198.51.0.0/16", "198.51.100.0/24", "198.51.100.7", "198.51.101.1"])
            #expect(try await within("198.51.100.0/25", 100) == ["198.51.100.7"])
            #expect(try await within("198.51.0.0/16", 2) == ["198.51.0.0/16", "198.51.100.0/24"])
            #expect(try await within("0.0.0.0/0", 100).count == 5)
            #expect(try await within("2001:db8::/32", 100) == ["2001:db8::/32", "2001:db8::1", "2001:db8:1::/48"])
            #expect(try await within("2001:db8:1::/48", 100) == ["2001:db8:1::/48"])
            // A kind never answers for the other.
            #expect(try await within("::/0", 100).count == 4)
        }
    }

    @Test(arguments: Backend.enabled)
    func aValueLeavesTheIndexWhenNoObjectCarriesItAnyMore(backend: Backend) async throws {
        try await backend.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            let email = Observable(kind: .email, value: "jane@example.com")
            var first = Fixture.sco(Fixture.id("email-addr"), value: "x")
            first.observables = [email]
            let second = Fixture.sdo(
                Fixture.id("indicator"), modified: Fixture.base,
                observables: [email, Observable(kind: .ipv4, value: "192.0.2.1")])
            _ = try await store.addObjects([first, second], to: collection.id, owner: "org-a")
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 2, sets: 1, postings: 2))

            // Deleting one carrier keeps the value for the other.
            let removed = try await store.deleteObject(
                id: first.id, from: collection.id, versions: .all, specVersions: nil, scope: nil, owner: nil, audit: nil)
            #expect(removed == 1)
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 2, sets: 1, postings: 2))
            let everything = [ObjectSearch.Collection(id: collection.id, scope: nil)]
            #expect(try await store.search(ObjectSearch(collections: everything, observables: [email])).hits.count == 1)

            // Erasure removes the last carrier, and with it every value it alone carried.
            _ = try await store.eraseObjects(containing: "JANE@example.com", dryRun: false)
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 0, sets: 0, postings: 0))
            // A value carried alone (no set) goes with its last carrier too.
            _ = try await store.addObjects(
                [Fixture.sco(Fixture.id("ipv4-addr"), value: "192.0.2.99")], to: collection.id, owner: "org-a")
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 1, sets: 0, postings: 0))
            #expect(try await store.eraseObjects(containing: "192.0.2.99", dryRun: true).count == 1)
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 1, sets: 0, postings: 0))
            _ = try await store.eraseObjects(containing: "192.0.2.99", dryRun: false)
            #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 0, sets: 0, postings: 0))
            #expect(try await store.search(ObjectSearch(collections: everything, observables: [email])).hits.isEmpty)
        }
    }

    /// A store written before step 13 (one observables row per value per object version): its rows
    /// become sets, values and postings, and a set the store writes afterwards has the same digest
    /// as the one the migration computed (on PostgreSQL, in SQL).
    @Test(arguments: Backend.enabled)
    func migrationMovesObservablesIntoTheIndex(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 12 }
            let no = backend == .sqlite ? "0" : "FALSE"
            let blob = { (text: String) in
                let hex = text.utf8.map { String(format: "%02x", $0) }.joined()
                return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
            try await database.execute("INSERT INTO organisation_numbers (num, id) VALUES (1, 'org-1')")
            try await database.execute("INSERT INTO collection_numbers (num, id) VALUES (1, 'c-1')")
            for pk in 1...3 {
                let id = "indicator--\(pk)"
                let json = #"{"type":"indicator","spec_version":"2.1","id":"\#(id)"}"#
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, created, modified, revoked, owner, tlp, json,
                        granular_marked)
                    VALUES (\(pk), '\(id)', 'indicator', '2.1', 100, 100, 100, \(no), 1, NULL, \(blob(json)), 0)
                    """)
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection, date_added, object_pk, type, taxii_version)
                    VALUES (1, \(pk * 10), \(pk), 'indicator', 100)
                    """)
            }
            if backend == .postgres {
                try await database.execute("SELECT setval(pg_get_serial_sequence('objects', 'pk'), 3)")
            }
            for (pk, kind, value) in [
                (1, "ipv4-addr", "192.0.2.1"), (1, "domain-name", "a.example"), (2, "domain-name", "a.example"),
                (2, "ipv4-addr", "192.0.2.1"), (2, "ipv4-addr", "192.0.2.1"), (3, "ipv4-addr", "192.0.2.0/24"),
            ] {
                try await database.execute(
                    "INSERT INTO observables (kind, value, object_pk) VALUES ('\(kind)', '\(value)', \(pk))")
            }
            try await database.withStore { store in
                #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 3, sets: 1, postings: 2))
                let everything = [ObjectSearch.Collection(id: "c-1", scope: nil)]
                let found = try await store.search(
                    ObjectSearch(collections: everything, observables: [Observable(kind: .domain, value: "a.example")]))
                #expect(found.hits.map(\.record.id) == ["indicator--1", "indicator--2"])
                let address = try #require(IPNetwork.addressBytes("192.0.2.1"))
                #expect(try await store.addressValues(containing: address).map(\.value) == ["192.0.2.1", "192.0.2.0/24"])

                // The same two values written now: the set the migration made, not a new one.
                _ = try await store.addObjects(
                    [
                        Fixture.sdo(
                            Fixture.id("indicator"), modified: Fixture.base,
                            observables: [
                                Observable(kind: .domain, value: "a.example"), Observable(kind: .ipv4, value: "192.0.2.1"),
                            ])
                    ], to: "c-1", owner: "org-1")
                #expect(try await store.observableIndexSize() == ObservableIndexSize(values: 3, sets: 1, postings: 2))
                let range = try await store.search(
                    ObjectSearch(collections: everything, observables: [Observable(kind: .ipv4, value: "192.0.2.0/24")]))
                #expect(range.hits.map(\.record.id) == ["indicator--3"])
            }
        }
    }

    /// Schema step 14 derives the reference edges (reports' `object_refs`, network traffic's
    /// `src_ref`/`dst_ref`) of objects stored before it, from their JSON as stored (`StoredJSON`).
    @Test(arguments: Backend.enabled)
    func migrationDerivesReferenceEdgesOfEarlierObjects(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 13 }
            let no = backend == .sqlite ? "0" : "FALSE"
            let blob = { (bytes: [UInt8]) in
                let hex = bytes.map { String(format: "%02x", $0) }.joined()
                return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
            try await database.execute("INSERT INTO organisation_numbers (num, id) VALUES (1, 'org-1')")
            let report = #"{"type":"report","spec_version":"2.1","id":"report--1","object_refs":["indicator--1","malware--1"]}"#
            let traffic =
                #"{"type":"network-traffic","spec_version":"2.1","id":"network-traffic--1","src_ref":"ipv4-addr--1","dst_ref":"ipv4-addr--2"}"#
            for (pk, id, type, json) in [
                (1, "report--1", "report", Array(report.utf8)),
                (2, "network-traffic--1", "network-traffic", StoredJSON.encode(Array(traffic.utf8))),
                (3, "indicator--1", "indicator", Array(#"{"type":"indicator","id":"indicator--1"}"#.utf8)),
            ] {
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, created, modified, revoked, owner, tlp, json,
                        granular_marked)
                    VALUES (\(pk), '\(id)', '\(type)', '2.1', 100, 100, 100, \(no), 1, NULL, \(blob(json)), 0)
                    """)
            }
            try await database.withStore { store in
                let sql = "SELECT source_ref, target_ref, type, object_pk FROM relationships ORDER BY object_pk, target_ref"
                var edges: [String] = []
                if let sqlite = store as? SQLiteStore {
                    edges = try await sqlite.pool.read { db in
                        try Row.fetchAll(db, sql: sql).map {
                            "\($0[0] as String) \($0[1] as String) \($0[2] as String) \($0[3] as Int64)"
                        }
                    }
                } else if let postgres = store as? PostgresStore {
                    edges = try await postgres.rows(PostgresQuery(unsafeSQL: sql)).map { row in
                        let (source, target, type, pk) = try row.decode((String, String, String, Int64).self)
                        return "\(source) \(target) \(type) \(pk)"
                    }
                }
                #expect(
                    edges == [
                        "report--1 indicator--1 object-ref 1", "report--1 malware--1 object-ref 1",
                        "network-traffic--1 ipv4-addr--1 src-ref 2", "network-traffic--1 ipv4-addr--2 dst-ref 2",
                    ])
            }
        }
    }
}
