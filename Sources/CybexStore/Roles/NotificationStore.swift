public import CybexCore

/// Notification channels, their delivery state, and the queue of objects that touch each
/// organisation's constituency (`SQLiteStore+Notifications.swift`, `PostgresStore+Notifications.swift`).
public protocol NotificationStore: Sendable {
    /// Adds a channel with its webhook key (nil for e-mail), in one transaction with `audit`.
    func createNotificationChannel(_ channel: NotificationChannel, secret: String?, audit: [AuditEvent]) async throws
    /// Every channel with its key and state, by organisation then creation.
    func notificationChannels() async throws -> [(NotificationChannel, secret: String?, NotificationState)]
    /// Removes a channel; false when there was none.
    func removeNotificationChannel(id: String, audit: [AuditEvent]) async throws -> Bool
    /// Replaces a channel's state, with `audit`, in one transaction; `.notFound` for an unknown id.
    func recordNotificationDelivery(id: String, state: NotificationState, audit: [AuditEvent]) async throws
    /// Queues objects for organisations' digests (an object queued again takes the later time).
    func enqueueNotifications(_ items: [QueuedNotification]) async throws
    /// The objects queued for `organisationID` after `after` (microseconds), oldest first, at most `limit`.
    func queuedNotifications(for organisationID: String, after: Int64, limit: Int) async throws -> [QueuedNotification]
    /// Removes queued objects older than `before` (microseconds); returns how many.
    @discardableResult
    func pruneNotifications(before: Int64) async throws -> Int
}
