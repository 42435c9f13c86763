public import CybexCore
import PostgresNIO

/// Notification channels and queue on PostgreSQL (``NotificationStore``).
extension PostgresStore {
    public func createNotificationChannel(_ channel: NotificationChannel, secret: String?, audit: [AuditEvent]) async throws {
        try StoredText.require([
            (channel.id, "channel id"), (channel.organisationID, "organisation id"), (channel.target, "channel target"),
            (secret, "channel key"),
        ])
        let settings = try JSONColumns.encode(channel.settings)
        let state = try JSONColumns.encode(NotificationState(sentUpTo: channel.created, nextAttempt: channel.created))
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO notification_channels (id, organisation_id, kind, target, secret, settings, created, state)
                VALUES (\(channel.id), \(channel.organisationID), \(channel.kind.rawValue), \(channel.target), \(secret),
                    \(settings), \(channel.created), \(state))
                """, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func notificationChannels() async throws -> [(NotificationChannel, secret: String?, NotificationState)] {
        try await rows(
            """
            SELECT id, organisation_id, kind, target, secret, settings, created, state FROM notification_channels
            ORDER BY organisation_id, created, id
            """
        ).map { row in
            let (id, organisation, kind, target, secret, settings, created, state) = try row.decode(
                (String, String, String, String, String?, String, Int64, String).self)
            guard let kind = NotificationChannel.Kind(rawValue: kind) else {
                throw StoreError(.backend, "unknown channel kind \(kind)")
            }
            return (
                NotificationChannel(
                    id: id, organisationID: organisation, kind: kind, target: target,
                    settings: try JSONColumns.decode(NotificationSettings.self, settings), created: created),
                secret: secret, try JSONColumns.decode(NotificationState.self, state)
            )
        }
    }

    public func removeNotificationChannel(id: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(id) else { return false }
        return try await transaction { connection in
            guard
                try await connection.query(
                    "DELETE FROM notification_channels WHERE id = \(id) RETURNING id", logger: logger
                ).collect().first != nil
            else { return false }
            try await Self.appendAudit(audit, on: connection, logger: logger)
            return true
        }
    }

    public func recordNotificationDelivery(id: String, state: NotificationState, audit: [AuditEvent]) async throws {
        let text = try JSONColumns.encode(state)
        try await transaction { connection in
            guard
                try await connection.query(
                    "UPDATE notification_channels SET state = \(text) WHERE id = \(id) RETURNING id", logger: logger
                ).collect().first != nil
            else { throw StoreError(.notFound, "no notification channel with id \(id)") }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func enqueueNotifications(_ items: [QueuedNotification]) async throws {
        guard !items.isEmpty else { return }
        // One row per key (the latest time), in key order, so that concurrent enqueues lock alike.
        var latest: [String: QueuedNotification] = [:]
        for item in items {
            let key = item.organisationID + "\u{1}" + item.collectionID + "\u{1}" + item.objectID
            if (latest[key]?.queued ?? .min) < item.queued { latest[key] = item }
        }
        let unique = latest.values.sorted {
            ($0.organisationID, $0.collectionID, $0.objectID) < ($1.organisationID, $1.collectionID, $1.objectID)
        }
        var binds = PostgresBindings()
        binds.append(unique.map(\.organisationID))
        binds.append(unique.map(\.queued))
        binds.append(unique.map(\.collectionID))
        binds.append(unique.map(\.objectID))
        _ = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO notification_queue (organisation_id, queued, collection_id, object_id)
                    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
                    ON CONFLICT (organisation_id, collection_id, object_id)
                    DO UPDATE SET queued = GREATEST(notification_queue.queued, excluded.queued)
                    """, binds: binds))
    }

    public func queuedNotifications(for organisationID: String, after: Int64, limit: Int) async throws -> [QueuedNotification] {
        try await rows(
            """
            SELECT object_id, collection_id, queued FROM notification_queue
            WHERE organisation_id = \(organisationID) AND queued > \(after) ORDER BY queued, collection_id, object_id
            LIMIT \(limit)
            """
        ).map { row in
            let (object, collection, queued) = try row.decode((String, String, Int64).self)
            return QueuedNotification(organisationID: organisationID, objectID: object, collectionID: collection, queued: queued)
        }
    }

    @discardableResult
    public func pruneNotifications(before: Int64) async throws -> Int {
        try await rows("DELETE FROM notification_queue WHERE queued < \(before) RETURNING 1").count
    }
}
