public import CybexCore
import GRDB

/// Incident cases on SQLite (``CaseStore``).
extension SQLiteStore {
    public func createCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO cases (id, owner_id, collection_id, incident_id, status, revision, created, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.ownerID, record.collectionID, record.incidentID, record.status.rawValue, record.revision,
                    record.created, body,
                ])
            try Self.appendCaseEvents(events, to: record.id, db)
            try Self.appendAudit(audit, db)
        }
    }

    public func updateCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await write { db in
            try db.execute(
                sql: "UPDATE cases SET status = ?, revision = ?, body = ? WHERE id = ? AND revision = ?",
                arguments: [record.status.rawValue, record.revision, body, record.id, record.revision - 1])
            if db.changesCount == 0 {
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM cases WHERE id = ?", arguments: [record.id]) ?? false
                throw exists
                    ? StoreError(.conflict, "case \(record.id) was changed meanwhile; read it again")
                    : StoreError(.notFound, "no case with id \(record.id)")
            }
            try Self.appendCaseEvents(events, to: record.id, db)
            try Self.appendAudit(audit, db)
        }
    }

    static func appendCaseEvents(_ events: [CaseEvent], to caseID: String, _ db: Database) throws {
        guard !events.isEmpty else { return }
        var seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM case_events WHERE case_id = ?", arguments: [caseID]) ?? 0
        for event in events {
            seq += 1
            try db.execute(
                sql: "INSERT INTO case_events (case_id, seq, time, actor, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [caseID, seq, event.time, event.actor, event.kind, event.detail])
        }
    }

    public func caseRecord(id: String) async throws -> CaseRecord? {
        guard StoredText.isStorable(id) else { return nil }
        let body = try await read { db in try String.fetchOne(db, sql: "SELECT body FROM cases WHERE id = ?", arguments: [id]) }
        return try body.map { try JSONColumns.decode(CaseRecord.self, $0) }
    }

    public func cases(ownerID: String?) async throws -> [CaseRecord] {
        let bodies = try await read { db in
            if let ownerID {
                return try String.fetchAll(
                    db, sql: "SELECT body FROM cases WHERE owner_id = ? ORDER BY created DESC, id", arguments: [ownerID])
            }
            return try String.fetchAll(db, sql: "SELECT body FROM cases ORDER BY created DESC, id")
        }
        return try bodies.map { try JSONColumns.decode(CaseRecord.self, $0) }
    }

    public func cases(incidentID: String) async throws -> [CaseRecord] {
        guard StoredText.isStorable(incidentID) else { return [] }
        let bodies = try await read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM cases WHERE incident_id = ? ORDER BY created, id", arguments: [incidentID])
        }
        return try bodies.map { try JSONColumns.decode(CaseRecord.self, $0) }
    }

    public func caseEvents(caseID: String) async throws -> [CaseEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT time, actor, kind, detail FROM case_events WHERE case_id = ? ORDER BY seq", arguments: [caseID]
            ).map { CaseEvent(time: $0[0], actor: $0[1], kind: $0[2], detail: $0[3]) }
        }
    }
}
