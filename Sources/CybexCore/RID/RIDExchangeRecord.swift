/// One RID exchange as this node keeps it (docs/RID.md): a request this node sent, or one it
/// received and answered or forwarded, with every message of it and the path its answer took.
/// ``RIDExchangeState`` says where it stands; the state machine in Formats
/// (`RIDExchange`) decides every step.
public struct RIDExchangeRecord: Sendable, Codable, Equatable {
    /// `rid--` and a UUID.
    public var id: String
    /// What was asked.
    public var kind: RIDExchangeKind
    /// Whether this node asked (`requester`) or was asked (`responder`).
    public var role: RIDExchangeRole
    public var state: RIDExchangeState
    /// The IODEF incident the exchange is about: its IncidentID's `name` and value.
    public var incidentName: String
    public var incidentID: String
    /// The case on this node that the exchange belongs to.
    public var caseID: String?
    /// The peer that asked this node (responder) or nil (requester).
    public var upstream: String?
    /// The peer this node asked: the first hop (requester) or the next one it forwarded to.
    public var downstream: String?
    /// The address (or other value) a trace or an investigation is about.
    public var subject: String?
    /// The nodes the request went through, in order, as the answer reported them (the asking
    /// node first, the answering one last).
    public var path: [String]
    /// What the answer says, in words (source found where, or why refused).
    public var outcome: String?
    /// Whether the answer found the source.
    public var sourceFound: Bool?
    public var messages: [RIDMessageLog]
    /// Microseconds since the epoch.
    public var created: Int64
    public var updated: Int64
    /// Bumped on every change; a change from an older revision is refused.
    public var revision: Int64

    public init(
        id: String, kind: RIDExchangeKind, role: RIDExchangeRole, incidentName: String, incidentID: String,
        caseID: String?, upstream: String?, subject: String?, created: Int64
    ) {
        self.id = id
        self.kind = kind
        self.role = role
        self.state = .new
        self.incidentName = incidentName
        self.incidentID = incidentID
        self.caseID = caseID
        self.upstream = upstream
        self.downstream = nil
        self.subject = subject
        self.path = []
        self.outcome = nil
        self.sourceFound = nil
        self.messages = []
        self.created = created
        self.updated = created
        self.revision = 1
    }

    /// The key an open exchange is found by when a message arrives: its role, its incident, and
    /// the peer it waits on (the one it sent to) or, before it sent anything, the one that asked.
    /// At most one exchange has a key: a request repeated while the first is open is refused.
    /// An exchange that ended, and a query or report this node answered (at once, and they may
    /// repeat), is keyed by its id: nothing more is found by the key, and the same request may be
    /// made again.
    public var key: String {
        if state.isFinal || (role == .responder && (kind == .query || kind == .report)) { return "\(role.rawValue) \(id)" }
        return Self.key(role: role, incidentName: incidentName, incidentID: incidentID, peer: downstream ?? upstream ?? "")
    }

    public static func key(role: RIDExchangeRole, incidentName: String, incidentID: String, peer: String) -> String {
        "\(role.rawValue) \(peer) \(incidentName) \(incidentID)"
    }
}

/// What an exchange asks.
public enum RIDExchangeKind: String, Sendable, Codable, CaseIterable {
    /// Find the source of an attack (a Request about an incident of purpose `traceback`).
    case trace
    /// Act on a known source (a Request of purpose `mitigation`).
    case investigation
    /// Share an incident, nothing asked (Report).
    case report
    /// Ask what a peer holds about an incident (Query).
    case query
}

public enum RIDExchangeRole: String, Sendable, Codable {
    case requester
    case responder
}

/// Where an exchange stands (docs/RID.md, "The exchange as a state machine").
public enum RIDExchangeState: String, Sendable, Codable, CaseIterable {
    /// Made, nothing sent or answered yet.
    case new
    /// Sent (requester) or forwarded to the next hop (responder), no answer yet.
    case sent
    /// The peer acknowledged it as pending: a Result will follow.
    case pending
    /// Answered: a Result (request) or a Report (query) came or went back.
    case answered
    /// Acknowledged (a report) or approved with nothing more to come.
    case acknowledged
    /// Refused, by a peer or by this node's policy.
    case denied
    /// The message could not be delivered.
    case failed

    /// Whether nothing more is expected.
    public var isFinal: Bool { self == .answered || self == .acknowledged || self == .denied || self == .failed }
}

/// One message of an exchange, as sent or received.
public struct RIDMessageLog: Sendable, Codable, Equatable {
    public var time: Int64
    /// `in` or `out`.
    public var direction: String
    public var peer: String
    public var type: RIDMessageType
    /// The Acknowledgement's status (`Approved`, `Denied`, `Pending`), when it is one.
    public var status: String?
    /// Why, for a denial or a failure.
    public var detail: String?

    public init(time: Int64, direction: String, peer: String, type: RIDMessageType, status: String? = nil, detail: String? = nil)
    {
        self.time = time
        self.direction = direction
        self.peer = peer
        self.type = type
        self.status = status
        self.detail = detail
    }
}
