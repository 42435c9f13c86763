public import CybexCore

/// RID peers and exchanges (`SQLiteStore+RID.swift`, `PostgresStore+RID.swift`; docs/RID.md).
/// Both are stored whole (as JSON) beside the columns they are found by; every change commits
/// with its audit entries, and an exchange only from the revision it was made on.
public protocol RIDStore: Sendable {
    /// Adds a peer with `audit`; `.conflict` when the name is taken.
    func addPeer(_ peer: RIDPeer, audit: [AuditEvent]) async throws
    /// Removes the peer named `name` with `audit`; false when there is none (nothing written).
    func removePeer(named name: String, audit: [AuditEvent]) async throws -> Bool
    /// Every peer, by name.
    func peers() async throws -> [RIDPeer]
    /// Adds an exchange with `audit` and, when it has a case, `events` on that case's timeline;
    /// `.conflict` when its id, or its key (role and incident), is taken.
    func createExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws
    /// Replaces the exchange stored at revision `record.revision - 1`, with `events` and `audit`;
    /// `.conflict` when the stored revision is another, `.notFound` when there is none.
    func updateExchange(_ record: RIDExchangeRecord, events: [CaseEvent], audit: [AuditEvent]) async throws
    /// The exchange with `key` (``RIDExchangeRecord/key``), or nil.
    func exchange(key: String) async throws -> RIDExchangeRecord?
    /// The exchange with `id`, or nil.
    func exchange(id: String) async throws -> RIDExchangeRecord?
    /// The exchanges of a case, oldest first; every exchange, newest first, when `caseID` is nil.
    func exchanges(caseID: String?) async throws -> [RIDExchangeRecord]
}
