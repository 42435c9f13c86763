import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Constituencies and enrichment tables (schema step 15) on each backend: changes with their audit
/// entry in one transaction, lookups by exact entry, the range that holds an address or an AS at
/// both of its ends and not beyond, sources replaced whole.
extension StoreContractTests {
    static func entry(_ kind: ConstituencyEntry.Kind, _ value: String, _ note: String? = nil) -> ConstituencyEntry {
        ConstituencyEntry(kind: kind, value: value, note: note)
    }

    @Test(arguments: Backend.enabled)
    func constituenciesAreAddedReplacedAndLookedUp(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["isp", "hoster"], in: store)
            let (isp, hoster) = (orgs["isp"]!.id, orgs["hoster"]!.id)
            #expect(try await store.constituency(of: isp) == [])
            #expect(try await store.constituency(of: "no-such-org") == nil)

            let audit: @Sendable (ConstituencyChange) -> [AuditEvent] = { change in
                [
                    AuditEvent(
                        time: 1, actor: "test", action: "organisation.add-constituency", target: isp, detail: "\(change.total)")
                ]
            }
            let first = try await store.updateConstituency(
                of: isp,
                with: [
                    Self.entry(.domain, "isp.example"), Self.entry(.network, "198.51.100.0/24", "customers"),
                    Self.entry(.asn, "64500"), Self.entry(.network, "2001:db8::/32"),
                ], replacing: false, audit: audit)
            #expect(first == ConstituencyChange(added: 4, removed: 0, total: 4))
            // Networks first, then AS numbers, then domains; each by value.
            #expect(
                try await store.constituency(of: isp) == [
                    Self.entry(.network, "198.51.100.0/24", "customers"), Self.entry(.network, "2001:db8::/32"),
                    Self.entry(.asn, "64500"), Self.entry(.domain, "isp.example"),
                ])
            #expect(try await store.auditEvents(limit: 1).first?.detail == "4")

            // Adding again: an entry already there takes the new note, is not added twice.
            let again = try await store.updateConstituency(
                of: isp, with: [Self.entry(.network, "198.51.100.0/24", "all customers"), Self.entry(.asn, "64501")],
                replacing: false, audit: audit)
            #expect(again == ConstituencyChange(added: 1, removed: 0, total: 5))
            #expect(try await store.constituency(of: isp)?.first?.note == "all customers")

            // Another organisation may hold the same network (a reseller and its customer).
            try await store.updateConstituency(
                of: hoster, with: [Self.entry(.network, "198.51.100.0/24")], replacing: false, audit: { _ in [] })
            let matches = try await store.constituents(
                holding: [Self.entry(.network, "198.51.100.0/24"), Self.entry(.domain, "isp.example"), Self.entry(.asn, "1")])
            #expect(
                Set(matches.map { "\($0.organisationID) \($0.entry.kind.rawValue) \($0.entry.value)" }) == [
                    "\(isp) network 198.51.100.0/24", "\(hoster) network 198.51.100.0/24", "\(isp) domain isp.example",
                ])
            #expect(try await store.constituents(holding: []).isEmpty)

            // Replacing removes what is not given, in one step.
            let replaced = try await store.updateConstituency(
                of: isp, with: [Self.entry(.asn, "64500"), Self.entry(.domain, "isp.example")], replacing: true, audit: audit)
            #expect(replaced == ConstituencyChange(added: 0, removed: 3, total: 2))
            #expect(try await store.constituency(of: isp) == [Self.entry(.asn, "64500"), Self.entry(.domain, "isp.example")])

            // An unknown organisation changes nothing.
            await #expect(throws: StoreError.self) {
                try await store.updateConstituency(
                    of: "no-such-org", with: [Self.entry(.asn, "1")], replacing: false, audit: audit)
            }
            #expect(try await store.constituency(of: isp) == [Self.entry(.asn, "64500"), Self.entry(.domain, "isp.example")])
        }
    }

    static let enrichmentTable = EnrichmentTable(
        ranges: [
            EnrichmentRange(first: [198, 51, 100, 0], last: [198, 51, 100, 255], asn: 64500, country: "FR", owner: "ISP-AS"),
            EnrichmentRange(first: [198, 51, 101, 0], last: [198, 51, 101, 99], asn: 0),
            EnrichmentRange(
                first: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 12),
                last: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0xff, count: 12), asn: 64501, country: "DE", owner: "V6-AS"),
        ],
        asns: [EnrichmentASNRange(first: 64500, last: 64509, country: "FR", registry: "ripencc", holder: "org-1")])

    @Test(arguments: Backend.enabled)
    func enrichmentSourcesAnswerForTheRangeThatHoldsAnAddress(backend: Backend) async throws {
        try await backend.withStore { store in
            let event = AuditEvent(time: 5, actor: "test", action: "enrichment.load", target: "ip2asn")
            try await store.replaceEnrichment(
                source: "ip2asn", format: .ip2asn, table: Self.enrichmentTable, at: 5, audit: [event])
            #expect(try await store.auditEvents(limit: 1).first?.action == "enrichment.load")
            #expect(
                try await store.enrichmentSources() == [
                    EnrichmentSource(name: "ip2asn", format: .ip2asn, loaded: 5, ranges: 3, asns: 1)
                ])

            // Both ends of a range, and not beyond them.
            for address: [UInt8] in [[198, 51, 100, 0], [198, 51, 100, 77], [198, 51, 100, 255]] {
                let facts = try await store.enrichment(ofAddress: address)
                #expect(
                    facts == [
                        EnrichmentFact(source: "ip2asn", range: "198.51.100.0/24", asn: 64500, country: "FR", owner: "ISP-AS")
                    ])
            }
            #expect(try await store.enrichment(ofAddress: [198, 51, 99, 255]).isEmpty)
            #expect(try await store.enrichment(ofAddress: [198, 51, 101, 200]).isEmpty)
            // A range that is not one network is written with both ends; AS 0 is kept.
            #expect(
                try await store.enrichment(ofAddress: [198, 51, 101, 5]) == [
                    EnrichmentFact(source: "ip2asn", range: "198.51.101.0-198.51.101.99", asn: 0)
                ])
            let v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] as [UInt8]
            #expect(try await store.enrichment(ofAddress: v6).first?.range == "2001:db8::/32")
            #expect(try await store.enrichment(ofAddress: [0x20, 0x01, 0x0d, 0xb9] + Array(repeating: 0, count: 12)).isEmpty)
            // An IPv4 address is never answered by an IPv6 range that sorts before it, nor the reverse.
            #expect(try await store.enrichment(ofAddress: [0x30, 0, 0, 1]).isEmpty)

            // Many addresses in one read, as a feed pull asks.
            let batch = try await store.enrichment(ofAddresses: [[198, 51, 100, 1], [198, 51, 101, 5], [198, 51, 102, 1], v6])
            #expect(batch.count == 3)
            #expect(batch[[198, 51, 100, 1]]?.first?.asn == 64500)
            #expect(batch[[198, 51, 101, 5]]?.first?.asn == 0)
            #expect(batch[v6]?.first?.country == "DE")
            #expect(batch[[198, 51, 102, 1]] == nil)
            #expect(try await store.enrichment(ofASN: 64505).first?.range == "64500-64509")
            #expect(try await store.enrichment(ofASN: 64505).first?.holder == "org-1")
            #expect(try await store.enrichment(ofASN: 64510).isEmpty)
            #expect(try await store.enrichment(ofASN: 64499).isEmpty)

            // A second source answers beside the first; loading a source again replaces it whole.
            try await store.replaceEnrichment(
                source: "rir", format: .rirDelegated,
                table: EnrichmentTable(ranges: [
                    EnrichmentRange(first: [198, 51, 100, 0], last: [198, 51, 100, 255], country: "FR", registry: "ripencc")
                ]),
                at: 6, audit: [])
            #expect(try await store.enrichment(ofAddress: [198, 51, 100, 9]).map(\.source) == ["ip2asn", "rir"])
            // A batch answers each address as a lookup of its own does: before, inside, between and
            // after the ranges of both sources, both families, in any order.
            var many: [[UInt8]] = [v6, [0x20, 0x01, 0x0d, 0xb9] + Array(repeating: 0, count: 12), [0x30, 0, 0, 1]]
            for third: UInt8 in 99...102 {
                for fourth: UInt8 in [0, 1, 5, 77, 99, 100, 101, 200, 255] { many.append([198, 51, third, fourth]) }
            }
            many.shuffle()
            let answered = try await store.enrichment(ofAddresses: many)
            for address in many {
                #expect(answered[address] ?? [] == (try await store.enrichment(ofAddress: address)), "\(address)")
            }
            #expect(answered.count == 15)
            try await store.replaceEnrichment(
                source: "ip2asn", format: .ip2asn,
                table: EnrichmentTable(ranges: [EnrichmentRange(first: [203, 0, 113, 0], last: [203, 0, 113, 255], asn: 64502)]),
                at: 7, audit: [])
            #expect(try await store.enrichment(ofAddress: [198, 51, 100, 9]).map(\.source) == ["rir"])
            #expect(try await store.enrichment(ofASN: 64505).isEmpty)
            #expect(try await store.enrichmentSources().map(\.ranges) == [1, 1])

            #expect(try await store.removeEnrichment(source: "rir", audit: []))
            #expect(try await !store.removeEnrichment(source: "rir", audit: []))
            #expect(try await store.enrichment(ofAddress: [198, 51, 100, 9]).isEmpty)
            #expect(try await store.enrichmentSources().map(\.name) == ["ip2asn"])
        }
    }
}
