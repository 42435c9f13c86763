public import CybexCore
import GRDB

/// RID peers and exchanges on SQLite (``RIDStore``).
extension SQLiteStore {
    public func addPeer(_ peer: RIDPeer, audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(peer)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO rid_peers (name, organisation_id, body) VALUES (?, ?, ?)",
                arguments: [peer.name, peer.organisationID, body])
            try Self.appendAudit(audit, db)
        }
    }

    public func removePeer(named name: String, audit: [AuditEvent]) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM rid_peers WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(audit, db)
            return true
        }
    }

    public func peers() async throws -> [RIDPeer] {
        let bodies = try await read { db in try String.fetchAll(db, sql: "SELECT body FROM rid_peers ORDER BY name") }
        return try bodies.map { try JSONColumns.decode(RIDPeer.self, $0) }
    }

    public func createExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO rid_exchanges (id, exchange_key, case_id, revision, created, body) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [record.id, record.key, record.caseID, record.revision, record.created, body])
            if let caseID = record.caseID { try Self.appendCaseEvents(events, to: caseID, db) }
            try Self.appendAudit(audit, db)
        }
    }

    public func updateExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await write { db in
            try db.execute(
                sql:
                    "UPDATE rid_exchanges SET exchange_key = ?, case_id = ?, revision = ?, body = ? WHERE id = ? AND revision = ?",
                arguments: [record.key, record.caseID, record.revision, body, record.id, record.revision - 1])
            if db.changesCount == 0 {
                let exists =
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM rid_exchanges WHERE id = ?", arguments: [record.id]) ?? false
                throw exists
                    ? StoreError(.conflict, "RID exchange \(record.id) was changed meanwhile; read it again")
                    : StoreError(.notFound, "no RID exchange with id \(record.id)")
            }
            if let caseID = record.caseID { try Self.appendCaseEvents(events, to: caseID, db) }
            try Self.appendAudit(audit, db)
        }
    }

    public func exchange(key: String) async throws -> RIDExchangeRecord? {
        guard StoredText.isStorable(key) else { return nil }
        let body = try await read { db in
            try String.fetchOne(db, sql: "SELECT body FROM rid_exchanges WHERE exchange_key = ?", arguments: [key])
        }
        return try body.map { try JSONColumns.decode(RIDExchangeRecord.self, $0) }
    }

    public func exchange(id: String) async throws -> RIDExchangeRecord? {
        guard StoredText.isStorable(id) else { return nil }
        let body = try await read { db in
            try String.fetchOne(db, sql: "SELECT body FROM rid_exchanges WHERE id = ?", arguments: [id])
        }
        return try body.map { try JSONColumns.decode(RIDExchangeRecord.self, $0) }
    }

    public func exchanges(caseID: String?) async throws -> [RIDExchangeRecord] {
        let bodies = try await read { db in
            if let caseID {
                return try String.fetchAll(
                    db, sql: "SELECT body FROM rid_exchanges WHERE case_id = ? ORDER BY created, id", arguments: [caseID])
            }
            return try String.fetchAll(db, sql: "SELECT body FROM rid_exchanges ORDER BY created DESC, id")
        }
        return try bodies.map { try JSONColumns.decode(RIDExchangeRecord.self, $0) }
    }
}
