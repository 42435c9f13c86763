import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Reading collections: every filter of ``ObjectQuery`` against an independent model, and paging.
extension StoreContractTests {
    /// A collection with several types, spec versions, versions added out of order, and SCOs,
    /// beside a second collection that must never leak into the first one's results.
    struct Corpus {
        var collection: CollectionRecord
        var model = CollectionModel()
        var indicators: [String] = []
        var malware: [String] = []
        var addresses: [String] = []
    }

    static func makeCorpus(_ store: any Store) async throws -> Corpus {
        var corpus = Corpus(collection: Fixture.collection())
        let noise = Fixture.collection()
        try await store.createCollection(corpus.collection)
        try await store.createCollection(noise)
        corpus.indicators = (0..<4).map { _ in Fixture.id("indicator") }
        corpus.malware = (0..<2).map { _ in Fixture.id("malware") }
        corpus.addresses = (0..<3).map { _ in Fixture.id("ipv4-addr") }
        let t = { (step: Int64) in Fixture.base + step * 1_000_000 }
        let batches: [[STIXObjectRecord]] = [
            [Fixture.sdo(corpus.indicators[0], modified: t(3)), Fixture.sdo(corpus.indicators[1], modified: t(1))],
            [Fixture.sco(corpus.addresses[0]), Fixture.sdo(corpus.indicators[0], modified: t(1))],
            [
                Fixture.sdo(corpus.malware[0], modified: t(2), specVersion: "2.0"),
                Fixture.sdo(corpus.indicators[2], modified: t(5)),
                Fixture.sdo(corpus.indicators[0], modified: t(2)),
            ],
            [
                Fixture.sdo(corpus.indicators[1], modified: t(4)),
                Fixture.sco(corpus.addresses[1], value: "203.0.113.9"),
            ],
            [
                Fixture.sdo(corpus.malware[1], modified: t(1), specVersion: "2.0"),
                Fixture.sdo(corpus.malware[0], modified: t(3), specVersion: "2.0"),
                Fixture.sdo(corpus.indicators[3], modified: t(2), revoked: true),
                Fixture.sco(corpus.addresses[2], value: "192.0.2.1"),
            ],
            [Fixture.sdo(corpus.indicators[2], modified: t(4)), Fixture.sdo(corpus.indicators[1], modified: t(2))],
        ]
        for (index, batch) in batches.enumerated() {
            let outcomes = try await store.addObjects(batch, to: corpus.collection.id, owner: owner)
            #expect(outcomes.allSatisfy { Fixture.dateAdded($0) != nil })
            corpus.model.apply(batch, outcomes)
            if index % 2 == 0 {
                let extra = [batch[batch.count - 1], Fixture.sdo(Fixture.id("indicator"), modified: t(9))]
                _ = try await store.addObjects(extra, to: noise.id, owner: owner)
            }
        }
        return corpus
    }

    @Test(arguments: Backend.enabled)
    func everyFilterMatchesTheModel(backend: Backend) async throws {
        try await backend.withStore { store in
            let corpus = try await Self.makeCorpus(store)
            let entries = corpus.model.entries
            #expect(entries.count == 15)
            let t = { (step: Int64) in Fixture.base + step * 1_000_000 }
            let scoVersion = entries.first { $0.record.id == corpus.addresses[1] }!.dateAdded
            let middle = entries.sorted { $0.dateAdded < $1.dateAdded }[6].dateAdded
            let queries: [(String, ObjectQuery)] = [
                ("default: last", ObjectQuery()),
                ("all", ObjectQuery(versions: .all)),
                ("first", ObjectQuery(versions: .first)),
                ("first and last", ObjectQuery(versions: VersionSelector(first: true, last: true))),
                ("explicit", ObjectQuery(versions: VersionSelector(versions: [t(2), t(4), t(7)]))),
                ("explicit SCO version", ObjectQuery(versions: VersionSelector(versions: [scoVersion]))),
                ("last and explicit", ObjectQuery(versions: VersionSelector(last: true, versions: [t(1)]))),
                ("first and explicit", ObjectQuery(versions: VersionSelector(first: true, versions: [t(4)]))),
                ("all wins", ObjectQuery(versions: VersionSelector(first: true, all: true, versions: [t(1)]))),
                ("no version selected", ObjectQuery(versions: VersionSelector())),
                (
                    "ids",
                    ObjectQuery(ids: [corpus.indicators[0], corpus.addresses[2], "indicator--none"], versions: .all)
                ),
                ("ids, last", ObjectQuery(ids: [corpus.indicators[1], corpus.malware[0]])),
                ("types", ObjectQuery(types: ["indicator"], versions: .all)),
                ("types, first", ObjectQuery(types: ["malware", "ipv4-addr"], versions: .first)),
                (
                    "types repeated, paged",
                    ObjectQuery(types: ["ipv4-addr", "indicator", "ipv4-addr", "absent"], versions: .all, limit: 4)
                ),
                ("types, added after, last", ObjectQuery(types: ["indicator", "malware"], addedAfter: middle, limit: 2)),
                ("spec versions", ObjectQuery(versions: .all, specVersions: ["2.0"])),
                ("spec 2.1, first", ObjectQuery(versions: .first, specVersions: ["2.1"])),
                ("spec unknown", ObjectQuery(specVersions: ["2.2"])),
                ("added after", ObjectQuery(versions: .all, addedAfter: middle)),
                ("added after, last", ObjectQuery(addedAfter: middle)),
                ("added after the end", ObjectQuery(versions: .all, addedAfter: entries.map(\.dateAdded).max()!)),
                (
                    "everything combined",
                    ObjectQuery(
                        ids: corpus.indicators + corpus.malware, types: ["indicator", "malware"],
                        versions: VersionSelector(last: true, versions: [t(1)]), specVersions: ["2.1"],
                        addedAfter: entries[0].dateAdded)
                ),
                ("limit with more", ObjectQuery(versions: .all, limit: 5)),
                ("limit exactly all", ObjectQuery(versions: .all, limit: 15)),
                ("limit zero", ObjectQuery(versions: .all, limit: 0)),
                ("limit one, last", ObjectQuery(limit: 1)),
                ("without content", ObjectQuery(versions: .all, withContent: false)),
                ("without content, filtered", ObjectQuery(types: ["ipv4-addr"], limit: 2, withContent: false)),
                ("empty id list", ObjectQuery(ids: [], versions: .all)),
                ("empty type list", ObjectQuery(types: [])),
                ("empty spec list", ObjectQuery(versions: .all, specVersions: [])),
            ]
            for (name, query) in queries {
                let expected = corpus.model.page(query)
                let page = try await store.objects(in: corpus.collection.id, matching: query)
                #expect(page == expected, "\(name)")
            }
            // The model is not trivially empty where it matters.
            #expect(corpus.model.page(ObjectQuery()).records.count == 9)
            #expect(corpus.model.page(ObjectQuery(versions: .all, limit: 5)).more)
            #expect(
                try await store.objects(in: "missing", matching: ObjectQuery()) == ObjectPage(records: [], more: false))
        }
    }

    @Test(arguments: Backend.enabled)
    func pagingByDateAddedReturnsEveryRecordOnce(backend: Backend) async throws {
        try await backend.withStore { store in
            let corpus = try await Self.makeCorpus(store)
            for versions in [VersionSelector.all, .last, .first] {
                for limit in [1, 3, 7] {
                    var seen: [StoredObjectVersion] = []
                    var cursor: Int64?
                    var pages = 0
                    while true {
                        let page = try await store.objects(
                            in: corpus.collection.id,
                            matching: ObjectQuery(versions: versions, addedAfter: cursor, limit: limit))
                        seen += page.records
                        pages += 1
                        #expect(page.records.count <= limit)
                        guard page.more, let last = page.records.last else { break }
                        cursor = last.dateAdded
                        if pages > 100 { break }
                    }
                    let expected = corpus.model.page(ObjectQuery(versions: versions, limit: 1_000)).records
                    #expect(seen == expected, "versions \(versions), limit \(limit)")
                }
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func deletingVersions(backend: Backend) async throws {
        try await backend.withStore { store in
            var corpus = try await Self.makeCorpus(store)
            let c = corpus.collection.id
            let t = { (step: Int64) in Fixture.base + step * 1_000_000 }
            var count = corpus.model.entries.count
            #expect(try await store.objectCount(in: c) == count)

            // indicators[0] has versions t(1), t(2), t(3): remove the last, then the first.
            let id0 = corpus.indicators[0]
            #expect(try await store.deleteObject(id: id0, from: c, versions: .last, specVersions: nil) == 1)
            #expect(try await store.deleteObject(id: id0, from: c, versions: .first, specVersions: nil) == 1)
            corpus.model.remove { $0.record.id == id0 && $0.key != t(2) }
            count -= 2
            #expect(try await store.objectCount(in: c) == count)
            #expect(
                try await store.objects(in: c, matching: ObjectQuery(ids: [id0], versions: .all)).records.map(\.version)
                    == [t(2)])

            // One explicit version; a spec version that does not match removes nothing.
            let id1 = corpus.indicators[1]
            #expect(try await store.deleteObject(id: id1, from: c, versions: .all, specVersions: ["2.0"]) == 0)
            #expect(try await store.deleteObject(id: id1, from: c, versions: .all, specVersions: []) == 0)
            #expect(
                try await store.deleteObject(
                    id: id1, from: c, versions: VersionSelector(versions: [t(2), t(9)]), specVersions: nil) == 1)
            corpus.model.remove { $0.record.id == id1 && $0.key == t(2) }
            count -= 1
            #expect(try await store.deleteObject(id: id1, from: c, versions: VersionSelector(), specVersions: nil) == 0)

            // Every version, with a matching spec version.
            let malware = corpus.malware[0]
            #expect(try await store.deleteObject(id: malware, from: c, versions: .all, specVersions: ["2.0"]) == 2)
            corpus.model.remove { $0.record.id == malware }
            count -= 2
            #expect(try await store.deleteObject(id: malware, from: c, versions: .all, specVersions: nil) == 0)
            #expect(
                try await store.deleteObject(id: "indicator--missing", from: c, versions: .all, specVersions: nil) == 0)
            #expect(try await store.objectCount(in: c) == count)
            #expect(
                try await store.objects(in: c, matching: ObjectQuery(versions: .all))
                    == corpus.model.page(ObjectQuery(versions: .all)))

            // The deleted malware was in this collection only: nothing of it remains, so a version by
            // another creator is a new object now.
            let reborn = try await store.addObjects(
                [Fixture.sdo(malware, modified: t(5), createdBy: Fixture.otherCreator)], to: c, owner: Self.owner)
            #expect(reborn.first.map { if case .added(_, false) = $0 { true } else { false } } == true)
            // indicators[1] at t(1) is in the second collection too: its object row stays, and so do its rules.
            #expect(try await store.deleteObject(id: id1, from: c, versions: .all, specVersions: nil) == 2)
            #expect(try await store.objects(in: c, matching: ObjectQuery(ids: [id1], versions: .all)).records.isEmpty)
            let stillThere = try await store.addObjects(
                [Fixture.sdo(id1, modified: t(7), createdBy: Fixture.otherCreator)], to: c, owner: Self.owner)
            if case .rejected = stillThere[0] {} else { Issue.record("expected rejection, got \(stillThere[0])") }
        }
    }
}
