import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// The organisation graph of the sharing model: parents, default TLP levels, sharing groups and
/// the ``SharingDirectory`` read from them, on each backend.
extension StoreContractTests {
    /// Creates organisations named `names`, in order, and returns them by name.
    static func organisations(_ names: [String], in store: any Store) async throws -> [String: Organisation] {
        var created: [String: Organisation] = [:]
        for name in names {
            let organisation = Fixture.organisation(name)
            try await store.createOrganisation(organisation)
            created[name] = organisation
        }
        return created
    }

    @Test(arguments: Backend.enabled)
    func parentsAndDefaultLevels(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["cert", "isp"], in: store)
            let cert = orgs["cert"]!
            let isp = orgs["isp"]!
            let clinic = Organisation(
                id: UUID().uuidString.lowercased(), name: "clinic", createdAt: Fixture.base, parentID: isp.id,
                defaultTLP: .amberStrict)
            try await store.createOrganisation(clinic)
            #expect(try await store.organisation(id: clinic.id) == clinic)

            try await store.setOrganisationParent(id: isp.id, parentID: cert.id)
            try await store.setOrganisationDefaultTLP(id: cert.id, tlp: .green)
            #expect(try await store.organisation(named: "isp")?.parentID == cert.id)
            #expect(try await store.organisation(id: cert.id)?.defaultTLP == .green)
            #expect(try await store.organisations().map(\.parentID) == [nil, clinic.parentID, cert.id])

            try await store.setOrganisationParent(id: isp.id, parentID: nil)
            try await store.setOrganisationDefaultTLP(id: cert.id, tlp: nil)
            #expect(try await store.organisation(id: isp.id) == isp)
            #expect(try await store.organisation(id: cert.id) == cert)

            let unknown = try await #require(throws: StoreError.self) {
                try await store.setOrganisationParent(id: "no-such-org", parentID: cert.id)
            }
            #expect(unknown.code == .notFound)
            let noTLP = try await #require(throws: StoreError.self) {
                try await store.setOrganisationDefaultTLP(id: "no-such-org", tlp: .red)
            }
            #expect(noTLP.code == .notFound)
            let unknownParent = try await #require(throws: StoreError.self) {
                try await store.setOrganisationParent(id: isp.id, parentID: "no-such-org")
            }
            #expect(unknownParent.code == .conflict)
        }
    }

    @Test(arguments: Backend.enabled)
    func cyclesAndSelfParentsAreRefused(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["a", "b", "c"], in: store)
            let a = orgs["a"]!.id
            let b = orgs["b"]!.id
            let c = orgs["c"]!.id
            try await store.setOrganisationParent(id: a, parentID: b)
            let twoCycle = try await #require(throws: StoreError.self) {
                try await store.setOrganisationParent(id: b, parentID: a)
            }
            #expect(twoCycle.code == .conflict)
            let selfParent = try await #require(throws: StoreError.self) {
                try await store.setOrganisationParent(id: c, parentID: c)
            }
            #expect(selfParent.code == .conflict)
            try await store.setOrganisationParent(id: b, parentID: c)
            let longCycle = try await #require(throws: StoreError.self) {
                try await store.setOrganisationParent(id: c, parentID: a)
            }
            #expect(longCycle.code == .conflict)
            let createdAsOwnParent = Organisation(id: "d", name: "d", createdAt: Fixture.base, parentID: "d")
            let created = try await #require(throws: StoreError.self) {
                try await store.createOrganisation(createdAsOwnParent)
            }
            #expect(created.code == .conflict)
            // Nothing changed by the refusals.
            #expect(try await store.sharingDirectory() == SharingDirectory(parents: [a: b, b: c]))
            #expect(try await store.organisations().count == 3)
        }
    }

    /// What became of `body`.
    static func attempt(_ body: @Sendable () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Two processes setting a→b and b→a at the same moment: the check and the change are one
    /// transaction, so exactly one succeeds and the graph never holds a cycle.
    @Test(arguments: Backend.enabled)
    func concurrentParentChangesNeverCloseACycle(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let first = try await database.open()
            let second = try await database.open()
            do {
                try await first.migrate()
                for round in 0..<8 {
                    let orgs = try await Self.organisations(["a\(round)", "b\(round)"], in: first)
                    let a = orgs["a\(round)"]!.id
                    let b = orgs["b\(round)"]!.id
                    async let one = Self.attempt { try await first.setOrganisationParent(id: a, parentID: b) }
                    async let two = Self.attempt { try await second.setOrganisationParent(id: b, parentID: a) }
                    let outcomes = await [one, two]
                    let refused = outcomes.compactMap { outcome -> StoreError? in
                        if case .failure(let error) = outcome { return error as? StoreError }
                        return nil
                    }
                    #expect(refused.map(\.code) == [.conflict], "round \(round): \(outcomes)")
                    let parents = try await second.sharingDirectory().parents
                    #expect((parents[a] == b) != (parents[b] == a), "round \(round): \(parents)")
                }
            } catch {
                try? await first.close()
                try? await second.close()
                throw error
            }
            try await first.close()
            try await second.close()
        }
    }

    @Test(arguments: Backend.enabled)
    func sharingGroupsAndMembers(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["cert", "isp", "peer"], in: store)
            let cert = orgs["cert"]!.id
            let isp = orgs["isp"]!.id
            let peer = orgs["peer"]!.id
            let region = SharingGroup(id: "g-region", name: "region", members: [peer, cert], createdAt: Fixture.base)
            let empty = SharingGroup(id: "g-empty", name: "empty", createdAt: Fixture.base + 1)
            try await store.createSharingGroup(region)
            try await store.createSharingGroup(empty)
            let taken = SharingGroup(id: "g-other", name: "region", createdAt: Fixture.base)
            let nameTaken = try await #require(throws: StoreError.self) { try await store.createSharingGroup(taken) }
            #expect(nameTaken.code == .conflict)

            var expectedRegion = region
            expectedRegion.members = [cert, peer].sorted()
            #expect(try await store.sharingGroups() == [empty, expectedRegion])

            try await store.addSharingGroupMember(groupID: empty.id, organisationID: isp)
            let again = try await #require(throws: StoreError.self) {
                try await store.addSharingGroupMember(groupID: empty.id, organisationID: isp)
            }
            #expect(again.code == .conflict)
            let unknown = try await #require(throws: StoreError.self) {
                try await store.addSharingGroupMember(groupID: empty.id, organisationID: "no-such-org")
            }
            #expect(unknown.code == .conflict)
            #expect(try await store.removeSharingGroupMember(groupID: region.id, organisationID: cert))
            #expect(try await !store.removeSharingGroupMember(groupID: region.id, organisationID: cert))
            #expect(try await store.sharingGroups().map(\.members) == [[isp], [peer]])
        }
    }

    /// A small world (SECURITY.md, "The sharing model"): `clinic` is a constituent of `isp`, a
    /// constituent of `cert`; `peer` shares the `region` group with `cert`; `outsider` is unrelated;
    /// `vendor` owns the objects; the collection is read by `cert`.
    @Test(arguments: Backend.enabled)
    func theDirectoryReadBackGivesTheSharingTable(backend: Backend) async throws {
        try await backend.withStore { store in
            let names = ["cert", "isp", "clinic", "peer", "outsider", "vendor"]
            let orgs = try await Self.organisations(names, in: store)
            let id = { (name: String) in orgs[name]!.id }
            try await store.setOrganisationParent(id: id("isp"), parentID: id("cert"))
            try await store.setOrganisationParent(id: id("clinic"), parentID: id("isp"))
            try await store.createSharingGroup(
                SharingGroup(id: "g-region", name: "region", members: [id("cert"), id("peer")], createdAt: Fixture.base))
            try await store.createSharingGroup(SharingGroup(id: "g-empty", name: "empty", createdAt: Fixture.base))

            let directory = try await store.sharingDirectory()
            #expect(
                directory
                    == SharingDirectory(
                        parents: [id("isp"): id("cert"), id("clinic"): id("isp")],
                        groups: ["g-region": [id("cert"), id("peer")], "g-empty": []]))

            let audience = CollectionAudience(readers: [id("cert")])
            let viewers = ["cert", "isp", "clinic", "peer", "outsider", "vendor"]
            func seenBy(_ tlp: TLPLevel, in collection: CollectionAudience = audience) -> [String] {
                let label = SharingLabel(tlp: tlp, owner: id("vendor"), recipients: [id("isp")])
                return viewers.filter {
                    SharingPolicy.visible(label, in: collection, to: .organisation(id($0)), directory: directory)
                }
            }
            #expect(seenBy(.red) == ["isp", "vendor"])
            #expect(seenBy(.amberStrict) == ["cert", "vendor"])
            #expect(seenBy(.amber) == ["cert", "isp", "clinic", "vendor"])
            #expect(seenBy(.green) == ["cert", "isp", "clinic", "peer", "vendor"])
            #expect(seenBy(.clear) == ["cert", "isp", "clinic", "peer", "vendor"])
            let publicCollection = CollectionAudience(readers: [id("cert")], isPublic: true)
            #expect(seenBy(.clear, in: publicCollection) == viewers)
            let clear = SharingLabel(tlp: .clear, owner: id("vendor"))
            #expect(SharingPolicy.visible(clear, in: publicCollection, to: .anonymous, directory: directory))
            #expect(!SharingPolicy.visible(clear, in: audience, to: .anonymous, directory: directory))
            // Narrowed to a group cert is not in, the audience is empty: only the owner sees.
            let narrowed = CollectionAudience(readers: [id("cert")], sharingGroup: "g-empty")
            #expect(seenBy(.green, in: narrowed) == ["vendor"])
        }
    }

    @Test(arguments: Backend.enabled)
    func migrationFromSchemaTwoKeepsOrganisations(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let steps = database.migrationSteps
            try await database.applyMigrations { $0 <= 2 }
            try await database.execute("INSERT INTO organisations (id, name, created_at) VALUES ('o1', 'cert', 5)")
            try await database.execute("INSERT INTO organisations (id, name, created_at) VALUES ('o2', 'isp', 6)")
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == steps.last!.version)
                #expect(
                    try await store.organisations()
                        == [
                            Organisation(id: "o1", name: "cert", createdAt: 5), Organisation(id: "o2", name: "isp", createdAt: 6),
                        ])
                try await store.setOrganisationParent(id: "o2", parentID: "o1")
                #expect(try await store.sharingDirectory() == SharingDirectory(parents: ["o2": "o1"]))
                #expect(try await store.sharingGroups().isEmpty)
            }
        }
    }
}
