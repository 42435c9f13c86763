import CybexCore
import CybexEngine
import CybexFormats
import CybexTestSupport
import Foundation
import Testing

@testable import CybexStore

/// The write side of the sharing policy against a reference model, on both backends: random
/// organisations (a forest, with a sharing group) post random objects, new versions, revocations,
/// copies of each other's objects and SCOs, with random TLP markings and TLP:RED recipients, into
/// shared collections, and delete. Every outcome (per object: added, new version, duplicate, or
/// refused and why; per delete: done, 403 or 404) must equal that of a model that knows only what
/// the poster may see, and every read afterwards (all, last and first versions, as every
/// organisation) must equal the model's. A model that decides duplicates over the whole
/// collection (the mutation) must disagree with the store.
@Suite("Write side of the sharing policy against a reference model")
struct WriteSidePropertyTests {
    @Test(arguments: Backend.enabled)
    func everyWriteOutcomeAndReadMatchesTheModel(_ backend: Backend) async throws {
        try await backend.withStore { store in
            var random = SeededGenerator(state: backend == .sqlite ? 0x5EED_7001 : 0x5EED_7002)
            var world = try await WriteWorld.build(store, random: &random)
            var mutated = world.model
            mutated.mutation = true
            var cases = 0
            var disagreements = 0
            for round in 0..<world.rounds {
                for operation in world.operations(round: round, random: &random) {
                    let expected = world.model.apply(operation)
                    let mutatedExpectation = mutated.apply(operation)
                    let actual = try await world.perform(operation)
                    #expect(actual == expected, "\(operation.summary)")
                    if actual != expected, ProcessInfo.processInfo.environment["CYBEX_STOP_AT_FIRST"] != nil {
                        print("FIRST DIVERGENCE: \(operation.summary) actual \(actual) expected \(expected)")
                        return
                    }
                    if mutatedExpectation != actual { disagreements += 1 }
                    cases += max(1, operation.objects.count)
                }
                cases += try await world.checkReads()
            }
            print("write side, \(backend): \(cases) cases, the mutation disagreed \(disagreements) times")
            #expect(cases >= 100_000)
            #expect(disagreements > 0, "the mutation (duplicates decided over the whole collection) went unnoticed")
        }
    }
}

/// What one operation answered: per object outcome kinds, or the delete's code.
enum WriteAnswer: Hashable {
    case posted([String])
    case deleted(Int)
    case refused(String)
}

/// One object a post carries, as the model sees it.
struct ModelObject: Hashable {
    var id: String
    /// `modified` (or `created` for a marking definition), µs; nil for an SCO.
    var version: Int64?
    var created: Int64
    var revoked: Bool
    var marking: TLPLevel?
    /// Distribution marking ids referenced.
    var distributions: [String]
    /// For a distribution marking definition: its recipients.
    var recipients: Set<Int>?
    var json: String
}

struct WriteOperation {
    var poster: Int
    var collection: Int
    var objects: [ModelObject]
    /// For a delete: the id.
    var delete: String?

    var summary: String {
        delete.map { "org\(poster) deletes \($0) in collection \(collection)" }
            ?? "org\(poster) posts \(objects.map { "\($0.id)@\($0.version ?? 0)" }) to collection \(collection)"
    }
}

/// The reference model: explicit sets, SECURITY.md's rules written out again.
struct WriteModel {
    struct Stored: Hashable {
        var id: String
        var owner: Int
        var version: Int64?
        var created: Int64
        var revoked: Bool
        var marking: TLPLevel?
        var recipients: Set<Int>
        var dateAdded: Int
    }

    var parents: [Int?]
    var group: Set<Int>
    var admins: Set<Int>
    var readers: [Set<Int>]
    var writers: [Set<Int>]
    /// Per collection, every stored version with its owner.
    var held: [[Stored]]
    /// Every organisation's distribution markings: id → (owner, recipients).
    var distributions: [String: (owner: Int, recipients: Set<Int>)] = [:]
    var clock = 0
    /// Decide duplicates over the whole collection instead of the poster's view (a bug to catch).
    var mutation = false

    func isDescendant(_ o: Int, of a: Int) -> Bool {
        var current = parents[o]
        while let p = current {
            if p == a { return true }
            current = parents[p]
        }
        return false
    }

    func community(of o: Int) -> Set<Int> {
        var result: Set<Int> = [o]
        for x in parents.indices where isDescendant(x, of: o) { result.insert(x) }
        if group.contains(o) { result.formUnion(group) }
        return result
    }

    func visible(_ s: Stored, in c: Int, to viewer: Int) -> Bool {
        if s.owner == viewer { return true }
        let audience = readers[c]
        switch s.marking ?? .amber {
        case .red: return s.recipients.contains(viewer)
        case .amberStrict: return audience.contains(viewer)
        case .amber: return audience.contains(viewer) || audience.contains { isDescendant(viewer, of: $0) }
        case .green, .clear: return audience.contains { community(of: $0).contains(viewer) }
        }
    }

    func canRead(_ o: Int, _ c: Int) -> Bool {
        admins.contains(o) || readers[c].contains(o)
            || TLPLevel.allCases.contains {
                visible(
                    Stored(id: "", owner: -1, created: 0, revoked: false, marking: $0, recipients: [], dateAdded: 0), in: c, to: o
                )
            }
    }

    mutating func apply(_ operation: WriteOperation) -> WriteAnswer {
        let p = operation.poster
        let c = operation.collection
        let mayRead = canRead(p, c)
        let mayWrite = writers[c].contains(p) || admins.contains(p)
        // A collection it may neither read nor write is absent.
        guard mayRead || mayWrite else { return .refused("not-found") }
        if let id = operation.delete {
            guard mayRead, mayWrite else { return .refused("forbidden") }
            let admin = admins.contains(p)
            let before = held[c].count
            held[c].removeAll { $0.id == id && (admin || $0.owner == p) }
            let removed = before - held[c].count
            if removed > 0 { return .deleted(removed) }
            if !admin && held[c].contains(where: { $0.id == id && visible($0, in: c, to: p) }) { return .refused("forbidden") }
            return .refused("not-found")
        }
        guard mayWrite else { return .refused("forbidden") }
        var outcomes: [String] = []
        for object in operation.objects {
            // Markings: its own distribution markings, or ones it sees in this collection.
            var recipients: Set<Int> = []
            var unknown = false
            for ref in object.distributions {
                guard let d = distributions[ref],
                    d.owner == p || held[c].contains(where: { $0.id == ref && visible($0, in: c, to: p) })
                else {
                    unknown = true
                    continue
                }
                recipients.formUnion(d.recipients)
            }
            if unknown {
                outcomes.append("rejected: unknown-marking")
                continue
            }
            if let own = object.recipients { recipients = own }
            let lineage = held.flatMap { $0 }.filter { $0.id == object.id && $0.owner == p }
            let seen = held[c].filter {
                $0.id == object.id && $0.owner != p && $0.version != nil && (mutation || visible($0, in: c, to: p))
            }
            if lineage.isEmpty, object.version != nil, !seen.isEmpty {
                outcomes.append(seen.contains { $0.version == object.version } ? "duplicate" : "rejected: creator")
                continue
            }
            let inCollection = held[c].contains { $0.id == object.id && $0.owner == p && $0.version == object.version }
            if let same = lineage.first(where: { $0.version == object.version }) {
                if inCollection {
                    outcomes.append("duplicate")
                } else {
                    clock += 1
                    var copy = same
                    copy.dateAdded = clock
                    held[c].append(copy)
                    outcomes.append("added")
                }
                continue
            }
            if let v = object.version, !lineage.isEmpty {
                // Keep a unique version per lineage (distinct object rows), as the store does.
                let versions = Dictionary(grouping: lineage, by: { $0.version }).values.map { $0[0] }
                if versions.contains(where: { $0.revoked && ($0.version ?? 0) < v }) {
                    outcomes.append("rejected: revoked")
                    continue
                }
                if versions.sorted(by: { ($0.version ?? 0) < ($1.version ?? 0) }).first?.created != object.created {
                    outcomes.append("rejected: created")
                    continue
                }
            }
            clock += 1
            held[c].append(
                Stored(
                    id: object.id, owner: p, version: object.version, created: object.created, revoked: object.revoked,
                    marking: object.marking, recipients: recipients, dateAdded: clock))
            if let own = object.recipients { distributions[object.id] = (p, own) }
            outcomes.append(lineage.isEmpty ? "added" : "new version")
        }
        return .posted(outcomes)
    }

    /// What `viewer` reads of collection `c`: every visible version, and the newest and oldest of each lineage.
    func reads(_ c: Int, by viewer: Int) -> (all: [String], last: [String], first: [String]) {
        let seen = held[c].filter { self.visible($0, in: c, to: viewer) }
        func key(_ s: Stored) -> String { "\(s.id)@\(s.version ?? -1)" }
        let lineages = Dictionary(grouping: seen, by: { "\($0.id) \($0.owner)" }).values
        // SCOs are versioned by the date they were added: compare by it.
        func order(_ s: Stored) -> Int64 { s.version ?? Int64(s.dateAdded) }
        return (
            seen.map(key).sorted(), lineages.map { key($0.max { order($0) < order($1) }!) }.sorted(),
            lineages.map { key($0.min { order($0) < order($1) }!) }.sorted()
        )
    }
}

/// The node under test and the model beside it.
struct WriteWorld {
    let store: any Store
    let service: CollectionService
    var principals: [Principal]
    var collectionIDs: [String]
    var model: WriteModel
    let rounds = 12
    var serial = 0
    static let tlp: [(TLPLevel, String)] = [
        (.clear, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        (.green, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        (.amber, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        (.amberStrict, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        (.red, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
    ]
    static let base: Int64 = 1_767_225_600_000_000
    static let organisations = 7

    static func build(_ store: any Store, random: inout SeededGenerator) async throws -> WriteWorld {
        let admin = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "test")
        var parents: [Int?] = []
        var admins: Set<Int> = []
        var principals: [Principal] = []
        _ = try await admin.addSharingGroup(name: "circle")
        var group: Set<Int> = []
        for n in 0..<organisations {
            let parent = n > 0 && Bool.random(using: &random) ? Int.random(in: 0..<n, using: &random) : nil
            parents.append(parent)
            _ = try await admin.addOrganisation(name: "org\(n)", parent: parent.map { "org\($0)" })
            let role: Role = n == organisations - 1 ? .admin : .analyst
            if role == .admin { admins.insert(n) }
            let user = try await admin.addUser(
                username: "user\(n)", organisation: "org\(n)", role: role, password: "a long password")
            principals.append(Principal(user: user, organisation: try await store.organisation(id: user.organisationID)!))
            if Int.random(in: 0..<3, using: &random) == 0 {
                try await admin.addMember(group: "circle", organisation: "org\(n)")
                group.insert(n)
            }
        }
        var readers: [Set<Int>] = []
        var writers: [Set<Int>] = []
        var ids: [String] = []
        for c in 0..<2 {
            let r = Set((0..<organisations - 1).filter { _ in Int.random(in: 0..<2, using: &random) == 0 })
            let w = Set((0..<organisations - 1).filter { _ in Int.random(in: 0..<3, using: &random) != 0 })
            let record = try await admin.addCollection(
                title: "c\(c)", description: nil, readers: r.sorted().map { "org\($0)" }, writers: w.sorted().map { "org\($0)" })
            readers.append(r)
            writers.append(w)
            ids.append(record.id)
        }
        return WriteWorld(
            store: store, service: CollectionService(store: store), principals: principals, collectionIDs: ids,
            model: WriteModel(parents: parents, group: group, admins: admins, readers: readers, writers: writers, held: [[], []]))
    }

    static func uuid(_ n: Int) -> String { "6ba7b810-9dad-41d1-80b4-" + String(format: "%012x", n) }

    /// A round of posts and deletes over a small pool of ids, so that organisations meet each other's objects.
    mutating func operations(round: Int, random: inout SeededGenerator) -> [WriteOperation] {
        var result: [WriteOperation] = []
        for _ in 0..<250 {
            let poster = Int.random(in: 0..<Self.organisations, using: &random)
            let c = Int.random(in: 0..<2, using: &random)
            if Int.random(in: 0..<10, using: &random) == 0 {
                result.append(
                    WriteOperation(
                        poster: poster, collection: c, objects: [],
                        delete: "indicator--" + Self.uuid(Int.random(in: 0..<60, using: &random))))
                continue
            }
            var objects: [ModelObject] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let (level, ref) = Self.tlp.randomElement(using: &random)!
                let marking: TLPLevel? = Int.random(in: 0..<4, using: &random) == 0 ? nil : level
                var refs = marking == nil ? [] : [ref]
                var distributions: [String] = []
                if marking == .red || Int.random(in: 0..<6, using: &random) == 0 {
                    if let existing = model.distributions.keys.sorted().randomElement(using: &random),
                        Int.random(in: 0..<3, using: &random) == 0
                    {
                        distributions = [existing]
                    } else {
                        serial += 1
                        let id = "marking-definition--" + Self.uuid(1_000_000 + serial)
                        var recipients = Set((0..<Self.organisations).filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
                        recipients.insert(Int.random(in: 0..<Self.organisations, using: &random))
                        let names = recipients.sorted().map { "\"org\($0)\"" }.joined(separator: ",")
                        objects.append(
                            ModelObject(
                                // A distribution marking is itself TLP:RED for its recipients.
                                id: id, version: Self.base, created: Self.base, revoked: false, marking: .red, distributions: [],
                                recipients: recipients,
                                json: """
                                    {"type":"marking-definition","spec_version":"2.1","id":"\(id)",\
                                    "created":"2026-01-01T00:00:00.000Z","name":"d\(serial)","extensions":\
                                    {"\(DistributionMarking.extensionID)":{"extension_type":"property-extension",\
                                    "recipients":[\(names)]}}}
                                    """))
                        distributions = [id]
                    }
                }
                refs += distributions
                let refList =
                    refs.isEmpty ? "" : #","object_marking_refs":["# + refs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                if Int.random(in: 0..<5, using: &random) == 0 {
                    let value = "192.0.2.\(Int.random(in: 1...12, using: &random))"
                    let id = DeterministicID.identifier(
                        for: .object([("type", .string("ipv4-addr")), ("value", .string(value))]))!
                    objects.append(
                        ModelObject(
                            id: id, version: nil, created: 0, revoked: false, marking: marking, distributions: distributions,
                            recipients: nil,
                            json: #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(id)","value":"\#(value)"\#(refList)}"#))
                    continue
                }
                let id = "indicator--" + Self.uuid(Int.random(in: 0..<60, using: &random))
                let modified = Self.base + Int64(Int.random(in: 0..<6, using: &random)) * 1_000_000
                let created = Int.random(in: 0..<8, using: &random) == 0 ? Self.base - 1_000_000 : Self.base
                let revoked = Int.random(in: 0..<12, using: &random) == 0
                objects.append(
                    ModelObject(
                        id: id, version: max(modified, created), created: created, revoked: revoked, marking: marking,
                        distributions: distributions, recipients: nil,
                        json: """
                            {"type":"indicator","spec_version":"2.1","id":"\(id)",\
                            "created":"\(STIXTimestamp.format(microseconds: created))",\
                            "modified":"\(STIXTimestamp.format(microseconds: max(modified, created)))",\
                            "pattern":"[ipv4-addr:value = '198.51.100.\(poster)']","pattern_type":"stix",\
                            "valid_from":"2026-01-01T00:00:00Z"\(revoked ? #","revoked":true"# : "")\(refList)}
                            """))
            }
            result.append(WriteOperation(poster: poster, collection: c, objects: objects, delete: nil))
        }
        return result
    }

    /// Runs `operation` through the Engine, as TAXII and REST do, and says what it answered.
    func perform(_ operation: WriteOperation) async throws -> WriteAnswer {
        let principal = principals[operation.poster]
        let collectionID = collectionIDs[operation.collection]
        do {
            if let id = operation.delete {
                return .deleted(
                    try await service.delete(objectID: id, from: collectionID, versions: .all, specVersions: nil, by: principal))
            }
            let body =
                Array(#"{"objects":["#.utf8) + Array(operation.objects.map(\.json).joined(separator: ",").utf8)
                + Array("]}".utf8)
            let report = try await service.add(body, as: .envelope, to: collectionID, by: principal)
            return .posted(report.items.map(Self.kind))
        } catch let error as EngineError {
            return .refused(error.code.rawValue)
        }
    }

    static func kind(_ item: IngestItem) -> String {
        switch item.outcome {
        case .added: return "added"
        case .newVersion: return "new version"
        case .duplicate: return "duplicate"
        case .rejected(let reason):
            if reason.contains("only its creator") { return "rejected: creator" }
            if reason.contains("revoked") { return "rejected: revoked" }
            if reason.contains("created differs") { return "rejected: created" }
            if reason.contains("marking definition") { return "rejected: unknown-marking" }
            return "rejected: " + reason
        }
    }

    /// Reads every collection as every organisation (all, last, first) and compares with the model.
    func checkReads() async throws -> Int {
        var cases = 0
        for viewer in 0..<Self.organisations {
            for c in 0..<2 where model.canRead(viewer, c) {
                let expected = model.reads(c, by: viewer)
                func read(_ versions: VersionSelector) async throws -> [String] {
                    let page = try await service.objects(
                        in: collectionIDs[c], matching: ObjectQuery(versions: versions, limit: 100_000, withContent: false),
                        for: principals[viewer])
                    return page.records.map { "\($0.id)@\($0.id.hasPrefix("ipv4-addr") ? -1 : $0.version)" }.sorted()
                }
                #expect(try await read(.all) == expected.all, "all, org\(viewer), collection \(c)")
                let last = try await read(.last)
                let first = try await read(.first)
                #expect(last == expected.last, "last, org\(viewer), collection \(c)")
                #expect(first == expected.first, "first, org\(viewer), collection \(c)")
                // Each stored version was checked against three reads of this viewer.
                cases += 3 * model.held[c].count
            }
        }
        return cases
    }
}
