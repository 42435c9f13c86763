/// Where an incident case is in its handling. The workflow allows these moves (anything else is
/// refused): new → triaged, in progress, closed; triaged → in progress, waiting, resolved, closed;
/// in progress ⇄ waiting; in progress, waiting → resolved, closed; resolved → closed, reopened;
/// closed → reopened; reopened → triaged, in progress, waiting, resolved, closed.
public enum CaseStatus: String, Sendable, Codable, CaseIterable {
    case new
    case triaged
    case inProgress = "in-progress"
    case waiting
    case resolved
    case closed
    case reopened

    /// The statuses a case may move to from this one.
    public var next: Set<CaseStatus> {
        switch self {
        case .new: [.triaged, .inProgress, .closed]
        case .triaged: [.inProgress, .waiting, .resolved, .closed]
        case .inProgress: [.waiting, .resolved, .closed]
        case .waiting: [.inProgress, .resolved, .closed]
        case .resolved: [.closed, .reopened]
        case .closed: [.reopened]
        case .reopened: [.triaged, .inProgress, .waiting, .resolved, .closed]
        }
    }

    /// Whether the case still runs SLA timers (not resolved or closed).
    public var isOpen: Bool { self != .resolved && self != .closed }

    /// The IODEF `Incident@status` the shareable incident carries for this status.
    public var iodefStatus: String {
        switch self {
        case .new: "new"
        case .triaged, .inProgress, .waiting, .reopened: "in-progress"
        case .resolved, .closed: "resolved"
        }
    }
}

/// How severe a case is, and so how soon it must be triaged and resolved.
public enum CaseSeverity: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    /// The default SLA: time to triage and time to resolve, in seconds (docs/INCIDENTS.md).
    public var sla: (triage: Int64, resolve: Int64) {
        switch self {
        case .critical: (3600, 24 * 3600)
        case .high: (4 * 3600, 3 * 24 * 3600)
        case .medium: (24 * 3600, 7 * 24 * 3600)
        case .low: (3 * 24 * 3600, 30 * 24 * 3600)
        }
    }

    /// IODEF's `severity` (low, medium, high): critical is written high.
    public var iodefSeverity: String { self == .critical ? "high" : rawValue }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: CaseSeverity, rhs: CaseSeverity) -> Bool { lhs.rank < rhs.rank }
}
