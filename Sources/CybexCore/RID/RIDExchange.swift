/// One RID exchange as a value-type state machine (docs/RID.md, "The exchange as a state
/// machine"): each step takes what happened (a message came, this node decided, a delivery
/// failed), changes ``record`` and returns what to do, as ``RIDAction`` values the Engine carries
/// out (post a message, answer the asking peer, write on the case). It does no I/O, so every path
/// is tested without sockets (`RIDExchangeTests`).
///
/// The pairings are RFC 6546 section 3's: a Request is answered by an Acknowledgement or a
/// Result, a Query by an Acknowledgement or a Report, a Report by an Acknowledgement or nothing;
/// Results and Acknowledgements are answered by nothing.
///
/// ```swift
/// var exchange = RIDExchange.requesting(.trace, incident: incident, caseID: id, subject: "192.0.2.7", at: now)
/// let actions = exchange.send(to: "peer-b", at: now)           // [.post(.traceRequest, to: "peer-b"), .note(...)]
/// let next = try exchange.received(reply, at: now)             // [.note("... source found ...")]
/// ```
public struct RIDExchange: Sendable, Equatable {
    public private(set) var record: RIDExchangeRecord

    public init(_ record: RIDExchangeRecord) {
        self.record = record
    }

    /// A new exchange this node starts.
    public static func requesting(
        _ kind: RIDExchangeKind, id: String, incident: (name: String, id: String), caseID: String?, subject: String?,
        at time: Int64
    ) -> RIDExchange {
        RIDExchange(
            RIDExchangeRecord(
                id: id, kind: kind, role: .requester, incidentName: incident.name, incidentID: incident.id, caseID: caseID,
                upstream: nil, subject: subject, created: time))
    }

    /// A new exchange for a message `peer` sent this node (a Request, a Query or a Report): the
    /// message is logged; a ``decide(_:at:)`` answers it.
    public static func responding(
        to message: RIDReceived, id: String, incident: (name: String, id: String), caseID: String?, subject: String?
    ) throws(RIDExchangeError) -> RIDExchange {
        let kind: RIDExchangeKind
        switch message.type {
        case .traceRequest: kind = .trace
        case .investigationRequest: kind = .investigation
        case .query: kind = .query
        case .report: kind = .report
        case .acknowledgement, .result:
            throw RIDExchangeError("a \(message.type.rawValue) answers a message of this node's; it starts no exchange")
        }
        var record = RIDExchangeRecord(
            id: id, kind: kind, role: .responder, incidentName: incident.name, incidentID: incident.id, caseID: caseID,
            upstream: message.peer, subject: subject, created: message.time)
        record.path = message.path
        record.messages.append(RIDMessageLog(time: message.time, direction: "in", peer: message.peer, type: message.type))
        return RIDExchange(record)
    }

    /// The message type that asks for `kind`.
    public static func requestType(of kind: RIDExchangeKind) -> RIDMessageType {
        switch kind {
        case .trace: .traceRequest
        case .investigation: .investigationRequest
        case .report: .report
        case .query: .query
        }
    }

    // MARK: The requester

    /// Sends the exchange's first message to `peer`.
    public mutating func send(to peer: String, at time: Int64) throws(RIDExchangeError) -> [RIDAction] {
        guard record.role == .requester, record.state == .new else {
            throw RIDExchangeError("exchange \(record.id) was sent already (\(record.state.rawValue))")
        }
        let type = Self.requestType(of: record.kind)
        record.downstream = peer
        record.state = .sent
        log(.out, peer: peer, type: type, at: time)
        return [.post(type, to: peer), .note("sent a RID \(type.rawValue)\(about) to \(peer)")]
    }

    // MARK: The responder

    /// What this node decided about a message it was sent.
    public enum Decision: Sendable, Equatable {
        /// Answer a Request with a Result: the source is (or is not) in this node's constituency.
        case result(sourceFound: Bool, detail: String)
        /// Pass a Request on to `peer`, the one responsible for the next network.
        case forward(to: String)
        /// Answer a Query with a Report of what the asking peer may see.
        case report
        /// Take a Report: answer it with an approving Acknowledgement.
        case accept
        /// Refuse, with an RFC 6545 Justification (or nil and the reason in `detail`).
        case deny(justification: String?, detail: String)
    }

    /// Carries out this node's decision about the message that started the exchange.
    public mutating func decide(_ decision: Decision, at time: Int64) throws(RIDExchangeError) -> [RIDAction] {
        guard record.role == .responder, record.state == .new, let upstream = record.upstream else {
            throw RIDExchangeError("exchange \(record.id) is not waiting for this node's decision (\(record.state.rawValue))")
        }
        switch decision {
        case .result(let found, let detail):
            guard record.kind == .trace || record.kind == .investigation else { throw wrongDecision(decision) }
            record.state = .answered
            record.sourceFound = found
            record.outcome = detail
            log(.out, peer: upstream, type: .result, at: time)
            return [.answer(.result, status: nil), .note("answered \(upstream)'s RID request\(about): \(detail)")]
        case .forward(let peer):
            guard record.kind == .trace || record.kind == .investigation else { throw wrongDecision(decision) }
            guard peer != upstream else { throw RIDExchangeError("a request is not forwarded back to the peer that sent it") }
            record.state = .sent
            record.downstream = peer
            let type = Self.requestType(of: record.kind)
            log(.out, peer: peer, type: type, at: time)
            return [.post(type, to: peer), .note("forwarded \(upstream)'s RID \(type.rawValue)\(about) to \(peer)")]
        case .report:
            guard record.kind == .query else { throw wrongDecision(decision) }
            record.state = .answered
            log(.out, peer: upstream, type: .report, at: time)
            return [.answer(.report, status: nil), .note("answered \(upstream)'s RID Query with a Report")]
        case .accept:
            guard record.kind == .report else { throw wrongDecision(decision) }
            record.state = .acknowledged
            log(.out, peer: upstream, type: .acknowledgement, status: "Approved", at: time)
            return [.answer(.acknowledgement, status: .approved), .note("took \(upstream)'s RID Report")]
        case .deny(let justification, let detail):
            record.state = .denied
            record.outcome = detail
            let status = RIDRequestStatusValue.denied(justification, detail: detail)
            log(.out, peer: upstream, type: .acknowledgement, status: "Denied", detail: detail, at: time)
            return [.answer(.acknowledgement, status: status), .note("refused \(upstream)'s RID message\(about): \(detail)")]
        }
    }

    // MARK: Answers

    /// An answer from the peer this exchange is waiting on: in the body of the response to a post,
    /// or posted back later (a callback). Throws when it does not pair with what was sent, comes
    /// from another peer, or comes after the exchange ended.
    public mutating func received(_ message: RIDReceived) throws(RIDExchangeError) -> [RIDAction] {
        guard let downstream = record.downstream, record.state == .sent || record.state == .pending else {
            throw RIDExchangeError("exchange \(record.id) is not waiting for an answer (\(record.state.rawValue))")
        }
        guard message.peer == downstream else {
            throw RIDExchangeError("exchange \(record.id) waits on \(downstream), not on \(message.peer)")
        }
        let asked = Self.requestType(of: record.kind)
        let pairs: Set<RIDMessageType> =
            switch record.kind {
            case .trace, .investigation: [.acknowledgement, .result]
            case .query: [.acknowledgement, .report]
            case .report: [.acknowledgement]
            }
        guard pairs.contains(message.type) else {
            throw RIDExchangeError("a \(message.type.rawValue) does not answer a \(asked.rawValue)")
        }
        log(
            .in, peer: message.peer, type: message.type, status: message.status?.authorization, detail: message.status?.detail,
            at: message.time)
        let relaying = record.role == .responder
        switch message.type {
        case .result:
            record.state = .answered
            record.sourceFound = message.sourceFound
            record.path = message.path
            record.outcome = message.detail
            let found = message.sourceFound == true ? "source found" : "source not found"
            var actions: [RIDAction] = [
                .note("RID Result from \(message.peer)\(about): \(found); path \(message.path.joined(separator: " → "))")
            ]
            if relaying, let upstream = record.upstream {
                log(.out, peer: upstream, type: .result, at: message.time)
                actions.insert(.answer(.result, status: nil), at: 0)
            }
            return actions
        case .report:
            record.state = .answered
            return [.importDocument, .note("RID Report from \(message.peer) in answer to the Query")]
        default:
            let status = message.status ?? RIDRequestStatusValue(authorization: "Approved")
            switch status.authorization {
            case "Denied":
                record.state = .denied
                record.outcome = status.detail ?? status.justification ?? "denied"
            case "Pending":
                record.state = .pending
            default:
                record.state = record.kind == .report ? .acknowledged : .pending
            }
            var actions: [RIDAction] = [
                .note(
                    "RID Acknowledgement from \(message.peer)\(about): \(status.authorization)\(status.detail.map { " (\($0))" } ?? "")"
                )
            ]
            if relaying, let upstream = record.upstream {
                log(
                    .out, peer: upstream, type: .acknowledgement, status: status.authorization, detail: status.detail,
                    at: message.time)
                actions.insert(.answer(.acknowledgement, status: status), at: 0)
            }
            return actions
        }
    }

    /// The message to `peer` could not be delivered (or its answer was not a RID message).
    public mutating func deliveryFailed(to peer: String, reason: String, at time: Int64) -> [RIDAction] {
        record.outcome = "\(peer) could not be reached: \(reason)"
        if record.role == .responder, let upstream = record.upstream {
            record.state = .denied
            let status = RIDRequestStatusValue.denied("SystemResource", detail: "the next hop could not be reached")
            log(.out, peer: upstream, type: .acknowledgement, status: "Denied", detail: status.detail, at: time)
            return [.answer(.acknowledgement, status: status), .note("could not forward to \(peer): \(reason)")]
        }
        record.state = .failed
        return [.note("the RID message to \(peer) could not be delivered: \(reason)")]
    }

    /// Marks the record as one revision newer, before it is stored over the one it was read at.
    public mutating func advanceRevision() {
        record.revision += 1
    }

    // MARK: -

    var about: String { record.subject.map { " about \($0)" } ?? "" }

    func wrongDecision(_ decision: Decision) -> RIDExchangeError {
        RIDExchangeError("\(decision) does not answer a \(record.kind.rawValue) exchange")
    }

    enum Direction: String { case `in`, out }

    mutating func log(
        _ direction: Direction, peer: String, type: RIDMessageType, status: String? = nil, detail: String? = nil, at time: Int64
    ) {
        record.messages.append(
            RIDMessageLog(time: time, direction: direction.rawValue, peer: peer, type: type, status: status, detail: detail))
        record.updated = max(record.updated, time)
    }
}

/// A message that reached an exchange, as the state machine needs it (the Engine reads it from
/// the RID document).
public struct RIDReceived: Sendable, Equatable {
    public var type: RIDMessageType
    public var peer: String
    public var time: Int64
    public var status: RIDRequestStatusValue?
    /// A Result's `SourceFound`.
    public var sourceFound: Bool?
    /// The nodes the message went through, as its IODEF History states them.
    public var path: [String]
    /// A Result's words (where the source was found, or why not).
    public var detail: String?

    public init(
        type: RIDMessageType, peer: String, time: Int64, status: RIDRequestStatusValue? = nil, sourceFound: Bool? = nil,
        path: [String] = [], detail: String? = nil
    ) {
        self.type = type
        self.peer = peer
        self.time = time
        self.status = status
        self.sourceFound = sourceFound
        self.path = path
        self.detail = detail
    }
}

/// An Acknowledgement's status as the state machine speaks it (Formats' `RIDRequestStatus` is
/// the same on the wire).
public struct RIDRequestStatusValue: Sendable, Equatable {
    public var authorization: String
    public var justification: String?
    public var detail: String?

    public init(authorization: String, justification: String? = nil, detail: String? = nil) {
        self.authorization = authorization
        self.justification = justification
        self.detail = detail
    }

    public static let approved = RIDRequestStatusValue(authorization: "Approved")
    public static let pending = RIDRequestStatusValue(authorization: "Pending")

    /// A denial; without an RFC 6545 justification, `ext-value` with `detail` as the reason.
    public static func denied(_ justification: String?, detail: String?) -> RIDRequestStatusValue {
        RIDRequestStatusValue(authorization: "Denied", justification: justification ?? "ext-value", detail: detail)
    }
}

/// What the Engine does for a step of an exchange.
public enum RIDAction: Sendable, Equatable {
    /// Post a new message of `type` to `peer` (the first hop, or the next one).
    case post(RIDMessageType, to: String)
    /// Answer the peer that asked, with a message of `type` (and `status` for an Acknowledgement):
    /// in the response to its post, or by a callback.
    case answer(RIDMessageType, status: RIDRequestStatusValue?)
    /// Store the IODEF document the answer carried (a Report answering a Query).
    case importDocument
    /// A line for the case's timeline.
    case note(String)
}

/// A step the exchange cannot take.
public struct RIDExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
