/// An organisation: a CIRT, a constituent or a peer. Users, collection rights and object
/// ownership are tied to organisations.
public struct Organisation: Sendable, Hashable, Codable {
    /// A UUID, lower-case.
    public var id: String
    public var name: String
    /// Microseconds since the epoch.
    public var createdAt: Int64

    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
