public import CybexCore
import CybexFormats
import CybexStore
import Foundation

/// An organisation responsible for a traced value, and how to reach it.
public struct TraceConstituent: Sendable, Hashable {
    public var organisationID: String
    public var name: String
    /// The entries of its constituency that hold the value (networks, AS numbers, domains), the
    /// most specific first.
    public var matched: [ConstituencyEntry]
    /// Its abuse contact, else its security contact, else its general one.
    public var contact: OrganisationContact?
    public var country: String?

    public init(
        organisationID: String, name: String, matched: [ConstituencyEntry], contact: OrganisationContact?, country: String?
    ) {
        self.organisationID = organisationID
        self.name = name
        self.matched = matched
        self.contact = contact
        self.country = country
    }
}

/// A visible object that references one of a trace's hits (a report, grouping, note, opinion or
/// observed-data listing it in `object_refs`).
public struct TraceReference: Sendable, Hashable {
    public var id: String
    public var type: String
    /// The hits it references.
    public var references: [String]
    public var collections: [String]
    public var lastSeen: Int64
    public var level: TLPLevel?
}

/// What a trace answers (issue 15 item 5): everything the principal may see about a value.
public struct TraceResult: Sendable, Hashable {
    /// The value as given.
    public var value: String
    /// The correlation: the value's normalised forms and the visible objects that carry it (or a
    /// range that contains it, or an address within it), with their sightings.
    public var correlation: CorrelationResult
    /// When the first and the last of those objects' versions were added (nil: no hits).
    public var firstSeen: Int64?
    public var lastSeen: Int64?
    /// The visible containers (reports, groupings …) that reference a hit.
    public var referencedBy: [TraceReference]
    /// What each enrichment source says of the address (or of the range's first address).
    public var network: [EnrichmentFact]
    /// What each source says of the AS: the one traced, or the one that announces the address.
    public var autonomousSystems: [EnrichmentFact]
    /// The organisations responsible, the most specific match first, each named only when the
    /// principal may read that organisation's records (``OrganisationRecordPolicy``).
    public var constituents: [TraceConstituent]
    /// The cluster of shared infrastructure around the value (a few hops).
    public var cluster: CorrelationCluster
}

/// Attack-source tracing (issue 15 item 5): the correlation of a value through the sharing policy,
/// the containers that reference what carries it, the owning network, AS and country from the
/// offline enrichment, the responsible constituent with its contact, and the cluster around it.
/// Audited as `objects.trace` with the value hashed: always for the operator's unscoped trace, and
/// for a principal's when it names objects at TLP:AMBER or above (SECURITY.md, "Correlation").
public struct TraceService: Sendable {
    let correlation: CorrelationService
    var store: any Store { correlation.store }
    var collections: CollectionService { correlation.collections }

    /// The hops and objects of the cluster a trace includes.
    public static let clusterDepth = 2
    public static let clusterObjects = 50
    /// The most containers a trace lists.
    public static let maximumReferences = 500

    public init(correlation: CorrelationService) {
        self.correlation = correlation
    }

    /// The trace of `value` as `principal` may see it.
    public func trace(_ value: String, for principal: Principal, limit: Int = 100) async throws -> TraceResult {
        let readable = try CollectionService.selected(try await collections.readable(by: principal), by: SearchRequest())
        let directory = try await store.sharingDirectory()
        let result = try await trace(value, in: readable, limit: limit) { organisationID in
            OrganisationRecordPolicy.access(of: principal, to: organisationID, in: directory).mayRead
        }
        try await audit(result, actor: principal.user.username, always: false)
        return result
    }

    /// The trace as the node's operator runs it (`cybex trace`): without `organisationName`, every
    /// collection and every constituent; with one, what a reader of that organisation may see and
    /// the constituents it may read (`notFound` when there is no such organisation). Audited.
    public func trace(_ value: String, as organisationName: String?, actor: String, limit: Int = 100) async throws
        -> TraceResult
    {
        let readable = try CollectionService.selected(
            try await collections.readable(as: organisationName, actor: actor), by: SearchRequest())
        var mayName: @Sendable (String) -> Bool = { _ in true }
        if let organisationName, let organisation = try await store.organisation(named: organisationName) {
            let reader = Principal(
                user: User(
                    id: "", username: actor, organisationID: organisation.id, role: .reader, passwordHash: "", createdAt: 0),
                organisation: organisation)
            let directory = try await store.sharingDirectory()
            mayName = { OrganisationRecordPolicy.access(of: reader, to: $0, in: directory).mayRead }
        }
        let result = try await trace(value, in: readable, limit: limit, mayName: mayName)
        try await audit(result, actor: actor, always: organisationName == nil)
        return result
    }

    func trace(
        _ text: String, in readable: [String: ReadScope?], limit: Int, mayName: @escaping @Sendable (String) -> Bool
    ) async throws -> TraceResult {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, value.utf8.count <= 2_048 else {
            throw EngineError(.invalidArgument, "a trace takes one value of 1 to 2048 bytes")
        }
        let found = try await correlation.correlate(.value(value), in: readable, limit: limit)
        let subjects = Self.subjects(of: value, observables: found.observables)

        var network: [EnrichmentFact] = []
        var asns = subjects.asns
        if let address = subjects.networks.first?.address {
            network = try await store.enrichment(ofAddress: address)
            for fact in network { if let asn = fact.asn, asn != 0 { asns.insert(asn) } }
        }
        var autonomousSystems: [EnrichmentFact] = []
        for asn in asns.sorted() { autonomousSystems += try await store.enrichment(ofASN: asn) }

        var wanted: [ConstituencyEntry] = []
        for subject in subjects.networks { wanted += ConstituencyIndex.networks(enclosing: subject) }
        for domain in subjects.domains { wanted += ConstituencyIndex.domains(of: domain) }
        for asn in asns { wanted.append(ConstituencyEntry(kind: .asn, value: String(asn))) }
        let constituents = try await constituents(try await store.constituents(holding: wanted), mayName: mayName)

        let referencedBy = try await references(to: found.hits.map(\.id), in: readable)
        let cluster = try await correlation.cluster(
            .value(value), in: readable, depth: Self.clusterDepth, objects: Self.clusterObjects)
        return TraceResult(
            value: value, correlation: found, firstSeen: found.hits.map(\.firstSeen).min(),
            lastSeen: found.hits.map(\.lastSeen).max(), referencedBy: referencedBy, network: network,
            autonomousSystems: autonomousSystems, constituents: constituents, cluster: cluster)
    }

    /// What a value is traced as: the networks (an address is a full-length one), domains (a URL's
    /// or e-mail address's host) and AS numbers it names.
    static func subjects(of value: String, observables: [Observable]) -> (
        networks: [IPNetwork], domains: [String], asns: Set<UInt32>
    ) {
        var networks: [IPNetwork] = []
        var domains: [String] = []
        var asns: Set<UInt32> = []
        func host(_ host: String) {
            if let network = IPNetwork(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) {
                networks.append(network)
            } else if let domain = ObservableNormaliser.domain(host) {
                domains.append(domain)
            }
        }
        for observable in observables {
            switch observable.kind {
            case .ipv4, .ipv6:
                if let network = IPNetwork(observable.value) { networks.append(network) }
            case .domain:
                domains.append(observable.value)
            case .url:
                if let parsed = URLComponents(string: observable.value), let name = parsed.host { host(name) }
            case .email:
                if let at = observable.value.lastIndex(of: "@") {
                    host(String(observable.value[observable.value.index(after: at)...]))
                }
            case .autonomousSystem:
                if let number = UInt32(observable.value) { asns.insert(number) }
            default:
                break
            }
        }
        // A bare number is traced as the AS it names.
        if value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = UInt32(value) { asns.insert(number) }
        return (networks, Array(Set(domains)).sorted(), asns)
    }

    /// The matches the principal may name, with their organisations' names and contacts, the most
    /// specific first: the longest network, then the longest domain, then AS numbers.
    func constituents(_ matches: [ConstituencyMatch], mayName: (String) -> Bool) async throws -> [TraceConstituent] {
        var byOrganisation: [String: [ConstituencyEntry]] = [:]
        for match in matches where mayName(match.organisationID) {
            byOrganisation[match.organisationID, default: []].append(match.entry)
        }
        var result: [TraceConstituent] = []
        for (id, entries) in byOrganisation {
            guard let organisation = try await store.organisation(id: id) else { continue }
            let profile = try await store.organisationProfile(id: organisation.id) ?? .empty
            result.append(
                TraceConstituent(
                    organisationID: organisation.id, name: organisation.name,
                    matched: entries.sorted { Self.specificity($0) > Self.specificity($1) },
                    contact: profile.contact(.abuse) ?? profile.contact(.security) ?? profile.contact(.general),
                    country: profile.country))
        }
        return result.sorted { a, b in
            let (x, y) = (a.matched.first.map(Self.specificity), b.matched.first.map(Self.specificity))
            return x.map { x in y.map { x != $0 ? x > $0 : a.name < b.name } ?? true } ?? false
        }
    }

    static func specificity(_ entry: ConstituencyEntry) -> (Int, Int, String) {
        switch entry.kind {
        case .network: (3, IPNetwork(entry.value)?.prefixLength ?? 0, entry.value)
        case .domain: (2, entry.value.split(separator: ".").count, entry.value)
        case .asn: (1, 0, entry.value)
        }
    }

    /// The visible objects whose `object_refs` name one of `ids` (the edges are read unscoped, then
    /// the objects through the scoped search, so one the principal may not see is never named).
    func references(to ids: [String], in readable: [String: ReadScope?]) async throws -> [TraceReference] {
        guard !ids.isEmpty else { return [] }
        var sources: [String: Set<String>] = [:]
        for start in stride(from: 0, to: ids.count, by: SearchRequest.maximumListValues) {
            var request = SearchRequest(
                ids: Array(ids[start..<min(start + SearchRequest.maximumListValues, ids.count)]), versions: .last, limit: 1_000)
            request.edgeSourcesOfType = ReferenceEdges.objectRef
            while true {
                let page = try await collections.search(request, in: readable)
                for (target, from) in page.edgeSources {
                    for source in from { sources[source, default: []].insert(target) }
                }
                guard page.more, let resume = page.resumeAfter else { break }
                request.addedAfter = resume
            }
        }
        let sourceIDs = Array(sources.keys).sorted().prefix(Self.maximumReferences)
        var byID: [String: TraceReference] = [:]
        for start in stride(from: 0, to: sourceIDs.count, by: SearchRequest.maximumListValues) {
            let chunk = Array(sourceIDs[start..<min(start + SearchRequest.maximumListValues, sourceIDs.count)])
            var request = SearchRequest(ids: chunk, versions: .last, limit: 1_000)
            while true {
                let page = try await collections.search(request, in: readable)
                for hit in page.hits {
                    // Only the versions the principal sees that still reference a hit count.
                    let named = Self.references(in: hit.record.json).intersection(sources[hit.record.id] ?? [])
                    guard !named.isEmpty else { continue }
                    var reference =
                        byID[hit.record.id]
                        ?? TraceReference(
                            id: hit.record.id, type: STIXIdentifier(hit.record.id)?.type ?? "", references: [], collections: [],
                            lastSeen: hit.record.dateAdded, level: hit.record.level)
                    reference.references = Array(Set(reference.references).union(named)).sorted()
                    if !reference.collections.contains(hit.collectionID) { reference.collections.append(hit.collectionID) }
                    reference.collections.sort()
                    reference.lastSeen = max(reference.lastSeen, hit.record.dateAdded)
                    reference.level = CorrelationService.higher(reference.level, hit.record.level)
                    byID[hit.record.id] = reference
                }
                guard page.more, let resume = page.resumeAfter else { break }
                request.addedAfter = resume
            }
        }
        return byID.values.sorted { ($0.lastSeen, $1.id) > ($1.lastSeen, $0.id) }
    }

    static func references(in json: [UInt8]) -> Set<String> {
        guard let object = try? JSONReader.parse(json), case .array(let refs)? = object["object_refs"] else { return [] }
        return Set(refs.compactMap(\.stringValue))
    }

    /// Records the trace (the value hashed): always when `always`, else when it names objects at
    /// TLP:AMBER or above.
    func audit(_ result: TraceResult, actor: String, always: Bool) async throws {
        let levels = result.correlation.hits.map(\.level) + result.referencedBy.map(\.level)
        let sensitive = levels.filter { ($0 ?? .clear) >= .amber }.count
        guard always || sensitive > 0 else { return }
        let named = result.correlation.hits.filter { ($0.level ?? .clear) >= .amber }.prefix(CollectionService.auditedIDs)
            .map { "\($0.id) \(($0.level ?? .amber).label)" }
        let detail =
            "\(result.correlation.hits.count) objects, \(result.referencedBy.count) containers, "
            + "\(result.constituents.count) constituents\(always ? " (every collection)" : ""); "
            + "\(sensitive) at TLP:AMBER or above" + (named.isEmpty ? "" : ": " + named.joined(separator: ", "))
        try await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.trace",
                target: "sha256:" + Secrets.sha256Hex(result.value.lowercased()), detail: detail))
    }
}
