public import CybexCore
import Foundation
import GRDB

/// The audit log and its hash chain (``AuditChain``) on SQLite. The one writer serialises appends.
///
/// Entries are written with their text bound at its exact byte length (``SQLiteBulkStatement``,
/// not GRDB's C-string binding) and read back for verification as the stored bytes
/// (`CAST(… AS BLOB)`), so the chain is checked over exactly what is stored.
extension SQLiteStore {
    public func appendAudit(_ event: AuditEvent) async throws {
        try await appendAudit([event])
    }

    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await write { db in try Self.appendAudit(events, db) }
    }

    /// Appends `events` to the chain in the caller's transaction.
    static func appendAudit(_ events: [AuditEvent], _ db: Database) throws {
        guard !events.isEmpty else { return }
        var head = try Self.auditHead(db)
        for event in events {
            let entry = AuditChain.entry(after: head, event)
            try Self.insert(entry, db)
            head = AuditHead(seq: entry.seq, hash: entry.hash ?? "")
        }
        try Self.setAuditHead(head, db)
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT time, actor, action, target, detail FROM audit_log ORDER BY seq DESC LIMIT ?",
                arguments: [limit]
            ).map { AuditEvent(time: $0[0], actor: $0[1], action: $0[2], target: $0[3], detail: $0[4]) }
        }
    }

    public func verifyAuditChain() async throws -> AuditVerification {
        let (head, highest) = try await read { db -> (AuditHead?, Int64?) in
            let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1").map {
                AuditHead(seq: $0[0], hash: $0[1])
            }
            return (head, try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log"))
        }
        return try await AuditChain.verify(head: head, highestSeq: highest) { after, through, limit in
            try await read { db in try Self.auditEntries(after: after, through: through, limit: limit, db) }
        }
    }

    public func auditEntries(after seq: Int64, limit: Int) async throws -> [AuditEntry] {
        try await read { db in try Self.auditEntries(after: seq, through: .max, limit: limit, db) }
    }

    public func auditEntries(matching query: AuditQuery) async throws -> [AuditEntry] {
        // No stored entry holds a NUL (AuditChain escapes it): a search for one finds nothing.
        guard [query.actor, query.action, query.target].allSatisfy({ $0.map(StoredText.isStorable) ?? true }) else { return [] }
        return try await read { db in
            var arguments: StatementArguments = []
            let conditions = query.conditions(placeholder: { _ in "?" }, bind: { arguments += [$0.databaseValue] })
            arguments += [query.limit]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, time, actor, action, target, detail, prev_hash, hash FROM audit_log
                    WHERE 1 = 1\(conditions) ORDER BY seq DESC LIMIT ?
                    """,
                arguments: arguments
            ).map {
                AuditEntry(
                    seq: $0[0], event: AuditEvent(time: $0[1], actor: $0[2], action: $0[3], target: $0[4], detail: $0[5]),
                    prevHash: $0[6], hash: $0[7])
            }
        }
    }

    // MARK: Helpers

    static func auditHead(_ db: Database) throws -> AuditHead {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1") else {
            throw StoreError(.backend, "the audit chain head is missing (run `cybex audit verify`)")
        }
        return AuditHead(seq: row[0], hash: row[1])
    }

    static func setAuditHead(_ head: AuditHead, _ db: Database) throws {
        try db.execute(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", arguments: [head.seq, head.hash])
    }

    static func insert(_ entry: AuditEntry, _ db: Database) throws {
        let event = entry.event
        let statement = try SQLiteBulkStatement(
            db,
            sql: """
                INSERT INTO audit_log (seq, time, actor, action, target, detail, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        statement.bind(1, entry.seq)
        statement.bind(2, event.time)
        statement.bind(3, event.actor)
        statement.bind(4, event.action)
        statement.bind(5, event.target)
        statement.bind(6, event.detail)
        statement.bind(7, entry.prevHash)
        statement.bind(8, entry.hash)
        try statement.step(db)
    }

    /// The columns of an entry with its text as the stored bytes, for ``auditEntry(from:)``.
    static let exactAuditColumns = """
        seq, time, CAST(actor AS BLOB), CAST(action AS BLOB), CAST(target AS BLOB), CAST(detail AS BLOB), prev_hash, hash
        """

    /// An entry read with ``exactAuditColumns``: text decoded from every stored byte (GRDB would stop
    /// at a NUL), so verification hashes exactly what is stored.
    static func auditEntry(from row: Row) -> AuditEntry {
        func text(_ index: Int) -> String { String(decoding: (row[index] as Data?) ?? Data(), as: UTF8.self) }
        return AuditEntry(
            seq: row[0], event: AuditEvent(time: row[1], actor: text(2), action: text(3), target: text(4), detail: text(5)),
            prevHash: row[6], hash: row[7])
    }

    /// Entries with `after < seq <= through`, ascending, at most `limit`, their text exactly as stored.
    static func auditEntries(after: Int64, through: Int64, limit: Int, _ db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(exactAuditColumns) FROM audit_log
                WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?
                """,
            arguments: [after, through, limit]
        ).map(auditEntry(from:))
    }

    /// Migration 2: chains the entries written before the chain existed, in `seq` order,
    /// renumbering them 1, 2, 3… (closing any gaps), and records the head.
    static func chainExistingAuditEntries(_ db: Database) throws {
        var head = AuditHead.genesis
        var after = Int64.min
        while true {
            let entries = try auditEntries(after: after, through: .max, limit: AuditChain.pageSize, db)
            for old in entries {
                let entry = AuditChain.entry(after: head, old.event, asStored: true)
                try db.execute(
                    sql: "UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [entry.seq, entry.prevHash, entry.hash, old.seq])
                head = AuditHead(seq: entry.seq, hash: entry.hash ?? "")
                after = old.seq
            }
            if entries.count < AuditChain.pageSize { break }
        }
        try setAuditHead(head, db)
    }
}
