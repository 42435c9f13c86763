public import CybexCore
import PostgresNIO

/// Feeds on PostgreSQL (``FeedStore``).
extension PostgresStore {
    public func createFeed(_ feed: Feed, state: FeedState, audit: [AuditEvent]) async throws {
        try JSONColumns.requireStorable(feed)
        let settings = try JSONColumns.encode(feed.settings)
        let stateText = try JSONColumns.encode(state)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO feeds (id, name, format, url, owner_id, collection_id, settings, enabled, created, state)
                VALUES (\(feed.id), \(feed.name), \(feed.format.rawValue), \(feed.url), \(feed.ownerID), \(feed.collectionID),
                    \(settings), \(feed.enabled), \(feed.created), \(stateText))
                """, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func feeds() async throws -> [(Feed, FeedState)] {
        try await rows(
            """
            SELECT id, name, format, url, owner_id, collection_id, settings, enabled, created, state
            FROM feeds ORDER BY name
            """
        ).map { row in
            let (id, name, format, url, owner, collection, settings, enabled, created, state) = try row.decode(
                (String, String, String, String, String, String, String, Bool, Int64, String).self)
            return (
                try JSONColumns.feed(
                    id: id, name: name, format: format, url: url, owner: owner, collection: collection, settings: settings,
                    enabled: enabled, created: created),
                try JSONColumns.decode(FeedState.self, state)
            )
        }
    }

    public func removeFeed(id: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(id) else { return false }
        return try await transaction { connection in
            guard
                try await connection.query("DELETE FROM feeds WHERE id = \(id) RETURNING id", logger: logger).collect().first
                    != nil
            else { return false }
            try await connection.query("DELETE FROM feed_sightings WHERE feed_id = \(id)", logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
            return true
        }
    }

    public func recordFeedPull(id: String, state: FeedState, sightings: [FeedSighting], audit: [AuditEvent]) async throws {
        let stateText = try JSONColumns.encode(state)
        try await transaction { connection in
            guard
                try await connection.query(
                    "UPDATE feeds SET state = \(stateText) WHERE id = \(id) RETURNING id", logger: logger
                ).collect().first != nil
            else { throw StoreError(.notFound, "no feed with id \(id)") }
            for start in stride(from: 0, to: sightings.count, by: 10_000) {
                let chunk = sightings[start..<min(start + 10_000, sightings.count)]
                var binds = PostgresBindings()
                binds.append(id)
                binds.append(chunk.map(\.indicatorID))
                binds.append(chunk.map(\.firstSeen))
                binds.append(chunk.map(\.lastSeen))
                binds.append(chunk.map { Int64($0.count) })
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO feed_sightings (feed_id, indicator_id, first_seen, last_seen, count)
                            SELECT $1, i, f, l, c FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(i, f, l, c)
                            ORDER BY i
                            ON CONFLICT (feed_id, indicator_id) DO UPDATE SET last_seen = excluded.last_seen, count = excluded.count
                            """, binds: binds), logger: logger)
            }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func feedSightings(id: String) async throws -> [String: FeedSighting] {
        var result: [String: FeedSighting] = [:]
        for row in try await rows(
            "SELECT indicator_id, first_seen, last_seen, count FROM feed_sightings WHERE feed_id = \(id)")
        {
            let (indicator, first, last, count) = try row.decode((String, Int64, Int64, Int64).self)
            result[indicator] = FeedSighting(indicatorID: indicator, firstSeen: first, lastSeen: last, count: Int(count))
        }
        return result
    }
}
