/// An organisation: a CIRT, a constituent or a peer. Users, collection rights and object
/// ownership are tied to organisations.
public struct Organisation: Sendable, Hashable, Codable {
    /// A UUID, lower-case.
    public var id: String
    public var name: String
    /// Microseconds since the epoch.
    public var createdAt: Int64
    /// The organisation this one is a constituent of (SECURITY.md, "The sharing model"); nil for a
    /// top-level organisation.
    public var parentID: String?
    /// The TLP level of objects this organisation submits that neither carry a TLP marking nor
    /// sit in a collection with a default; nil for the system default.
    public var defaultTLP: TLPLevel?

    public init(id: String, name: String, createdAt: Int64, parentID: String? = nil, defaultTLP: TLPLevel? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.parentID = parentID
        self.defaultTLP = defaultTLP
    }
}

/// A sharing group: a named set of organisations, a trust circle such as a regional CIRT
/// community. Members of a common group are in each other's community.
public struct SharingGroup: Sendable, Hashable, Codable {
    /// A UUID, lower-case.
    public var id: String
    /// Unique among sharing groups.
    public var name: String
    /// The member organisations' ids, sorted.
    public var members: [String]
    /// Microseconds since the epoch.
    public var createdAt: Int64

    public init(id: String, name: String, members: [String] = [], createdAt: Int64) {
        self.id = id
        self.name = name
        self.members = members
        self.createdAt = createdAt
    }
}
