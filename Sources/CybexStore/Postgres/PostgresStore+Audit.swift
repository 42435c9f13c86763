public import CybexCore
import Logging
import PostgresNIO

/// The audit log and its hash chain (``AuditChain``) on PostgreSQL.
///
/// An append locks the `audit_head` row `FOR UPDATE` until it commits, so appends from any number
/// of processes take turns: each reads the head the previous one committed, and the chain never
/// forks (a second entry after the same head would also collide on the `seq` primary key).
extension PostgresStore {
    public func appendAudit(_ event: AuditEvent) async throws {
        try await appendAudit([event])
    }

    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { connection in try await Self.appendAudit(events, on: connection, logger: logger) }
    }

    /// Appends `events` to the chain in the caller's transaction, holding the head row's lock to commit.
    static func appendAudit(_ events: [AuditEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        var head = try await Self.auditHead(connection, logger: logger, forUpdate: true)
        for event in events {
            // The entry's text, as made storable and hashed: never `event`'s own.
            let entry = AuditChain.entry(after: head, event)
            let event = entry.event
            head = AuditHead(seq: entry.seq, hash: entry.hash ?? "")
            try await connection.query(
                """
                WITH added AS (
                    INSERT INTO audit_log (seq, time, actor, action, target, detail, prev_hash, hash)
                    VALUES (
                        \(entry.seq), \(event.time), \(event.actor), \(event.action), \(event.target), \(event.detail),
                        \(entry.prevHash), \(entry.hash))
                    RETURNING seq, hash)
                UPDATE audit_head SET seq = added.seq, hash = added.hash FROM added WHERE audit_head.id = 1
                """,
                logger: logger)
        }
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        // A negative limit means no limit, as in SQLite; PostgreSQL spells that LIMIT NULL.
        let bound: Int? = limit < 0 ? nil : limit
        return try await rows(
            "SELECT time, actor, action, target, detail FROM audit_log ORDER BY seq DESC LIMIT \(bound)"
        ).map {
            let (time, actor, action, target, detail) = try $0.decode((Int64, String, String, String, String).self)
            return AuditEvent(time: time, actor: actor, action: action, target: target, detail: detail)
        }
    }

    public func verifyAuditChain() async throws -> AuditVerification {
        // One statement, one snapshot: the head and the highest seq agree.
        let row = try await rows(
            """
            SELECT (SELECT seq FROM audit_head WHERE id = 1), (SELECT hash FROM audit_head WHERE id = 1),
                (SELECT MAX(seq) FROM audit_log)
            """
        ).first
        let (headSeq, headHash, highest) = try row?.decode((Int64?, String?, Int64?).self) ?? (nil, nil, nil)
        let head = headSeq.flatMap { seq in headHash.map { AuditHead(seq: seq, hash: $0) } }
        return try await AuditChain.verify(head: head, highestSeq: highest) { after, through, limit in
            try await Self.auditEntries(
                rows(
                    """
                    SELECT seq, time, actor, action, target, detail, prev_hash, hash FROM audit_log
                    WHERE seq > \(after) AND seq <= \(through) ORDER BY seq LIMIT \(limit)
                    """))
        }
    }

    public func auditEntries(after seq: Int64, limit: Int) async throws -> [AuditEntry] {
        try await Self.auditEntries(
            rows(
                """
                SELECT seq, time, actor, action, target, detail, prev_hash, hash FROM audit_log
                WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)
                """))
    }

    public func auditEntries(matching query: AuditQuery) async throws -> [AuditEntry] {
        // No stored entry holds a NUL (AuditChain escapes it): a search for one finds nothing.
        guard [query.actor, query.action, query.target].allSatisfy({ $0.map(StoredText.isStorable) ?? true }) else { return [] }
        var binds = PostgresBindings()
        let conditions = query.conditions(placeholder: { "$\($0)" }, bind: { binds.append($0) })
        // A negative limit means no limit, as in SQLite; PostgreSQL spells that LIMIT NULL.
        binds.append(query.limit < 0 ? nil : query.limit)
        return try await Self.auditEntries(
            rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT seq, time, actor, action, target, detail, prev_hash, hash FROM audit_log
                        WHERE 1 = 1\(conditions) ORDER BY seq DESC LIMIT $\(binds.count)
                        """, binds: binds)))
    }

    // MARK: Helpers

    static func auditHead(_ connection: PostgresConnection, logger: Logger, forUpdate: Bool) async throws -> AuditHead {
        let lock = forUpdate ? " FOR UPDATE" : ""
        let rows = try await connection.query(
            "SELECT seq, hash FROM audit_head WHERE id = 1\(unescaped: lock)", logger: logger
        ).collect()
        guard let row = rows.first else {
            throw StoreError(.backend, "the audit chain head is missing (run `cybex audit verify`)")
        }
        let (seq, hash) = try row.decode((Int64, String).self)
        return AuditHead(seq: seq, hash: hash)
    }

    static func auditEntries(_ rows: [PostgresRow]) throws -> [AuditEntry] {
        try rows.map {
            let (seq, time, actor, action, target, detail, prevHash, hash) =
                try $0.decode((Int64, Int64, String, String, String, String, String?, String?).self)
            return AuditEntry(
                seq: seq, event: AuditEvent(time: time, actor: actor, action: action, target: target, detail: detail),
                prevHash: prevHash, hash: hash)
        }
    }

    /// Migration 2: chains the entries written before the chain existed, in `seq` order,
    /// renumbering them 1, 2, 3… (closing the gaps an identity sequence leaves), and records the head.
    func chainExistingAuditEntries(_ connection: PostgresConnection) async throws {
        var head = AuditHead.genesis
        var after = Int64.min
        while true {
            let entries = try await Self.auditEntries(
                connection.query(
                    """
                    SELECT seq, time, actor, action, target, detail, prev_hash, hash FROM audit_log
                    WHERE seq > \(after) ORDER BY seq LIMIT \(AuditChain.pageSize)
                    """,
                    logger: logger
                ).collect())
            for old in entries {
                let entry = AuditChain.entry(after: head, old.event, asStored: true)
                try await connection.query(
                    """
                    UPDATE audit_log SET seq = \(entry.seq), prev_hash = \(entry.prevHash), hash = \(entry.hash)
                    WHERE seq = \(old.seq)
                    """,
                    logger: logger)
                head = AuditHead(seq: entry.seq, hash: entry.hash ?? "")
                after = old.seq
            }
            if entries.count < AuditChain.pageSize { break }
        }
        try await connection.query(
            "UPDATE audit_head SET seq = \(head.seq), hash = \(head.hash) WHERE id = 1", logger: logger)
    }
}
