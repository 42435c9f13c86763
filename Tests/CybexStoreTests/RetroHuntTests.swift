import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Testing

@testable import CybexStore

/// Retro-hunt (``RetroHunt``) on both backends: new indicators against stored observations and new
/// observations against stored indicators, observation operators included, matches recorded as
/// sightings the poster owns, nothing matched that the poster may not see.
@Suite("Retro-hunt")
struct RetroHuntTests {
    typealias Node = WriteSideTests.Node

    static func hunting(
        _ node: Node, window: Duration = .seconds(90 * 86_400), maximumNotedObjects: Int = 200_000,
        matchesPerRecord: Int = 50_000
    ) -> CollectionService {
        var hunt = RetroHunt(store: node.store, window: window)
        hunt.matchesPerRecord = matchesPerRecord
        return CollectionService(
            store: node.store, postCommit: PostCommitStage(subscribers: [hunt], maximumNotedObjects: maximumNotedObjects))
    }

    static func uuid(_ n: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", n) }

    static func sco(_ n: Int, _ type: String, _ value: String, marking: String? = nil) -> String {
        let markings = marking.map { #","object_marking_refs":["\#($0)"]"# } ?? ""
        return #"{"type":"\#(type)","spec_version":"2.1","id":"\#(type)--\#(uuid(n))","value":"\#(value)"\#(markings)}"#
    }

    static func observed(_ n: Int, refs: [Int], types: [String], at time: String, count: Int = 1, marking: String? = nil)
        -> String
    {
        let refList = zip(refs, types).map { "\"\($1)--\(uuid($0))\"" }.joined(separator: ",")
        let markings = marking.map { #","object_marking_refs":["\#($0)"]"# } ?? ""
        return """
            {"type":"observed-data","spec_version":"2.1","id":"observed-data--\(uuid(n))","created":"\(time)","modified":"\(time)",\
            "first_observed":"\(time)","last_observed":"\(time)","number_observed":\(count),"object_refs":[\(refList)]\(markings)}
            """
    }

    /// A TAXII envelope of these objects.
    static func envelope(_ objects: [String]) -> [UInt8] {
        Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
    }

    /// The sightings of `indicator` visible in the shared collection, as (owner lineage's newest) JSON.
    static func sightings(of indicator: String, _ node: Node) async throws -> [JSONValue] {
        let page = try await node.store.objects(
            in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .last))
        return try page.records.map { try JSONReader.parse($0.json) }.filter { $0["sighting_of_ref"]?.stringValue == indicator }
    }

    @Test(arguments: Backend.enabled)
    func aNewIndicatorIsMatchedAgainstWhatItsPosterMaySee(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let post = { (objects: [String], principal: Principal) in
                let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
                _ = try await hunting.add(body, as: .envelope, to: node.collectionID, by: principal)
            }
            // cert's observations: the address, then (later) the domain; and a TLP:RED one of another address.
            try await post(
                [
                    Self.sco(1, "ipv4-addr", "198.51.100.7"), Self.sco(2, "domain-name", "evil.example"),
                    Self.observed(10, refs: [1], types: ["ipv4-addr"], at: "2026-11-01T10:00:00.000Z", count: 3),
                    Self.observed(11, refs: [2], types: ["domain-name"], at: "2026-11-01T10:05:00.000Z"),
                    Self.sco(3, "ipv4-addr", "203.0.113.5", marking: WriteSideTests.red),
                    Self.observed(
                        12, refs: [3], types: ["ipv4-addr"], at: "2026-11-01T10:00:00.000Z", marking: WriteSideTests.red),
                ], node.cert)
            #expect(try await store.objects(in: node.collectionID, matching: ObjectQuery(types: ["sighting"])).records.isEmpty)

            // isp's indicators.
            let single = "indicator--" + Self.uuid(100)
            let sequence = "indicator--" + Self.uuid(101)
            let reversed = "indicator--" + Self.uuid(102)
            let hidden = "indicator--" + Self.uuid(103)
            try await post(
                [
                    WriteSideTests.indicator(single, pattern: "[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES"),
                    WriteSideTests.indicator(
                        sequence,
                        pattern:
                            "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'evil.example'] WITHIN 600 SECONDS"
                    ),
                    WriteSideTests.indicator(
                        reversed, pattern: "[domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']"),
                    WriteSideTests.indicator(hidden, pattern: "[ipv4-addr:value = '203.0.113.5']"),
                ], node.isp)

            let first = try #require(try await Self.sightings(of: single, node).first)
            #expect(first["observed_data_refs"]?.arrayValue?.compactMap(\.stringValue) == ["observed-data--" + Self.uuid(10)])
            #expect(first["count"]?.integerValue == 1)
            #expect(first["id"]?.stringValue == RetroHunt.sightingID(indicator: single, owner: node.isp.organisation.id))
            #expect(first["first_seen"]?.stringValue == "2026-11-01T10:00:00.000000Z")
            let second = try #require(try await Self.sightings(of: sequence, node).first)
            #expect(
                Set(second["observed_data_refs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    == ["observed-data--" + Self.uuid(10), "observed-data--" + Self.uuid(11)])
            // The order is wrong for this one; the TLP:RED observation is not isp's to see.
            #expect(try await Self.sightings(of: reversed, node).isEmpty)
            #expect(try await Self.sightings(of: hidden, node).isEmpty)
            // Owned by isp, audited.
            let owned = try await store.objects(in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all))
            #expect(owned.records.count == 2)
            #expect(try await store.auditEvents(limit: 20).contains { $0.action == "objects.retro-hunt" })

            // Correlation counts the sighting.
            let correlation = CorrelationService(collections: node.service)
            let hit = try #require(
                try await correlation.correlate(.value("198.51.100.7"), for: node.isp).hits.first { $0.id == single })
            #expect(hit.sightings == 1)
        }
    }

    @Test(arguments: Backend.enabled)
    func aNewObservationIsMatchedAgainstStoredIndicatorsAndUpdatesOneSighting(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let post = { (objects: [String], principal: Principal) in
                let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
                _ = try await hunting.add(body, as: .envelope, to: node.collectionID, by: principal)
            }
            let indicator = "indicator--" + Self.uuid(200)
            try await post(
                [WriteSideTests.indicator(indicator, pattern: "[url:value = 'http://evil.example/gate.php']")], node.cert)
            #expect(try await Self.sightings(of: indicator, node).isEmpty)
            // isp observes the URL written another way: the index finds the indicator, but the pattern
            // compares strings exactly (STIX 2.1 section 9): no match.
            try await post(
                [
                    Self.sco(20, "url", "HTTP://EVIL.example:80/gate.php"),
                    Self.observed(21, refs: [20], types: ["url"], at: "2026-11-02T00:00:00.000Z"),
                ], node.isp)
            #expect(try await Self.sightings(of: indicator, node).isEmpty)
            // Then as the pattern writes it, twice: one sighting of isp's, its count and references growing.
            try await post(
                [
                    Self.sco(22, "url", "http://evil.example/gate.php"),
                    Self.observed(23, refs: [22], types: ["url"], at: "2026-11-03T00:00:00.000Z"),
                ], node.isp)
            var sighting = try #require(try await Self.sightings(of: indicator, node).first)
            #expect(sighting["count"]?.integerValue == 1)
            try await post([Self.observed(24, refs: [22], types: ["url"], at: "2026-11-04T00:00:00.000Z")], node.isp)
            let all = try await Self.sightings(of: indicator, node)
            #expect(all.count == 1)
            sighting = try #require(all.first)
            #expect(sighting["count"]?.integerValue == 2)
            #expect(
                Set(sighting["observed_data_refs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    == ["observed-data--" + Self.uuid(23), "observed-data--" + Self.uuid(24)])
            #expect(sighting["first_seen"]?.stringValue == "2026-11-03T00:00:00.000000Z")
            #expect(sighting["last_seen"]?.stringValue == "2026-11-04T00:00:00.000000Z")
            #expect(sighting["id"]?.stringValue == RetroHunt.sightingID(indicator: indicator, owner: node.isp.organisation.id))
        }
    }

    @Test(arguments: Backend.enabled)
    func observationsOutsideTheWindowAreNotHunted(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let post = { (service: CollectionService, objects: [String], principal: Principal) in
                let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
                _ = try await service.add(body, as: .envelope, to: node.collectionID, by: principal)
            }
            try await post(
                node.service,
                [
                    Self.sco(30, "ipv4-addr", "192.0.2.44"),
                    Self.observed(31, refs: [30], types: ["ipv4-addr"], at: "2026-11-01T00:00:00.000Z"),
                ], node.cert)
            let indicator = "indicator--" + Self.uuid(300)
            try await post(
                Self.hunting(node, window: .zero),
                [WriteSideTests.indicator(indicator, pattern: "[ipv4-addr:value = '192.0.2.44']")],
                node.cert)
            #expect(try await Self.sightings(of: indicator, node).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func aMatchAcrossCollectionsIsTheOwnersAlone(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let administration = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "test")
            let own = try await administration.addCollection(
                title: "cert only", description: nil, readers: ["cert"], writers: ["cert"])
            let hunting = Self.hunting(node)
            let body = { (objects: [String]) in
                Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
            }
            // cert's observation lives in its own collection; its indicator goes to the shared one.
            _ = try await hunting.add(
                body([
                    Self.sco(40, "ipv4-addr", "192.0.2.77"),
                    Self.observed(41, refs: [40], types: ["ipv4-addr"], at: "2026-11-05T00:00:00.000Z"),
                ]), as: .envelope, to: own.id, by: node.cert)
            let indicator = "indicator--" + Self.uuid(400)
            _ = try await hunting.add(
                body([
                    WriteSideTests.indicator(
                        indicator, pattern: "[ipv4-addr:value = '192.0.2.77']", markings: [WriteSideTests.green])
                ]), as: .envelope, to: node.collectionID, by: node.cert)
            let sighting = try #require(try await Self.sightings(of: indicator, node).first)
            // TLP:RED: cert sees it; isp, which reads the shared collection but not cert's, does not
            // learn of the observation it names.
            #expect(sighting["object_marking_refs"]?.arrayValue?.first?.stringValue == TLPLevel.red.markingDefinitionID)
            let sightingID = try #require(sighting["id"]?.stringValue)
            #expect(try await node.read(sightingID, by: node.cert).count == 1)
            #expect(try await node.read(sightingID, by: node.isp).isEmpty)
        }
    }

    /// A chunk is hunted with one candidate search a side; one whose candidates pass
    /// ``RetroHunt/maximumCandidates`` hunts each object with a search of its own. Both record every
    /// match, the chunk's sightings in one transaction, one audit entry each.
    @Test(arguments: Backend.enabled)
    func largeChunksRecordEveryMatchWhetherTheirCandidatesFitOneSearchOrNot(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let address = { (n: Int) in "10.\(n / 65_536).\((n / 256) % 256).\(n % 256)" }
            // cert's 1,500 addresses, observed on their own (no observed-data).
            let addresses = (0..<1_500).map { Self.sco(10_000 + $0, "ipv4-addr", address($0)) }
            _ = try await hunting.add(
                Self.envelope(addresses),
                as: .envelope, to: node.collectionID, by: node.cert)
            let indicators = { (range: Range<Int>, first: Int) in
                range.map { n in
                    WriteSideTests.indicator(
                        "indicator--" + Self.uuid(first + n),
                        pattern: (0..<3).map { "[ipv4-addr:value = '\(address(3 * n + $0))']" }.joined(separator: " OR "))
                }
            }
            let post = { (objects: [String]) in
                _ = try await hunting.add(
                    Self.envelope(objects),
                    as: .envelope, to: node.collectionID, by: node.isp)
            }
            // 100 indicators of 3 addresses each: 300 candidates, one search.
            try await post(indicators(0..<100, 20_000))
            // 400 more: 1,200 candidates, more than one search reads, so one search each.
            try await post(indicators(100..<500, 20_000))
            let sightings = try await store.objects(
                in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all, limit: 2_000))
            #expect(sightings.records.count == 500)
            let hunted = Set(
                try sightings.records.map { try JSONReader.parse($0.json) }.compactMap { $0["sighting_of_ref"]?.stringValue })
            #expect(hunted == Set((0..<500).map { "indicator--" + Self.uuid(20_000 + $0) }))
            #expect(try sightings.records.allSatisfy { try JSONReader.parse($0.json)["count"]?.integerValue == 1 })
            let audited = try await store.auditEvents(limit: 2_000).filter { $0.action == "objects.retro-hunt" }
            #expect(audited.count == 500)
        }
    }

    /// An indicator and an observation that matches it, posted together: both sides of the hunt find
    /// the match, and it is recorded once.
    @Test(arguments: Backend.enabled)
    func anIndicatorAndItsObservationPostedTogetherMakeOneSighting(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let indicator = "indicator--" + Self.uuid(500)
            let objects = [
                WriteSideTests.indicator(indicator, pattern: "[domain-name:value = 'c2.example']"),
                Self.sco(501, "domain-name", "c2.example"),
                Self.observed(502, refs: [501], types: ["domain-name"], at: "2026-11-06T00:00:00.000Z"),
            ]
            _ = try await hunting.add(
                Self.envelope(objects),
                as: .envelope, to: node.collectionID, by: node.isp)
            let versions = try await store.objects(
                in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all))
            #expect(versions.records.count == 1)
            let sighting = try #require(try await Self.sightings(of: indicator, node).first)
            #expect(sighting["count"]?.integerValue == 1)
            #expect(sighting["observed_data_refs"]?.arrayValue?.compactMap(\.stringValue) == ["observed-data--" + Self.uuid(502)])
        }
    }

    /// Observations in different chunks of one ingest that match one stored indicator: the hunt
    /// gathers the chunks' matches and records one new version of the sighting, not one a chunk.
    @Test(arguments: Backend.enabled)
    func matchesFromSeveralChunksOfOneIngestMakeOneSightingVersion(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let indicator = "indicator--" + Self.uuid(700)
            _ = try await hunting.add(
                Self.envelope([
                    WriteSideTests.indicator(
                        indicator, pattern: "[ipv4-addr:value = '198.51.100.1'] OR [ipv4-addr:value = '198.51.100.2']")
                ]),
                as: .envelope, to: node.collectionID, by: node.isp)
            #expect(try await Self.sightings(of: indicator, node).isEmpty)
            // The two matching addresses 1,201 objects apart: three chunks of 500.
            let filler = (0..<1_200).map { n in Self.sco(10_000 + n, "ipv4-addr", "10.1.\(n / 256).\(n % 256)") }
            let objects =
                [Self.sco(701, "ipv4-addr", "198.51.100.1")] + filler + [Self.sco(702, "ipv4-addr", "198.51.100.2")]
            _ = try await hunting.add(Self.envelope(objects), as: .envelope, to: node.collectionID, by: node.isp)
            let versions = try await store.objects(
                in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all))
            #expect(versions.records.count == 1)
            let sighting = try #require(try await Self.sightings(of: indicator, node).first)
            #expect(sighting["count"]?.integerValue == 2)
            let audited = try await store.auditEvents(limit: 50).filter { $0.action == "objects.retro-hunt" }
            #expect(audited.count == 1)
        }
    }

    /// Batches of one ingest's sightings recorded beside the hunt are recorded one after the other,
    /// in order: each new version of a sighting that several batches match builds on the one before.
    @Test(arguments: Backend.enabled)
    func batchesOfSightingsRecordedBesideTheHuntBuildOnEachOther(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node, matchesPerRecord: 1)
            let indicator = "indicator--" + Self.uuid(750)
            let addresses = (1...4).map { "198.51.100.\($0)" }
            _ = try await hunting.add(
                Self.envelope([
                    WriteSideTests.indicator(
                        indicator, pattern: addresses.map { "[ipv4-addr:value = '\($0)']" }.joined(separator: " OR "))
                ]),
                as: .envelope, to: node.collectionID, by: node.isp)
            // One matching address in each of four chunks of 500: four batches of one match each.
            var objects: [String] = []
            for (index, address) in addresses.enumerated() {
                objects.append(Self.sco(751 + index, "ipv4-addr", address))
                objects += (0..<499).map { n in Self.sco(20_000 + index * 1_000 + n, "ipv4-addr", "10.2.\(index).\(n % 250)") }
            }
            _ = try await hunting.add(Self.envelope(objects), as: .envelope, to: node.collectionID, by: node.isp)
            let versions = try await store.objects(
                in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all))
            #expect(versions.records.count == 4)
            let sighting = try #require(try await Self.sightings(of: indicator, node).first)
            #expect(sighting["count"]?.integerValue == 4)
            let audited = try await store.auditEvents(limit: 50).filter { $0.action == "objects.retro-hunt" }
            #expect(audited.count == 4)
        }
    }

    /// An indicator posted with observations that match it is sighted as if they had been stored
    /// before it: its hunt as an indicator covers them (a new indicator records its first match),
    /// and they are not matched against it a second time. The same whether the ingest kept notes of
    /// its objects or, past the stage's limit, read them again.
    @Test(arguments: Backend.enabled)
    func anIndicatorPostedWithItsObservationsIsSightedAsIfTheyHadBeenStoredBefore(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let pattern = { (first: String, second: String) in
                "[ipv4-addr:value = '\(first)'] OR [ipv4-addr:value = '\(second)']"
            }
            // Stored first, then the indicator.
            let before = "indicator--" + Self.uuid(800)
            _ = try await Self.hunting(node).add(
                Self.envelope([Self.sco(801, "ipv4-addr", "192.0.2.81"), Self.sco(802, "ipv4-addr", "192.0.2.82")]),
                as: .envelope, to: node.collectionID, by: node.isp)
            _ = try await Self.hunting(node).add(
                Self.envelope([WriteSideTests.indicator(before, pattern: pattern("192.0.2.81", "192.0.2.82"))]),
                as: .envelope, to: node.collectionID, by: node.isp)
            // Posted together, with the ingest's notes and without them.
            let together = "indicator--" + Self.uuid(810)
            let unnoted = "indicator--" + Self.uuid(820)
            for (indicator, n, service) in [
                (together, 810, Self.hunting(node)), (unnoted, 820, Self.hunting(node, maximumNotedObjects: 0)),
            ] {
                let first = "192.0.2.\(n - 720 + 1)"
                let second = "192.0.2.\(n - 720 + 2)"
                _ = try await service.add(
                    Self.envelope([
                        Self.sco(n + 1, "ipv4-addr", first), Self.sco(n + 2, "ipv4-addr", second),
                        WriteSideTests.indicator(indicator, pattern: pattern(first, second)),
                    ]),
                    as: .envelope, to: node.collectionID, by: node.isp)
            }
            for (indicator, n) in [(before, 800), (together, 810), (unnoted, 820)] {
                let sightings = try await Self.sightings(of: indicator, node)
                #expect(sightings.count == 1)
                let sighting = try #require(sightings.first)
                #expect(sighting["count"]?.integerValue == 1, "\(indicator)")
                // The first match: the lower of the two SCO ids, listed after the description's colon.
                #expect(sighting["description"]?.stringValue?.hasSuffix(": ipv4-addr--" + Self.uuid(n + 1)) == true)
            }
            let versions = try await store.objects(
                in: node.collectionID, matching: ObjectQuery(types: ["sighting"], versions: .all))
            #expect(versions.records.count == 3)
        }
    }

    /// A new observed-data is matched with the SCOs it references (read back as its poster may see
    /// them), and an SCO it references in the same post is hunted as part of it, not again on its
    /// own: whether the ingest kept notes of its objects (an observed-data noted with its references)
    /// or read them again from the document.
    @Test(arguments: Backend.enabled)
    func anObservedDataIsHuntedWithItsSCOsWhetherNotedOrReadAgain(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            for (n, service) in [(1_000, Self.hunting(node)), (1_100, Self.hunting(node, maximumNotedObjects: 0))] {
                let indicator = "indicator--" + Self.uuid(n)
                let address = "198.51.100.\(n / 100)"
                _ = try await service.add(
                    Self.envelope([WriteSideTests.indicator(indicator, pattern: "[ipv4-addr:value = '\(address)']")]),
                    as: .envelope, to: node.collectionID, by: node.cert)
                _ = try await service.add(
                    Self.envelope([
                        Self.sco(n + 1, "ipv4-addr", address),
                        Self.observed(n + 2, refs: [n + 1], types: ["ipv4-addr"], at: "2026-11-08T00:00:00.000Z"),
                    ]),
                    as: .envelope, to: node.collectionID, by: node.isp)
                let sighting = try #require(try await Self.sightings(of: indicator, node).first)
                #expect(sighting["count"]?.integerValue == 1)
                #expect(
                    sighting["observed_data_refs"]?.arrayValue?.compactMap(\.stringValue) == [
                        "observed-data--" + Self.uuid(n + 2)
                    ])
                #expect(sighting["first_seen"]?.stringValue == "2026-11-08T00:00:00.000000Z")
                #expect(sighting["description"]?.stringValue?.contains("ipv4-addr--") == false)
            }
        }
    }

    /// A TLP:RED observation or indicator is never joined, posted after what it matches as before
    /// it, and a sighting is at the highest level of what it joins, the new object's included: it
    /// would otherwise name that object to readers of its collection who may not see it.
    @Test(arguments: Backend.enabled)
    func aTLPRedObservationOrIndicatorIsNeverJoinedAndASightingIsAtTheLevelOfWhatItJoins(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hunting = Self.hunting(node)
            let indicator = "indicator--" + Self.uuid(900)
            _ = try await hunting.add(
                Self.envelope([WriteSideTests.indicator(indicator, pattern: "[ipv4-addr:value = '203.0.113.90']")]),
                as: .envelope, to: node.collectionID, by: node.cert)
            _ = try await hunting.add(
                Self.envelope([
                    Self.sco(901, "ipv4-addr", "203.0.113.90", marking: WriteSideTests.red),
                    Self.observed(
                        902, refs: [901], types: ["ipv4-addr"], at: "2026-11-07T00:00:00.000Z", marking: WriteSideTests.red),
                ]),
                as: .envelope, to: node.collectionID, by: node.cert)
            #expect(try await Self.sightings(of: indicator, node).isEmpty)
            // The same observation at TLP:GREEN is matched.
            _ = try await hunting.add(
                Self.envelope([
                    Self.sco(903, "ipv4-addr", "203.0.113.90", marking: WriteSideTests.green),
                    Self.observed(
                        904, refs: [903], types: ["ipv4-addr"], at: "2026-11-07T00:00:00.000Z", marking: WriteSideTests.green),
                ]),
                as: .envelope, to: node.collectionID, by: node.cert)
            #expect(try await Self.sightings(of: indicator, node).count == 1)
            // A TLP:RED indicator after the observations it matches.
            let hidden = "indicator--" + Self.uuid(905)
            _ = try await hunting.add(
                Self.envelope([
                    WriteSideTests.indicator(
                        hidden, pattern: "[ipv4-addr:value = '203.0.113.90']", markings: [WriteSideTests.red])
                ]),
                as: .envelope, to: node.collectionID, by: node.cert)
            #expect(try await Self.sightings(of: hidden, node).isEmpty)
            // A TLP:AMBER indicator matched against TLP:GREEN observations: the sighting is AMBER.
            let amber = "indicator--" + Self.uuid(906)
            _ = try await hunting.add(
                Self.envelope([
                    WriteSideTests.indicator(
                        amber, pattern: "[ipv4-addr:value = '203.0.113.90']", markings: [TLPLevel.amber.markingDefinitionID])
                ]),
                as: .envelope, to: node.collectionID, by: node.cert)
            let sighting = try #require(try await Self.sightings(of: amber, node).first)
            #expect(sighting["object_marking_refs"]?.arrayValue?.first?.stringValue == TLPLevel.amber.markingDefinitionID)
        }
    }
}
