public import CybexCore
import CybexFormats
import CybexStore

/// Remediation duties (docs/VULNERABILITIES.md, "Remediation duties"): who owes what, by when. A duty is a
/// record of the organisation that owes it, read and changed under ``OrganisationRecordPolicy``: its own
/// users read it, its analysts change it, the organisations above it read it (a national CIRT follows its
/// constituents' duties), administrators do both. Every change is audited (`remediation.update`,
/// `remediation.escalate`) in the transaction that makes it.
public struct RemediationService: Sendable {
    let store: any Store
    let hasher: PasswordHasher
    let clock: any WallClock

    /// Which duties a listing shows.
    public struct Filter: Sendable, Hashable {
        /// Only open duties past their due date.
        public var overdue = false
        public var role: EcosystemRole?
        public var status: RemediationStatus?
        /// Only this organisation's (an id).
        public var organisationID: String?

        public init(
            overdue: Bool = false, role: EcosystemRole? = nil, status: RemediationStatus? = nil, organisationID: String? = nil
        ) {
            self.overdue = overdue
            self.role = role
            self.status = status
            self.organisationID = organisationID
        }
    }

    /// What a person changes of a duty; nil members stay as they are.
    public struct Change: Sendable, Hashable {
        public var status: RemediationStatus?
        public var role: EcosystemRole?
        /// A due date (microseconds) set by hand.
        public var due: Int64?
        /// A comment for the history.
        public var note: String?
        /// The revision the change was made from; a change from another is refused (`.conflict`).
        public var revision: Int64?

        public init(
            status: RemediationStatus? = nil, role: EcosystemRole? = nil, due: Int64? = nil, note: String? = nil,
            revision: Int64? = nil
        ) {
            self.status = status
            self.role = role
            self.due = due
            self.note = note
            self.revision = revision
        }
    }

    /// The longest note kept.
    public static let maxNoteLength = 2_000

    /// The duties `principal` may read that meet `filter`, by due date.
    public func list(_ filter: Filter, for principal: Principal) async throws -> [RemediationRecord] {
        let directory = try await store.sharingDirectory()
        return try await list(filter).filter {
            OrganisationRecordPolicy.access(of: principal, to: $0.organisationID, in: directory).mayRead
        }
    }

    /// Every duty that meets `filter` (the operator's listing).
    public func list(_ filter: Filter) async throws -> [RemediationRecord] {
        let now = clock.nowMicroseconds()
        return try await store.remediations(organisationID: filter.organisationID).filter { record in
            (!filter.overdue || record.isOverdue(at: now)) && (filter.role.map { record.role == $0 } ?? true)
                && (filter.status.map { record.status == $0 } ?? true)
        }
    }

    /// One duty as `principal` may read it; `.notFound` when there is none or it may not read it.
    public func record(id: String, for principal: Principal) async throws -> (RemediationRecord, mayWrite: Bool) {
        guard let record = try await store.remediation(id: id) else { throw Self.notFound(id) }
        let access = OrganisationRecordPolicy.access(
            of: principal, to: record.organisationID, in: try await store.sharingDirectory())
        guard access.mayRead else { throw Self.notFound(id) }
        return (record, access.mayWrite)
    }

    /// One duty (the operator's reading).
    public func record(id: String) async throws -> RemediationRecord {
        guard let record = try await store.remediation(id: id) else { throw Self.notFound(id) }
        return record
    }

    /// Applies `change` as `principal`: `.notFound` when it may not read the duty, `.forbidden` when it may
    /// read but not change it, `.conflict` when the duty changed since `change.revision`.
    public func update(id: String, _ change: Change, by principal: Principal) async throws -> RemediationRecord {
        let (record, mayWrite) = try await record(id: id, for: principal)
        guard mayWrite else {
            throw EngineError(.forbidden, "you may read this remediation but not change it (its organisation's analysts may)")
        }
        return try await apply(change, to: record, actor: principal.user.username)
    }

    /// Applies `change` as the operator.
    public func update(id: String, _ change: Change, actor: String) async throws -> RemediationRecord {
        try await apply(change, to: try await record(id: id), actor: actor)
    }

    func apply(_ change: Change, to stored: RemediationRecord, actor: String) async throws -> RemediationRecord {
        if let revision = change.revision, revision != stored.revision {
            throw EngineError(
                .conflict, "remediation \(stored.id) is at revision \(stored.revision), not \(revision); read it again")
        }
        if let note = change.note {
            guard !note.isEmpty, note.count <= Self.maxNoteLength, !ControlCharacters.contains(in: note, allowing: ["\n", "\t"])
            else {
                throw EngineError(.invalidArgument, "a note is 1 to \(Self.maxNoteLength) characters without control characters")
            }
        }
        guard change.status != nil || change.role != nil || change.due != nil || change.note != nil else {
            throw EngineError(.invalidArgument, "nothing to change: give a status, a role, a due date or a note")
        }
        let now = clock.nowMicroseconds()
        var record = stored
        var details: [String] = []
        if let status = change.status, status != record.status {
            let reopening = !record.status.isOpen && status.isOpen
            record.record(
                RemediationEvent(
                    time: now, actor: actor, kind: "status", detail: "\(record.status.rawValue) → \(status.rawValue)"))
            details.append("status \(status.rawValue)")
            record.status = status
            if reopening, change.due == nil { ExposureService.restartDue(&record, at: now) }
        }
        if change.status != nil { record.statusSetByPerson = true }
        if let role = change.role, role != record.role {
            record.record(
                RemediationEvent(time: now, actor: actor, kind: "role", detail: "\(record.role.rawValue) → \(role.rawValue)"))
            details.append("role \(role.rawValue)")
            record.role = role
        }
        if let due = change.due, due != record.due {
            let text = STIXTimestamp.formatVersion(microseconds: due)
            record.record(RemediationEvent(time: now, actor: actor, kind: "due", detail: "due \(text)"))
            details.append("due \(text)")
            record.due = due
            record.escalated = nil
        }
        if let note = change.note {
            record.record(RemediationEvent(time: now, actor: actor, kind: "note", detail: note))
            details.append("note")
        }
        record.updated = now
        record.revision += 1
        let audit = AuditEvent(
            time: now, actor: actor, action: "remediation.update", target: record.id,
            detail: "\(record.title) of \(record.organisationID): \(details.joined(separator: ", "))")
        do {
            try await store.saveRemediations(created: [], updated: [record], audit: [audit])
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, "remediation \(record.id) was changed meanwhile; read it again")
        }
        return record
    }

    /// Escalates every open duty past its due date that has not been escalated for that date: its history,
    /// the audit log (`remediation.escalate`), and the notification queues of its organisation and of the
    /// organisation above it (its coordinator). Returns how many were escalated.
    @discardableResult
    public func escalateOverdue() async throws -> Int {
        let now = clock.nowMicroseconds()
        var escalated = 0
        for var record in try await store.remediations(organisationID: nil)
        where record.isOverdue(at: now) && record.escalated == nil {
            let late = STIXTimestamp.formatVersion(microseconds: record.due)
            record.escalated = now
            record.record(
                RemediationEvent(
                    time: now, actor: "escalation", kind: "escalated",
                    detail: "\(record.status.rawValue) past its due date \(late) (\(record.role.rawValue))"))
            record.updated = now
            record.revision += 1
            let audit = AuditEvent(
                time: now, actor: "escalation", action: "remediation.escalate", target: record.id,
                detail:
                    "\(record.title) of \(record.organisationID): \(record.status.rawValue), due \(late), \(record.role.rawValue)"
            )
            do {
                try await store.saveRemediations(created: [], updated: [record], audit: [audit])
            } catch let error as StoreError where error.code == .conflict {
                continue  // changed meanwhile: the next run sees it again
            }
            var told = [record.organisationID]
            if let parent = try await store.organisation(id: record.organisationID)?.parentID { told.append(parent) }
            var collection = record.noticeCollectionID ?? ""
            if record.noticeCollectionID == nil { collection = try await collectionOf(record) }
            try await store.enqueueNotifications(
                told.enumerated().map { index, organisation in
                    QueuedNotification(
                        organisationID: organisation, objectID: record.noticeObjectID ?? record.vulnerabilityID,
                        collectionID: collection,
                        queued: now + Int64(escalated * 2 + index))
                })
            escalated += 1
        }
        return escalated
    }

    /// A collection holding the duty's vulnerability (what its notification names); "" when none does.
    func collectionOf(_ record: RemediationRecord) async throws -> String {
        for collection in try await store.collections() {
            let page = try await store.objects(
                in: collection.id,
                matching: ObjectQuery(ids: [record.vulnerabilityID], versions: .last, limit: 1, withContent: false))
            if !page.records.isEmpty { return collection.id }
        }
        return ""
    }

    static func notFound(_ id: String) -> EngineError {
        EngineError(.notFound, "no remediation with id '\(ControlCharacters.escaped(String(id.prefix(80))))'")
    }
}

extension Engine {
    /// Remediation duties, timed by `clock` (overdue, escalation).
    public func remediation(clock: any WallClock = SystemWallClock()) -> RemediationService {
        RemediationService(store: store, hasher: hasher, clock: clock)
    }
}
