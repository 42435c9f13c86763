// The queries every exchange path (TAXII, REST, the CLI) and both stores speak: which object
// versions of a collection a read, a removal or a post selects.

/// Which versions of each object a query selects (TAXII `match[version]`). Several may be combined.
public struct VersionSelector: Sendable, Hashable {
    public var first: Bool
    public var last: Bool
    public var all: Bool
    /// Exact versions, microseconds.
    public var versions: [Int64]

    public init(first: Bool = false, last: Bool = false, all: Bool = false, versions: [Int64] = []) {
        self.first = first
        self.last = last
        self.all = all
        self.versions = versions
    }

    /// The TAXII default: the newest version of each object.
    public static let last = VersionSelector(last: true)
    public static let all = VersionSelector(all: true)
    public static let first = VersionSelector(first: true)
}

/// A read of a collection: TAXII's filters plus the page position.
public struct ObjectQuery: Sendable, Hashable {
    /// `match[id]`; nil for any.
    public var ids: [String]?
    /// `match[type]`; nil for any.
    public var types: [String]?
    public var versions: VersionSelector
    /// `match[spec_version]`; nil for any.
    public var specVersions: [String]?
    /// Only versions added strictly after this time (microseconds).
    public var addedAfter: Int64?
    /// Most records to return.
    public var limit: Int
    /// Whether to read the objects' JSON (false for manifests and version lists).
    public var withContent: Bool
    /// What the reader may see (the sharing policy); nil reads everything (the node's own
    /// maintenance: backups, migrations).
    public var scope: ReadScope?

    public init(
        ids: [String]? = nil, types: [String]? = nil, versions: VersionSelector = .last, specVersions: [String]? = nil,
        addedAfter: Int64? = nil, limit: Int = 1000, withContent: Bool = true, scope: ReadScope? = nil
    ) {
        self.withContent = withContent
        self.scope = scope
        self.ids = ids
        self.types = types
        self.versions = versions
        self.specVersions = specVersions
        self.addedAfter = addedAfter
        self.limit = limit
    }
}

/// One page of a collection read.
public struct ObjectPage: Sendable, Hashable {
    public var records: [StoredObjectVersion]
    /// Whether more records match after the last one returned.
    public var more: Bool
    /// Where the next page starts: the date added of the last record the store read. It stays put
    /// when a record is withheld from the page afterwards (redaction), so paging never loops or skips.
    public var resumeAfter: Int64?

    public init(records: [StoredObjectVersion], more: Bool) {
        self.records = records
        self.more = more
        self.resumeAfter = records.last?.dateAdded
    }
}

/// Which versions of a collection a removal (retention) selects: all conditions hold.
public struct RemovalSelection: Sendable, Hashable {
    /// Object types; nil for any.
    public var types: [String]?
    /// Only versions at these TLP levels: a scope whose ``ReadScope/levels`` are the levels, with the
    /// collection's and owners' defaults (no viewer); nil for any level.
    public var levels: ReadScope?
    /// Only versions added before this time (microseconds).
    public var addedBefore: Int64?
    /// Only versions whose `valid_until` is before this time (microseconds).
    public var validUntilBefore: Int64?

    public init(types: [String]? = nil, levels: ReadScope? = nil, addedBefore: Int64? = nil, validUntilBefore: Int64? = nil) {
        self.types = types
        self.levels = levels
        self.addedBefore = addedBefore
        self.validUntilBefore = validUntilBefore
    }
}

/// Which stored marking definitions a poster may reference: its own organisation's, wherever they
/// are, and those it may see in the collection it posts to. A definition it may not see is answered
/// as one never posted.
public struct MarkingVisibility: Sendable, Hashable {
    /// The posting organisation.
    public var owner: String
    /// The collection posted to.
    public var collectionID: String
    /// What the poster may see of that collection.
    public var scope: ReadScope

    public init(owner: String, collectionID: String, scope: ReadScope) {
        self.owner = owner
        self.collectionID = collectionID
        self.scope = scope
    }
}

/// A read across collections: the object versions a viewer may see in any collection it reads,
/// each collection under its own read scope, filtered and paged by date added (which is unique
/// across the store, so a page position is one number).
public struct ObjectSearch: Sendable, Hashable {
    /// One collection searched, with what the viewer may see of it (nil: everything).
    public struct Collection: Sendable, Hashable {
        public var id: String
        public var scope: ReadScope?

        public init(id: String, scope: ReadScope?) {
            self.id = id
            self.scope = scope
        }
    }

    /// The collections searched; an empty list finds nothing.
    public var collections: [Collection]
    /// Object ids; nil for any.
    public var ids: [String]?
    /// Object types; nil for any.
    public var types: [String]?
    /// Observables (kind and value, as the store keeps them) one of which a version must carry;
    /// nil for any.
    public var observables: [Observable]?
    /// Which versions of each organisation's lineage of an object, per collection.
    public var versions: VersionSelector
    /// Only versions added strictly after this time (microseconds): `since`, or the `next` of a page.
    public var addedAfter: Int64?
    /// Only versions added strictly before this time (microseconds); nil for any. Which versions
    /// are the first or last of an object does not depend on it (as with ``addedAfter``).
    public var addedBefore: Int64?
    /// Most records to return.
    public var limit: Int
    /// Whether to read the objects' JSON.
    public var withContent: Bool
    /// With an edge type (`sighting-of` …), the page also carries the ids of the stored objects
    /// with such an edge to each hit (``SearchPage/edgeSources``), read in the same snapshot.
    public var edgeSourcesOfType: String?
    /// Conditions on vulnerabilities (CVE id, product, CWE, score, publication), matched against the
    /// vulnerability index; nil for none.
    public var vulnerability: VulnerabilityFilter?

    public init(
        collections: [Collection], ids: [String]? = nil, types: [String]? = nil, observables: [Observable]? = nil,
        versions: VersionSelector = .last, addedAfter: Int64? = nil, limit: Int = 100, withContent: Bool = true
    ) {
        self.collections = collections
        self.ids = ids
        self.types = types
        self.observables = observables
        self.versions = versions
        self.addedAfter = addedAfter
        self.limit = limit
        self.withContent = withContent
    }

    /// The read of one of the collections with this search's filters, or nil when a filter is an
    /// empty list (it selects nothing).
    public func query(for collection: Collection) -> ObjectQuery? {
        if ids?.isEmpty == true || types?.isEmpty == true || observables?.isEmpty == true
            || vulnerability?.cves?.isEmpty == true
        {
            return nil
        }
        return ObjectQuery(
            ids: ids, types: types, versions: versions, addedAfter: addedAfter, limit: limit, withContent: withContent,
            scope: collection.scope)
    }
}

/// One object version a search found, and the collection it was found in.
public struct SearchHit: Sendable, Hashable {
    public var collectionID: String
    public var record: StoredObjectVersion

    public init(collectionID: String, record: StoredObjectVersion) {
        self.collectionID = collectionID
        self.record = record
    }
}

/// One page of a search, ascending by date added.
public struct SearchPage: Sendable, Hashable {
    public var hits: [SearchHit]
    /// Whether more versions match after the last one returned.
    public var more: Bool
    /// Where the next page starts: the date added of the last version the store read (it stays put
    /// when a version is withheld from the page afterwards).
    public var resumeAfter: Int64?
    /// For a search with ``ObjectSearch/edgeSourcesOfType``: by hit id, the ids of the stored objects
    /// with such an edge to it. Unscoped: read them back through a scoped read before revealing
    /// anything of them.
    public var edgeSources: [String: Set<String>] = [:]

    public init(hits: [SearchHit], more: Bool) {
        self.hits = hits
        self.more = more
        self.resumeAfter = hits.last?.record.dateAdded
    }
}
