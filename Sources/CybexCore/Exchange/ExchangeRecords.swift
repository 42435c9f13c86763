// What the stores report and keep for every exchange path: the outcome of a posted object, a
// TAXII status resource, an audit event.

/// The version key stored for objects that are not versioned (SCOs): they are unique by id alone,
/// and their TAXII version is the date they were added.
public let unversionedKey = Int64.min

/// What became of one object given to a store's `addObjects`.
public enum AddOutcome: Sendable, Hashable {
    /// Stored as a new object, or as a new version (`newVersion`) of an object the store already had.
    case added(dateAdded: Int64, newVersion: Bool)
    /// This id and version were already in the collection; nothing changed.
    case duplicate
    /// Refused; nothing of this object was stored.
    case rejected(reason: String)
}

/// A TAXII status resource as stored, so that any server process can answer for it.
public struct StoredStatus: Sendable, Hashable {
    public var id: String
    /// The user who made the request; only they may read it.
    public var userID: String
    public var createdAt: Int64
    /// The status resource, JSON.
    public var json: [UInt8]

    public init(id: String, userID: String, createdAt: Int64, json: [UInt8]) {
        self.id = id
        self.userID = userID
        self.createdAt = createdAt
        self.json = json
    }
}

/// A security-relevant action, recorded in the append-only audit log.
public struct AuditEvent: Sendable, Hashable {
    public var time: Int64
    /// The user id, or a description of the actor (`cli`, `anonymous`).
    public var actor: String
    /// What was done, e.g. `user.create`, `objects.add`, `auth.failure`.
    public var action: String
    /// What it was done to, e.g. a collection id.
    public var target: String
    /// Further detail, free text.
    public var detail: String

    public init(time: Int64, actor: String, action: String, target: String, detail: String = "") {
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}
