import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// A node with many organisations (a national CIRT's constituents): scopes whose owner defaults
/// pass ``SQLFilter/OwnerNumbers/threshold`` are written as lists of owners (numbers on SQLite,
/// arrays of ids on PostgreSQL), and the
/// organisation graph is kept between requests while its generation holds. Both must read exactly
/// what the policy says, and see at once what another process changes.
extension StoreContractTests {
    static let levelsInTurn: [TLPLevel] = [.clear, .green, .amber, .amberStrict, .red]

    /// Twelve owners of unmarked objects, each with its own default level, and five organisations
    /// with a default that own nothing: reads, counts and searches label and filter each object by
    /// its owner's default; an owner that writes after the numbers were read is seen at once.
    @Test(arguments: Backend.enabled)
    func manyOwnerDefaultsDecideTheLevelOfUnmarkedObjects(backend: Backend) async throws {
        try await backend.withStore { store in
            let collection = Fixture.collection()
            try await store.createCollection(collection)
            var defaults: [String: TLPLevel] = [:]
            var owners: [String: String] = [:]
            for n in 0..<12 {
                let object = Fixture.sco(Fixture.id("ipv4-addr"))
                _ = try await store.addObjects([object], to: collection.id, owner: "org-\(n)")
                defaults["org-\(n)"] = Self.levelsInTurn[n % 5]
                owners[object.id] = "org-\(n)"
            }
            for n in 0..<5 { defaults["org-silent-\(n)"] = .red }
            #expect(defaults.count > SQLFilter.OwnerNumbers.threshold)
            let shown: Set<TLPLevel> = [.clear, .green]
            func scope(_ levels: Set<TLPLevel>) -> ReadScope {
                ReadScope(
                    viewer: "org-viewer", levels: levels, recipientLevels: [], collectionDefault: nil, ownerDefaults: defaults)
            }
            func check() async throws {
                // Everything, each labelled with its owner's default.
                let all = try await store.objects(
                    in: collection.id, matching: ObjectQuery(versions: .all, scope: scope(Set(TLPLevel.allCases))))
                #expect(all.records.count == owners.count)
                for record in all.records { #expect(record.level == owners[record.id].flatMap { defaults[$0] }) }
                // CLEAR and GREEN only.
                let expected = Set(owners.filter { shown.contains(defaults[$0.value]!) }.keys)
                let some = try await store.objects(in: collection.id, matching: ObjectQuery(versions: .all, scope: scope(shown)))
                #expect(Set(some.records.map(\.id)) == expected)
                // The newest visible version of each (the lineage's other versions under the scope too).
                let newest = try await store.objects(
                    in: collection.id, matching: ObjectQuery(versions: .last, scope: scope(shown)))
                #expect(Set(newest.records.map(\.id)) == expected)
                #expect(try await store.objectCount(in: collection.id, scope: scope(shown)) == expected.count)
                let found = try await store.search(
                    ObjectSearch(collections: [.init(id: collection.id, scope: scope(shown))], limit: 1_000))
                #expect(Set(found.hits.map(\.record.id)) == expected)
                // Not RED: everything else.
                let notRed = Set(owners.filter { defaults[$0.value] != .red }.keys)
                let unred = try await store.objects(
                    in: collection.id,
                    matching: ObjectQuery(versions: .all, scope: scope(Set(TLPLevel.allCases).subtracting([.red]))))
                #expect(Set(unred.records.map(\.id)) == notRed)
            }
            try await check()
            // A new owner, RED by default, writes after the numbers were read.
            let late = Fixture.sco(Fixture.id("ipv4-addr"))
            _ = try await store.addObjects([late], to: collection.id, owner: "org-late")
            defaults["org-late"] = .red
            owners[late.id] = "org-late"
            try await check()
            // A deletion under the scope removes only what it shows: nothing of a RED owner's.
            let hidden = try #require(owners.first { defaults[$0.value] == .red })
            #expect(
                try await store.deleteObject(
                    id: hidden.key, from: collection.id, versions: .all, specVersions: nil, scope: scope(shown),
                    owner: hidden.value, audit: nil) == 0)
            let visible = try #require(owners.first { shown.contains(defaults[$0.value]!) })
            #expect(
                try await store.deleteObject(
                    id: visible.key, from: collection.id, versions: .all, specVersions: nil, scope: scope(shown),
                    owner: visible.value, audit: nil) == 1)
            owners[visible.key] = nil
            try await check()
        }
    }

    /// The organisation graph a store keeps between requests is read again as soon as another
    /// process changes a parent, a default level or a sharing group's members.
    @Test(arguments: Backend.enabled)
    func theOrganisationGraphIsReadAgainWhenAnotherProcessChangesIt(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let first = try await database.open()
            try await first.migrate()
            let second = try await database.open()
            let collection = Fixture.collection()
            try await first.createCollection(collection)
            try await first.createOrganisation(Organisation(id: "org-parent", name: "parent", createdAt: 1))
            try await first.createOrganisation(Organisation(id: "org-child", name: "child", createdAt: 2))
            var directory = try #require(try await first.collectionWithDirectory(id: collection.id)).1
            #expect(directory.parents["org-child"] == nil)
            // Read twice: the second read is the kept copy.
            #expect(try #require(try await first.collectionWithDirectory(id: collection.id)).1.parents["org-child"] == nil)

            try await second.setOrganisationParent(id: "org-child", parentID: "org-parent")
            directory = try #require(try await first.collectionWithDirectory(id: collection.id)).1
            #expect(directory.parents["org-child"] == "org-parent")

            try await second.setOrganisationDefaultTLP(id: "org-child", tlp: .red)
            #expect(try await first.sharingDirectory().defaultLevels["org-child"] == .red)
            #expect(try await first.collectionsWithDirectory().1.defaultLevels["org-child"] == .red)

            try await second.createSharingGroup(SharingGroup(id: "group-1", name: "sector", createdAt: 3))
            try await second.addSharingGroupMember(groupID: "group-1", organisationID: "org-child")
            directory = try #require(try await first.collectionWithDirectory(id: collection.id)).1
            #expect(directory.groups["group-1"] == ["org-child"])
            #expect(try await second.removeSharingGroupMember(groupID: "group-1", organisationID: "org-child"))
            directory = try #require(try await first.collectionWithDirectory(id: collection.id)).1
            #expect(directory.groups["group-1"]?.isEmpty ?? true)

            try await second.close()
            try await first.close()
        }
    }
}
