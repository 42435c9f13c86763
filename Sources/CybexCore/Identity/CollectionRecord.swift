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

    public init(
        id: String, title: String, description: String? = nil, alias: String? = nil, readers: [String] = [],
        writers: [String] = [], createdAt: Int64
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.alias = alias
        self.readers = readers
        self.writers = writers
        self.createdAt = createdAt
    }
}
