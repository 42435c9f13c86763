import CybexCore
import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import CybexStore

/// The vulnerability index (schema step 21): facts and terms written with each vulnerability version,
/// searched through the scoped read, removed with the versions, and filled for vulnerabilities stored
/// before the step.
extension StoreContractTests {
    static func vulnerability(
        _ id: String, modified: Int64, cve: String, published: Int64, score: Int?, terms: [String]
    ) -> STIXObjectRecord {
        var record = Fixture.sdo(id, modified: modified)
        record.vulnerability = VulnerabilityFacts(cve: cve, published: published, score: score, terms: terms)
        return record
    }

    @Test(arguments: Backend.enabled)
    func vulnerabilitiesAreFoundByEachFactOfTheirLastVersion(backend: Backend) async throws {
        try await backend.withStore { store in
            let open = Fixture.collection()
            let other = Fixture.collection()
            try await store.createCollection(open)
            try await store.createCollection(other)
            let day: Int64 = 86_400_000_000
            let a = Fixture.id("vulnerability")
            let b = Fixture.id("vulnerability")
            let c = Fixture.id("vulnerability")
            _ = try await store.addObjects(
                [
                    Self.vulnerability(
                        a, modified: Fixture.base, cve: "CVE-2026-0001", published: Fixture.base, score: 98,
                        terms: ["cwe:CWE-79", "vendor:acme", "product:router"]),
                    Self.vulnerability(
                        b, modified: Fixture.base, cve: "CVE-2026-0002", published: Fixture.base + 10 * day, score: 50,
                        terms: ["cwe:CWE-22", "vendor:acme", "product:gateway"]),
                    Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base),
                ], to: open.id, owner: "org-a")
            _ = try await store.addObjects(
                [
                    Self.vulnerability(
                        c, modified: Fixture.base, cve: "CVE-2026-0003", published: Fixture.base, score: nil,
                        terms: ["vendor:acme"])
                ], to: other.id, owner: "org-a")

            func ids(_ filter: VulnerabilityFilter, collections: [String]? = nil) async throws -> Set<String> {
                var search = ObjectSearch(
                    collections: (collections ?? [open.id, other.id]).map { ObjectSearch.Collection(id: $0, scope: nil) })
                search.vulnerability = filter
                return Set(try await store.search(search).hits.map(\.record.id))
            }
            #expect(try await ids(VulnerabilityFilter()) == [a, b, c])
            #expect(try await ids(VulnerabilityFilter(cves: ["CVE-2026-0002", "CVE-2026-9999"])) == [b])
            #expect(try await ids(VulnerabilityFilter(terms: ["vendor:acme"])) == [a, b, c])
            #expect(try await ids(VulnerabilityFilter(terms: ["vendor:acme", "cwe:CWE-79"])) == [a])
            #expect(try await ids(VulnerabilityFilter(terms: ["product:gateway"])) == [b])
            #expect(try await ids(VulnerabilityFilter(minimumScore: 70)) == [a])
            #expect(try await ids(VulnerabilityFilter(maximumScore: 70)) == [b])
            #expect(try await ids(VulnerabilityFilter(publishedSince: Fixture.base + day)) == [b])
            #expect(try await ids(VulnerabilityFilter(publishedBefore: Fixture.base + day)) == [a, c])
            #expect(try await ids(VulnerabilityFilter(cves: [])).isEmpty)
            // Only the collections searched.
            #expect(try await ids(VulnerabilityFilter(terms: ["vendor:acme"]), collections: [other.id]) == [c])

            // A new version with other facts: the search sees the last version's.
            _ = try await store.addObjects(
                [
                    Self.vulnerability(
                        a, modified: Fixture.base + day, cve: "CVE-2026-0001", published: Fixture.base, score: 40,
                        terms: ["cwe:CWE-79", "vendor:acme", "product:router"])
                ], to: open.id, owner: "org-a")
            #expect(try await ids(VulnerabilityFilter(minimumScore: 70)).isEmpty)
            #expect(try await ids(VulnerabilityFilter(maximumScore: 45)) == [a])

            // Erased versions leave the index (PostgreSQL's foreign keys would refuse otherwise).
            _ = try await store.eraseObjects(containing: a, dryRun: false)
            #expect(try await ids(VulnerabilityFilter(terms: ["cwe:CWE-79"])).isEmpty)
            #expect(try await Self.vulnerabilityRows(store) == [2, 4])  // b (three terms) and c (one)
        }
    }

    /// How many facts rows there are, and terms rows.
    static func vulnerabilityRows(_ store: any Store) async throws -> [Int64] {
        let sql = "SELECT (SELECT COUNT(*) FROM vulnerability_facts), (SELECT COUNT(*) FROM vulnerability_terms)"
        if let sqlite = store as? SQLiteStore {
            return try await sqlite.pool.read { db in
                let row = try Row.fetchOne(db, sql: sql)!
                return [row[0], row[1]]
            }
        }
        let postgres = try #require(store as? PostgresStore)
        let row = try #require(try await postgres.rows(PostgresQuery(unsafeSQL: sql)).first)
        let (facts, terms) = try row.decode((Int64, Int64).self)
        return [facts, terms]
    }

    @Test(arguments: Backend.enabled)
    func vulnerabilitiesStoredBeforeTheIndexAreIndexed(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 20 }
            let no = backend == .sqlite ? "0" : "FALSE"
            let blob = { (bytes: [UInt8]) in
                let hex = bytes.map { String(format: "%02x", $0) }.joined()
                return backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
            }
            try await database.execute("INSERT INTO organisation_numbers (num, id) VALUES (1, 'org-1')")
            try await database.execute("INSERT INTO collection_numbers (num, id) VALUES (1, 'c-1')")
            let extensionID = VulnerabilityFacts.cveExtensionID
            let documents = [
                // A vulnerability from a TAXII feed: its CVE and CWE from external references.
                #"{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--1","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"Log4Shell","external_references":[{"source_name":"cve","external_id":"CVE-2021-44228"},{"source_name":"cwe","external_id":"CWE-502"}]}"#,
                // One imported from a CVE record: the extension's score, products and publication too.
                #"{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--2","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-03T00:00:00.000Z","name":"CVE-2026-10001","extensions":{"\#(extensionID)":{"extension_type":"property-extension","published":"2026-02-10T12:30:00.000Z","cvss":[{"version":"3.1","baseScore":7.5},{"version":"4.0","score":8.7}],"affected":[{"vendor":"Example Widgets","product":"Widget Server","cpes":["cpe:2.3:a:example_widgets:widget\\_server2:*:*:*:*:*:*:*:*"]}]}}}"#,
            ]
            for (index, json) in documents.enumerated() {
                let pk = index + 1
                try await database.execute(
                    """
                    INSERT INTO objects (pk, id, type, spec_version, version, created, modified, revoked, owner, tlp, json,
                        granular_marked)
                    VALUES (\(pk), 'vulnerability--\(pk)', 'vulnerability', '2.1', 100, 100, 100, \(no), 1, NULL,
                        \(blob(StoredJSON.encode(Array(json.utf8)))), 0)
                    """)
                try await database.execute(
                    """
                    INSERT INTO collection_objects (collection, date_added, object_pk, type, taxii_version)
                    VALUES (1, \(pk * 10), \(pk), 'vulnerability', 100)
                    """)
            }
            if backend == .postgres {
                try await database.execute("SELECT setval(pg_get_serial_sequence('objects', 'pk'), 2)")
            }
            try await database.withStore { store in
                func ids(_ filter: VulnerabilityFilter) async throws -> [String] {
                    var search = ObjectSearch(collections: [ObjectSearch.Collection(id: "c-1", scope: nil)])
                    search.vulnerability = filter
                    return try await store.search(search).hits.map(\.record.id)
                }
                #expect(try await ids(VulnerabilityFilter(cves: ["CVE-2021-44228"])) == ["vulnerability--1"])
                #expect(try await ids(VulnerabilityFilter(terms: ["cwe:CWE-502"])) == ["vulnerability--1"])
                #expect(try await ids(VulnerabilityFilter(cves: ["CVE-2026-10001"], minimumScore: 87)) == ["vulnerability--2"])
                #expect(try await ids(VulnerabilityFilter(minimumScore: 88)).isEmpty)
                #expect(
                    try await ids(VulnerabilityFilter(terms: ["vendor:example_widgets", "product:widget_server"])) == [
                        "vulnerability--2"
                    ])
                #expect(try await ids(VulnerabilityFilter(terms: ["product:widget_server2"])) == ["vulnerability--2"])
                let published = try #require(STIXTimestamp(parsing: "2026-02-10T12:30:00.000Z")).microseconds
                #expect(try await ids(VulnerabilityFilter(publishedSince: published)) == ["vulnerability--2"])
                #expect(try await ids(VulnerabilityFilter(publishedBefore: published)) == ["vulnerability--1"])
            }
        }
    }
}
