public import CybexCore
public import CybexFormats
import CybexStore

/// A cluster of shared infrastructure: the objects a principal may see that are connected to the
/// subject through observables they carry in common, followed hop by hop.
public struct CorrelationCluster: Sendable, Hashable {
    /// The objects of the cluster, in order (the subject object among them).
    public var objects: [String]
    /// The values two or more of them carry: the infrastructure they share.
    public var shared: [Observable]
    /// How many hops (object → value → object) were followed.
    public var depth: Int
    /// Whether a bound (objects, depth, versions read) left more to follow.
    public var truncated: Bool
    /// The highest level of each object's versions read (for the audit).
    var levels: [String: TLPLevel?] = [:]
}

extension CorrelationService {
    /// The most objects one cluster holds, and the most hops it follows.
    public static let maximumClusterObjects = 500
    public static let maximumClusterDepth = 5

    /// The connected component around `subject` over the objects `principal` may see and the
    /// values they carry (exact values: a range and the addresses within it are not joined here),
    /// breadth first, at most `depth` hops and `objects` objects. Every object comes from the
    /// search across the collections the principal may read, so an object it may not see is never
    /// in the cluster, and nothing reachable only through such an object is either.
    public func cluster(_ subject: CorrelationSubject, for principal: Principal, depth: Int = 3, objects: Int = 200)
        async throws -> CorrelationCluster
    {
        let readable = try CollectionService.selected(try await collections.readable(by: principal), by: SearchRequest())
        let cluster = try await cluster(
            subject, in: readable, depth: min(max(depth, 1), Self.maximumClusterDepth),
            objects: min(max(objects, 1), Self.maximumClusterObjects))
        // Audited as a correlation is: when it names objects at TLP:AMBER or above.
        try await audit(cluster.asResult, subject: subject, actor: principal.user.username)
        return cluster
    }

    /// The cluster as the node's operator asks it (`cybex correlate --cluster`): every collection
    /// without `organisationName`, else what a reader of that organisation may see. Audited.
    public func cluster(
        _ subject: CorrelationSubject, as organisationName: String?, actor: String, depth: Int = 3, objects: Int = 200
    ) async throws -> CorrelationCluster {
        let readable = try CollectionService.selected(
            try await collections.readable(as: organisationName, actor: actor), by: SearchRequest())
        let cluster = try await cluster(
            subject, in: readable, depth: min(max(depth, 1), Self.maximumClusterDepth),
            objects: min(max(objects, 1), Self.maximumClusterObjects))
        try await audit(cluster.asResult, subject: subject, actor: actor, always: organisationName == nil)
        return cluster
    }

    func cluster(_ subject: CorrelationSubject, in readable: [String: ReadScope?], depth: Int, objects limit: Int)
        async throws -> CorrelationCluster
    {
        var members: [String: Set<Observable>] = [:]
        var levels: [String: TLPLevel?] = [:]
        var frontier: Set<Observable>
        switch subject {
        case .value(let text):
            frontier = Set(ObservableNormaliser.fitting(text))
        case .object(let id):
            let carried = try await carriers(of: [], ids: [id], in: readable)
            guard let own = carried.objects[id] else { throw EngineError(.notFound, "no object with id '\(id)'") }
            members[id] = own
            levels[id] = carried.levels[id] ?? nil
            frontier = own
        }
        var visited: Set<Observable> = []
        var hops = 0
        var truncated = false
        while !frontier.isEmpty, hops < depth, !truncated {
            hops += 1
            visited.formUnion(frontier)
            let found = try await carriers(of: frontier, ids: nil, in: readable)
            truncated = found.truncated
            var next: Set<Observable> = []
            for id in found.objects.keys.sorted() where members[id] == nil {
                guard members.count < limit else {
                    truncated = true
                    break
                }
                let values = found.objects[id] ?? []
                members[id] = values
                levels[id] = found.levels[id] ?? nil
                next.formUnion(values.subtracting(visited))
            }
            frontier = next
        }
        if !frontier.isEmpty { truncated = true }
        var carriedBy: [Observable: Int] = [:]
        for values in members.values { for value in values { carriedBy[value, default: 0] += 1 } }
        return CorrelationCluster(
            objects: members.keys.sorted(), shared: carriedBy.filter { $0.value > 1 }.map(\.key).sorted(by: Self.order),
            depth: hops, truncated: truncated, levels: levels)
    }

    /// The objects the readable collections hold that carry one of `values` (or, with `ids`, those
    /// objects), each with every observable its visible versions carry; at most
    /// ``maximumVersions`` versions read.
    func carriers(of values: Set<Observable>, ids: [String]?, in readable: [String: ReadScope?]) async throws
        -> (objects: [String: Set<Observable>], levels: [String: TLPLevel?], truncated: Bool)
    {
        var objects: [String: Set<Observable>] = [:]
        var levels: [String: TLPLevel?] = [:]
        var read = 0
        let ordered = values.sorted(by: Self.order)
        // Long frontiers in chunks: each is one search.
        let chunks =
            ids != nil
            ? [[]]
            : stride(from: 0, to: ordered.count, by: 500).map {
                Array(ordered[$0..<min($0 + 500, ordered.count)])
            }
        for chunk in chunks {
            var request = SearchRequest(ids: ids, versions: .all, limit: 1_000)
            if ids == nil { request.observables = chunk }
            while true {
                let page = try await collections.search(request, in: readable)
                for hit in page.hits {
                    read += 1
                    objects[hit.record.id, default: []].formUnion(Self.observables(in: hit.record.json))
                    levels[hit.record.id] = Self.higher(levels[hit.record.id] ?? nil, hit.record.level)
                }
                guard page.more, let resume = page.resumeAfter else { break }
                if read >= Self.maximumVersions { return (objects, levels, true) }
                request.addedAfter = resume
            }
        }
        return (objects, levels, false)
    }
}

extension CorrelationCluster {
    /// The cluster's objects as hits, with their levels: what the audit records of it.
    var asResult: CorrelationResult {
        CorrelationResult(
            observables: [],
            hits: objects.map { id in
                CorrelationHit(
                    id: id, type: "", collections: [], observables: [], firstSeen: 0, lastSeen: 0, versions: 0,
                    level: levels[id] ?? nil)
            }, truncated: truncated)
    }

    /// `{"objects": [ids], "shared": [{"kind", "value"}], "depth", "truncated"}`.
    public var json: JSONValue {
        .object([
            ("objects", .array(objects.map(JSONValue.string))),
            ("shared", .array(shared.map(CorrelationResult.json))),
            ("depth", .number(String(depth))),
            ("truncated", .bool(truncated)),
        ])
    }
}
