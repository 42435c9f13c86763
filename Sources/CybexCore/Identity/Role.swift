/// What a user may do, independent of which collections their organisation can reach.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Manages organisations, users, tokens and collections; reads and writes every collection.
    case admin
    /// Reads and writes the collections their organisation may read or write.
    case analyst
    /// Writes to the collections their organisation may write, and reads where it may read.
    case contributor
    /// Reads only.
    case reader
    /// A machine peer that synchronises collections; reads and writes like a contributor.
    case sync

    /// Whether the role may add or delete objects at all (collection rights still apply).
    public var mayWrite: Bool { self != .reader }
}
