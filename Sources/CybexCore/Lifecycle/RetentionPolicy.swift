/// How long objects are kept (SECURITY.md, "Data lifecycle"). A policy selects object versions by
/// type and TLP level and removes them from every collection once they are older than
/// ``purgeAfterDays`` (by date added), or, for objects with a `valid_until` (indicators), once that
/// time plus ``expireGraceDays`` has passed.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// A UUID, lower-case.
    public var id: String
    /// Unique among retention policies.
    public var name: String
    /// The object types it applies to; empty for every type.
    public var types: [String]
    /// The TLP levels it applies to (the level the sharing policy gives each version); empty for every level.
    public var levels: [TLPLevel]
    /// Remove versions added to a collection more than this many days ago.
    public var purgeAfterDays: Int?
    /// Remove versions whose `valid_until` is more than this many days past.
    public var expireGraceDays: Int?
    public var createdAt: Int64

    public init(
        id: String, name: String, types: [String] = [], levels: [TLPLevel] = [], purgeAfterDays: Int? = nil,
        expireGraceDays: Int? = nil, createdAt: Int64
    ) {
        self.id = id
        self.name = name
        self.types = types
        self.levels = levels
        self.purgeAfterDays = purgeAfterDays
        self.expireGraceDays = expireGraceDays
        self.createdAt = createdAt
    }
}

/// One object version removed (or, in a dry run, that would be removed) by retention or erasure.
public struct RemovedVersion: Sendable, Hashable {
    public var id: String
    /// The version key in microseconds (`Int64.min` for an unversioned object).
    public var version: Int64
    /// The collection it was removed from.
    public var collectionID: String

    public init(id: String, version: Int64, collectionID: String) {
        self.id = id
        self.version = version
        self.collectionID = collectionID
    }
}
