/// The organisation graph the sharing policy reasons over: which organisations are constituents
/// of which, and which sharing groups (trust circles) exist.
public struct SharingDirectory: Sendable, Hashable {
    /// The parent of each organisation that is a constituent of another.
    public var parents: [String: String]
    /// Each sharing group's member organisations, by group id.
    public var groups: [String: Set<String>]
    /// The default TLP level of each organisation that has one (``Organisation/defaultTLP``).
    public var defaultLevels: [String: TLPLevel]

    public init(parents: [String: String] = [:], groups: [String: Set<String>] = [:], defaultLevels: [String: TLPLevel] = [:]) {
        self.parents = parents
        self.groups = groups
        self.defaultLevels = defaultLevels
    }

    /// Whether `organisation` is a constituent of `ancestor` at any depth (not itself). Safe on a
    /// malformed graph with a cycle.
    public func isConstituent(_ organisation: String, of ancestor: String) -> Bool {
        var current = parents[organisation]
        var steps = 0
        while let parent = current, steps <= parents.count {
            if parent == ancestor { return true }
            current = parents[parent]
            steps += 1
        }
        return false
    }

    /// Whether `organisation` and `other` are members of a common sharing group.
    public func shareAGroup(_ organisation: String, _ other: String) -> Bool {
        groups.values.contains { $0.contains(organisation) && $0.contains(other) }
    }

    /// Whether `organisation` is in the community of `member`: `member` itself, one of its
    /// constituents, or a fellow member of one of its sharing groups.
    public func isInCommunity(_ organisation: String, of member: String) -> Bool {
        organisation == member || isConstituent(organisation, of: member) || shareAGroup(organisation, member)
    }
}

/// Who a collection is meant for.
public struct CollectionAudience: Sendable, Hashable {
    /// The organisations with read access.
    public var readers: Set<String>
    /// When set, the audience is narrowed to the readers that are members of this sharing group.
    public var sharingGroup: String?
    /// Whether TLP:CLEAR objects are served to anyone, without credentials.
    public var isPublic: Bool

    public init(readers: Set<String>, sharingGroup: String? = nil, isPublic: Bool = false) {
        self.readers = readers
        self.sharingGroup = sharingGroup
        self.isPublic = isPublic
    }

    /// The audience organisations: the readers, narrowed to the sharing group's members when set.
    public func organisations(in directory: SharingDirectory) -> Set<String> {
        guard let group = sharingGroup else { return readers }
        return readers.intersection(directory.groups[group] ?? [])
    }
}

/// What the policy needs to know of one stored object version.
public struct SharingLabel: Sendable, Hashable {
    public var tlp: TLPLevel
    /// The organisation that first submitted the object.
    public var owner: String
    /// The organisations a TLP:RED object is addressed to.
    public var recipients: Set<String>

    public init(tlp: TLPLevel, owner: String, recipients: Set<String> = []) {
        self.tlp = tlp
        self.owner = owner
        self.recipients = recipients
    }
}

/// Who is reading.
public enum Viewer: Sendable, Hashable {
    /// A user of this organisation (any role: the admin role does not lift TLP).
    case organisation(String)
    /// A request without credentials (public collections only).
    case anonymous
}
