/// A collection of STIX objects, with the organisations that may read and write it.
public struct CollectionRecord: Sendable, Hashable, Codable {
    /// A UUID, lower-case; the TAXII collection id.
    public var id: String
    public var title: String
    public var description: String?
    /// An optional short name, unique among collections.
    public var alias: String?
    /// Organisation ids with read access.
    public var readers: [String]
    /// Organisation ids with write access.
    public var writers: [String]
    public var createdAt: Int64
    /// The TLP level of objects in this collection that carry no TLP marking; nil to fall back
    /// to the owner organisation's default (SECURITY.md, "The sharing model").
    public var defaultTLP: TLPLevel?
    /// When set, the audience is narrowed to the readers that are members of this sharing group.
    public var sharingGroupID: String?
    /// Whether TLP:CLEAR objects of this collection are served to anyone, without credentials too.
    public var isPublic: Bool

    public init(
        id: String, title: String, description: String? = nil, alias: String? = nil, readers: [String] = [],
        writers: [String] = [], createdAt: Int64, defaultTLP: TLPLevel? = nil, sharingGroupID: String? = nil,
        isPublic: Bool = false
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.alias = alias
        self.readers = readers
        self.writers = writers
        self.createdAt = createdAt
        self.defaultTLP = defaultTLP
        self.sharingGroupID = sharingGroupID
        self.isPublic = isPublic
    }

    /// Who the collection is meant for, as the sharing policy sees it.
    public var audience: CollectionAudience {
        CollectionAudience(readers: Set(readers), sharingGroup: sharingGroupID, isPublic: isPublic)
    }
}
