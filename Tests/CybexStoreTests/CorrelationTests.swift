import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Testing

@testable import CybexStore

/// Correlation through the sharing policy (``CorrelationService``), on both backends: exactly the
/// other objects the principal may see that carry one of the subject's observables, by value and
/// by containment, never an object (or a value) it may not see.
@Suite("Correlation")
struct CorrelationTests {
    typealias Node = WriteSideTests.Node

    static let address = "indicator--00000000-0000-4000-8000-00000000000a"
    static let hidden = "indicator--00000000-0000-4000-8000-00000000000b"
    static let privateOne = "indicator--00000000-0000-4000-8000-00000000000c"

    /// cert posts an indicator for 198.51.100.7 (GREEN) and a TLP:RED one for evil.example to the
    /// shared collection; isp posts the range 198.51.100.0/24 (GREEN); cert's private collection holds
    /// another indicator for 198.51.100.7.
    static func populate(_ node: Node) async throws -> String {
        let green = [WriteSideTests.green]
        _ = try await node.post(
            [
                WriteSideTests.indicator(address, pattern: "[ipv4-addr:value = '198.51.100.7']", markings: green),
                WriteSideTests.indicator(
                    hidden, pattern: "[domain-name:value = 'Evil.Example'] OR [ipv4-addr:value = '203.0.113.1']",
                    markings: [WriteSideTests.red]),
            ], by: node.cert)
        _ = try await node.post([WriteSideTests.ipv4("198.51.100.0/24", markings: green).json], by: node.isp)
        let administration = Administration(store: node.store, hasher: PasswordHasher(cost: 4), actor: "test")
        let own = try await administration.addCollection(
            title: "cert only", description: nil, readers: ["cert"], writers: ["cert"])
        let body =
            Array(#"{"objects":["#.utf8)
            + Array(WriteSideTests.indicator(privateOne, pattern: "[ipv4-addr:value = '198.51.100.7']").utf8)
            + Array("]}".utf8)
        _ = try await node.service.add(body, as: .envelope, to: own.id, by: node.cert)
        return own.id
    }

    static func ids(_ result: CorrelationResult) -> Set<String> { Set(result.hits.map(\.id)) }

    @Test(arguments: Backend.enabled)
    func hitsAreTheObjectsThePrincipalMaySeeThatShareAnObservable(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let own = try await Self.populate(node)
            let range = WriteSideTests.ipv4("198.51.100.0/24").id
            let correlation = CorrelationService(collections: node.service)

            // cert sees its private indicator too; the range contains the address.
            let forCert = try await correlation.correlate(.value(" 198.51.100.7 "), for: node.cert)
            #expect(Self.ids(forCert) == [Self.address, Self.privateOne, range])
            #expect(forCert.observables == [Observable(kind: .ipv4, value: "198.51.100.7")])
            let rangeHit = try #require(forCert.hits.first { $0.id == range })
            #expect(rangeHit.observables == [Observable(kind: .ipv4, value: "198.51.100.0/24")])
            #expect(rangeHit.type == "ipv4-addr")
            #expect(forCert.hits.first { $0.id == Self.privateOne }?.collections == [own])
            #expect(forCert.hits.first { $0.id == Self.address }?.collections == [node.collectionID])

            // partner reads the shared collection only.
            let forPartner = try await correlation.correlate(.value("198.51.100.7"), for: node.partner)
            #expect(Self.ids(forPartner) == [Self.address, range])

            // A range finds itself and the addresses within it.
            let byRange = try await correlation.correlate(.value("198.51.100.9/24"), for: node.partner)
            #expect(byRange.observables == [Observable(kind: .ipv4, value: "198.51.100.0/24")])
            #expect(Self.ids(byRange) == [Self.address, range])

            // The TLP:RED indicator is cert's alone: not a hit, not a count, for the others.
            #expect(Self.ids(try await correlation.correlate(.value("EVIL.example."), for: node.cert)) == [Self.hidden])
            let unseen = try await correlation.correlate(.value("evil.example"), for: node.partner)
            #expect(unseen.hits.isEmpty && !unseen.truncated)
            #expect(unseen.observables == [Observable(kind: .domain, value: "evil.example")])
            #expect(try await correlation.correlate(.value("203.0.113.1"), for: node.isp).hits.isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func anObjectIsCorrelatedByTheObservablesOfItsVisibleVersions(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            _ = try await Self.populate(node)
            let range = WriteSideTests.ipv4("198.51.100.0/24").id
            let correlation = CorrelationService(collections: node.service)

            let forCert = try await correlation.correlate(.object(Self.address), for: node.cert)
            #expect(forCert.observables == [Observable(kind: .ipv4, value: "198.51.100.7")])
            #expect(Self.ids(forCert) == [Self.privateOne, range])
            #expect(Self.ids(try await correlation.correlate(.object(Self.address), for: node.partner)) == [range])

            // An object the principal may not see is answered as absent, as every read answers it.
            await #expect(throws: EngineError.self) {
                _ = try await correlation.correlate(.object(Self.hidden), for: node.partner)
            }
            await #expect(throws: EngineError.self) {
                _ = try await correlation.correlate(.object(Self.privateOne), for: node.isp)
            }

            // A second version: one hit, two versions, first seen before last seen.
            _ = try await node.post(
                [
                    WriteSideTests.indicator(
                        Self.address, modified: "2026-02-01T00:00:00.000Z", pattern: "[ipv4-addr:value = '198.51.100.7']",
                        markings: [WriteSideTests.green])
                ], by: node.cert)
            let hit = try #require(
                try await correlation.correlate(.value("198.51.100.7"), for: node.partner).hits.first { $0.id == Self.address })
            #expect(hit.versions == 2)
            #expect(hit.firstSeen < hit.lastSeen)
            #expect(hit.level == .green)

            // Sightings of the indicator: a GREEN one seen 3 times, and a TLP:RED one only cert sees.
            let sighting = { (n: Int, count: Int?, marking: String) in
                """
                {"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-00000000010\(n)",\
                "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",\
                "sighting_of_ref":"\(Self.address)"\(count.map { ",\"count\":\($0)" } ?? ""),\
                "object_marking_refs":["\(marking)"]}
                """
            }
            _ = try await node.post(
                [sighting(1, 3, WriteSideTests.green), sighting(2, nil, WriteSideTests.red)], by: node.cert)
            let seenByPartner = try #require(
                try await correlation.correlate(.value("198.51.100.7"), for: node.partner).hits.first { $0.id == Self.address })
            #expect(seenByPartner.sightings == 1 && seenByPartner.sighted == 3)
            let seenByCert = try #require(
                try await correlation.correlate(.value("198.51.100.7"), for: node.cert).hits.first { $0.id == Self.address })
            #expect(seenByCert.sightings == 2 && seenByCert.sighted == 4)

            let limited = try await correlation.correlate(.value("198.51.100.7"), for: node.cert, limit: 1)
            #expect(limited.hits.count == 1 && limited.truncated)
        }
    }

    @Test(arguments: Backend.enabled)
    func correlationsAreAuditedWithTheValueHashed(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            _ = try await Self.populate(node)
            let correlation = CorrelationService(collections: node.service)
            // GREEN hits only: nothing recorded.
            _ = try await correlation.correlate(.value("198.51.100.7"), for: node.partner)
            #expect(try await store.auditEvents(limit: 100).allSatisfy { $0.action != "objects.correlate" })
            // A TLP:RED hit names the object, never the value.
            _ = try await correlation.correlate(.value("evil.example"), for: node.cert)
            // The operator's unscoped correlation is always recorded.
            _ = try await correlation.correlate(.value("198.51.100.7"), as: nil, actor: "operator")
            var entries: [AuditEvent] = []
            for event in try await store.auditEvents(limit: 100) where event.action == "objects.correlate" {
                entries.append(event)
            }
            #expect(entries.count == 2, "\(entries.map { "\($0.actor) \($0.action) \($0.target)" })")
            #expect(entries.allSatisfy { $0.target.hasPrefix("sha256:") })
            #expect(entries.allSatisfy { !$0.detail.contains("evil") && !$0.detail.contains("198.51.100.7") })
            #expect(entries.contains { $0.actor == "ana" && $0.detail.contains(Self.hidden) })
            #expect(entries.contains { $0.actor == "operator" && $0.detail.contains("every collection") })
            // The operator's view for an organisation is that organisation's.
            let asPartner = try await correlation.correlate(.value("198.51.100.7"), as: "partner", actor: "operator")
            #expect(Self.ids(asPartner) == [Self.address, WriteSideTests.ipv4("198.51.100.0/24").id])
        }
    }
}

/// Clusters of shared infrastructure: followed hop by hop over what the principal may see only.
@Suite("Correlation clusters")
struct CorrelationClusterTests {
    typealias Node = WriteSideTests.Node

    static func id(_ n: Int) -> String { "indicator--00000000-0000-4000-8000-0000000002\(String(format: "%02d", n))" }

    /// A chain 1 —ip— 2 —domain— 3 —hash— 4, and a TLP:RED 5 that shares the domain and a URL with
    /// 6: for the others, 5 is not there, and neither is 6, reachable only through 5.
    static func populate(_ node: Node) async throws {
        let green = [WriteSideTests.green]
        let hash = String(repeating: "ab", count: 32)
        _ = try await node.post(
            [
                WriteSideTests.indicator(id(1), pattern: "[ipv4-addr:value = '192.0.2.10']", markings: green),
                WriteSideTests.indicator(
                    id(2), pattern: "[ipv4-addr:value = '192.0.2.10'] AND [domain-name:value = 'c2.example']", markings: green),
                WriteSideTests.indicator(
                    id(3), pattern: "[domain-name:value = 'c2.example'] OR [file:hashes.'SHA-256' = '\(hash)']",
                    markings: green),
                WriteSideTests.indicator(id(4), pattern: "[file:hashes.'SHA-256' = '\(hash)']", markings: green),
                WriteSideTests.indicator(
                    id(5), pattern: "[domain-name:value = 'c2.example'] OR [url:value = 'http://c2.example/x']",
                    markings: [WriteSideTests.red]),
                WriteSideTests.indicator(id(6), pattern: "[url:value = 'http://c2.example/x']", markings: green),
            ], by: node.cert)
    }

    @Test(arguments: Backend.enabled)
    func aClusterIsTheConnectedComponentThePrincipalMaySee(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            try await Self.populate(node)
            let correlation = CorrelationService(collections: node.service)

            let forCert = try await correlation.cluster(.value("192.0.2.10"), for: node.cert, depth: 5)
            #expect(forCert.objects == (1...6).map(Self.id))
            #expect(
                forCert.shared.map(\.value) == [
                    "c2.example", String(repeating: "ab", count: 32), "192.0.2.10", "http://c2.example/x",
                ])
            #expect(!forCert.truncated)

            let forPartner = try await correlation.cluster(.value("192.0.2.10"), for: node.partner, depth: 5)
            #expect(forPartner.objects == (1...4).map(Self.id))
            #expect(!forPartner.shared.contains { $0.kind == .url })

            // Bounded: one hop reaches the carriers of the value only, and says so.
            let oneHop = try await correlation.cluster(.value("192.0.2.10"), for: node.partner, depth: 1)
            #expect(oneHop.objects == [Self.id(1), Self.id(2)] && oneHop.depth == 1 && oneHop.truncated)
            let few = try await correlation.cluster(.object(Self.id(4)), for: node.partner, depth: 5, objects: 2)
            #expect(few.objects.count == 2 && few.objects.contains(Self.id(4)) && few.truncated)

            await #expect(throws: EngineError.self) {
                _ = try await correlation.cluster(.object(Self.id(5)), for: node.partner)
            }
        }
    }
}
