public import CybexCore
import PostgresNIO

/// Incident cases on PostgreSQL (``CaseStore``).
extension PostgresStore {
    public func createCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO cases (id, owner_id, collection_id, incident_id, status, revision, created, body)
                VALUES (\(record.id), \(record.ownerID), \(record.collectionID), \(record.incidentID), \(record.status.rawValue),
                    \(record.revision), \(record.created), \(body))
                """, logger: logger)
            try await Self.appendCaseEvents(events, to: record.id, on: connection, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func updateCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        let previous = record.revision - 1
        try await transaction { connection in
            let updated = try await connection.query(
                """
                UPDATE cases SET status = \(record.status.rawValue), revision = \(record.revision), body = \(body)
                WHERE id = \(record.id) AND revision = \(previous) RETURNING id
                """, logger: logger
            ).collect()
            if updated.isEmpty {
                let exists = try await !connection.query("SELECT 1 FROM cases WHERE id = \(record.id)", logger: logger).collect()
                    .isEmpty
                throw exists
                    ? StoreError(.conflict, "case \(record.id) was changed meanwhile; read it again")
                    : StoreError(.notFound, "no case with id \(record.id)")
            }
            try await Self.appendCaseEvents(events, to: record.id, on: connection, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    static func appendCaseEvents(_ events: [CaseEvent], to caseID: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        guard !events.isEmpty else { return }
        var seq: Int64 = 0
        for row in try await connection.query(
            "SELECT COALESCE(MAX(seq), 0) FROM case_events WHERE case_id = \(caseID)", logger: logger
        ).collect() {
            seq = try row.decode(Int64.self)
        }
        for event in events {
            seq += 1
            try await connection.query(
                """
                INSERT INTO case_events (case_id, seq, time, actor, kind, detail)
                VALUES (\(caseID), \(seq), \(event.time), \(event.actor), \(event.kind), \(event.detail))
                """, logger: logger)
        }
    }

    public func caseRecord(id: String) async throws -> CaseRecord? {
        guard StoredText.isStorable(id) else { return nil }
        guard let row = try await rows("SELECT body FROM cases WHERE id = \(id)").first else { return nil }
        return try JSONColumns.decode(CaseRecord.self, try row.decode(String.self))
    }

    public func cases(ownerID: String?) async throws -> [CaseRecord] {
        let found =
            if let ownerID {
                try await rows("SELECT body FROM cases WHERE owner_id = \(ownerID) ORDER BY created DESC, id")
            } else {
                try await rows("SELECT body FROM cases ORDER BY created DESC, id")
            }
        return try found.map { try JSONColumns.decode(CaseRecord.self, try $0.decode(String.self)) }
    }

    public func cases(incidentID: String) async throws -> [CaseRecord] {
        guard StoredText.isStorable(incidentID) else { return [] }
        return try await rows("SELECT body FROM cases WHERE incident_id = \(incidentID) ORDER BY created, id").map {
            try JSONColumns.decode(CaseRecord.self, try $0.decode(String.self))
        }
    }

    public func caseEvents(caseID: String) async throws -> [CaseEvent] {
        try await rows("SELECT time, actor, kind, detail FROM case_events WHERE case_id = \(caseID) ORDER BY seq").map { row in
            let (time, actor, kind, detail) = try row.decode((Int64, String, String, String).self)
            return CaseEvent(time: time, actor: actor, kind: kind, detail: detail)
        }
    }
}
