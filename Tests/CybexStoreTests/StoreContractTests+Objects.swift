import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Adding and deleting objects: outcomes, versioning rules, date added, atomicity, concurrency.
extension StoreContractTests {
    static let owner = "org-owner"

    @Test(arguments: Backend.enabled)
    func newObjectsDuplicatesAndNewVersions(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let ids = (0..<3).map { _ in Fixture.id("indicator") }
            let first = ids.map { Fixture.sdo($0, modified: Fixture.base) }
            let outcomes = try await store.addObjects(first, to: c.id, owner: Self.owner)
            #expect(outcomes.count == 3)
            for outcome in outcomes {
                guard case .added(_, let newVersion) = outcome else {
                    Issue.record("expected added, got \(outcome)")
                    continue
                }
                #expect(!newVersion)
            }
            let dates = outcomes.compactMap(Fixture.dateAdded)
            #expect(dates == dates.sorted() && Set(dates).count == 3)

            #expect(
                try await store.addObjects(first, to: c.id, owner: Self.owner) == [.duplicate, .duplicate, .duplicate])
            let second = Fixture.sdo(ids[1], modified: Fixture.base + 1_000)
            let again = try await store.addObjects([second, first[2]], to: c.id, owner: Self.owner)
            guard case .added(let date, true) = again[0] else {
                Issue.record("expected a new version, got \(again[0])")
                return
            }
            #expect(date > dates.max()!)
            #expect(again[1] == .duplicate)
            #expect(try await store.objectCount(in: c.id) == 4)

            // A version stored for another collection is added to this one, not as a new version.
            let other = Fixture.collection()
            try await store.createCollection(other)
            let shared = try await store.addObjects([first[0], second], to: other.id, owner: "someone-else")
            #expect(shared.allSatisfy { if case .added(_, false) = $0 { true } else { false } })
            #expect(try await store.objectCount(in: other.id) == 2)
            #expect(try await store.objectCount(in: c.id) == 4)
            #expect(try await store.objectCount(in: "missing") == 0)
            #expect(try await store.addObjects([], to: c.id, owner: Self.owner).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func versioningRulesRejectAndStoreNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let id = Fixture.id("malware")
            let v1 = Fixture.sdo(id, modified: Fixture.base)
            let revoked = Fixture.sdo(id, modified: Fixture.base + 2_000, revoked: true)
            _ = try await store.addObjects([v1, revoked], to: c.id, owner: Self.owner)

            let afterRevocation = Fixture.sdo(id, modified: Fixture.base + 3_000)
            let otherCreator = Fixture.sdo(id, modified: Fixture.base + 1_000, createdBy: Fixture.otherCreator)
            let noCreator = Fixture.sdo(id, modified: Fixture.base + 1_100, createdBy: nil)
            let otherCreated = Fixture.sdo(id, modified: Fixture.base + 1_200, created: Fixture.base - 1)
            let beforeRevocation = Fixture.sdo(id, modified: Fixture.base + 1_500)
            let outcomes = try await store.addObjects(
                [afterRevocation, otherCreator, noCreator, otherCreated, beforeRevocation], to: c.id, owner: Self.owner)
            for (index, outcome) in outcomes.prefix(4).enumerated() {
                guard case .rejected(let reason) = outcome else {
                    Issue.record("object \(index) should be rejected, got \(outcome)")
                    continue
                }
                #expect(reason.contains(id))
            }
            if case .rejected(let reason) = outcomes[0] { #expect(reason.contains("revoked")) }
            if case .rejected(let reason) = outcomes[1] { #expect(reason.contains("created_by_ref")) }
            if case .rejected(let reason) = outcomes[3] { #expect(reason.contains("created")) }
            guard case .added(_, true) = outcomes[4] else {
                Issue.record("a version older than the revocation is accepted, got \(outcomes[4])")
                return
            }
            let stored = try await store.objects(in: c.id, matching: ObjectQuery(versions: .all)).records.map(\.version)
            #expect(stored.sorted() == [Fixture.base, Fixture.base + 1_500, Fixture.base + 2_000])
            // Nothing of the rejected versions was stored anywhere: another collection sees none of them.
            let other = Fixture.collection()
            try await store.createCollection(other)
            let elsewhere = try await store.addObjects([otherCreator], to: other.id, owner: Self.owner)
            if case .rejected = elsewhere[0] {} else { Issue.record("still rejected elsewhere, got \(elsewhere[0])") }
        }
    }

    @Test(arguments: Backend.enabled)
    func severalVersionsOfOneObjectInOneBatch(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let id = Fixture.id("indicator")
            let v = (0..<6).map { Fixture.base + Int64($0) * 1_000 }
            let batch = [
                Fixture.sdo(id, modified: v[2]),
                Fixture.sdo(id, modified: v[1]),
                Fixture.sdo(id, modified: v[2]),
                Fixture.sdo(id, modified: v[3], createdBy: Fixture.otherCreator),
                Fixture.sdo(id, modified: v[4], revoked: true),
                Fixture.sdo(id, modified: v[5]),
                Fixture.sdo(id, modified: v[0]),
            ]
            let outcomes = try await store.addObjects(batch, to: c.id, owner: Self.owner)
            let dates = outcomes.compactMap(Fixture.dateAdded)
            #expect(dates.count == 4 && dates == dates.sorted() && Set(dates).count == 4)
            guard dates.count == 4 else { return }
            #expect(outcomes[0] == .added(dateAdded: dates[0], newVersion: false))
            #expect(outcomes[1] == .added(dateAdded: dates[1], newVersion: true))
            #expect(outcomes[2] == .duplicate)
            if case .rejected = outcomes[3] {} else { Issue.record("other creator: \(outcomes[3])") }
            #expect(outcomes[4] == .added(dateAdded: dates[2], newVersion: true))
            if case .rejected = outcomes[5] {} else { Issue.record("after revocation: \(outcomes[5])") }
            #expect(outcomes[6] == .added(dateAdded: dates[3], newVersion: true))

            let all = try await store.objects(in: c.id, matching: ObjectQuery(versions: .all)).records
            #expect(all.map(\.version) == [v[2], v[1], v[4], v[0]])
            #expect(all.map(\.dateAdded) == dates)
            #expect(try await store.objects(in: c.id, matching: ObjectQuery()).records.map(\.version) == [v[4]])
            #expect(
                try await store.objects(in: c.id, matching: ObjectQuery(versions: .first)).records.map(\.version) == [
                    v[0]
                ])
        }
    }

    @Test(arguments: Backend.enabled)
    func cyberObservablesAreUniqueByIDAndVersionedByDateAdded(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            let other = Fixture.collection()
            try await store.createCollection(c)
            try await store.createCollection(other)
            let address = Fixture.sco(Fixture.id("ipv4-addr"))
            let domain = Fixture.sco(Fixture.id("domain-name"), value: "example.org")
            let outcomes = try await store.addObjects([address, domain, address], to: c.id, owner: Self.owner)
            let dates = outcomes.compactMap(Fixture.dateAdded)
            #expect(dates.count == 2 && outcomes[2] == .duplicate)
            #expect(try await store.addObjects([domain], to: c.id, owner: Self.owner) == [.duplicate])

            let page = try await store.objects(in: c.id, matching: ObjectQuery(versions: .all))
            #expect(page.records.map(\.id) == [address.id, domain.id])
            #expect(page.records.map(\.version) == dates, "the TAXII version of an SCO is its date added")
            #expect(page.records.map(\.json) == [address.json, domain.json])

            let elsewhere = try await store.addObjects([address], to: other.id, owner: Self.owner)
            guard case .added(let date, false) = elsewhere[0] else {
                Issue.record("expected added, got \(elsewhere[0])")
                return
            }
            #expect(date > dates[1])
            let there = try await store.objects(in: other.id, matching: ObjectQuery(versions: .all)).records
            #expect(there.map(\.version) == [date])
            #expect(
                try await store.objects(
                    in: c.id, matching: ObjectQuery(versions: VersionSelector(versions: [dates[1]]))
                )
                .records.map(\.id) == [domain.id])
        }
    }

    @Test(arguments: Backend.enabled)
    func dateAddedIsStrictlyIncreasingAcrossCalls(backend: Backend) async throws {
        try await backend.withStore { store in
            let collections = [Fixture.collection(), Fixture.collection()]
            for collection in collections { try await store.createCollection(collection) }
            var dates: [Int64] = []
            let before = SystemWallClock.nowMicroseconds()
            for round in 0..<20 {
                let batch = (0..<(round % 3 + 1)).map { _ in
                    Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
                }
                let outcomes = try await store.addObjects(batch, to: collections[round % 2].id, owner: Self.owner)
                dates += outcomes.compactMap(Fixture.dateAdded)
            }
            #expect(dates.count == (0..<20).reduce(0) { $0 + $1 % 3 + 1 })
            #expect(zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 })
            #expect(dates[0] >= before - 1_000_000, "date added is server time in microseconds")
        }
    }

    @Test(arguments: Backend.enabled)
    func textAndBytesSurviveAsGiven(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let awkward = "tab\there\\back\nline\r'quote\"é\u{1F512}\u{7}"
            let id = "indicator--" + awkward
            var object = Fixture.sdo(id, modified: Fixture.base, createdBy: "identity--" + awkward)
            object.json = (0...255).map(UInt8.init) + Array("\\x00\\N".utf8)
            object.observables = [Observable(kind: .url, value: "http://example.org/\t\\" + awkward)]
            object.edges = [RelationshipEdge(sourceRef: id, targetRef: "malware--\\N", type: "indicates")]
            #expect(
                try await store.addObjects([object], to: c.id, owner: "owner\t\\N").compactMap(Fixture.dateAdded).count
                    == 1)
            let read = try await store.objects(in: c.id, matching: ObjectQuery(ids: [id]))
            #expect(read.records.map(\.id) == [id])
            #expect(read.records.first?.json == object.json)
            // The creator compared by the versioning rules is the one stored, byte for byte.
            let next = Fixture.sdo(id, modified: Fixture.base + 1, createdBy: "identity--" + awkward)
            guard case .added(_, true) = try await store.addObjects([next], to: c.id, owner: "owner\t\\N")[0] else {
                Issue.record("the creator did not survive storage")
                return
            }
        }
    }

    /// Observable values are not bounded (a URL may be kilobytes long); no index may refuse them.
    @Test(arguments: Backend.enabled)
    func longObservableValuesAreKept(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            var generator = SystemRandomNumberGenerator()
            let path = String((0..<12_000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &generator)! })
            var object = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
            object.observables = [Observable(kind: .url, value: "https://example.org/" + path)]
            let outcomes = try await store.addObjects([object], to: c.id, owner: Self.owner)
            #expect(outcomes.compactMap(Fixture.dateAdded).count == 1)
            #expect(try await store.objectCount(in: c.id) == 1)
        }
    }

    /// A batch far larger than one protocol message or statement lands whole, and reads back exactly.
    @Test(arguments: Backend.enabled)
    func aLargeBatchLandsWhole(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let target = Fixture.id("malware")
            let batch = (0..<3_000).map { index in
                Fixture.sdo(
                    Fixture.id("indicator"), modified: Fixture.base + Int64(index),
                    observables: [Observable(kind: .ipv4, value: "10.\(index / 256 % 256).\(index % 256).1")],
                    edges: [RelationshipEdge(sourceRef: "indicator--\(index)", targetRef: target, type: "indicates")])
            }
            let outcomes = try await store.addObjects(batch, to: c.id, owner: Self.owner)
            let dates = outcomes.compactMap(Fixture.dateAdded)
            #expect(dates.count == batch.count && zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 })
            let page = try await store.objects(in: c.id, matching: ObjectQuery(versions: .all, limit: 10_000))
            #expect(page.records.map(\.id) == batch.map(\.id))
            #expect(page.records.map(\.json) == batch.map(\.json))
            #expect(page.records.map(\.version) == batch.map { $0.modified! })
            let again = try await store.addObjects(batch, to: c.id, owner: Self.owner)
            #expect(again.allSatisfy { $0 == .duplicate })
        }
    }

    /// PostgreSQL only: a large batch into tables the planner has not counted (or that have at least
    /// doubled since) refreshes the statistics, so that paging reads walk the index from the first
    /// read on; smaller batches leave them to autovacuum.
    @Test func postgresRefreshesStatisticsAfterLargeBatches() async throws {
        guard Backend.enabled.contains(.postgres) else { return }
        try await Backend.postgres.withStore { store in
            let postgres = try #require(store as? PostgresStore)
            func counted() async throws -> Double { try await postgres.plannerRowCount() }
            // Autovacuum would analyze on its own schedule and make the counts below a race.
            for table in ["collection_objects", "objects"] {
                try await postgres.execute(unsafeSQL: "ALTER TABLE \(table) SET (autovacuum_enabled = false)")
            }
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            func batch(_ range: Range<Int>) -> [STIXObjectRecord] {
                range.map {
                    Fixture.sdo("indicator--00000000-0000-4000-8000-\(String(format: "%012d", $0))", modified: Fixture.base)
                }
            }
            _ = try await store.addObjects(batch(0..<999), to: collection.id, owner: "org-a")
            #expect(try await counted() < 999, "a batch below 1,000 leaves the statistics alone")
            _ = try await store.addObjects(batch(999..<2_000), to: collection.id, owner: "org-a")
            #expect(try await counted() == 2_000)
            _ = try await store.addObjects(batch(2_000..<3_500), to: collection.id, owner: "org-a")
            #expect(try await counted() == 2_000, "1,500 added to 2,000 counted: not yet doubled")
            _ = try await store.addObjects(batch(3_500..<5_500), to: collection.id, owner: "org-a")
            #expect(try await counted() == 5_500)
        }
    }
}
