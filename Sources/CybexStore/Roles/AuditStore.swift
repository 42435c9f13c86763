public import CybexCore

/// The append-only, hash-chained audit log (`…+Audit.swift`).
public protocol AuditStore: Sendable {
    // MARK: Audit

    /// Appends an event to the audit log, chained to the entry before it (see ``AuditChain``):
    /// the `seq`, `prev_hash` and `hash` are assigned in the write transaction, and appends from
    /// several processes serialise, so the chain never forks.
    func appendAudit(_ event: AuditEvent) async throws
    /// Appends several events, in order, in one transaction (chained as ``appendAudit(_:)`` does).
    func appendAudit(_ events: [AuditEvent]) async throws
    /// The newest `limit` events (all with a negative limit), newest first.
    func auditEvents(limit: Int) async throws -> [AuditEvent]
    /// Checks the audit hash chain from the first entry to the recorded head, reading it in pages,
    /// and reports the first entry that does not verify.
    func verifyAuditChain() async throws -> AuditVerification
    /// Up to `limit` entries with `seq` greater than `after`, ascending, with their chain hashes
    /// (for exports that an outside verifier re-hashes).
    func auditEntries(after seq: Int64, limit: Int) async throws -> [AuditEntry]
    /// The entries `query` selects, newest first, at most `query.limit` (every one with a negative limit).
    func auditEntries(matching query: AuditQuery) async throws -> [AuditEntry]
}
