public import CybexCore
import GRDB

/// Feeds on SQLite (``FeedStore``).
extension SQLiteStore {
    public func createFeed(_ feed: Feed, state: FeedState, audit: [AuditEvent]) async throws {
        try JSONColumns.requireStorable(feed)
        let settings = try JSONColumns.encode(feed.settings)
        let stateText = try JSONColumns.encode(state)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO feeds (id, name, format, url, owner_id, collection_id, settings, enabled, created, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    feed.id, feed.name, feed.format.rawValue, feed.url, feed.ownerID, feed.collectionID, settings, feed.enabled,
                    feed.created, stateText,
                ])
            try Self.appendAudit(audit, db)
        }
    }

    public func feeds() async throws -> [(Feed, FeedState)] {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, format, url, owner_id, collection_id, settings, enabled, created, state
                    FROM feeds ORDER BY name
                    """
            ).map { row -> [String] in
                [
                    row[0], row[1], row[2], row[3], row[4], row[5], row[6], String(row[7] as Int64), String(row[8] as Int64),
                    row[9],
                ]
            }
        }
        return try rows.map { row in
            (
                try JSONColumns.feed(
                    id: row[0], name: row[1], format: row[2], url: row[3], owner: row[4], collection: row[5], settings: row[6],
                    enabled: row[7] != "0", created: Int64(row[8]) ?? 0),
                try JSONColumns.decode(FeedState.self, row[9])
            )
        }
    }

    public func removeFeed(id: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(id) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM feeds WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM feed_sightings WHERE feed_id = ?", arguments: [id])
            try Self.appendAudit(audit, db)
            return true
        }
    }

    public func recordFeedPull(id: String, state: FeedState, sightings: [FeedSighting], audit: [AuditEvent]) async throws {
        let stateText = try JSONColumns.encode(state)
        try await write { db in
            try db.execute(sql: "UPDATE feeds SET state = ? WHERE id = ?", arguments: [stateText, id])
            guard db.changesCount > 0 else { throw StoreError(.notFound, "no feed with id \(id)") }
            let upsert = try SQLiteBulkStatement(
                db,
                sql: """
                    INSERT INTO feed_sightings (feed_id, indicator_id, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (feed_id, indicator_id) DO UPDATE SET last_seen = excluded.last_seen, count = excluded.count
                    """)
            for sighting in sightings {
                upsert.bind(1, id)
                upsert.bind(2, sighting.indicatorID)
                upsert.bind(3, sighting.firstSeen)
                upsert.bind(4, sighting.lastSeen)
                upsert.bind(5, Int64(sighting.count))
                try upsert.step(db)
            }
            try Self.appendAudit(audit, db)
        }
    }

    public func feedSightings(id: String) async throws -> [String: FeedSighting] {
        try await read { db in
            var result: [String: FeedSighting] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT indicator_id, first_seen, last_seen, count FROM feed_sightings WHERE feed_id = ?",
                arguments: [id])
            while let row = try rows.next() {
                let indicator: String = row[0]
                result[indicator] = FeedSighting(indicatorID: indicator, firstSeen: row[1], lastSeen: row[2], count: row[3])
            }
            return result
        }
    }
}
