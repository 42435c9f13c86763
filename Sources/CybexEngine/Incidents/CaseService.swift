public import CybexCore
import CybexFormats
import CybexStore
import Foundation

/// Incident cases (docs/INCIDENTS.md): created, classified, assigned, moved through the workflow,
/// commented, linked to objects, timed against their SLA, closed and reopened. Each case shares a
/// STIX `incident` (with the IODEF extension, so it travels over TAXII and exports as IODEF) in
/// its collection, through the same ingest as every post; a new version of it is stored only when
/// shareable content changes (title, description, status as IODEF sees it, severity,
/// classification, TLP). The working part stays with the organisation that handles the case.
///
/// Who sees what: the handling organisation's users see the whole case; its analysts and
/// administrators change it. Anyone else (an administrator of another organisation included) sees
/// the shareable part, and only while the sharing policy lets them read the case's incident;
/// otherwise the case does not exist for them (`notFound`).
public struct CaseService: Sendable {
    let store: any Store
    let collections: CollectionService
    let clock: any WallClock
    /// The name (a DNS name) the node issues IODEF incident ids under.
    public let issuer: String

    init(store: any Store, collections: CollectionService, clock: any WallClock, issuer: String) {
        self.store = store
        self.collections = collections
        self.clock = clock
        self.issuer = issuer
    }

    /// What a new case is made from.
    public struct Draft: Sendable {
        public var collectionID: String
        public var title: String
        public var description: String?
        public var severity: CaseSeverity
        public var classification: IncidentClass?
        public var tlp: TLPLevel?
        /// At TLP:RED, the organisations (names or ids) the incident is addressed to.
        public var recipients: [String]
        /// The constituent that reported it (a name or id), when one did.
        public var reporter: String?
        /// Whether the principal's organisation reports the incident to the organisation it is a
        /// constituent of, which then handles the case (the reporter is the principal's organisation).
        public var report = false

        public init(
            collectionID: String, title: String, description: String? = nil, severity: CaseSeverity = .medium,
            classification: IncidentClass? = nil, tlp: TLPLevel? = nil, recipients: [String] = [], reporter: String? = nil
        ) {
            self.collectionID = collectionID
            self.title = title
            self.description = description
            self.severity = severity
            self.classification = classification
            self.tlp = tlp
            self.recipients = recipients
            self.reporter = reporter
        }
    }

    /// A case as one reader sees it: the whole of it, or only its shareable part.
    public struct View: Sendable {
        public var record: CaseRecord
        /// Whether the reader sees the working part (assignee, tasks, links, SLA, timeline).
        public var full: Bool
        /// Whether the reader may change the case.
        public var canChange: Bool
        public var ownerName: String
        public var reporterName: String?
        public var assigneeName: String?
    }

    /// A change to a case.
    public enum Change: Sendable {
        case status(CaseStatus)
        case severity(CaseSeverity)
        case classification(IncidentClass?)
        /// A username of the handling organisation, or nil to unassign.
        case assignee(String?)
        case title(String)
        case description(String?)
        case comment(String)
        /// STIX ids of objects the changer may see in the case's collection.
        case link([String])
        case addTask(String)
        case completeTask(Int)
    }

    static let maxText = 10_000

    // MARK: Creating

    /// Opens a case owned by the principal's organisation and shares its incident in the draft's
    /// collection (which the principal must be able to write: `forbidden` otherwise).
    public func create(_ draft: Draft, by principal: Principal) async throws -> View {
        guard principal.user.role.mayWrite else {
            throw EngineError(.forbidden, "a reader may not open cases")
        }
        let title = try Self.text(draft.title, "title", maxLength: 500)
        let description = try draft.description.map { try Self.text($0, "description", maxLength: Self.maxText) }
        // A constituent's report is handled, and its incident shared, by the organisation it is a
        // constituent of; the reporting user acts for it in this one post.
        var acting = principal
        if draft.report {
            guard let parentID = principal.organisation.parentID, let parent = try await store.organisation(id: parentID) else {
                throw EngineError(.invalidArgument, "only a constituent reports an incident to the organisation it belongs to")
            }
            acting = Principal(user: principal.user, organisation: parent)
        }
        let view = try await collections.writableCollection(id: draft.collectionID, for: acting)
        var recipients: [String] = []
        for reference in draft.recipients {
            guard let organisation = try await organisation(reference) else {
                throw EngineError(.invalidArgument, "no organisation '\(reference)' (recipients)")
            }
            recipients.append(organisation.name)
        }
        if !recipients.isEmpty && draft.tlp != .red {
            throw EngineError(.invalidArgument, "recipients address a TLP:RED case: give tlp red")
        }
        var reporterID: String?
        if draft.report {
            reporterID = principal.organisation.id
            // A TLP:RED report stays visible to the one who reported it.
            if draft.tlp == .red && !recipients.isEmpty && !recipients.contains(principal.organisation.name) {
                recipients.append(principal.organisation.name)
            }
        } else if let reporter = draft.reporter {
            guard let organisation = try await organisation(reporter) else {
                throw EngineError(.invalidArgument, "no organisation '\(reporter)' (reporter)")
            }
            reporterID = organisation.id
        }
        let now = clock.nowMicroseconds() / 1000 * 1000
        let id = "case--" + Secrets.uuid()
        // 48 random bits: the IODEF id (and so the STIX id) of the case's incident must not collide.
        let reference = "CYBEX-" + String(id.dropFirst(6).prefix(13)).uppercased()
        let record = CaseRecord(
            id: id, ownerID: acting.organisation.id, collectionID: view.collection.id,
            incidentID: "", reference: reference, title: title, description: description, severity: draft.severity,
            classification: draft.classification, tlp: draft.tlp, recipients: recipients, reporterID: reporterID, created: now)
        var shared = record
        shared.incidentID = try await share(record, in: view, by: acting, modified: now)
        let events = [
            CaseEvent(
                time: now, actor: principal.user.username, kind: "created",
                detail: "\(title) (\(draft.severity.rawValue)\(draft.classification.map { ", " + $0.rawValue } ?? ""))")
        ]
        try await store.createCase(
            shared, events: events,
            audit: [
                AuditEvent(
                    time: now, actor: principal.user.username, action: "case.create", target: id, detail: "\(reference): \(title)"
                )
            ])
        return try await self.view(of: shared, for: principal)
    }

    // MARK: Reading

    /// The case `id` as the principal may see it; `notFound` when it may not see it at all.
    public func view(id: String, for principal: Principal) async throws -> View {
        guard let record = try await store.caseRecord(id: id) else { throw Self.notFound(id) }
        guard let view = try await visible(record, for: principal) else { throw Self.notFound(id) }
        return view
    }

    /// Every case the principal may see, newest first; only those in `status` when given. Which
    /// incidents of others' cases the principal may read is asked once per collection, not per case.
    public func list(for principal: Principal, status: CaseStatus? = nil) async throws -> [View] {
        let records = try await store.cases(ownerID: nil).filter { status == nil || $0.status == status }
        var readable: [String: Set<String>] = [:]
        let others = records.filter { $0.ownerID != principal.organisation.id && $0.reporterID != principal.organisation.id }
        for (collectionID, cases) in Dictionary(grouping: others, by: \.collectionID) {
            readable[collectionID] = try await readableIncidents(cases.map(\.incidentID), in: collectionID, for: principal)
        }
        var views: [View] = []
        for record in records {
            if let view = try await visible(record, for: principal, readable: readable[record.collectionID]) {
                views.append(view)
            }
        }
        return views
    }

    /// Which of `ids` the principal may read in `collectionID` under the sharing policy (none when
    /// it may not read the collection, or it is gone).
    func readableIncidents(_ ids: [String], in collectionID: String, for principal: Principal) async throws -> Set<String> {
        var found: Set<String> = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            do {
                let page = try await collections.objects(
                    in: collectionID, matching: ObjectQuery(ids: chunk, limit: chunk.count * 4, withContent: false),
                    for: principal)
                found.formUnion(page.records.map(\.id))
            } catch let error as EngineError where error.code == .forbidden || error.code == .notFound {
                return []  // a collection it may not read (or that is gone)
            }
        }
        return found
    }

    /// The case's timeline (comments included), for those who see the whole case.
    public func timeline(id: String, for principal: Principal) async throws -> [CaseEvent] {
        let view = try await self.view(id: id, for: principal)
        guard view.full else { throw EngineError(.forbidden, "the timeline of case \(id) is for the organisation handling it") }
        return try await store.caseEvents(caseID: id)
    }

    /// The case as the principal may see it, or nil. `readable`, when given, is the set of
    /// incidents of the case's collection the principal may read (``list(for:status:)`` asks once).
    func visible(_ record: CaseRecord, for principal: Principal, readable: Set<String>? = nil) async throws -> View? {
        if principal.organisation.id == record.ownerID {
            return try await view(of: record, for: principal)
        }
        // Anyone else: only while the sharing policy lets them read the case's incident; the
        // constituent that reported it always sees what it reported.
        if principal.organisation.id != record.reporterID {
            var incidents = readable
            if incidents == nil {
                incidents = try await readableIncidents([record.incidentID], in: record.collectionID, for: principal)
            }
            guard incidents?.contains(record.incidentID) == true else { return nil }
        }
        var shareable = record
        shareable.assigneeID = nil
        shareable.tasks = []
        shareable.links = []
        shareable.triageBreached = nil
        shareable.resolveBreached = nil
        shareable.earlierResolveBreaches = 0
        var view = try await view(of: shareable, for: principal)
        view.full = false
        return view
    }

    func view(of record: CaseRecord, for principal: Principal) async throws -> View {
        let full = principal.organisation.id == record.ownerID
        let canChange = full && (principal.user.role == .analyst || principal.user.role == .admin)
        return View(
            record: record, full: full, canChange: canChange,
            ownerName: try await store.organisation(id: record.ownerID)?.name ?? record.ownerID,
            reporterName: try await record.reporterID.asyncMap { try await store.organisation(id: $0)?.name ?? $0 },
            assigneeName: try await record.assigneeID.asyncMap { try await store.user(id: $0)?.username ?? $0 })
    }

    // MARK: Changing

    /// Applies `changes` (in order) to case `id` as one change: one timeline entry and one audit
    /// entry each, one new version of the shared incident when shareable content changed.
    /// `forbidden` for someone who may see the case but not change it; `conflict` for a move the
    /// workflow does not allow.
    public func change(id: String, _ changes: [Change], by principal: Principal) async throws -> View {
        let current = try await view(id: id, for: principal)
        guard current.canChange else {
            throw EngineError(.forbidden, "only analysts and administrators of the organisation handling case \(id) change it")
        }
        var record = current.record
        let before = record
        let now = clock.nowMicroseconds() / 1000 * 1000
        let actor = principal.user.username
        var events: [CaseEvent] = []
        for change in changes {
            switch change {
            case .status(let status):
                guard status != record.status else { continue }
                guard record.status.next.contains(status) else {
                    throw EngineError(
                        .conflict,
                        "case \(id) cannot move from \(record.status.rawValue) to \(status.rawValue); from \(record.status.rawValue) it may move to "
                            + record.status.next.map(\.rawValue).sorted().joined(separator: ", "))
                }
                events.append(
                    CaseEvent(time: now, actor: actor, kind: "status", detail: "\(record.status.rawValue) → \(status.rawValue)"))
                record.status = status
                switch status {
                case .triaged, .inProgress, .waiting: if record.triaged == nil { record.triaged = now }
                case .resolved: record.resolved = now
                case .closed: record.closed = now
                case .reopened:
                    record.resolved = nil
                    record.closed = nil
                    record.resolveDue = now + record.severity.sla.resolve * 1_000_000
                    if record.resolveBreached != nil { record.earlierResolveBreaches += 1 }
                    record.resolveBreached = nil
                case .new: break
                }
            case .severity(let severity):
                guard severity != record.severity else { continue }
                events.append(
                    CaseEvent(
                        time: now, actor: actor, kind: "severity", detail: "\(record.severity.rawValue) → \(severity.rawValue)"))
                record.severity = severity
                record.triageDue = record.created + severity.sla.triage * 1_000_000
                record.resolveDue = record.created + severity.sla.resolve * 1_000_000
            case .classification(let classification):
                guard classification != record.classification else { continue }
                events.append(
                    CaseEvent(
                        time: now, actor: actor, kind: "classified",
                        detail: classification.map { "\($0.rawValue) (\($0.rsitTag))" } ?? "unclassified"))
                record.classification = classification
            case .assignee(let username):
                var assignee: String?
                if let username {
                    guard let user = try await store.user(named: username), user.organisationID == record.ownerID, !user.disabled
                    else {
                        throw EngineError(.invalidArgument, "no active user '\(username)' in the organisation handling the case")
                    }
                    assignee = user.id
                }
                guard assignee != record.assigneeID else { continue }
                events.append(CaseEvent(time: now, actor: actor, kind: "assigned", detail: username ?? "(nobody)"))
                record.assigneeID = assignee
            case .title(let title):
                let text = try Self.text(title, "title", maxLength: 500)
                guard text != record.title else { continue }
                events.append(CaseEvent(time: now, actor: actor, kind: "edited", detail: "title"))
                record.title = text
            case .description(let description):
                let text = try description.map { try Self.text($0, "description", maxLength: Self.maxText) }
                guard text != record.description else { continue }
                events.append(CaseEvent(time: now, actor: actor, kind: "edited", detail: "description"))
                record.description = text
            case .comment(let text):
                events.append(
                    CaseEvent(
                        time: now, actor: actor, kind: "comment", detail: try Self.text(text, "comment", maxLength: Self.maxText))
                )
            case .link(let ids):
                var added: [String] = []
                for objectID in ids where !record.links.contains(objectID) && !added.contains(objectID) {
                    let page = try await collections.objects(
                        in: record.collectionID, matching: ObjectQuery(ids: [objectID], limit: 1, withContent: false),
                        for: principal)
                    guard !page.records.isEmpty else {
                        throw EngineError(.notFound, "no object '\(objectID)' in collection '\(record.collectionID)'")
                    }
                    added.append(objectID)
                }
                guard !added.isEmpty else { continue }
                record.links += added
                events.append(CaseEvent(time: now, actor: actor, kind: "linked", detail: added.joined(separator: ", ")))
            case .addTask(let title):
                let text = try Self.text(title, "task", maxLength: 500)
                let task = CaseTask(id: (record.tasks.map(\.id).max() ?? 0) + 1, title: text)
                record.tasks.append(task)
                events.append(CaseEvent(time: now, actor: actor, kind: "task", detail: "#\(task.id) \(text)"))
            case .completeTask(let taskID):
                guard let index = record.tasks.firstIndex(where: { $0.id == taskID }) else {
                    throw EngineError(.notFound, "case \(id) has no task #\(taskID)")
                }
                guard !record.tasks[index].done else { continue }
                record.tasks[index].done = true
                events.append(
                    CaseEvent(time: now, actor: actor, kind: "task-done", detail: "#\(taskID) \(record.tasks[index].title)"))
            }
        }
        guard !events.isEmpty else { return current }
        record.updated = now
        record.revision += 1
        let newLinks = record.links.filter { !before.links.contains($0) }
        let reshare = Self.shareableContent(record) != Self.shareableContent(before)
        if reshare || !newLinks.isEmpty {
            let acting = try await acting(for: record, principal)
            let collectionView = try await collections.writableCollection(id: record.collectionID, for: acting)
            if reshare {
                let modified = max(now, record.shared + 1000)
                _ = try await share(record, in: collectionView, by: acting, modified: modified)
                record.shared = modified
            }
            if !newLinks.isEmpty { try await shareLinks(newLinks, of: record, in: collectionView, by: acting, at: now) }
        }
        try await store.updateCase(
            record, events: events,
            audit: events.map { AuditEvent(time: now, actor: actor, action: "case.\($0.kind)", target: id, detail: $0.detail) })
        return try await view(of: record, for: principal)
    }

    /// The principal the shared incident is versioned as: one of the handling organisation (only
    /// the creator of an object versions it), who alone may change the case.
    func acting(for record: CaseRecord, _ principal: Principal) async throws -> Principal {
        principal
    }

    func ownerOrganisation(_ record: CaseRecord) async throws -> Organisation {
        guard let organisation = try await store.organisation(id: record.ownerID) else {
            throw EngineError(.notFound, "the organisation handling case \(record.id) no longer exists")
        }
        return organisation
    }

    /// What a new version of the shared incident depends on.
    static func shareableContent(_ record: CaseRecord) -> [String] {
        [
            record.title, record.description ?? "", record.status.iodefStatus, record.severity.rawValue,
            record.classification?.rawValue ?? "", record.tlp?.rawValue ?? "", record.recipients.joined(separator: ","),
        ]
    }

    // MARK: Helpers

    func organisation(_ reference: String) async throws -> Organisation? {
        if let named = try await store.organisation(named: reference) { return named }
        return try await store.organisation(id: reference)
    }

    static func notFound(_ id: String) -> EngineError { EngineError(.notFound, "no case '\(id)'") }

    static func text(_ value: String, _ field: String, maxLength: Int) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw EngineError(.invalidArgument, "\(field) must not be empty") }
        guard trimmed.count <= maxLength else {
            throw EngineError(.invalidArgument, "\(field) is longer than \(maxLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else {
            throw EngineError(.invalidArgument, "\(field) holds control characters")
        }
        return trimmed
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

extension Engine {
    /// Incident cases, issuing IODEF ids under `issuer` and timing SLAs by `clock`.
    public func cases(issuer: String, clock: any WallClock = SystemWallClock()) -> CaseService {
        CaseService(store: store, collections: collections, clock: clock, issuer: issuer)
    }
}
