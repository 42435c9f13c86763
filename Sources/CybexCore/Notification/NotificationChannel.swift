/// Where an organisation receives its digests of new objects that touch its constituency (issue 15
/// item 7): an e-mail address or a webhook, at a frequency and up to a TLP level it sets.
public struct NotificationChannel: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case email
        case webhook
    }

    public var id: String
    public var organisationID: String
    public var kind: Kind
    /// The e-mail address, or the webhook's `https://` (or `http://`) URL.
    public var target: String
    public var settings: NotificationSettings
    public var created: Int64

    public init(
        id: String, organisationID: String, kind: Kind, target: String, settings: NotificationSettings, created: Int64
    ) {
        self.id = id
        self.organisationID = organisationID
        self.kind = kind
        self.target = target
        self.settings = settings
        self.created = created
    }
}

/// How a channel's digests are made.
public struct NotificationSettings: Sendable, Hashable, Codable {
    /// The highest TLP level a digest of this channel carries (e-mail: TLP:AMBER by default).
    public var maxLevel: TLPLevel
    /// The shortest time between two digests, in seconds.
    public var frequencySeconds: Int
    /// The stored redaction policy applied to what the channel sends (nil: none).
    public var redaction: String?
    public var enabled: Bool

    public init(maxLevel: TLPLevel = .amber, frequencySeconds: Int = 3_600, redaction: String? = nil, enabled: Bool = true) {
        self.maxLevel = maxLevel
        self.frequencySeconds = frequencySeconds
        self.redaction = redaction
        self.enabled = enabled
    }
}

/// A channel's delivery record: what it has been sent up to, and its failures.
public struct NotificationState: Sendable, Hashable, Codable {
    /// Queued objects up to this time (microseconds) have been delivered or found empty.
    public var sentUpTo: Int64
    /// When the next digest may go out (microseconds).
    public var nextAttempt: Int64
    public var lastDelivered: Int64?
    public var lastError: String?
    /// Failed attempts since the last delivery: the retry waits double with each.
    public var failures: Int
    public var deliveries: Int

    public init(
        sentUpTo: Int64 = 0, nextAttempt: Int64 = 0, lastDelivered: Int64? = nil, lastError: String? = nil, failures: Int = 0,
        deliveries: Int = 0
    ) {
        self.sentUpTo = sentUpTo
        self.nextAttempt = nextAttempt
        self.lastDelivered = lastDelivered
        self.lastError = lastError
        self.failures = failures
        self.deliveries = deliveries
    }
}

/// An object queued for an organisation's digests: it touches its constituency.
public struct QueuedNotification: Sendable, Hashable {
    public var organisationID: String
    public var objectID: String
    public var collectionID: String
    /// When it was queued (microseconds); queued again when a new version touches it.
    public var queued: Int64

    public init(organisationID: String, objectID: String, collectionID: String, queued: Int64) {
        self.organisationID = organisationID
        self.objectID = objectID
        self.collectionID = collectionID
        self.queued = queued
    }
}
