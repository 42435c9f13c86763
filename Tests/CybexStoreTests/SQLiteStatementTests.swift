import CybexCore
import Foundation
import GRDB
import Synchronization
import Testing

@testable import CybexStore

/// The statements whose text depends on the request (``SQLiteStore/shapedStatement(_:_:)``) are kept
/// prepared, but never more than a bound per connection, whatever a client asks.
@Suite struct SQLiteStatementTests {
    @Test func requestsOfManyShapesKeepABoundedNumberOfStatementsAndReadRight() async throws {
        try await Backend.sqlite.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            let records = (0..<40).map { Fixture.sco(Fixture.id("ipv4-addr"), value: "192.0.2.\($0)") }
            _ = try await store.addObjects(records, to: collection.id, owner: "org-a")
            let stored = records.map(\.id)
            let searched = [ObjectSearch.Collection(id: collection.id, scope: nil)]
            // 600 texts: lists of every length from 1 to 300 (stored ids, then ids never stored), by
            // search and by a collection's paging read; several times the bound on any connection.
            for length in 1...300 {
                let ids = Array(stored.prefix(length)) + (0..<max(0, length - stored.count)).map { _ in Fixture.id("x") }
                let expected = Set(stored.prefix(length))
                let page = try await store.search(ObjectSearch(collections: searched, ids: ids, limit: 1_000))
                #expect(Set(page.hits.map(\.record.id)) == expected)
                let read = try await store.objects(in: collection.id, matching: ObjectQuery(ids: ids, limit: 1_000))
                #expect(Set(read.records.map(\.id)) == expected)
            }
            // And the same shapes again, after the caches were cleared: the same answers.
            for length in [1, 2, 39, 40, 41, 300] {
                let page = try await store.search(
                    ObjectSearch(collections: searched, ids: Array(stored.prefix(length)), limit: 1_000))
                #expect(page.hits.count == min(length, stored.count))
            }
        }
        let kept = SQLiteStore.shapedStatementsKept()
        #expect(!kept.isEmpty)
        #expect(kept.contains { $0.texts > 0 && $0.bytes > 0 })
        #expect(kept.allSatisfy { $0.texts <= SQLiteStore.shapedStatementsPerConnection })
        // Within the budget but for the one statement that may cross it.
        #expect(kept.allSatisfy { $0.bytes <= SQLiteStore.shapedStatementBytesPerConnection + (1 << 20) })
    }
}

/// A commit that leaves the WAL long is checkpointed after it returns, on the writer, not inside
/// it (``SQLiteCheckpoints``); the store still leaves no WAL behind when closed.
@Suite struct SQLiteCheckpointTests {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test func aLongCommitIsCopiedBackAfterItReturnsAndTheWALIsTruncatedOnClose() async throws {
        try await Backend.sqlite.withDatabase { database in
            let path = database.location
            let store = try SQLiteStore(path: path, checkpointAfter: 64)
            try await store.migrate()
            // SQLite's own automatic checkpoint is not the writer's: the WAL hook replaced it.
            #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 0)
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            try await store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            let before = Self.size(path)
            // Far more than 64 pages in one commit.
            let records = (0..<3_000).map { Fixture.sco(Fixture.id("ipv4-addr"), value: "10.1.\($0 / 256).\($0 % 256)") }
            _ = try await store.addObjects(records, to: collection.id, owner: "org-a")
            // The next write waits for the checkpoint the commit queued: the pages are in the
            // database file then, not only in the WAL.
            try await store.pool.write { _ in }
            #expect(Self.size(path) > before + 3_000 * 100)
            #expect(store.checkpoints.queued.load(ordering: .relaxed) == false)
            let read = try await store.objects(in: collection.id, matching: ObjectQuery(limit: 5_000))
            #expect(read.records.count == 3_000)
            // A short commit queues none.
            try await store.pool.write { db in try db.execute(sql: "UPDATE clock SET last = last") }
            #expect(store.checkpoints.frames.load(ordering: .relaxed) < 64)
            try await store.close()
            #expect(Self.size(path + "-wal") <= 0)
        }
    }
}

/// Reference rows (schema step 25): read by their target through its index, removed with their
/// object row, and not indexed by their source, which no query reads them by.
@Suite struct SQLiteReferenceRowTests {
    @Test func referenceRowsAreFoundByTargetThroughAnIndexAndNotIndexedBySource() async throws {
        try await Backend.sqlite.withDatabase { database in
            let store = try SQLiteStore(path: database.location)
            try await store.migrate()
            let (plan, indexes) = try await store.pool.read { db in
                let plan = try Row.fetchAll(
                    db,
                    sql: """
                        EXPLAIN QUERY PLAN SELECT DISTINCT target_ref, source_ref FROM relationships
                        WHERE target_ref IN (?, ?) AND type = ?
                        """,
                    arguments: ["indicator--a", "indicator--b", "sighting-of"]
                ).map { $0["detail"] as String }
                let indexes = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'relationships'")
                return (plan, indexes)
            }
            #expect(plan.contains { $0.contains("relationships_by_target") })
            #expect(Set(indexes) == ["relationships_by_target", "relationships_by_object"])
            try await store.close()
        }
    }
}
