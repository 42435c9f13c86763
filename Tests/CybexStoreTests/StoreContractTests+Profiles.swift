import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Organisation profiles (migration 11): read, replaced in one transaction with their audit entry,
/// text kept whole or refused, on each backend.
extension StoreContractTests {
    static let fullProfile = OrganisationProfile(
        sectors: [.telecommunications, .governmentNational], country: "FR", roles: [.cirt, .serviceProvider],
        contacts: [
            OrganisationContact(kind: .abuse, email: "abuse@isp.example", phone: "+33 1 23 45 67 89"),
            OrganisationContact(kind: .security, url: "https://isp.example/.well-known/security.txt"),
            OrganisationContact(
                kind: .general, email: "info@isp.example", phone: "+33 1 00 00 00 00", url: "https://isp.example"),
        ])

    @Test(arguments: Backend.enabled)
    func profilesAreReadAndReplaced(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["isp", "cert"], in: store)
            let isp = orgs["isp"]!.id
            #expect(try await store.organisationProfile(id: isp) == .empty)
            #expect(try await store.organisationProfile(id: "no-such-org") == nil)
            #expect(try await store.organisationProfile(id: "isp\u{0}") == nil)

            let stored = try await store.setOrganisationProfile(id: isp, Self.fullProfile)
            #expect(stored == Self.fullProfile)
            #expect(try await store.organisationProfile(id: isp) == Self.fullProfile)
            // Another organisation's profile is its own.
            #expect(try await store.organisationProfile(id: orgs["cert"]!.id) == .empty)
            // The organisation row itself is unchanged.
            #expect(try await store.organisation(id: isp) == orgs["isp"])

            // Contacts come back in kind order, whatever order they were stored in.
            var shuffled = Self.fullProfile
            shuffled.contacts.reverse()
            try await store.setOrganisationProfile(id: isp, shuffled)
            #expect(try await store.organisationProfile(id: isp) == Self.fullProfile)

            // Replacing removes what the new profile leaves out.
            let smaller = OrganisationProfile(
                sectors: [.energy], roles: [.endUser], contacts: [OrganisationContact(kind: .security, phone: "+49 30 1234")])
            try await store.setOrganisationProfile(id: isp, smaller)
            #expect(try await store.organisationProfile(id: isp) == smaller)
            try await store.setOrganisationProfile(id: isp, .empty)
            #expect(try await store.organisationProfile(id: isp) == .empty)

            let unknown = try await #require(throws: StoreError.self) {
                try await store.setOrganisationProfile(id: "no-such-org", Self.fullProfile)
            }
            #expect(unknown.code == .notFound)
        }
    }

    @Test(arguments: Backend.enabled)
    func aProfileCommitsWithItsAuditEntry(backend: Backend) async throws {
        try await backend.withStore { store in
            let isp = try await Self.organisations(["isp"], in: store)["isp"]!.id
            try await store.setOrganisationProfile(id: isp, Self.fullProfile)
            let next = OrganisationProfile(country: "DE")
            // The audit closure sees the profile replaced and the new one; its entry commits with them.
            try await store.setOrganisationProfile(id: isp, next) { old, new in
                let detail = "\(old == Self.fullProfile) \(new == next)"
                return [
                    AuditEvent(time: Fixture.base, actor: "ana", action: "organisation.set-profile", target: isp, detail: detail)
                ]
            }
            let events = try await store.auditEvents(limit: 10)
            #expect(events.map(\.action) == ["organisation.set-profile"])
            #expect(events.first?.actor == "ana" && events.first?.target == isp)
            #expect(events.first?.detail == "true true")
            #expect(try await store.verifyAuditChain().failures.isEmpty)

            // A change that throws inside the transaction writes neither the profile nor the entry.
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await store.updateOrganisationProfile(
                    id: isp, { _ in throw Refused() },
                    audit: { _, _ in [AuditEvent(time: Fixture.base, actor: "x", action: "organisation.set-profile", target: isp)]
                    })
            }
            #expect(try await store.organisationProfile(id: isp) == next)
            #expect(try await store.auditEvents(limit: 10).count == 1)

            // An update reads the profile it replaces: a partial change keeps the rest.
            let updated = try await store.updateOrganisationProfile(
                id: isp,
                { old in
                    var profile = old
                    profile.sectors = [.water]
                    return profile
                }, audit: nil)
            #expect(updated == OrganisationProfile(sectors: [.water], country: "DE"))
            #expect(try await store.organisationProfile(id: isp) == updated)
        }
    }

    @Test(arguments: Backend.enabled)
    func profileTextIsKeptWholeOrRefused(backend: Backend) async throws {
        try await backend.withStore { store in
            let isp = try await Self.organisations(["isp"], in: store)["isp"]!.id
            try await store.setOrganisationProfile(id: isp, Self.fullProfile)
            for bad in [
                OrganisationProfile(country: "F\u{0}R"),
                OrganisationProfile(contacts: [OrganisationContact(kind: .abuse, email: "abuse@isp.example\u{0}evil")]),
                OrganisationProfile(contacts: [OrganisationContact(kind: .abuse, phone: "+33\u{0}1")]),
                OrganisationProfile(contacts: [OrganisationContact(kind: .abuse, url: "https://x.example/\u{0}")]),
                OrganisationProfile(contacts: [
                    OrganisationContact(kind: .abuse, email: "a@b.example"), OrganisationContact(kind: .abuse, phone: "+331234"),
                ]),
            ] {
                let error = try await #require(throws: StoreError.self) { try await store.setOrganisationProfile(id: isp, bad) }
                #expect(error.code == .invalidArgument)
                #expect(try await store.organisationProfile(id: isp) == Self.fullProfile)
            }
            // Long values and non-ASCII text are stored whole.
            let long = OrganisationProfile(contacts: [
                OrganisationContact(
                    kind: .general, email: "jürgen.müller@städtische-werke.example",
                    url: "https://isp.example/" + String(repeating: "ä", count: 2000))
            ])
            try await store.setOrganisationProfile(id: isp, long)
            #expect(try await store.organisationProfile(id: isp) == long)
        }
    }

    @Test(arguments: Backend.enabled)
    func concurrentPartialUpdatesLoseNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            let isp = try await Self.organisations(["isp"], in: store)["isp"]!.id
            let sectors = Array(IndustrySector.allCases.prefix(12))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sector in sectors {
                    group.addTask {
                        try await store.updateOrganisationProfile(
                            id: isp,
                            { old in
                                var profile = old
                                profile.sectors.append(sector)
                                return profile
                            }, audit: nil)
                    }
                }
                try await group.waitForAll()
            }
            let stored = try #require(try await store.organisationProfile(id: isp))
            #expect(Set(stored.sectors) == Set(sectors))
        }
    }
}
