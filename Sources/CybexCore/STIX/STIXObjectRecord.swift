/// A validated STIX object ready to be stored: its exact JSON bytes plus the properties the store
/// indexes. Produced by the bundle decoder, consumed by the store.
public struct STIXObjectRecord: Sendable, Hashable {
    public var id: String
    public var type: String
    public var specVersion: String
    /// `created` in microseconds, when the object has one.
    public var created: Int64?
    /// `modified` in microseconds, when the object has one.
    public var modified: Int64?
    /// The text of `modified` (else `created`) as received, for version reporting.
    public var versionText: String?
    public var revoked: Bool
    public var createdByRef: String?
    /// The strictest TLP level among the object's own marking references.
    public var tlp: TLPLevel?
    /// `valid_until` of an indicator, in microseconds.
    public var validUntil: Int64?
    public var objectMarkingRefs: [String]
    /// The organisations a TLP:RED object is addressed to (ids), from the distribution markings it
    /// references; set at ingest.
    public var recipients: [String] = []
    /// The marking definitions its granular markings reference.
    public var granularMarkingRefs: [String] = []
    /// Whether this is a distribution marking definition (its ``recipients`` are the ones it names).
    public var isDistributionMarking = false
    /// The object as compact JSON, tokens exactly as received.
    public var json: [UInt8]
    /// Observable values this object carries (for correlation).
    public var observables: [Observable]
    /// Graph edges this object states (relationships, sightings).
    public var edges: [RelationshipEdge]
    /// What the vulnerability index keeps of a `vulnerability` (nil for other types).
    public var vulnerability: VulnerabilityFacts?

    public init(
        id: String, type: String, specVersion: String, created: Int64?, modified: Int64?, versionText: String?,
        revoked: Bool, createdByRef: String?, tlp: TLPLevel?, validUntil: Int64?, objectMarkingRefs: [String],
        json: [UInt8], observables: [Observable] = [], edges: [RelationshipEdge] = []
    ) {
        self.id = id
        self.type = type
        self.specVersion = specVersion
        self.created = created
        self.modified = modified
        self.versionText = versionText
        self.revoked = revoked
        self.createdByRef = createdByRef
        self.tlp = tlp
        self.validUntil = validUntil
        self.objectMarkingRefs = objectMarkingRefs
        self.json = json
        self.observables = observables
        self.edges = edges
    }

    /// The version key: `modified`, else `created`; nil for objects that are not versioned (SCOs),
    /// whose TAXII version is the date they were added.
    public var versionKey: Int64? { modified ?? created }
}

/// One observable value, normalised so that equal observables compare equal.
public struct Observable: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case ipv4 = "ipv4-addr"
        case ipv6 = "ipv6-addr"
        case domain = "domain-name"
        case url
        case email = "email-addr"
        case mac = "mac-addr"
        case autonomousSystem = "autonomous-system"
        case md5 = "hash:md5"
        case sha1 = "hash:sha-1"
        case sha256 = "hash:sha-256"
        case sha512 = "hash:sha-512"
        case fileName = "file-name"
        case userAccount = "user-account"
        case mutex
        case windowsRegistryKey = "windows-registry-key"
        case x509Serial = "x509-serial"
    }

    public var kind: Kind
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// A directed edge between two STIX objects.
public struct RelationshipEdge: Sendable, Hashable {
    public var sourceRef: String
    public var targetRef: String
    /// `relationship_type` of a relationship, `sighting-of` / `observed` / `where-sighted` for sightings.
    public var type: String

    public init(sourceRef: String, targetRef: String, type: String) {
        self.sourceRef = sourceRef
        self.targetRef = targetRef
        self.type = type
    }
}

/// One stored version of an object as it is read back from a collection.
public struct StoredObjectVersion: Sendable, Hashable {
    public var id: String
    /// When this version entered the collection, microseconds since the epoch; unique and increasing.
    public var dateAdded: Int64
    /// The TAXII version: `modified`, else `created`, else `dateAdded`, in microseconds.
    public var version: Int64
    public var specVersion: String
    /// The object as stored (compact JSON).
    public var json: [UInt8]
    /// For a read through a read scope: the level the sharing policy gives this version (its
    /// marking, else the collection's default, else its owner's, else AMBER) …
    public var level: TLPLevel?
    /// … whether the viewer's organisation submitted it …
    public var viewerOwns = false
    /// … and whether it carries granular markings (only those versions can need redaction).
    public var granularMarked = false

    public init(
        id: String, dateAdded: Int64, version: Int64, specVersion: String, json: [UInt8], level: TLPLevel? = nil,
        viewerOwns: Bool = false, granularMarked: Bool = false
    ) {
        self.id = id
        self.dateAdded = dateAdded
        self.version = version
        self.specVersion = specVersion
        self.json = json
        self.level = level
        self.viewerOwns = viewerOwns
        self.granularMarked = granularMarked
    }
}
