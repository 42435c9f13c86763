public import CybexCore
import CybexFormats
import CybexStore
import Foundation

/// What a correlation starts from: an observable value as people write it (an address, a range, a
/// domain, a URL, a hash …), or a STIX object the principal may see.
public enum CorrelationSubject: Sendable, Hashable {
    case value(String)
    case object(String)
}

/// One object that shares observables with the subject, as the principal sees it.
public struct CorrelationHit: Sendable, Hashable {
    public var id: String
    public var type: String
    /// The collections the principal may read where it sees a version of the object that carries
    /// one of the subject's values, in order.
    public var collections: [String]
    /// The subject's values (or the ranges that contain them, or the values within a range) that
    /// those versions carry, as the store keeps them.
    public var observables: [Observable]
    /// When the earliest and the newest of those versions were added (microseconds).
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// How many such versions the principal sees, over every collection.
    public var versions: Int
    /// The highest TLP level among them (nil: unmarked, read at the defaults).
    public var level: TLPLevel?
    /// The sightings of the object the principal sees (each once, whatever its collections), and
    /// the sum of their `count`s (a sighting without one counts once).
    public var sightings = 0
    public var sighted = 0
}

/// The objects a principal may see that share observables with a subject.
public struct CorrelationResult: Sendable, Hashable {
    /// The subject's own observables, as the store keeps them: the normalised forms of a value, or
    /// the values of an object's visible versions.
    public var observables: [Observable]
    /// The other objects, the most recently seen first.
    public var hits: [CorrelationHit]
    /// Whether more objects (or more versions than one correlation reads) were left out.
    public var truncated: Bool
}

/// Correlation as a read through the sharing policy (issue 15): the other objects that carry one of
/// the subject's observables — the same value, a stored range that contains an address, or a
/// stored address within a range. Every hit comes from the search across collections
/// (``CollectionService/search(_:for:)``'s read: each collection under its read scope), so a
/// principal never learns of an object it may not see, not even by a count; values found through
/// the index but carried only by objects it may not see are never named. Owners are never named
/// (SECURITY.md, "Correlation"). A correlation that names objects at TLP:AMBER or above is audited
/// (`objects.correlate`) with the subject hashed, never the value itself.
public struct CorrelationService: Sendable {
    let collections: CollectionService
    var store: any Store { collections.store }

    /// The most object versions one correlation reads.
    public static let maximumVersions = 10_000
    /// The most stored values within a range that one correlation follows.
    public static let maximumRangeValues = 1_000
    /// The most hits one correlation returns.
    public static let maximumHits = 1_000
    /// The most sightings one correlation reads to count the hits' sightings.
    public static let maximumSightings = 10_000

    public init(collections: CollectionService) {
        self.collections = collections
    }

    public func correlate(_ subject: CorrelationSubject, for principal: Principal, limit: Int = 100) async throws
        -> CorrelationResult
    {
        let readable = try CollectionService.selected(try await collections.readable(by: principal), by: SearchRequest())
        let result = try await correlate(subject, in: readable, limit: limit)
        try await audit(result, subject: subject, actor: principal.user.username)
        return result
    }

    func correlate(_ subject: CorrelationSubject, in readable: [String: ReadScope?], limit: Int) async throws
        -> CorrelationResult
    {
        let own: [Observable]
        var excluded: String?
        var searched: Set<Observable> = []
        switch subject {
        case .value(let text):
            own = ObservableNormaliser.fitting(text)
            // And the form stores written before the normaliser kept, for the same kinds.
            let kinds = Set(own.map(\.kind))
            searched.formUnion(ObservableExtractor.candidates(for: text).filter { kinds.contains($0.kind) })
        case .object(let id):
            let versions = try await collections.search(
                SearchRequest(ids: [id], versions: .all, limit: 1_000), in: readable)
            guard !versions.hits.isEmpty else { throw EngineError(.notFound, "no object with id '\(id)'") }
            own = Array(Set(versions.hits.flatMap { Self.observables(in: $0.record.json) })).sorted(by: Self.order)
            excluded = id
        }
        searched.formUnion(own)
        for observable in own where observable.kind == .ipv4 || observable.kind == .ipv6 {
            guard let network = IPNetwork(observable.value) else { continue }
            // The ranges that contain this address or range are its networks (a stored range is
            // kept as its network): searched as values, with no lookup of their own.
            searched.formUnion(
                ObservableIndexing.enclosingNetworks(of: network.address).filter { around in
                    (IPNetwork(around.value)?.prefixLength ?? .max) <= network.prefixLength
                })
            if network.prefixLength < network.address.count * 8 {
                searched.formUnion(try await store.addressValues(within: network, limit: Self.maximumRangeValues))
            }
        }
        guard !searched.isEmpty else { return CorrelationResult(observables: own, hits: [], truncated: false) }

        var request = SearchRequest(versions: .all, limit: 1_000)
        request.observables = searched.sorted(by: Self.order)
        // The hits' sightings' ids come with each page, from the same read.
        request.edgeSourcesOfType = "sighting-of"
        var sightingSources: [String: Set<String>] = [:]
        var byID: [String: CorrelationHit] = [:]
        var read = 0
        var truncated = false
        while true {
            let page = try await collections.search(request, in: readable)
            sightingSources.merge(page.edgeSources) { $0.union($1) }
            for hit in page.hits where hit.record.id != excluded {
                read += 1
                let carried = Self.observables(in: hit.record.json).filter { searched.contains($0) }
                let added = hit.record.dateAdded
                if var known = byID[hit.record.id] {
                    if !known.collections.contains(hit.collectionID) { known.collections.append(hit.collectionID) }
                    known.observables = Array(Set(known.observables + carried))
                    known.firstSeen = min(known.firstSeen, added)
                    known.lastSeen = max(known.lastSeen, added)
                    known.versions += 1
                    known.level = Self.higher(known.level, hit.record.level)
                    byID[hit.record.id] = known
                } else {
                    byID[hit.record.id] = CorrelationHit(
                        id: hit.record.id, type: STIXIdentifier(hit.record.id)?.type ?? "",
                        collections: [hit.collectionID], observables: carried, firstSeen: added, lastSeen: added,
                        versions: 1, level: hit.record.level)
                }
            }
            guard page.more, let resume = page.resumeAfter else { break }
            if read >= Self.maximumVersions {
                truncated = true
                break
            }
            request.addedAfter = resume
        }
        var hits = byID.values.map { hit -> CorrelationHit in
            var hit = hit
            hit.collections.sort()
            hit.observables.sort(by: Self.order)
            return hit
        }
        hits.sort { ($0.lastSeen, $1.id) > ($1.lastSeen, $0.id) }
        let kept = max(1, min(limit, Self.maximumHits))
        if hits.count > kept {
            hits.removeLast(hits.count - kept)
            truncated = true
        }
        try await countSightings(of: &hits, sources: sightingSources, in: readable)
        return CorrelationResult(observables: own, hits: hits, truncated: truncated)
    }

    /// Each hit's sightings as the principal sees them: the sightings the store holds of it (its
    /// `sighting-of` edges, `sources`, unscoped) read back through the search across the readable
    /// collections, so a sighting the principal may not see is not counted.
    func countSightings(
        of hits: inout [CorrelationHit], sources: [String: Set<String>], in readable: [String: ReadScope?]
    ) async throws {
        let kept = Set(hits.map(\.id))
        let sightingIDs = Array(Set(sources.filter { kept.contains($0.key) }.values.flatMap { $0 })).sorted()
            .prefix(Self.maximumSightings)
        guard !sightingIDs.isEmpty else { return }
        var counted: [String: (of: String, count: Int)] = [:]
        for start in stride(from: 0, to: sightingIDs.count, by: SearchRequest.maximumListValues) {
            let ids = Array(sightingIDs[start..<min(start + SearchRequest.maximumListValues, sightingIDs.count)])
            var request = SearchRequest(ids: ids, versions: .last, limit: 1_000)
            while true {
                let page = try await collections.search(request, in: readable)
                for hit in page.hits {
                    guard let object = try? JSONReader.parse(hit.record.json),
                        let target = object["sighting_of_ref"]?.stringValue
                    else { continue }
                    let count = object["count"]?.integerValue.map(Int.init) ?? 1
                    // The newest version seen of each sighting counts, once.
                    counted[hit.record.id] = (target, count)
                }
                guard page.more, let resume = page.resumeAfter else { break }
                request.addedAfter = resume
            }
        }
        var byTarget: [String: (sightings: Int, sighted: Int)] = [:]
        for (_, sighting) in counted {
            byTarget[sighting.of, default: (0, 0)].sightings += 1
            byTarget[sighting.of, default: (0, 0)].sighted += sighting.count
        }
        for index in hits.indices {
            guard let found = byTarget[hits[index].id] else { continue }
            hits[index].sightings = found.sightings
            hits[index].sighted = found.sighted
        }
    }

    /// The observables a stored object carries (its JSON parsed again: SCO values, hashes, pattern
    /// comparisons).
    static func observables(in json: [UInt8]) -> [Observable] {
        guard let object = try? JSONReader.parse(json), let type = object["type"]?.stringValue else { return [] }
        return ObservableExtractor.observables(of: object, type: type)
    }

    static func order(_ a: Observable, _ b: Observable) -> Bool { (a.kind.rawValue, a.value) < (b.kind.rawValue, b.value) }

    static func higher(_ a: TLPLevel?, _ b: TLPLevel?) -> TLPLevel? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    /// The correlation as the node's operator runs it (`cybex correlate`): without
    /// `organisationName`, over every version of every collection; with one, exactly what a reader
    /// of that organisation may see (`notFound` when there is no such organisation). Audited as
    /// `actor`, always, with a value subject hashed.
    public func correlate(_ subject: CorrelationSubject, as organisationName: String?, actor: String, limit: Int = 100)
        async throws -> CorrelationResult
    {
        let readable = try CollectionService.selected(
            try await collections.readable(as: organisationName, actor: actor), by: SearchRequest())
        let result = try await correlate(subject, in: readable, limit: limit)
        try await audit(result, subject: subject, actor: actor, always: organisationName == nil)
        return result
    }

    /// Records a correlation that named objects at TLP:AMBER or above (and every unscoped one of the
    /// operator): which objects, for whom; a value subject only as a hash, as erasure records it.
    func audit(_ result: CorrelationResult, subject: CorrelationSubject, actor: String, always: Bool = false) async throws {
        let sensitive = result.hits.filter { ($0.level ?? .clear) >= .amber }
        guard always || !sensitive.isEmpty else { return }
        let target: String
        switch subject {
        case .value(let text):
            target = "sha256:" + Secrets.sha256Hex(text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
        case .object(let id):
            target = id
        }
        let named = sensitive.prefix(CollectionService.auditedIDs).map { "\($0.id) \(($0.level ?? .amber).label)" }
        let more = sensitive.count > named.count ? ", …" : ""
        let detail =
            "\(result.hits.count) objects\(always ? " (every collection)" : ""); \(sensitive.count) at TLP:AMBER or above"
            + (named.isEmpty ? "" : ": " + named.joined(separator: ", ") + more)
        try await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.correlate", target: target,
                detail: detail))
    }
}
