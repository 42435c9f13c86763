public import CybexCore
import CybexFormats
import CybexStore

/// A search across collections, as a principal asks it: STIX ids, types, observable values as
/// people write them, a time and a page position.
public struct SearchRequest: Sendable, Hashable {
    /// Object ids; nil for any.
    public var ids: [String]?
    /// Object types; nil for any.
    public var types: [String]?
    /// Observable values (an address, a domain, a hash …), each matched as the store normalises
    /// that kind of observable; a version matches when it carries one of them. Nil for any.
    public var values: [String]?
    /// Observables as the store keeps them (already normalised: ``ObservableNormaliser``), matched
    /// exactly, beside `values`; nil for none. Engine use cases (correlation) ask with these.
    public var observables: [Observable]?
    /// With an edge type, each page also carries the stored objects with such an edge to its hits
    /// (``SearchPage/edgeSources``, unscoped: for Engine use cases that read them back scoped).
    public var edgeSourcesOfType: String?
    /// Conditions on vulnerabilities (CVE id, vendor, product, CWE, score, publication): only
    /// vulnerability versions that meet them all. Nil for none.
    public var vulnerability: VulnerabilityFilter?
    /// Only these collections (ids); nil for every collection the principal may read.
    public var collections: [String]?
    /// Which versions of each object (the newest, by default).
    public var versions: VersionSelector
    /// Only versions added strictly after this time (microseconds): `since`, or a page's `next`.
    public var addedAfter: Int64?
    /// Only versions added strictly before this time (microseconds); nil for any.
    public var addedBefore: Int64?
    public var limit: Int

    /// The most values one search takes in each list.
    public static let maximumListValues = 100

    public init(
        ids: [String]? = nil, types: [String]? = nil, values: [String]? = nil, collections: [String]? = nil,
        versions: VersionSelector = .last, addedAfter: Int64? = nil, limit: Int = 100
    ) {
        self.ids = ids
        self.types = types
        self.values = values
        self.collections = collections
        self.versions = versions
        self.addedAfter = addedAfter
        self.limit = limit
    }
}

extension CollectionService {
    /// One page of the object versions `principal` may see in any collection it may read (each
    /// under that collection's read scope: the same policy as a read of one collection, ORed in
    /// one store query), oldest added first, with granular markings it may not see removed. A
    /// listed collection it may not read is `notFound`, as if it did not exist. Reads of content at
    /// TLP:AMBER or above are audited (`objects.search`).
    public func search(_ request: SearchRequest, for principal: Principal) async throws -> SearchPage {
        let searched = try Self.selected(try await readable(by: principal), by: request)
        let page = try await search(request, in: searched)
        try await auditSearch(page, actor: principal.user.username, request: request)
        return page
    }

    /// The search as the node's operator runs it (`cybex search`): without `organisationName`,
    /// every version of every collection; with one, exactly what a reader of that organisation may
    /// see (`notFound` when there is no such organisation). Audited as `actor`.
    public func search(_ request: SearchRequest, as organisationName: String?, actor: String) async throws -> SearchPage {
        let searched = try Self.selected(try await readable(as: organisationName, actor: actor), by: request)
        let page = try await search(request, in: searched)
        try await auditSearch(page, actor: actor, request: request)
        return page
    }

    /// Every collection `principal` may read, with its read scope.
    func readable(by principal: Principal) async throws -> [(String, ReadScope?)] {
        let (collections, directory) = try await store.collectionsWithDirectory()
        return collections.compactMap { view(of: $0, for: principal, directory: directory) }
            .filter(\.canRead).map { ($0.collection.id, $0.scope) }
    }

    /// What the node's operator reads: without `organisationName`, every collection, every level
    /// (the scope still labels each version with its level, for the audit); with one, what a reader
    /// of that organisation may read (`notFound` when there is no such organisation).
    func readable(as organisationName: String?, actor: String) async throws -> [(String, ReadScope?)] {
        if let organisationName {
            guard let organisation = try await store.organisation(named: organisationName) else {
                throw EngineError(.notFound, "no organisation named '\(organisationName)'")
            }
            let reader = Principal(
                user: User(
                    id: "", username: actor, organisationID: organisation.id, role: .reader, passwordHash: "", createdAt: 0),
                organisation: organisation)
            return try await readable(by: reader)
        }
        let directory = try await store.sharingDirectory()
        return try await store.collections().map { collection in
            (
                collection.id,
                ReadScope?.some(
                    ReadScope(
                        viewer: nil, levels: Set(TLPLevel.allCases), recipientLevels: [],
                        collectionDefault: collection.defaultTLP, ownerDefaults: directory.defaultLevels))
            )
        }
    }

    /// The collections of `readable` the request names (all of them when it names none); a named
    /// one not among them is `notFound`.
    static func selected(_ readable: [(String, ReadScope?)], by request: SearchRequest) throws -> [String: ReadScope?] {
        var scopes: [String: ReadScope?] = [:]
        for (id, scope) in readable { scopes[id] = .some(scope) }
        guard let named = request.collections else { return scopes }
        var selected: [String: ReadScope?] = [:]
        for id in named {
            guard let scope = scopes[id] else { throw EngineError(.notFound, "no collection with id '\(id)'") }
            selected[id] = scope
        }
        return selected
    }

    func search(_ request: SearchRequest, in searched: [String: ReadScope?]) async throws -> SearchPage {
        var search = ObjectSearch(
            collections: searched.keys.sorted().map { ObjectSearch.Collection(id: $0, scope: searched[$0] ?? nil) },
            ids: request.ids, types: request.types,
            observables: Self.observables(of: request),
            versions: request.versions, addedAfter: request.addedAfter, limit: request.limit)
        search.addedBefore = request.addedBefore
        search.edgeSourcesOfType = request.edgeSourcesOfType
        search.vulnerability = request.vulnerability
        var page = try await store.search(search)
        // Granular markings, per hit, under its own collection's scope.
        var withheld: [Int] = []
        for index in page.hits.indices {
            guard let scope = searched[page.hits[index].collectionID] ?? nil else { continue }
            let one = Self.redactGranularMarkings(ObjectPage(records: [page.hits[index].record], more: false), scope: scope)
            if let record = one.records.first { page.hits[index].record = record } else { withheld.append(index) }
        }
        for index in withheld.reversed() { page.hits.remove(at: index) }
        return page
    }

    /// What the request's values and observables are matched as, in one order; nil for any.
    static func observables(of request: SearchRequest) -> [Observable]? {
        guard request.values != nil || request.observables != nil else { return nil }
        let all = (request.values ?? []).flatMap { ObservableExtractor.candidates(for: $0) } + (request.observables ?? [])
        return Array(Set(all)).sorted { ($0.kind.rawValue, $0.value) < ($1.kind.rawValue, $1.value) }
    }

    /// Records a search that returned content at TLP:AMBER or above, as a read of one collection is.
    func auditSearch(_ page: SearchPage, actor: String, request: SearchRequest) async throws {
        var count = 0
        var named: [String] = []
        for index in page.hits.indices {
            guard let level = page.hits[index].record.level, level >= .amber else { continue }
            count += 1
            if named.count < Self.auditedIDs {
                named.append("\(page.hits[index].record.id) \(level.label) in \(page.hits[index].collectionID)")
            }
        }
        guard count > 0 else { return }
        let more = count > named.count ? ", …" : ""
        let target = request.collections?.joined(separator: ",") ?? "*"
        let event = AuditEvent(
            time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.search", target: target,
            detail: "\(count) objects at TLP:AMBER or above: \(named.joined(separator: ", "))\(more)")
        if let readAudit { readAudit.record(event) } else { try await store.appendAudit(event) }
    }
}
