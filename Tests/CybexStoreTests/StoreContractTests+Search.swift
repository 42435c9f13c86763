import CybexCore
import CybexTestSupport
import Foundation
import Testing

@testable import CybexStore

/// Searching across collections (``Store/search(_:)``): one query must return exactly what reading
/// each collection under its own scope returns, merged by date added, and page through it exactly.
extension StoreContractTests {
    /// Three organisations posting versions at every TLP level (and unmarked) into four collections.
    struct SearchCorpus {
        var collections: [CollectionRecord] = []
        var organisations = ["org-a", "org-b", "org-c"]
        var ids: [String] = []
        var types = ["indicator", "malware", "ipv4-addr", "domain-name"]
    }

    static func makeSearchCorpus(_ store: any Store, seed: UInt64) async throws -> SearchCorpus {
        var random = SeededGenerator(state: seed)
        var corpus = SearchCorpus()
        for _ in 0..<4 {
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            corpus.collections.append(collection)
        }
        let sdoIDs = (0..<6).map { Fixture.id($0 % 2 == 0 ? "indicator" : "malware") }
        let scoIDs = (0..<4).map { Fixture.id($0 % 2 == 0 ? "ipv4-addr" : "domain-name") }
        corpus.ids = sdoIDs + scoIDs
        let levels: [TLPLevel?] = [nil] + TLPLevel.allCases.map(Optional.some)
        for round in 0..<12 {
            let collection = corpus.collections.randomElement(using: &random)!
            let owner = corpus.organisations.randomElement(using: &random)!
            var batch: [STIXObjectRecord] = []
            for id in sdoIDs.shuffled(using: &random).prefix(3) {
                var record = Fixture.sdo(id, modified: Fixture.base + Int64(round) * 1_000_000)
                record.tlp = levels.randomElement(using: &random)!
                batch.append(record)
            }
            for id in scoIDs.shuffled(using: &random).prefix(2) {
                var record = Fixture.sco(id, value: "198.51.100.\(round)")
                record.tlp = levels.randomElement(using: &random)!
                batch.append(record)
            }
            _ = try await store.addObjects(batch, to: collection.id, owner: owner)
        }
        return corpus
    }

    static func randomScope(_ corpus: SearchCorpus, using random: inout SeededGenerator) -> ReadScope? {
        if Int.random(in: 0..<6, using: &random) == 0 { return nil }
        let levels = Set(TLPLevel.allCases.filter { _ in Bool.random(using: &random) })
        var ownerDefaults: [String: TLPLevel] = [:]
        for organisation in corpus.organisations where Bool.random(using: &random) {
            ownerDefaults[organisation] = TLPLevel.allCases.randomElement(using: &random)!
        }
        return ReadScope(
            viewer: Bool.random(using: &random) ? corpus.organisations.randomElement(using: &random)! : nil, levels: levels,
            recipientLevels: [],
            collectionDefault: Bool.random(using: &random) ? TLPLevel.allCases.randomElement(using: &random)! : nil,
            ownerDefaults: ownerDefaults)
    }

    /// The page the search must return: each collection read alone, merged by date added.
    static func expectedSearch(_ search: ObjectSearch, store: any Store) async throws -> [SearchHit] {
        var hits: [SearchHit] = []
        for collection in search.collections {
            guard var query = search.query(for: collection) else { continue }
            query.limit = 10_000
            for record in try await store.objects(in: collection.id, matching: query).records
            where search.addedBefore.map({ record.dateAdded < $0 }) ?? true {
                hits.append(SearchHit(collectionID: collection.id, record: record))
            }
        }
        return hits.sorted { $0.record.dateAdded < $1.record.dateAdded }
    }

    @Test(arguments: Backend.enabled)
    func searchIsEachCollectionsScopedReadMerged(backend: Backend) async throws {
        try await backend.withStore { store in
            let corpus = try await Self.makeSearchCorpus(store, seed: 14)
            var random = SeededGenerator(state: 5)
            for _ in 0..<60 {
                var searched: [ObjectSearch.Collection] = []
                for collection in corpus.collections where Int.random(in: 0..<4, using: &random) > 0 {
                    searched.append(ObjectSearch.Collection(id: collection.id, scope: Self.randomScope(corpus, using: &random)))
                }
                let selectors: [VersionSelector] = [.last, .first, .all, VersionSelector(first: true, last: true)]
                var search = ObjectSearch(
                    collections: searched, versions: selectors.randomElement(using: &random)!,
                    limit: Int.random(in: 1...12, using: &random))
                if Bool.random(using: &random) {
                    search.types = Array(corpus.types.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random)))
                }
                if Int.random(in: 0..<3, using: &random) == 0 {
                    search.ids = Array(corpus.ids.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)))
                }
                // An upper bound on the date added, at one of the versions the search finds without it.
                if Int.random(in: 0..<3, using: &random) == 0,
                    let bound = try await Self.expectedSearch(search, store: store).randomElement(using: &random)
                {
                    search.addedBefore = bound.record.dateAdded
                }
                let expected = try await Self.expectedSearch(search, store: store)
                // Page through to the end: every page is the next slice of the merged reads.
                var found: [SearchHit] = []
                var pages = 0
                while true {
                    let page = try await store.search(search)
                    let slice = Array(expected.dropFirst(found.count).prefix(search.limit))
                    #expect(page.hits == slice)
                    #expect(page.more == (found.count + page.hits.count < expected.count))
                    found += page.hits
                    pages += 1
                    guard page.more, pages < 100 else { break }
                    search.addedAfter = page.resumeAfter
                }
                #expect(found == expected)
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func searchFindsTheVersionsThatCarryAnObservable(backend: Backend) async throws {
        try await backend.withStore { store in
            let first = Fixture.collection()
            let second = Fixture.collection()
            try await store.createCollection(first)
            try await store.createCollection(second)
            let domain = Observable(kind: .domain, value: "evil.example")
            let indicator = Fixture.id("indicator")
            // Version 1 names the domain; version 2 no longer does.
            _ = try await store.addObjects(
                [Fixture.sdo(indicator, modified: Fixture.base + 1, observables: [domain])], to: first.id, owner: "org-a")
            _ = try await store.addObjects(
                [Fixture.sdo(indicator, modified: Fixture.base + 2)], to: first.id, owner: "org-a")
            let address = Fixture.id("domain-name")
            var hidden = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base, observables: [domain])
            hidden.tlp = .red
            var shown = Fixture.sco(address)
            shown.observables = [domain]
            _ = try await store.addObjects([hidden, shown], to: second.id, owner: "org-b")
            _ = try await store.addObjects(
                [Fixture.sco(Fixture.id("ipv4-addr"), value: "192.0.2.1")], to: second.id, owner: "org-b")

            let everything = [
                ObjectSearch.Collection(id: first.id, scope: nil), ObjectSearch.Collection(id: second.id, scope: nil),
            ]
            let latest = try await store.search(ObjectSearch(collections: everything, observables: [domain]))
            #expect(latest.hits.map(\.record.id) == [hidden.id, address])
            let all = try await store.search(ObjectSearch(collections: everything, observables: [domain], versions: .all))
            #expect(all.hits.map(\.record.id) == [indicator, hidden.id, address])
            #expect(all.hits.map(\.collectionID) == [first.id, second.id, second.id])

            // org-c sees GREEN and below only: the RED indicator of org-b is not found.
            let green = ReadScope(
                viewer: "org-c", levels: [.clear, .green], recipientLevels: [], collectionDefault: .green, ownerDefaults: [:])
            let scoped = try await store.search(
                ObjectSearch(
                    collections: everything.map { ObjectSearch.Collection(id: $0.id, scope: green) }, observables: [domain],
                    versions: .all))
            #expect(scoped.hits.map(\.record.id) == [indicator, address])
            #expect(scoped.hits.allSatisfy { $0.record.level == .green && !$0.record.viewerOwns })

            let other = try await store.search(
                ObjectSearch(collections: everything, observables: [Observable(kind: .ipv4, value: "192.0.2.1")]))
            #expect(other.hits.count == 1)
            let none = try await store.search(
                ObjectSearch(collections: everything, observables: [Observable(kind: .ipv4, value: "evil.example")]))
            #expect(none.hits.isEmpty)
            #expect(try await store.search(ObjectSearch(collections: everything, observables: [])).hits.isEmpty)
            #expect(try await store.search(ObjectSearch(collections: everything, types: [])).hits.isEmpty)
            #expect(try await store.search(ObjectSearch(collections: [])).hits.isEmpty)
        }
    }

    /// More collections than one SQLite statement reads: merged across statements, exactly.
    @Test(arguments: Backend.enabled)
    func searchReadsManyCollections(backend: Backend) async throws {
        try await backend.withStore { store in
            var collections: [ObjectSearch.Collection] = []
            var expected: [String] = []
            for index in 0..<(SearchSQL.collectionsPerStatement + 30) {
                let collection = Fixture.collection()
                try await store.createCollection(collection)
                collections.append(ObjectSearch.Collection(id: collection.id, scope: nil))
                let record = Fixture.sco(Fixture.id("ipv4-addr"), value: "10.0.\(index / 256).\(index % 256)")
                _ = try await store.addObjects([record], to: collection.id, owner: "org-a")
                expected.append(record.id)
            }
            var search = ObjectSearch(collections: collections.shuffled(), limit: 70)
            var found: [String] = []
            while true {
                let page = try await store.search(search)
                found += page.hits.map(\.record.id)
                guard page.more else { break }
                search.addedAfter = page.resumeAfter
            }
            #expect(found == expected)

            // Long lists over every collection: more values than one statement binds, read in
            // several statements and merged, exactly.
            let ids = Array(expected.shuffled().prefix(60)) + (0..<40).map { _ in Fixture.id("ipv4-addr") }
            // (The fixture's SCOs are stored with the type up to the first hyphen.)
            let types = ["ipv4-addr", "ipv4"] + (0..<98).map { "x-type-\($0)" }
            var long = ObjectSearch(collections: collections, ids: ids, types: types, limit: 25)
            let statements = SearchSQL.statements(
                long, SearchSQL.branches(long), sqlite: backend == .sqlite, placeholder: { "$\($0)" })
            #expect(statements.count > 1 && statements.allSatisfy { $0.values.count <= SearchSQL.parametersPerStatement })
            var foundByID: [String] = []
            while true {
                let page = try await store.search(long)
                foundByID += page.hits.map(\.record.id)
                guard page.more else { break }
                long.addedAfter = page.resumeAfter
            }
            #expect(foundByID == expected.filter { ids.contains($0) })
        }
    }
}
