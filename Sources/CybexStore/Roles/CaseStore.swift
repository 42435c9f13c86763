public import CybexCore

/// Incident cases and their timelines (`SQLiteStore+Cases.swift`, `PostgresStore+Cases.swift`).
/// A case is stored whole (its record as JSON) beside the columns it is found by; every change
/// commits with its timeline entries and audit entries, and only from the revision it was made
/// on (a change from an older one is a `.conflict`: someone else changed the case meanwhile).
public protocol CaseStore: Sendable {
    /// Adds a case with its first timeline entries and `audit`; `.conflict` when the id is taken.
    func createCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws
    /// Replaces the case stored at revision `record.revision - 1` with `record`, appends `events`
    /// and `audit`, in one transaction; `.conflict` when the stored revision is another,
    /// `.notFound` when there is no such case.
    func updateCase(_ record: CaseRecord, events: [CaseEvent], audit: [AuditEvent]) async throws
    /// One case, or nil.
    func caseRecord(id: String) async throws -> CaseRecord?
    /// Every case, newest first; only those `ownerID` handles when it is given.
    func cases(ownerID: String?) async throws -> [CaseRecord]
    /// The cases of the STIX incident `incidentID` (one per organisation handling it, at most),
    /// found by the column beside the record, not by reading every case.
    func cases(incidentID: String) async throws -> [CaseRecord]
    /// A case's timeline, oldest first.
    func caseEvents(caseID: String) async throws -> [CaseEvent]
}
