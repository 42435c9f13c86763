/// An incident case: the working part of an incident a CIRT handles (docs/INCIDENTS.md). Its
/// shareable part is a STIX `incident` object (``incidentID``) in ``collectionID``, versioned only
/// when shareable content changes; the working part (assignee, tasks, comments, timeline, SLA
/// timers) stays with the organisation that handles it.
public struct CaseRecord: Sendable, Codable, Equatable {
    public var id: String
    /// The organisation handling the case (its analysts change it).
    public var ownerID: String
    public var collectionID: String
    /// The STIX `incident` object the case shares.
    public var incidentID: String
    /// The id the case's incident has in IODEF (`IncidentID`), issued by the node.
    public var reference: String
    public var title: String
    public var description: String?
    public var status: CaseStatus
    public var severity: CaseSeverity
    public var classification: IncidentClass?
    /// The TLP level of the shared incident (nil: the poster's default) and, at TLP:RED, the
    /// organisations it is addressed to.
    public var tlp: TLPLevel?
    public var recipients: [String]
    /// The constituent that reported it, when one did.
    public var reporterID: String?
    public var assigneeID: String?
    public var tasks: [CaseTask]
    /// The objects linked to the case (indicators, observables, vulnerabilities), by STIX id.
    public var links: [String]
    /// Microseconds since the epoch.
    public var created: Int64
    public var updated: Int64
    public var triaged: Int64?
    public var resolved: Int64?
    public var closed: Int64?
    public var triageDue: Int64
    public var resolveDue: Int64
    /// When each SLA was found breached.
    public var triageBreached: Int64?
    public var resolveBreached: Int64?
    /// Resolution SLAs breached before the case was last reopened (each reopening starts a new one).
    public var earlierResolveBreaches: Int
    /// The `modified` of the shared incident's newest version (microseconds).
    public var shared: Int64
    /// Whether the shared incident came from an IODEF document: a new version then changes that
    /// incident's status and classification and keeps the rest of what it was imported with.
    public var imported: Bool
    /// Bumped on every change; a change made from an older revision is refused.
    public var revision: Int64

    public init(
        id: String, ownerID: String, collectionID: String, incidentID: String, reference: String, title: String,
        description: String?, severity: CaseSeverity, classification: IncidentClass?, tlp: TLPLevel?, recipients: [String],
        reporterID: String?, created: Int64
    ) {
        self.id = id
        self.ownerID = ownerID
        self.collectionID = collectionID
        self.incidentID = incidentID
        self.reference = reference
        self.title = title
        self.description = description
        self.status = .new
        self.severity = severity
        self.classification = classification
        self.tlp = tlp
        self.recipients = recipients
        self.reporterID = reporterID
        self.assigneeID = nil
        self.tasks = []
        self.links = []
        self.created = created
        self.updated = created
        self.triageDue = created + severity.sla.triage * 1_000_000
        self.resolveDue = created + severity.sla.resolve * 1_000_000
        self.shared = created
        self.imported = false
        self.earlierResolveBreaches = 0
        self.revision = 1
    }

    /// Whether `now` is past a deadline that has not been met and not yet recorded as breached:
    /// triage while the case is new, resolution while it is open.
    public func dueBreaches(at now: Int64) -> (triage: Bool, resolve: Bool) {
        let triage = triageBreached == nil && triaged == nil && status == .new && now > triageDue
        let resolve = resolveBreached == nil && status.isOpen && now > resolveDue
        return (triage, resolve)
    }
}

/// A task of a case.
public struct CaseTask: Sendable, Codable, Equatable {
    public var id: Int
    public var title: String
    public var done: Bool

    public init(id: Int, title: String, done: Bool = false) {
        self.id = id
        self.title = title
        self.done = done
    }
}

/// One entry of a case's timeline: what happened, when, by whom. Comments are entries of kind
/// `comment`.
public struct CaseEvent: Sendable, Codable, Equatable {
    public var time: Int64
    public var actor: String
    /// created, classified, severity, assigned, status, comment, linked, task, task-done, edited, sla-breach.
    public var kind: String
    public var detail: String

    public init(time: Int64, actor: String, kind: String, detail: String) {
        self.time = time
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}
