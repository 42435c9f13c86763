public import CybexCore
import GRDB

/// Notification channels and queue on SQLite (``NotificationStore``).
extension SQLiteStore {
    public func createNotificationChannel(_ channel: NotificationChannel, secret: String?, audit: [AuditEvent]) async throws {
        try StoredText.require([
            (channel.id, "channel id"), (channel.organisationID, "organisation id"), (channel.target, "channel target"),
            (secret, "channel key"),
        ])
        let settings = try JSONColumns.encode(channel.settings)
        let state = try JSONColumns.encode(NotificationState(sentUpTo: channel.created, nextAttempt: channel.created))
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO notification_channels (id, organisation_id, kind, target, secret, settings, created, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    channel.id, channel.organisationID, channel.kind.rawValue, channel.target, secret, settings, channel.created,
                    state,
                ])
            try Self.appendAudit(audit, db)
        }
    }

    public func notificationChannels() async throws -> [(NotificationChannel, secret: String?, NotificationState)] {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, organisation_id, kind, target, secret, settings, created, state FROM notification_channels
                    ORDER BY organisation_id, created, id
                    """
            ).map { row -> (String, String, String, String, String?, String, Int64, String) in
                (row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
            }
        }
        return try rows.map { row in
            guard let kind = NotificationChannel.Kind(rawValue: row.2) else {
                throw StoreError(.backend, "unknown channel kind \(row.2)")
            }
            return (
                NotificationChannel(
                    id: row.0, organisationID: row.1, kind: kind, target: row.3,
                    settings: try JSONColumns.decode(NotificationSettings.self, row.5), created: row.6),
                secret: row.4, try JSONColumns.decode(NotificationState.self, row.7)
            )
        }
    }

    public func removeNotificationChannel(id: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(id) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM notification_channels WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, db)
            return true
        }
    }

    public func recordNotificationDelivery(id: String, state: NotificationState, audit: [AuditEvent]) async throws {
        let text = try JSONColumns.encode(state)
        try await write { db in
            try db.execute(sql: "UPDATE notification_channels SET state = ? WHERE id = ?", arguments: [text, id])
            guard db.changesCount > 0 else { throw StoreError(.notFound, "no notification channel with id \(id)") }
            try Self.appendAudit(audit, db)
        }
    }

    public func enqueueNotifications(_ items: [QueuedNotification]) async throws {
        guard !items.isEmpty else { return }
        try await write { db in
            let upsert = try SQLiteBulkStatement(
                db,
                sql: """
                    INSERT INTO notification_queue (organisation_id, queued, collection_id, object_id) VALUES (?, ?, ?, ?)
                    ON CONFLICT (organisation_id, collection_id, object_id) DO UPDATE SET queued = max(queued, excluded.queued)
                    """)
            for item in items {
                upsert.bind(1, item.organisationID)
                upsert.bind(2, item.queued)
                upsert.bind(3, item.collectionID)
                upsert.bind(4, item.objectID)
                try upsert.step(db)
            }
        }
    }

    public func queuedNotifications(for organisationID: String, after: Int64, limit: Int) async throws -> [QueuedNotification] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT object_id, collection_id, queued FROM notification_queue
                    WHERE organisation_id = ? AND queued > ? ORDER BY queued, collection_id, object_id LIMIT ?
                    """,
                arguments: [organisationID, after, limit]
            ).map { row in
                QueuedNotification(organisationID: organisationID, objectID: row[0], collectionID: row[1], queued: row[2])
            }
        }
    }

    @discardableResult
    public func pruneNotifications(before: Int64) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM notification_queue WHERE queued < ?", arguments: [before])
            return db.changesCount
        }
    }
}
