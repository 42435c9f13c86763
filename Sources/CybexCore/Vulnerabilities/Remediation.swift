/// A remediation duty (docs/VULNERABILITIES.md, "Remediation duties"): what one organisation owes for one
/// vulnerability that affects a product of its inventory — in which role (ITU-T Resolution 50's equipment
/// vendor, software provider, service provider or end user), in which state, by when — with its history.
/// Made by the exposure check, changed by the organisation's analysts, escalated by the
/// `remediation-escalation` job when it runs past its due date while open.
public struct RemediationRecord: Sendable, Codable, Equatable {
    public var id: String
    /// The organisation that owes the remediation.
    public var organisationID: String
    /// The STIX `vulnerability` (its id) and, when it has one, its CVE id and its name.
    public var vulnerabilityID: String
    public var cve: String?
    public var title: String
    /// The responsible party's role: from the organisation's profile when the record is made, changed by
    /// its analysts.
    public var role: EcosystemRole
    public var status: RemediationStatus
    public var severity: RemediationSeverity
    /// The vulnerability's score in tenths, when it has one.
    public var score: Int?
    /// The inventory items the vulnerability affects (or may affect), with how each was decided.
    public var products: [RemediationProduct]
    /// What its notifications name: an object (the vulnerability, or the VEX note that made the duty) in a
    /// collection the organisation reads.
    public var noticeObjectID: String?
    public var noticeCollectionID: String?
    /// Microseconds since the epoch.
    public var created: Int64
    public var updated: Int64
    public var due: Int64
    /// When the duty was found overdue and escalated (once per due date).
    public var escalated: Int64?
    /// Whether a person set the status: the exposure check then records what it finds in the history
    /// but leaves the status as set.
    public var statusSetByPerson: Bool
    public var history: [RemediationEvent]
    /// How many of the oldest history entries were dropped to keep ``maxHistory``.
    public var droppedHistory: Int
    /// Bumped on every change; a change made from an older revision is refused.
    public var revision: Int64

    /// The most history entries a record keeps (the newest).
    public static let maxHistory = 200

    public init(
        id: String, organisationID: String, vulnerabilityID: String, cve: String?, title: String, role: EcosystemRole,
        status: RemediationStatus, score: Int?, products: [RemediationProduct], created: Int64
    ) {
        self.id = id
        self.organisationID = organisationID
        self.vulnerabilityID = vulnerabilityID
        self.cve = cve
        self.title = title
        self.role = role
        self.status = status
        self.severity = RemediationSeverity(score: score)
        self.score = score
        self.products = products
        self.created = created
        self.updated = created
        self.due = created + severity.window * 1_000_000
        self.escalated = nil
        self.statusSetByPerson = false
        self.history = []
        self.droppedHistory = 0
        self.revision = 1
    }

    /// Whether the duty is open and past its due date at `now`.
    public func isOverdue(at now: Int64) -> Bool { status.isOpen && now > due }

    /// Appends `event`, dropping the oldest beyond ``maxHistory``.
    public mutating func record(_ event: RemediationEvent) {
        history.append(event)
        if history.count > Self.maxHistory {
            let excess = history.count - Self.maxHistory
            history.removeFirst(excess)
            droppedHistory += excess
        }
    }
}

/// The states of a remediation duty. Open: under investigation, affected, fix available. Closed: patched,
/// mitigated, not affected, will not fix.
public enum RemediationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case underInvestigation = "under-investigation"
    case affected
    case fixAvailable = "fix-available"
    case patched
    case mitigated
    case notAffected = "not-affected"
    case willNotFix = "will-not-fix"

    public var isOpen: Bool { self == .underInvestigation || self == .affected || self == .fixAvailable }
}

/// The severity a duty's due date follows, from the vulnerability's score (CVSS qualitative ratings).
public enum RemediationSeverity: String, Sendable, Hashable, Codable, CaseIterable {
    case critical, high, medium, low
    /// No score (or 0.0): the medium window.
    case unscored

    /// The severity of a score in tenths.
    public init(score: Int?) {
        switch score {
        case .some(90...): self = .critical
        case .some(70..<90): self = .high
        case .some(40..<70): self = .medium
        case .some(1..<40): self = .low
        default: self = .unscored
        }
    }

    /// How long after the duty is made it is due, in seconds: 15 days for critical, 30 for high, 90 for
    /// medium and unscored, 180 for low.
    public var window: Int64 {
        let day: Int64 = 86_400
        switch self {
        case .critical: return 15 * day
        case .high: return 30 * day
        case .medium, .unscored: return 90 * day
        case .low: return 180 * day
        }
    }
}

/// An inventory item a duty covers, and what the exposure check found for it.
public struct RemediationProduct: Sendable, Codable, Hashable {
    /// The item (its CPE or purl, as the inventory keeps it).
    public var item: String
    /// `affected`, or `unknown` when the advisory leaves the item's version undecided.
    public var status: String
    /// How it was decided: the affected entry and version rule, or the VEX statement that settled it.
    public var reason: String

    public init(item: String, status: String, reason: String) {
        self.item = item
        self.status = status
        self.reason = reason
    }
}

/// One entry of a duty's history.
public struct RemediationEvent: Sendable, Codable, Equatable {
    public var time: Int64
    public var actor: String
    /// created, status, role, note, exposure, vex, escalated, due.
    public var kind: String
    public var detail: String

    public init(time: Int64, actor: String, kind: String, detail: String) {
        self.time = time
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}
