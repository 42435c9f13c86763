import CybexCore
import CybexEngine
import CybexTestSupport
import Foundation
import Testing

@testable import CybexStore

/// Who reads and writes an organisation's records (SECURITY.md, "Records of an organisation"),
/// checked against an independent statement of the rule: random organisation forests, users of every
/// role in every organisation and a request without credentials, every (principal, organisation)
/// pair — first on ``OrganisationRecordPolicy`` alone, then through ``OrganisationProfiles`` on a real
/// store of each backend, with the graph changing between rounds.
@Suite("Records of an organisation: who reads and writes them")
struct OrganisationRecordPolicyTests {
    /// The rule, stated apart from the code under test: administrators read and write everything;
    /// a user reads its own organisation's records and those of the organisations below it (its
    /// constituents, found here by walking up from the target), and writes only its own
    /// organisation's, and only as an analyst; nobody else reads or writes anything.
    static func expected(role: Role?, organisation: Int?, target: Int, parents: [Int?]) -> (read: Bool, write: Bool) {
        guard let role, let organisation else { return (false, false) }
        if role == .admin { return (true, true) }
        if organisation == target { return (true, role == .analyst) }
        var ancestors: [Int] = []
        var current = parents[target]
        while let parent = current, !ancestors.contains(parent) {
            ancestors.append(parent)
            current = parents[parent]
        }
        return (ancestors.contains(organisation), false)
    }

    /// A random forest of `count` organisations: each parent comes before its constituents.
    static func forest(_ count: Int, random: inout SeededGenerator) -> [Int?] {
        (0..<count).map { n in n > 0 && Int.random(in: 0..<3, using: &random) > 0 ? Int.random(in: 0..<n, using: &random) : nil }
    }

    static func principal(role: Role?, organisation: Int?, ids: [String]) -> Principal {
        guard let role, let organisation else { return .anonymous }
        let id = ids[organisation]
        return Principal(
            user: User(
                id: "u-\(role.rawValue)-\(organisation)", username: "\(role.rawValue)\(organisation)", organisationID: id,
                role: role, passwordHash: "", createdAt: 0),
            organisation: Organisation(id: id, name: "org\(organisation)", createdAt: 0))
    }

    /// Every principal of a node of `count` organisations: each role in each organisation, and anonymous.
    static func principals(_ count: Int) -> [(role: Role?, organisation: Int?)] {
        (0..<count).flatMap { organisation in Role.allCases.map { (role: Optional($0), organisation: Optional(organisation)) } }
            + [(role: nil, organisation: nil)]
    }

    @Test(arguments: [UInt64(0x0E6_0001), 0x0E6_0002, 0x0E6_0003])
    func thePolicyMatchesTheRule(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var cases = 0
        var reads = 0
        var writes = 0
        for _ in 0..<200 {
            let count = Int.random(in: 1...12, using: &random)
            let parents = Self.forest(count, random: &random)
            let ids = (0..<count).map { "org-\($0)" }
            var directory = SharingDirectory()
            for (child, parent) in parents.enumerated() { if let parent { directory.parents[ids[child]] = ids[parent] } }
            for (role, organisation) in Self.principals(count) {
                let principal = Self.principal(role: role, organisation: organisation, ids: ids)
                for target in 0..<count {
                    let want = Self.expected(role: role, organisation: organisation, target: target, parents: parents)
                    let access = OrganisationRecordPolicy.access(of: principal, to: ids[target], in: directory)
                    #expect(
                        access.mayRead == want.read && access.mayWrite == want.write,
                        "seed \(seed): \(role?.rawValue ?? "anonymous") of \(organisation ?? -1) on \(target), parents \(parents)"
                    )
                    cases += 1
                    reads += want.read ? 1 : 0
                    writes += want.write ? 1 : 0
                }
                #expect(
                    !OrganisationRecordPolicy.access(of: principal, to: "no-such-org", in: directory).mayRead || role == .admin)
            }
        }
        // Every outcome occurs often: the rule is exercised, not passed vacuously.
        #expect(cases > 20_000 && reads > cases / 10 && writes > cases / 20 && reads - writes > cases / 20)
    }

    @Test(arguments: Backend.enabled, [UInt64(0x0E6_1001), 0x0E6_1002])
    func theEngineAppliesTheRule(backend: Backend, seed: UInt64) async throws {
        try await backend.withStore { store in
            var random = SeededGenerator(state: seed)
            let count = 8
            var parents = Self.forest(count, random: &random)
            var ids: [String] = []
            for (n, parent) in parents.enumerated() {
                let organisation = Organisation(
                    id: UUID().uuidString.lowercased(), name: "org\(n)", createdAt: Fixture.base, parentID: parent.map { ids[$0] }
                )
                try await store.createOrganisation(organisation)
                ids.append(organisation.id)
            }
            let profiles = OrganisationProfiles(store: store)
            var model = [OrganisationProfile](repeating: .empty, count: count)
            var cases = 0
            var written = 0
            for round in 0..<3 {
                if round > 0 {
                    // Move a random organisation under another (or to the top) where that closes no cycle.
                    for _ in 0..<3 {
                        let child = Int.random(in: 0..<count, using: &random)
                        let parent: Int? = Bool.random(using: &random) ? Int.random(in: 0..<count, using: &random) : nil
                        var candidate = parents
                        candidate[child] = parent
                        if let parent,
                            parent == child
                                || Self.expected(role: .reader, organisation: child, target: parent, parents: candidate).read
                        {
                            continue
                        }
                        try await store.setOrganisationParent(id: ids[child], parentID: parent.map { ids[$0] })
                        parents = candidate
                    }
                }
                for (role, organisation) in Self.principals(count) {
                    let principal = Self.principal(role: role, organisation: organisation, ids: ids)
                    for target in 0..<count {
                        let want = Self.expected(role: role, organisation: organisation, target: target, parents: parents)
                        let what =
                            "\(backend) seed \(seed) round \(round): \(principal.user.username) on org\(target), parents \(parents)"
                        // Read.
                        do {
                            let view = try await profiles.profile(ofOrganisation: ids[target], for: principal)
                            #expect(want.read, "\(what): read allowed")
                            #expect(view.profile == model[target] && view.mayWrite == want.write, "\(what)")
                        } catch let error as EngineError {
                            #expect(!want.read && error.code == .notFound, "\(what): \(error)")
                        }
                        // Write.
                        let profile = Self.randomProfile(random: &random)
                        do {
                            let view = try await profiles.setProfile(profile, ofOrganisation: ids[target], by: principal)
                            #expect(want.write, "\(what): write allowed")
                            model[target] = profile.normalised
                            #expect(view.profile == model[target], "\(what)")
                            written += 1
                        } catch let error as EngineError {
                            #expect(!want.write && error.code == (want.read ? .forbidden : .notFound), "\(what): \(error)")
                        }
                        #expect(try await store.organisationProfile(id: ids[target]) == model[target], "\(what)")
                        cases += 1
                    }
                    // An organisation that does not exist answers as one the principal may not read.
                    let absent = try await #require(throws: EngineError.self) {
                        try await profiles.profile(ofOrganisation: UUID().uuidString.lowercased(), for: principal)
                    }
                    #expect(absent.code == .notFound)
                }
            }
            let audited = try await store.auditEvents(limit: -1).filter { $0.action == "organisation.set-profile" }
            #expect(audited.count == written)
            #expect(cases == 3 * count * (count * Role.allCases.count + 1))
            #expect(written > 0)
        }
    }

    static func randomProfile(random: inout SeededGenerator) -> OrganisationProfile {
        var profile = OrganisationProfile()
        profile.sectors = IndustrySector.allCases.filter { _ in Int.random(in: 0..<10, using: &random) == 0 }
        profile.country = ["FR", "DE", "NL", "SN", nil].randomElement(using: &random)!
        profile.roles = EcosystemRole.allCases.filter { _ in Bool.random(using: &random) }
        for kind in ContactKind.allCases.shuffled(using: &random) where Bool.random(using: &random) {
            let n = Int.random(in: 0..<1000, using: &random)
            profile.contacts.append(
                OrganisationContact(
                    kind: kind, email: "\(kind.rawValue)\(n)@org.example",
                    phone: Bool.random(using: &random) ? "+33 1 23 45 \(n)" : nil))
        }
        return profile
    }
}
