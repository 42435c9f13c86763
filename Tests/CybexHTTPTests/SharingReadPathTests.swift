import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import CybexTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The sharing policy on every read path, over real HTTP: random organisation graphs, sharing
/// groups, collections and objects with random TLP markings and TLP:RED recipients, read by every
/// organisation through TAXII (objects, manifest, versions, object by id, the match[id] and
/// match[type] filters) and the REST API (objects, type filter, object by id, count), counted
/// through the engine and exported, searched across collections (`GET /api/v1/objects`), and
/// incident cases listed and counted (`GET /api/v1/cases`, `/api/v1/cases/statistics`),
/// compared with an independent statement of SECURITY.md's rules.
@Suite("Sharing policy on the read paths")
struct SharingReadPathTests {
    @Test(arguments: [UInt64(0x5EED_0001), 0x5EED_0002])
    func everyReadPathMatchesTheReferenceModel(seed: UInt64) async throws {
        var random = SeededGenerator(state: seed)
        var built = try await World.build(random: &random)
        defer { try? FileManager.default.removeItem(at: built.folder) }
        // One organisation is responsible for the addresses the objects carry: a trace names it
        // to exactly those who may read its records.
        built.constituent = Int.random(in: built.organisations.indices, using: &random)
        let world = built
        try await world.store.updateConstituency(
            of: world.organisations[world.constituent].id, with: [ConstituencyEntry(kind: .network, value: "10.1.0.0/16")],
            replacing: true, audit: { _ in [] })
        let router = CybexServer.router(
            configuration: ServerConfiguration(defaultPageSize: 500, maxPageSize: 500), store: world.store, metrics: nil,
            passwordHasher: World.hasher)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let sampleSeed = random.next()
        let cases = try await Application(router: router, logger: logger).test(.live) { client in
            var sampler = SeededGenerator(state: sampleSeed)
            var cases = 0
            for viewer in world.organisations.indices {
                for collection in world.collections {
                    cases += try await world.check(viewer: viewer, collection: collection, client: client, random: &sampler)
                }
                try await world.checkSearch(viewer: viewer, client: client, random: &sampler)
                try await world.checkCorrelation(viewer: viewer, client: client, random: &sampler)
                try await world.checkCases(viewer: viewer, client: client)
            }
            return cases
        }
        print("sharing read paths, seed \(seed): \(cases) (viewer, object version) cases")
        #expect(cases >= 50_000)
    }
}

/// One random node and what each organisation should see of it.
struct World {
    static let hasher = PasswordHasher(cost: 4)
    static let password = "correct horse battery"
    static let markingIDs: [(String, TLPLevel)] = [
        ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", .clear),
        ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", .clear),
        ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", .green),
        ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", .green),
        ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", .amber),
        ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", .amber),
        ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", .amberStrict),
        ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", .red),
        ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", .red),
    ]

    struct Org {
        var name: String
        var id: String
        var parent: Int?
        var defaultTLP: TLPLevel?
        var role: Role
    }

    struct Collection {
        var id: String
        var readers: Set<Int>
        var writers: [Int]
        var group: Int?
        var defaultTLP: TLPLevel?
        var isPublic: Bool
        /// Every stored version: id, version (µs), owner, marking level, recipients.
        var versions: [Version] = []
    }

    struct Version: Hashable {
        var id: String
        var version: Int64
        var owner: Int
        var marking: TLPLevel?
        var recipients: Set<Int>
        /// The level of a granular marking on the object's `description`, if it has one.
        var granular: TLPLevel? = nil
    }

    var folder: URL
    var store: SQLiteStore
    var organisations: [Org]
    var groups: [Set<Int>]
    var collections: [Collection]
    /// The organisation whose constituency holds 10.1.0.0/16.
    var constituent = 0
    /// The incident cases opened, with the collection and the model version of their incident.
    var cases: [(id: String, collection: Int, incident: Version)] = []

    static func build(random: inout SeededGenerator) async throws -> World {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-sharing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder.appendingPathComponent("cybex.sqlite").path)
        try await store.migrate()
        let admin = Administration(store: store, hasher: hasher, actor: "test")
        var organisations: [Org] = []
        let levels: [TLPLevel?] = [nil, nil, nil, .clear, .green, .amber, .amberStrict, .red]
        let roles: [Role] = [.reader, .analyst, .analyst, .contributor, .admin]
        for n in 0..<14 {
            // Parents come before their constituents: the graph is a forest.
            let parent = n > 0 && Bool.random(using: &random) ? Int.random(in: 0..<n, using: &random) : nil
            let tlp = levels.randomElement(using: &random)!
            let name = "org\(n)"
            let record = try await admin.addOrganisation(
                name: name, parent: parent.map { "org\($0)" }, defaultTLP: tlp)
            let role = roles.randomElement(using: &random)!
            _ = try await admin.addUser(username: "user\(n)", organisation: name, role: role, password: password)
            organisations.append(Org(name: name, id: record.id, parent: parent, defaultTLP: tlp, role: role))
        }
        var groups: [Set<Int>] = []
        for g in 0..<3 {
            _ = try await admin.addSharingGroup(name: "group\(g)")
            var members: Set<Int> = []
            for n in organisations.indices where Int.random(in: 0..<4, using: &random) == 0 {
                try await admin.addMember(group: "group\(g)", organisation: "org\(n)")
                members.insert(n)
            }
            groups.append(members)
        }
        var collections: [Collection] = []
        for c in 0..<3 {
            let readers = Set(organisations.indices.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
            var writers = Array(organisations.indices.shuffled(using: &random).prefix(4))
            writers.sort()
            let group = Int.random(in: 0..<3, using: &random) == 0 ? Int.random(in: 0..<3, using: &random) : nil
            let tlp = levels.randomElement(using: &random)!
            let isPublic = Int.random(in: 0..<4, using: &random) == 0
            let record = try await admin.addCollection(
                title: "collection \(c)", description: nil, readers: readers.sorted().map { "org\($0)" },
                writers: writers.map { "org\($0)" }, defaultTLP: tlp, sharingGroup: group.map { "group\($0)" },
                isPublic: isPublic)
            collections.append(
                Collection(id: record.id, readers: readers, writers: writers, group: group, defaultTLP: tlp, isPublic: isPublic))
        }
        var world = World(folder: folder, store: store, organisations: organisations, groups: groups, collections: collections)
        try await world.populate(random: &random)
        return world
    }

    /// Posts ~1,000 objects of up to three versions to each collection, each object by a random
    /// writer (only an object's creator versions it) and each version with a random marking; TLP:RED
    /// versions mostly name recipients with a distribution marking.
    mutating func populate(random: inout SeededGenerator) async throws {
        let service = CollectionService(store: store)
        var principals: [Principal] = []
        for org in organisations {
            let user = try await store.user(named: "user\(organisations.firstIndex { $0.id == org.id }!)")!
            principals.append(
                Principal(
                    user: User(
                        id: user.id, username: user.username, organisationID: user.organisationID, role: .admin,
                        passwordHash: user.passwordHash, createdAt: user.createdAt),
                    organisation: try await store.organisation(id: org.id)!))
        }
        var serial = 0
        for c in collections.indices {
            let count = 1000
            let versionCounts = (0..<count).map { _ in [1, 1, 1, 2, 2, 3].randomElement(using: &random)! }
            let posters = (0..<count).map { _ in collections[c].writers.randomElement(using: &random)! }
            for round in 0..<3 {
                var envelopes: [Int: [String]] = [:]
                for n in 0..<count where versionCounts[n] > round {
                    let poster = posters[n]
                    let id = "indicator--" + Self.uuid(c * 100_000 + n)
                    let modified = Int64(1_767_225_600_000_000) + Int64(round) * 1_000_000
                    var refs: [String] = []
                    var marking: TLPLevel?
                    if Int.random(in: 0..<3, using: &random) != 0 {
                        let (ref, level) = Self.markingIDs.randomElement(using: &random)!
                        refs.append(ref)
                        marking = level
                    }
                    var recipients: Set<Int> = []
                    if Int.random(in: 0..<4, using: &random) != 0,
                        marking == .red || (marking == nil && Int.random(in: 0..<3, using: &random) == 0)
                    {
                        recipients = Set(organisations.indices.filter { _ in Int.random(in: 0..<4, using: &random) == 0 })
                        recipients.insert(Int.random(in: organisations.indices, using: &random))
                        serial += 1
                        let markingID = "marking-definition--" + Self.uuid(900_000_000 + serial)
                        let names = recipients.sorted().map { "\"org\($0)\"" }.joined(separator: ",")
                        envelopes[poster, default: []].append(
                            """
                            {"type":"marking-definition","spec_version":"2.1","id":"\(markingID)",\
                            "created":"2026-01-01T00:00:00.000Z","name":"distribution \(serial)",\
                            "extensions":{"\(DistributionMarking.extensionID)":{"extension_type":"property-extension",\
                            "recipients":[\(names)]}}}
                            """)
                        collections[c].versions.append(
                            Version(
                                id: markingID, version: 1_767_225_600_000_000, owner: poster, marking: .red,
                                recipients: recipients))
                        refs.append(markingID)
                    }
                    let refList =
                        refs.isEmpty ? "" : #","object_marking_refs":["# + refs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                    var granular: TLPLevel?
                    var granularJSON = ""
                    if Int.random(in: 0..<4, using: &random) == 0 {
                        let (ref, level) = Self.markingIDs.randomElement(using: &random)!
                        granular = level
                        granularJSON =
                            #","description":"victim details","granular_markings":[{"marking_ref":"\#(ref)","selectors":["description"]}]"#
                    }
                    envelopes[poster, default: []].append(
                        """
                        {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2026-01-01T00:00:00.000Z",\
                        "modified":"\(STIXTimestamp.format(microseconds: modified))","name":"n\(n)",\
                        "pattern":"[ipv4-addr:value = '10.1.\(n / 256).\(n % 256)']","pattern_type":"stix",\
                        "valid_from":"2026-01-01T00:00:00Z"\(refList)\(granularJSON)}
                        """)
                    collections[c].versions.append(
                        Version(
                            id: id, version: modified, owner: poster, marking: marking, recipients: recipients,
                            granular: granular))
                }
                for (poster, objects) in envelopes.sorted(by: { $0.key < $1.key }) {
                    let body = Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
                    let report = try await service.add(body, as: .envelope, to: collections[c].id, by: principals[poster])
                    #expect(report.rejected.isEmpty, "\(report.rejected.prefix(3))")
                }
            }
        }
        try await openCases(principals: principals, random: &random)
    }

    /// Incident cases opened by random writers at random TLP levels (TLP:RED with or without
    /// recipients): their shared incidents (and distribution markings) join the model's versions,
    /// and ``checkCases`` reads the cases and their statistics as every organisation.
    mutating func openCases(principals: [Principal], random: inout SeededGenerator) async throws {
        let caseService = Engine(store: store, hasher: Self.hasher).cases(issuer: "node.example.org")
        let levels: [TLPLevel?] = [nil, .clear, .green, .amber, .amberStrict, .red, .red]
        for c in collections.indices {
            for n in 0..<8 {
                let poster = collections[c].writers.randomElement(using: &random)!
                let level = levels.randomElement(using: &random)!
                var recipients: [Int] = []
                if level == .red && Bool.random(using: &random) {
                    recipients = organisations.indices.filter { _ in Int.random(in: 0..<4, using: &random) == 0 }
                }
                let view = try await caseService.create(
                    .init(
                        collectionID: collections[c].id, title: "case \(c)-\(n)",
                        classification: IncidentClass.allCases.randomElement(using: &random),
                        tlp: level, recipients: recipients.map { "org\($0)" }),
                    by: principals[poster])
                let addressed = Set(recipients + (recipients.isEmpty ? [] : [poster]))
                let incident = Version(
                    id: view.record.incidentID, version: view.record.created, owner: poster, marking: level, recipients: addressed
                )
                collections[c].versions.append(incident)
                cases.append((id: view.record.id, collection: c, incident: incident))
                if !recipients.isEmpty {
                    let stored = try await store.objects(
                        in: collections[c].id, matching: ObjectQuery(ids: [view.record.incidentID]))
                    let object = try JSONReader.parse(stored.records[0].json)
                    let distribution = try #require(
                        object["object_marking_refs"]?.arrayValue?.compactMap(\.stringValue).first {
                            TLPLevel(markingDefinitionID: $0) == nil
                        })
                    collections[c].versions.append(
                        Version(
                            id: distribution, version: view.record.created, owner: poster, marking: .red, recipients: addressed))
                }
            }
        }
    }

    /// `GET /api/v1/cases` and `GET /api/v1/cases/statistics`: a case is listed, and counted, exactly
    /// when the viewer's organisation handles it or may read its incident; whole only for the former.
    func checkCases(viewer: Int, client: some TestClientProtocol) async throws {
        let headers = rest("user\(viewer)")
        let expected = Set(
            cases.filter { item in
                item.incident.owner == viewer
                    || (expectedAccess(collections[item.collection], viewer) == 200
                        && expectedVisible(item.incident, in: collections[item.collection], to: viewer))
            }.map(\.id))
        let listed = try await client.execute(uri: "/api/v1/cases", method: .get, headers: headers) { response in
            (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
        }
        let views = listed["cases"] as? [[String: Any]] ?? []
        #expect(Set(views.compactMap { $0["id"] as? String }) == expected, "cases, viewer org\(viewer)")
        for view in views {
            let owned = cases.first { $0.id == view["id"] as? String }?.incident.owner == viewer
            #expect((view["full"] as? Bool) == owned, "the working part, viewer org\(viewer)")
        }
        let hidden = cases.filter { !expected.contains($0.id) }.prefix(3)
        for item in hidden {
            let status = try await client.execute(uri: "/api/v1/cases/\(item.id)", method: .get, headers: headers).status
            #expect(status == .notFound, "a case the viewer may not see, viewer org\(viewer)")
        }
        let statistics = try await client.execute(uri: "/api/v1/cases/statistics", method: .get, headers: headers) { response in
            (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
        }
        #expect(statistics["total"] as? Int == expected.count, "statistics, viewer org\(viewer)")
    }

    static func uuid(_ n: Int) -> String { "6ba7b810-9dad-41d1-80b4-" + String(format: "%012x", n) }

    // MARK: The reference model (SECURITY.md's table, stated over explicit sets)

    func descendants(of o: Int) -> Set<Int> {
        var result: Set<Int> = []
        var frontier: Set<Int> = [o]
        while !frontier.isEmpty {
            let children = Set(organisations.indices.filter { c in organisations[c].parent.map(frontier.contains) ?? false })
            frontier = children.subtracting(result)
            result.formUnion(children)
        }
        return result
    }

    func community(of o: Int) -> Set<Int> {
        var result: Set<Int> = [o]
        result.formUnion(descendants(of: o))
        for members in groups where members.contains(o) { result.formUnion(members) }
        return result
    }

    func audience(_ c: Collection) -> Set<Int> {
        c.group.map { c.readers.intersection(groups[$0]) } ?? c.readers
    }

    func expectedVisible(_ version: Version, in c: Collection, to viewer: Int) -> Bool {
        if version.owner == viewer { return true }
        let level = version.marking ?? c.defaultTLP ?? organisations[version.owner].defaultTLP ?? .amber
        let audience = audience(c)
        switch level {
        case .red: return version.recipients.contains(viewer)
        case .amberStrict: return audience.contains(viewer)
        case .amber: return audience.contains(viewer) || audience.contains { descendants(of: $0).contains(viewer) }
        case .green: return audience.contains { community(of: $0).contains(viewer) }
        case .clear: return c.isPublic || audience.contains { community(of: $0).contains(viewer) }
        }
    }

    /// 200 (may read), 403 (may only write) or 404 (neither).
    func expectedAccess(_ c: Collection, _ viewer: Int) -> Int {
        let org = organisations[viewer]
        let seesSomeLevel = TLPLevel.allCases.contains { level in
            expectedVisible(
                Version(id: "", version: 0, owner: -1, marking: level, recipients: []), in: c, to: viewer)
        }
        if org.role == .admin || c.readers.contains(viewer) || seesSomeLevel { return 200 }
        if org.role.mayWrite && c.writers.contains(viewer) { return 403 }
        return 404
    }

    // MARK: Reading

    struct Key: Hashable, Comparable {
        var id: String
        var version: Int64
        static func < (a: Key, b: Key) -> Bool { (a.id, a.version) < (b.id, b.version) }
    }

    /// Checks every read path for one viewer and collection; returns the number of (viewer, version) cases.
    func check(viewer: Int, collection c: Collection, client: some TestClientProtocol, random: inout SeededGenerator) async throws
        -> Int
    {
        let headers = basic("user\(viewer)")
        let base = "/taxii2/cybex/collections/\(c.id)/"
        let access = expectedAccess(c, viewer)
        let status = try await client.execute(uri: base + "objects/", method: .get, headers: headers).status.code
        #expect(status == access, "viewer org\(viewer), collection \(c.id)")
        let restHeaders = rest("user\(viewer)")
        let restBase = "/api/v1/collections/\(c.id)/"
        let restStatus = try await client.execute(uri: restBase + "objects", method: .get, headers: restHeaders).status.code
        #expect(restStatus == access, "REST, viewer org\(viewer), collection \(c.id)")
        guard access == 200 else { return c.versions.count }

        let visible = Set(
            c.versions.filter { expectedVisible($0, in: c, to: viewer) }.map { Key(id: $0.id, version: $0.version) })
        let byID = Dictionary(grouping: visible, by: \.id)
        let last = Set(byID.values.map { $0.max()! })
        let first = Set(byID.values.map { $0.min()! })

        let (all, bodies) = try await pageWithBodies(client, base + "objects/?match[version]=all", headers)
        #expect(all == visible, "all versions, viewer org\(viewer): \(all.symmetricDifference(visible).sorted().prefix(3))")
        // Granular markings: the description is there exactly when the viewer may see its level.
        for version in c.versions {
            guard let granular = version.granular, let body = bodies[Key(id: version.id, version: version.version)] else {
                continue
            }
            let level = version.marking ?? c.defaultTLP ?? organisations[version.owner].defaultTLP ?? .amber
            let expected =
                version.owner == viewer || granular <= level
                || expectedVisible(Version(id: "", version: 0, owner: -1, marking: granular, recipients: []), in: c, to: viewer)
            #expect((body["description"] != nil) == expected, "granular \(granular) on \(version.id) for org\(viewer)")
            #expect((body["granular_markings"] != nil) == expected)
        }
        #expect(try await page(client, base + "objects/", headers, list: "objects") == last, "last, viewer org\(viewer)")
        #expect(
            try await page(client, base + "objects/?match[version]=first", headers, list: "objects") == first,
            "first, viewer org\(viewer)")
        #expect(
            try await page(client, base + "manifest/?match[version]=all", headers, list: "objects") == visible,
            "manifest, viewer org\(viewer)")

        let principal = try await principal(viewer)
        let count = try await CollectionService(store: store).objectCount(in: c.id, for: principal)
        #expect(count == visible.count, "count, viewer org\(viewer)")

        // Onward sharing: the export for this organisation (what `cybex export --for` writes).
        let service = CollectionService(store: store)
        let record = try await store.collection(id: c.id)!
        var bytes: [UInt8] = []
        let export = BundleExport(
            store: store, collection: record, scope: try await service.scope(of: record, for: principal.viewer), redactor: nil)
        _ = try await export.write(to: { bytes += $0 })
        let exported =
            (try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["objects"] as? [[String: Any]] ?? []
        let exportedKeys = Set(
            exported.compactMap { entry -> Key? in
                guard let id = entry["id"] as? String, let text = (entry["modified"] ?? entry["created"]) as? String,
                    let version = STIXTimestamp(parsing: text)
                else { return nil }
                return Key(id: id, version: version.microseconds)
            })
        #expect(exportedKeys == visible, "export for org\(viewer)")

        // The REST API: newest visible versions (paged with its cursor) and the count.
        #expect(
            try await restPage(client, restBase + "objects?limit=7", restHeaders) == last, "REST objects, viewer org\(viewer)")
        let restCount =
            try await client.execute(uri: restBase + "count", method: .get, headers: restHeaders).json["count"] as? Int
        #expect(restCount == visible.count, "REST count, viewer org\(viewer)")

        // Search as the node offers it today: TAXII's match[id] and match[type] filters and the REST
        // type filter. Their statements are built per request (lists from the request), apart
        // from the paging reads above.
        let ids = Array(Set(c.versions.map(\.id))).sorted()
        let sample = Set(ids.shuffled(using: &random).prefix(6))
        #expect(
            try await page(
                client, base + "objects/?match[version]=all&match[id]=" + sample.sorted().joined(separator: ","), headers,
                list: "objects")
                == visible.filter { sample.contains($0.id) }, "match[id], viewer org\(viewer)")
        let indicators = last.filter { $0.id.hasPrefix("indicator--") }
        #expect(
            try await page(client, base + "objects/?match[type]=indicator", headers, list: "objects") == indicators,
            "match[type], viewer org\(viewer)")
        #expect(
            try await page(client, base + "manifest/?match[type]=marking-definition&match[version]=all", headers, list: "objects")
                == visible.filter { $0.id.hasPrefix("marking-definition--") }, "manifest match[type], viewer org\(viewer)")
        #expect(
            try await restPage(client, restBase + "objects?type=indicator&limit=9", restHeaders) == indicators,
            "REST type filter, viewer org\(viewer)")

        // Object by id and its versions, for a sample of ids (visible or not).
        for id in ids.shuffled(using: &random).prefix(25) {
            let expected = Set((byID[id] ?? []))
            let response = try await client.execute(
                uri: base + "objects/\(id)/?match[version]=all", method: .get, headers: headers)
            if expected.isEmpty {
                #expect(response.status.code == 404, "object \(id) for org\(viewer)")
            } else {
                #expect(keys(response, list: "objects") == expected, "object \(id) for org\(viewer)")
            }
            let versions = try await client.execute(uri: base + "objects/\(id)/versions/", method: .get, headers: headers)
            if expected.isEmpty {
                #expect(versions.status.code == 404, "versions of \(id) for org\(viewer)")
            } else {
                let listed = ((versions.json["versions"] as? [String]) ?? []).compactMap(STIXTimestamp.init(parsing:))
                #expect(Set(listed.map(\.microseconds)) == Set(expected.map(\.version)), "versions of \(id) for org\(viewer)")
            }
            let restObject = try await client.execute(uri: restBase + "objects/\(id)", method: .get, headers: restHeaders)
            if let newest = expected.max() {
                let text = (restObject.json["modified"] ?? restObject.json["created"]) as? String
                #expect(restObject.json["id"] as? String == id, "REST object \(id) for org\(viewer)")
                #expect(
                    text.flatMap(STIXTimestamp.init(parsing:))?.microseconds == newest.version,
                    "REST object \(id) for org\(viewer)")
            } else {
                #expect(restObject.status.code == 404, "REST object \(id) for org\(viewer)")
            }
        }
        return c.versions.count
    }

    struct Found: Hashable {
        var collection: String
        var key: Key
    }

    /// The search across collections: exactly the visible versions of every collection the viewer
    /// may read, the newest of each per collection by default, with the type and id filters.
    func checkSearch(viewer: Int, client: some TestClientProtocol, random: inout SeededGenerator) async throws {
        let headers = rest("user\(viewer)")
        var visible: Set<Found> = []
        for c in collections where expectedAccess(c, viewer) == 200 {
            for version in c.versions where expectedVisible(version, in: c, to: viewer) {
                visible.insert(Found(collection: c.id, key: Key(id: version.id, version: version.version)))
            }
        }
        let newest = Set(
            Dictionary(grouping: visible, by: { [$0.collection, $0.key.id] }).values.map { group in
                group.max { $0.key < $1.key }!
            })
        let limit = Int.random(in: 5...40, using: &random)
        #expect(
            try await searchPages(client, "/api/v1/objects?version=all&limit=\(limit)", headers) == visible,
            "search, every version, viewer org\(viewer)")
        #expect(
            try await searchPages(client, "/api/v1/objects?limit=\(limit)", headers) == newest,
            "search, newest versions, viewer org\(viewer)")
        #expect(
            try await searchPages(client, "/api/v1/objects?type=indicator&version=all", headers)
                == visible.filter { $0.key.id.hasPrefix("indicator--") }, "search by type, viewer org\(viewer)")
        let ids = Set(collections.flatMap { $0.versions.map(\.id) }).sorted().shuffled(using: &random).prefix(5)
        #expect(
            try await searchPages(client, "/api/v1/objects?version=all&id=" + ids.joined(separator: ","), headers)
                == visible.filter { ids.contains($0.key.id) }, "search by id, viewer org\(viewer)")
        // A collection the viewer may not read is answered as absent.
        if let hidden = collections.first(where: { expectedAccess($0, viewer) != 200 }) {
            let response = try await client.execute(
                uri: "/api/v1/objects?collection=\(hidden.id)", method: .get, headers: headers)
            #expect(response.status == .notFound, "search in an unreadable collection, viewer org\(viewer)")
        }
    }

    /// Correlation (`POST /api/v1/correlations`): the indicators of every collection with the same
    /// `n` carry the same address, so correlating it finds exactly those the viewer sees (with the
    /// number of their visible versions), correlating one of them finds the others, and correlating
    /// an object the viewer sees nowhere is answered as absent — never a hit, never a count.
    func checkCorrelation(viewer: Int, client: some TestClientProtocol, random: inout SeededGenerator) async throws {
        var headers = rest("user\(viewer)")
        headers[.contentType] = "application/json"
        for _ in 0..<4 {
            let n = Int.random(in: 0..<1000, using: &random)
            var expected: [String: Int] = [:]
            var unseen: [String] = []
            for (c, collection) in collections.enumerated() {
                let id = "indicator--" + Self.uuid(c * 100_000 + n)
                let visible = collection.versions.filter { version in
                    version.id == id && expectedAccess(collection, viewer) == 200
                        && expectedVisible(version, in: collection, to: viewer)
                }
                if !visible.isEmpty {
                    expected[id] = visible.count
                } else if collection.versions.contains(where: { $0.id == id }) {
                    unseen.append(id)
                }
            }
            let byValue = try await client.call(
                .post, "/api/v1/correlations", headers, json: #"{"value":"10.1.\#(n / 256).\#(n % 256)","limit":1000}"#)
            #expect(byValue.status == .ok, "correlation, viewer org\(viewer): \(byValue.text)")
            let hits = byValue.json["hits"] as? [[String: Any]] ?? []
            var found: [String: Int] = [:]
            for hit in hits { found[hit["id"] as? String ?? ""] = hit["versions"] as? Int ?? -1 }
            #expect(found == expected, "correlation of a value, viewer org\(viewer), n \(n)")
            if let id = expected.keys.sorted().first {
                let byObject = try await client.call(.post, "/api/v1/correlations", headers, json: #"{"object":"\#(id)"}"#)
                let others = Set((byObject.json["hits"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                #expect(others == Set(expected.keys).subtracting([id]), "correlation of an object, viewer org\(viewer)")
            }
            if let id = unseen.first {
                let hidden = try await client.call(.post, "/api/v1/correlations", headers, json: #"{"object":"\#(id)"}"#)
                #expect(hidden.status == .notFound, "correlation of an unseen object, viewer org\(viewer)")
            }

            // The trace of the value: the same hits and version counts, and the constituent only
            // when the viewer may read its records.
            let value = #"{"value":"10.1.\#(n / 256).\#(n % 256)","limit":1000}"#
            let trace = try await client.call(.post, "/api/v1/traces", headers, json: value)
            #expect(trace.status == .ok, "trace, viewer org\(viewer): \(trace.text)")
            var traced: [String: Int] = [:]
            for hit in trace.json["hits"] as? [[String: Any]] ?? [] {
                traced[hit["id"] as? String ?? ""] = hit["versions"] as? Int ?? -1
            }
            #expect(traced == expected, "trace of a value, viewer org\(viewer), n \(n)")
            let named = (trace.json["constituents"] as? [[String: Any]] ?? []).compactMap {
                ($0["organisation"] as? [String: Any])?["id"] as? String
            }
            #expect(
                named == (mayReadRecords(of: constituent, viewer: viewer) ? [organisations[constituent].id] : []),
                "trace constituent, viewer org\(viewer)")
            for reference in trace.json["referenced_by"] as? [[String: Any]] ?? [] {
                #expect(visibleIDs(to: viewer).contains(reference["id"] as? String ?? ""), "trace container, viewer org\(viewer)")
            }
            // The cluster around it holds those objects and nothing the viewer may not see.
            let cluster = try await client.call(
                .post, "/api/v1/correlations/clusters", headers, json: value.replacingOccurrences(of: #","limit":1000"#, with: "")
            )
            #expect(cluster.status == .ok, "cluster, viewer org\(viewer): \(cluster.text)")
            let members = Set(cluster.json["objects"] as? [String] ?? [])
            #expect(members.isSubset(of: visibleIDs(to: viewer)), "cluster member unseen, viewer org\(viewer), n \(n)")
            if cluster.json["truncated"] as? Bool == false {
                #expect(Set(expected.keys).isSubset(of: members), "cluster misses a hit, viewer org\(viewer), n \(n)")
            }
        }
    }

    /// Every object id the viewer sees a version of, anywhere.
    func visibleIDs(to viewer: Int) -> Set<String> {
        var ids: Set<String> = []
        for collection in collections where expectedAccess(collection, viewer) == 200 {
            for version in collection.versions where expectedVisible(version, in: collection, to: viewer) {
                ids.insert(version.id)
            }
        }
        return ids
    }

    /// SECURITY.md, "Records of an organisation": administrators, the organisation's own users and
    /// those of its ancestors read its records.
    func mayReadRecords(of organisation: Int, viewer: Int) -> Bool {
        if organisations[viewer].role == .admin || viewer == organisation { return true }
        var seen: Set<Int> = []
        var current = organisations[organisation].parent
        while let parent = current, seen.insert(parent).inserted {
            if parent == viewer { return true }
            current = organisations[parent].parent
        }
        return false
    }

    /// Every result of a paged search, following `next`.
    func searchPages(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws -> Set<Found> {
        var result: Set<Found> = []
        var next: String?
        var pages = 0
        repeat {
            let response = try await client.execute(
                uri: uri + (next.map { "&next=\($0)" } ?? ""), method: .get, headers: headers)
            #expect(response.status == .ok, "\(uri): \(response.status)")
            guard response.status == .ok else { return result }
            for entry in (response.json["results"] as? [[String: Any]]) ?? [] {
                guard let collection = entry["collection"] as? String, let object = entry["object"] as? [String: Any],
                    let id = object["id"] as? String, let text = (object["modified"] ?? object["created"]) as? String,
                    let version = STIXTimestamp(parsing: text)
                else { continue }
                let found = Found(collection: collection, key: Key(id: id, version: version.microseconds))
                #expect(!result.contains(found), "\(uri): \(id) twice")
                result.insert(found)
            }
            next = (response.json["more"] as? Bool) == true ? response.json["next"] as? String : nil
            pages += 1
        } while next != nil && pages < 10_000
        return result
    }

    func principal(_ viewer: Int) async throws -> Principal {
        let user = try await store.user(named: "user\(viewer)")!
        return Principal(user: user, organisation: try await store.organisation(id: user.organisationID)!)
    }

    func basic(_ user: String) -> HTTPFields {
        let token = Data("\(user):\(Self.password)".utf8).base64EncodedString()
        return [.authorization: "Basic \(token)", .accept: "application/taxii+json;version=2.1"]
    }

    func rest(_ user: String) -> HTTPFields {
        let token = Data("\(user):\(Self.password)".utf8).base64EncodedString()
        return [.authorization: "Basic \(token)", .accept: "application/json"]
    }

    /// Every (id, version) of a paged REST object list, following `next` with `after`.
    func restPage(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws -> Set<Key> {
        var result: Set<Key> = []
        var after: String?
        repeat {
            let response = try await client.execute(
                uri: uri + (after.map { "&after=\($0)" } ?? ""), method: .get, headers: headers)
            #expect(response.status == .ok, "\(uri): \(response.status)")
            guard response.status == .ok else { return result }
            result.formUnion(keys(response, list: "objects"))
            after = (response.json["more"] as? Bool) == true ? response.json["next"] as? String : nil
        } while after != nil
        return result
    }

    /// Every (id, version) of a paged TAXII list, following `next`.
    func page(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields, list: String) async throws -> Set<Key> {
        var result: Set<Key> = []
        var next: String?
        repeat {
            let separator = uri.contains("?") ? "&" : "?"
            let response = try await client.execute(
                uri: uri + (next.map { "\(separator)next=\($0)" } ?? ""), method: .get, headers: headers)
            #expect(response.status == .ok || response.status.code == 404 && result.isEmpty, "\(uri): \(response.status)")
            guard response.status == .ok else { return result }
            result.formUnion(keys(response, list: list))
            next = (response.json["more"] as? Bool) == true ? response.json["next"] as? String : nil
        } while next != nil
        return result
    }

    /// Every object of a paged TAXII objects list, by (id, version), following `next`.
    func pageWithBodies(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws
        -> (Set<Key>, [Key: [String: Any]])
    {
        var bodies: [Key: [String: Any]] = [:]
        var next: String?
        repeat {
            let response = try await client.execute(
                uri: uri + (next.map { "&next=\($0)" } ?? ""), method: .get, headers: headers)
            #expect(response.status == .ok, "\(uri): \(response.status)")
            guard response.status == .ok else { break }
            for entry in (response.json["objects"] as? [[String: Any]]) ?? [] {
                guard let id = entry["id"] as? String,
                    let text = (entry["modified"] ?? entry["created"]) as? String,
                    let version = STIXTimestamp(parsing: text)
                else { continue }
                bodies[Key(id: id, version: version.microseconds)] = entry
            }
            next = (response.json["more"] as? Bool) == true ? response.json["next"] as? String : nil
        } while next != nil
        return (Set(bodies.keys), bodies)
    }

    func keys(_ response: TestResponse, list: String) -> Set<Key> {
        let entries = (response.json[list] as? [[String: Any]]) ?? []
        return Set(
            entries.compactMap { entry in
                guard let id = entry["id"] as? String,
                    let text = (entry["version"] ?? entry["modified"] ?? entry["created"]) as? String,
                    let version = STIXTimestamp(parsing: text)
                else { return nil }
                return Key(id: id, version: version.microseconds)
            })
    }
}
