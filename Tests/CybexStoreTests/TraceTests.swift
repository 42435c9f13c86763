import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Testing

@testable import CybexStore

/// Attack-source tracing (``TraceService``) on fixture data, on both backends: exactly the hits,
/// containers, networks, AS numbers, countries, constituents and contacts each principal may be
/// told, and the audit entry that keeps the value hashed.
@Suite("Trace")
struct TraceTests {
    typealias Node = WriteSideTests.Node

    static let report = "report--00000000-0000-4000-8000-0000000000e1"
    static let redReport = "report--00000000-0000-4000-8000-0000000000e2"

    static let ip2asn = """
        198.51.100.0\t198.51.100.255\t64500\tFR\tHOSTER-AS Hosting
        203.0.113.0\t203.0.113.255\t0\tNone\tNot routed
        2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64501\tDE\tV6-NET

        """
    static let delegated = """
        2|ripencc|20261201|2|19830705|20261201|+0100
        ripencc|*|asn|*|1|summary
        ripencc|FR|asn|64500|4|20100101|allocated|org-hoster
        ripencc|FR|ipv4|198.51.100.0|256|20100101|allocated|org-hoster

        """

    /// CorrelationTests' fixture (cert's GREEN indicator for 198.51.100.7, its TLP:RED one, isp's
    /// range, cert's private collection), a GREEN report of cert naming the indicator and a TLP:RED
    /// one naming it too; `hoster`, a constituent of cert, registers 198.51.100.0/24, AS64500 and
    /// hoster.example with an abuse contact; both enrichment tables loaded.
    static func populate(_ node: Node) async throws -> (own: String, hoster: Organisation) {
        let own = try await CorrelationTests.populate(node)
        let refs = #"["\#(CorrelationTests.address)"]"#
        let report = { (id: String, marking: String) in
            """
            {"type":"report","spec_version":"2.1","id":"\(id)","created":"2026-01-02T00:00:00.000Z",\
            "modified":"2026-01-02T00:00:00.000Z","name":"C2","published":"2026-01-02T00:00:00Z",\
            "object_refs":\(refs),"object_marking_refs":["\(marking)"]}
            """
        }
        _ = try await node.post(
            [report(Self.report, WriteSideTests.green), report(Self.redReport, WriteSideTests.red)], by: node.cert)

        let administration = Administration(store: node.store, hasher: PasswordHasher(cost: 4), actor: "test")
        let hoster = try await administration.addOrganisation(name: "hoster", parent: "cert")
        _ = try await administration.setProfile(
            organisation: "hoster",
            OrganisationProfile(country: "FR", contacts: [OrganisationContact(kind: .abuse, email: "abuse@hoster.example")]))
        let engine = Engine(store: node.store, hasher: PasswordHasher(cost: 4))
        let entries = try ConstituencyEntries.csv(
            Array("type,value\nnetwork,198.51.100.0/24\nasn,AS64500\ndomain,hoster.example\n".utf8))
        _ = try await engine.constituencies.update(organisation: "hoster", with: entries, replacing: true, actor: "test")
        _ = try await engine.enrichment.load(
            format: .ip2asn, files: [("ip2asn.tsv", Array(Self.ip2asn.utf8))], source: nil, actor: "test")
        _ = try await engine.enrichment.load(
            format: .rirDelegated, files: [("delegated", Array(Self.delegated.utf8))], source: "ripe", actor: "test")
        return (own, hoster)
    }

    static func trace(_ node: Node) -> TraceService {
        TraceService(correlation: CorrelationService(collections: node.service))
    }

    @Test(arguments: Backend.enabled)
    func aTraceNamesTheHitsNetworkASCountryAndConstituentThePrincipalMayKnow(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let (own, hoster) = try await Self.populate(node)
            let range = WriteSideTests.ipv4("198.51.100.0/24").id
            let trace = Self.trace(node)

            let forCert = try await trace.trace(" 198.51.100.7 ", for: node.cert)
            #expect(forCert.value == "198.51.100.7")
            #expect(Set(forCert.correlation.hits.map(\.id)) == [CorrelationTests.address, CorrelationTests.privateOne, range])
            #expect(forCert.correlation.hits.first { $0.id == CorrelationTests.privateOne }?.collections == [own])
            #expect(forCert.firstSeen == forCert.correlation.hits.map(\.firstSeen).min())
            #expect(forCert.lastSeen == forCert.correlation.hits.map(\.lastSeen).max())
            // Both reports name the indicator; cert posted both and sees both.
            #expect(forCert.referencedBy.map(\.id).sorted() == [Self.report, Self.redReport])
            #expect(forCert.referencedBy.allSatisfy { $0.references == [CorrelationTests.address] })
            #expect(
                forCert.network == [
                    EnrichmentFact(
                        source: "ip2asn", range: "198.51.100.0/24", asn: 64500, country: "FR", owner: "HOSTER-AS Hosting"),
                    EnrichmentFact(
                        source: "ripe", range: "198.51.100.0/24", country: "FR", registry: "ripencc", holder: "org-hoster"),
                ])
            #expect(
                forCert.autonomousSystems == [
                    EnrichmentFact(
                        source: "ripe", range: "64500-64503", asn: 64500, country: "FR", registry: "ripencc", holder: "org-hoster"
                    )
                ])
            // cert coordinates hoster: it is told who is responsible and how to reach them.
            #expect(
                forCert.constituents == [
                    TraceConstituent(
                        organisationID: hoster.id, name: "hoster",
                        matched: [
                            ConstituencyEntry(kind: .network, value: "198.51.100.0/24"),
                            ConstituencyEntry(kind: .asn, value: "64500"),
                        ],
                        contact: OrganisationContact(kind: .abuse, email: "abuse@hoster.example"), country: "FR")
                ])
            #expect(Set(forCert.cluster.objects).isSuperset(of: [CorrelationTests.address, CorrelationTests.privateOne]))

            // partner sees the shared collection's objects, the GREEN report only, the public
            // enrichment, and no constituent: hoster's records are not its to read.
            let forPartner = try await trace.trace("198.51.100.7", for: node.partner)
            #expect(Set(forPartner.correlation.hits.map(\.id)) == [CorrelationTests.address, range])
            #expect(forPartner.referencedBy.map(\.id) == [Self.report])
            #expect(forPartner.network == forCert.network)
            #expect(forPartner.constituents.isEmpty)
            #expect(!forPartner.cluster.objects.contains(CorrelationTests.privateOne))

            // The administrator and hoster itself are told; isp is not.
            #expect(try await trace.trace("198.51.100.7", for: node.admin).constituents.map(\.name) == ["hoster"])
            #expect(try await trace.trace("198.51.100.7", as: "hoster", actor: "cli").constituents.map(\.name) == ["hoster"])
            #expect(try await trace.trace("198.51.100.7", for: node.isp).constituents.isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func domainsURLsAddressesAndASNumbersAreTracedToTheirConstituent(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            _ = try await Self.populate(node)
            let trace = Self.trace(node)

            // A host under a registered domain, by name, URL and e-mail address.
            for value in ["www.Hoster.Example.", "https://mail.hoster.example:443/login?x=1", "victim@hoster.example"] {
                let result = try await trace.trace(value, for: node.cert)
                #expect(result.constituents.map(\.name) == ["hoster"], "\(value)")
                #expect(result.constituents.first?.matched == [ConstituencyEntry(kind: .domain, value: "hoster.example")])
                #expect(result.network.isEmpty)
            }
            #expect(try await trace.trace("hoster.example.org", for: node.cert).constituents.isEmpty)

            // A range inside the constituency's network; a URL with an address.
            #expect(try await trace.trace("198.51.100.128/25", for: node.cert).constituents.map(\.name) == ["hoster"])
            #expect(try await trace.trace("http://198.51.100.9/x", for: node.cert).constituents.map(\.name) == ["hoster"])
            // A range wider than the constituency's network is not all the constituent's.
            #expect(try await trace.trace("198.51.0.0/16", for: node.cert).constituents.isEmpty)

            // An AS number, written either way.
            for value in ["AS64500", "64500"] {
                let result = try await trace.trace(value, for: node.cert)
                #expect(result.constituents.first?.matched == [ConstituencyEntry(kind: .asn, value: "64500")], "\(value)")
                #expect(result.autonomousSystems.map(\.range) == ["64500-64503"])
            }

            // Space no one announces: ip2asn's AS 0; no constituent.
            let unrouted = try await trace.trace("203.0.113.1", for: node.partner)
            #expect(unrouted.network == [EnrichmentFact(source: "ip2asn", range: "203.0.113.0/24", asn: 0)])
            #expect(unrouted.autonomousSystems.isEmpty && unrouted.constituents.isEmpty)
            // The TLP:RED indicator carrying it is cert's alone.
            #expect(unrouted.correlation.hits.isEmpty && unrouted.referencedBy.isEmpty)
            #expect(try await trace.trace("203.0.113.1", for: node.cert).correlation.hits.map(\.id) == [CorrelationTests.hidden])

            // IPv6.
            let v6 = try await trace.trace("2001:DB8::1", for: node.partner)
            #expect(v6.network.map(\.country) == ["DE"])
            #expect(v6.network.first?.range == "2001:db8::/32")
            // A hash has no network.
            let hash = try await trace.trace(String(repeating: "a", count: 64), for: node.partner)
            #expect(hash.network.isEmpty && hash.constituents.isEmpty && hash.correlation.hits.isEmpty)

            await #expect(throws: EngineError.self) { _ = try await trace.trace("  ", for: node.partner) }
        }
    }

    @Test(arguments: Backend.enabled)
    func theOperatorsTraceIsAuditedWithTheValueHashed(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            _ = try await Self.populate(node)
            let trace = Self.trace(node)

            let everything = try await trace.trace("198.51.100.7", as: nil, actor: "cli")
            #expect(everything.constituents.map(\.name) == ["hoster"])
            #expect(everything.referencedBy.count == 2)
            var events = try await store.auditEvents(limit: 5).filter { $0.action == "objects.trace" }
            let event = try #require(events.first)
            #expect(event.actor == "cli")
            #expect(event.target == "sha256:" + Secrets.sha256Hex("198.51.100.7"))
            #expect(!event.detail.contains("198.51.100.7"))
            #expect(event.detail.contains("(every collection)"))

            // A reader's trace that names nothing at TLP:AMBER or above is not audited; one that does is.
            let before = try await store.auditEvents(limit: 100).filter { $0.action == "objects.trace" }.count
            _ = try await trace.trace("hoster.example", for: node.partner)
            #expect(try await store.auditEvents(limit: 100).filter { $0.action == "objects.trace" }.count == before)
            _ = try await trace.trace("203.0.113.1", for: node.cert)
            events = try await store.auditEvents(limit: 100).filter { $0.action == "objects.trace" }
            #expect(events.count == before + 1)
            #expect(events.first?.detail.contains(CorrelationTests.hidden) == true)
        }
    }
}
