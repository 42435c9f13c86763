public import CybexCore
import PostgresNIO

/// RID peers and exchanges on PostgreSQL (``RIDStore``).
extension PostgresStore {
    public func addPeer(_ peer: RIDPeer, audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(peer)
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO rid_peers (name, organisation_id, body) VALUES (\(peer.name), \(peer.organisationID), \(body))",
                logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func removePeer(named name: String, audit: [AuditEvent]) async throws -> Bool {
        try await transaction { connection in
            let removed = try await connection.query(
                "DELETE FROM rid_peers WHERE name = \(name) RETURNING name", logger: logger
            ).collect()
            guard !removed.isEmpty else { return false }
            try await Self.appendAudit(audit, on: connection, logger: logger)
            return true
        }
    }

    public func peers() async throws -> [RIDPeer] {
        try await rows("SELECT body FROM rid_peers ORDER BY name").map {
            try JSONColumns.decode(RIDPeer.self, try $0.decode(String.self))
        }
    }

    public func createExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO rid_exchanges (id, exchange_key, case_id, revision, created, body)
                VALUES (\(record.id), \(record.key), \(record.caseID), \(record.revision), \(record.created), \(body))
                """, logger: logger)
            if let caseID = record.caseID {
                try await Self.appendCaseEvents(events, to: caseID, on: connection, logger: logger)
            }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func updateExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws {
        let body = try JSONColumns.encode(record)
        let previous = record.revision - 1
        try await transaction { connection in
            let updated = try await connection.query(
                """
                UPDATE rid_exchanges SET exchange_key = \(record.key), case_id = \(record.caseID), revision = \(record.revision), body = \(body)
                WHERE id = \(record.id) AND revision = \(previous) RETURNING id
                """, logger: logger
            ).collect()
            if updated.isEmpty {
                let exists = try await !connection.query(
                    "SELECT 1 FROM rid_exchanges WHERE id = \(record.id)", logger: logger
                ).collect().isEmpty
                throw exists
                    ? StoreError(.conflict, "RID exchange \(record.id) was changed meanwhile; read it again")
                    : StoreError(.notFound, "no RID exchange with id \(record.id)")
            }
            if let caseID = record.caseID {
                try await Self.appendCaseEvents(events, to: caseID, on: connection, logger: logger)
            }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func exchange(key: String) async throws -> RIDExchangeRecord? {
        guard StoredText.isStorable(key) else { return nil }
        guard let row = try await rows("SELECT body FROM rid_exchanges WHERE exchange_key = \(key)").first else { return nil }
        return try JSONColumns.decode(RIDExchangeRecord.self, try row.decode(String.self))
    }

    public func exchange(id: String) async throws -> RIDExchangeRecord? {
        guard StoredText.isStorable(id) else { return nil }
        guard let row = try await rows("SELECT body FROM rid_exchanges WHERE id = \(id)").first else { return nil }
        return try JSONColumns.decode(RIDExchangeRecord.self, try row.decode(String.self))
    }

    public func exchanges(caseID: String?) async throws -> [RIDExchangeRecord] {
        let found =
            if let caseID {
                try await rows("SELECT body FROM rid_exchanges WHERE case_id = \(caseID) ORDER BY created, id")
            } else {
                try await rows("SELECT body FROM rid_exchanges ORDER BY created DESC, id")
            }
        return try found.map { try JSONColumns.decode(RIDExchangeRecord.self, try $0.decode(String.self)) }
    }
}
