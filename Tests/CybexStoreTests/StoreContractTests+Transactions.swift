import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// All-or-nothing batches, and writers racing each other and a paging reader.
extension StoreContractTests {
    /// A trigger that makes the database itself fail the insert of any edge of type
    /// `forced-failure`: a real failure in the middle of a batch, with no hook in the stores.
    static func installFailingTrigger(_ database: TestDatabase) async throws {
        switch database.backend {
        case .sqlite:
            try await database.execute(
                """
                CREATE TRIGGER forced_failure BEFORE INSERT ON relationships WHEN NEW.type = 'forced-failure'
                BEGIN SELECT RAISE(ABORT, 'forced failure'); END
                """)
        case .postgres:
            try await database.execute(
                """
                CREATE FUNCTION forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.type = 'forced-failure' THEN RAISE EXCEPTION 'forced failure'; END IF;
                    RETURN NEW;
                END $$
                """)
            try await database.execute(
                """
                CREATE TRIGGER forced_failure BEFORE INSERT ON relationships
                FOR EACH ROW EXECUTE FUNCTION forced_failure()
                """
            )
        }
    }

    static func dropFailingTrigger(_ database: TestDatabase) async throws {
        try await database.execute(
            database.backend == .sqlite ? "DROP TRIGGER forced_failure" : "DROP TRIGGER forced_failure ON relationships"
        )
    }

    @Test(arguments: Backend.enabled)
    func aBatchThatFailsMidwayLeavesNothing(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.withStore { _ in }
            try await Self.installFailingTrigger(database)
            try await database.withStore { store in
                let c = Fixture.collection()
                try await store.createCollection(c)
                let kept = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
                let before = try await store.addObjects([kept], to: c.id, owner: Self.owner).compactMap(
                    Fixture.dateAdded)
                #expect(before.count == 1)

                let fresh = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
                let newVersion = Fixture.sdo(kept.id, modified: Fixture.base + 1)
                let failing = Fixture.sdo(
                    Fixture.id("relationship"), modified: Fixture.base,
                    edges: [RelationshipEdge(sourceRef: fresh.id, targetRef: kept.id, type: "forced-failure")])
                let last = Fixture.sco(Fixture.id("ipv4-addr"))
                let batch = [fresh, newVersion, failing, last]
                await #expect(throws: (any Error).self) {
                    try await store.addObjects(batch, to: c.id, owner: Self.owner)
                }

                #expect(try await store.objectCount(in: c.id) == 1)
                #expect(
                    try await store.objects(in: c.id, matching: ObjectQuery(versions: .all)).records.map(\.id) == [
                        kept.id
                    ])
                // No object row survived either: another version of `fresh` is the first version of a new
                // object, where beside a leftover row of `fresh` it would be a new version.
                let probe = Fixture.sdo(fresh.id, modified: Fixture.base + 5)
                let other = Fixture.collection()
                try await store.createCollection(other)
                let probed = try await store.addObjects([probe], to: other.id, owner: Self.owner)
                #expect(probed.first.map { if case .added(_, false) = $0 { true } else { false } } == true)

                try await Self.dropFailingTrigger(database)
                let retried = try await store.addObjects(batch, to: c.id, owner: Self.owner)
                let dates = retried.compactMap(Fixture.dateAdded)
                #expect(
                    dates.count == 4 && dates.allSatisfy { $0 > before[0] }
                        && dates.min()! > Fixture.dateAdded(probed[0])!)
                #expect(try await store.objectCount(in: c.id) == 5)
            }
        }
    }

    /// Writers on two store instances (two processes, as far as the database can tell) add
    /// objects at once while a reader pages by date added; the reader must see every object
    /// exactly once, which holds only when commits happen in date-added order.
    @Test(arguments: Backend.enabled)
    func concurrentWritersKeepDateAddedUniqueAndReadersMissNothing(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.withStore { first in
                try await database.withStore(migrated: false) { second in
                    let c = Fixture.collection()
                    try await first.createCollection(c)
                    let stores = [first, second]
                    let writers = 6
                    let batches = 5
                    let perBatch = 20
                    let finished = Flag()
                    async let seenByReader = Self.pageUntilQuiet(second, collection: c.id, finished: finished)
                    let outcomes = try await withThrowingTaskGroup(of: [(STIXObjectRecord, AddOutcome)].self) { group in
                        for writer in 0..<writers {
                            group.addTask {
                                var results: [(STIXObjectRecord, AddOutcome)] = []
                                for _ in 0..<batches {
                                    let batch = (0..<perBatch).map { _ in
                                        Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
                                    }
                                    let outcomes = try await stores[writer % 2].addObjects(
                                        batch, to: c.id, owner: Self.owner)
                                    results += zip(batch, outcomes)
                                }
                                return results
                            }
                        }
                        let all = try await group.reduce(into: []) { $0 += $1 }
                        await finished.set()
                        return all
                    }
                    let seen = try await seenByReader

                    let total = writers * batches * perBatch
                    let dates = outcomes.compactMap { Fixture.dateAdded($0.1) }
                    #expect(dates.count == total, "every object was added")
                    #expect(Set(dates).count == total, "date added is unique")
                    #expect(try await first.objectCount(in: c.id) == total)
                    let stored = try await second.objects(
                        in: c.id, matching: ObjectQuery(versions: .all, limit: total + 1))
                    #expect(stored.records.count == total && !stored.more)
                    #expect(stored.records.map(\.dateAdded) == dates.sorted())
                    #expect(Set(stored.records.map(\.id)) == Set(outcomes.map(\.0.id)))
                    #expect(
                        seen.map(\.dateAdded) == dates.sorted(), "the paging reader saw every record once, in order")
                }
            }
        }
    }

    /// Pages through `collection` by date added until the writers have finished and a page comes back empty.
    static func pageUntilQuiet(
        _ store: any Store, collection: String, finished: Flag
    ) async throws -> [StoredObjectVersion] {
        var seen: [StoredObjectVersion] = []
        var cursor: Int64?
        while true {
            let done = await finished.isSet
            let page = try await store.objects(
                in: collection, matching: ObjectQuery(versions: .all, addedAfter: cursor, limit: 37, withContent: false)
            )
            seen += page.records
            if let last = page.records.last { cursor = last.dateAdded }
            if page.records.isEmpty {
                if done { return seen }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }
}

/// A one-way switch shared between tasks.
actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}
