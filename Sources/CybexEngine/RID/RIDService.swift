public import CybexCore
import CybexFormats
import CybexStore
import Foundation
public import Logging

/// RID between CIRTs (RFC 6545, RFC 6546; docs/RID.md): this node sends trace and investigation
/// requests, reports and queries about its cases to peers, and answers theirs: it traces an
/// address to its own constituency, forwards a request it cannot answer to the peer responsible
/// for the next network (constituency and enrichment), and relays the answer back along the path,
/// recorded on the case. Every exchange is a ``RIDExchange`` state machine; this service carries
/// out its actions.
///
/// What a peer is told is what the peer's organisation may read under the sharing policy: a case's
/// incident is sent only when that organisation may read it, a request is forwarded only when the
/// next peer's organisation may read it, and a Query is answered only with what the asking peer
/// may read. A Result states what was found and the path, nothing the answering node stores.
public struct RIDService: Sendable {
    let store: any Store
    let collections: CollectionService
    let cases: CaseService
    let transport: any RIDTransport
    /// The name this node signs its hops with (its DNS name).
    public let nodeName: String
    let clock: any WallClock
    let logger: Logger

    /// The most nodes a request goes through; a longer path is refused as a likely loop.
    public static let maxHops = 8

    init(
        store: any Store, collections: CollectionService, cases: CaseService, transport: any RIDTransport, nodeName: String,
        clock: any WallClock, logger: Logger
    ) {
        self.store = store
        self.collections = collections
        self.cases = cases
        self.transport = transport
        self.nodeName = nodeName
        self.clock = clock
        self.logger = logger
    }

    // MARK: Sending

    /// Sends a `kind` message about case `caseID` to `peerName`, as an analyst or administrator of
    /// the organisation handling the case: the case's incident as that peer's organisation may
    /// read it (`forbidden`, and nothing sent, when it may not). A trace or an investigation is
    /// about `subject`, or the incident's first source address. Returns the exchange as it stands
    /// after the peer's answer (the answer of a trace may come later, by callback).
    public func send(_ kind: RIDExchangeKind, caseID: String, to peerName: String, subject: String?, by principal: Principal)
        async throws -> RIDExchangeRecord
    {
        let view = try await cases.view(id: caseID, for: principal)
        guard view.canChange else {
            throw EngineError(
                .forbidden,
                "only analysts and administrators of the organisation handling case \(caseID) send RID messages about it")
        }
        let record = view.record
        let peer = try await peer(named: peerName)
        let reader = try await peerPrincipal(of: peer)
        guard
            var incident = try await collections.iodefIncident(
                record.incidentID, in: record.collectionID, for: reader, issuer: cases.issuer)
        else {
            throw EngineError(
                .forbidden,
                "peer \(peer.name) (organisation \(reader.organisation.name)) may not read case \(caseID)'s incident under the sharing policy; nothing was sent"
            )
        }
        guard let incidentID = RIDIncident.incidentID(of: incident) else {
            throw EngineError(.invalidArgument, "case \(caseID)'s incident has no IncidentID")
        }
        var subject = subject?.trimmingCharacters(in: .whitespacesAndNewlines)
        if kind == .trace || kind == .investigation {
            subject = subject ?? RIDIncident.sourceAddress(of: incident)
            guard let address = subject, let network = IPNetwork(address), network.prefixLength == network.address.count * 8
            else {
                throw EngineError(
                    .invalidArgument,
                    "a \(kind.rawValue) is about one IP address: give it, or record the source address in the incident")
            }
            subject = IPNetwork.text(network.address)
            incident = RIDIncident.withSource(incident, address: IPNetwork.text(network.address))
        }
        let now = clock.nowMicroseconds()
        switch kind {
        case .trace: incident = RIDIncident.withPurpose(incident, "traceback")
        case .investigation: incident = RIDIncident.withPurpose(incident, "mitigation")
        case .report: incident = RIDIncident.withPurpose(incident, "reporting")
        case .query: break
        }
        incident = RIDIncident.addingHop(to: incident, node: nodeName, what: "\(kind.rawValue) sent to \(peer.name)", at: now)
        var exchange = RIDExchange.requesting(
            kind, id: "rid--" + Secrets.uuid(), incident: (incidentID.name, incidentID.id), caseID: caseID, subject: subject,
            at: now)
        let actions = try exchange.send(to: peer.name, at: now)
        try await create(exchange, actions: actions, actor: principal.user.username)
        let message = request(
            kind, incident: incident, id: incidentID, subject: subject, to: peer, trafficTypes: ["Attack"])
        return try await deliver(message, to: peer, exchange: &exchange, actor: principal.user.username)
    }

    /// The message asking `kind` about `incident`.
    func request(
        _ kind: RIDExchangeKind, incident: XMLTree.Element, id: RIDIncidentID, subject: String?, to peer: RIDPeer,
        trafficTypes: [String]
    ) -> RIDMessage {
        let type = RIDExchange.requestType(of: kind)
        let node: RIDNode =
            if kind == .investigation, let subject {
                RIDNode(addresses: [subject])
            } else {
                RIDNode(names: [URL(string: peer.endpoint)?.host ?? peer.name])
            }
        return RIDMessage(
            type: type, destination: kind == .investigation ? "SourceOfIncident" : "RIDSystem", node: node,
            trafficTypes: trafficTypes, incident: id,
            document: kind == .query ? nil : IODEFDocument(incidents: [incident]))
    }

    /// Posts `message` to `peer` for `exchange` (made and stored already) and takes the answer in
    /// the response, if one came; the exchange as stored after.
    /// `answered` is given the peer's answer, when it sent one.
    func deliver(
        _ message: RIDMessage, to peer: RIDPeer, exchange: inout RIDExchange, actor: String,
        answered: (RIDMessage) -> Void = { _ in }
    ) async throws -> RIDExchangeRecord {
        let now = { clock.nowMicroseconds() }
        let delivery: RIDDelivery
        do {
            delivery = try await transport.post(message.xml(), to: peer.endpoint)
        } catch {
            let actions = exchange.deliveryFailed(to: peer.name, reason: "\(error)", at: now())
            try await update(&exchange, actions: actions, actor: actor)
            return exchange.record
        }
        switch delivery.status {
        case 200 where !delivery.body.isEmpty:
            let reply: RIDMessage
            do {
                reply = try RIDMessage.read(delivery.body)
            } catch {
                // RFC 6546 section 3: a bad reply is logged and shown to the administrator.
                logger.warning("invalid RID reply", metadata: ["peer": "\(peer.name)", "error": "\(error)"])
                let actions = exchange.deliveryFailed(
                    to: peer.name, reason: "its answer was not a valid RID message: \(error.message)", at: now())
                try await update(&exchange, actions: actions, actor: actor)
                return exchange.record
            }
            let actions: [RIDAction]
            do {
                actions = try exchange.received(Self.received(reply, from: peer.name, at: now()))
            } catch {
                let failed = exchange.deliveryFailed(
                    to: peer.name, reason: "its answer did not pair: \(error.message)", at: now())
                try await update(&exchange, actions: failed, actor: actor)
                return exchange.record
            }
            answered(reply)
            if actions.contains(.importDocument), let document = reply.document {
                try await store(document, from: peer)
            }
            try await update(&exchange, actions: actions, actor: actor)
        case 200, 202:
            if exchange.record.kind == .report {
                let actions = try exchange.received(
                    RIDReceived(type: .acknowledgement, peer: peer.name, time: now(), status: .approved))
                try await update(&exchange, actions: actions, actor: actor)
            }
        // 202: the answer comes later, posted back to this node's listener.
        default:
            let actions = exchange.deliveryFailed(
                to: peer.name, reason: "HTTP \(delivery.status) \(String(decoding: delivery.body.prefix(300), as: UTF8.self))",
                at: now())
            try await update(&exchange, actions: actions, actor: actor)
        }
        return exchange.record
    }

    /// What the state machine needs of a message `peer` sent.
    static func received(_ message: RIDMessage, from peer: String, at time: Int64) -> RIDReceived {
        let incident = message.document?.incidents.first
        return RIDReceived(
            type: message.type, peer: peer, time: time, status: message.status, sourceFound: message.source?.found,
            path: incident.map(RIDIncident.hops) ?? [],
            detail: incident?.elements("Description", namespace: IODEF.namespace).first?.text)
    }

    // MARK: Storing

    func create(_ exchange: RIDExchange, actions: [RIDAction], actor: String) async throws {
        let (events, audit) = entries(for: exchange.record, actions: actions, actor: actor)
        do {
            try await store.createExchange(exchange.record, events: events, audit: audit)
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(
                .conflict,
                "an exchange about incident \(exchange.record.incidentID) with \(exchange.record.downstream ?? exchange.record.upstream ?? "that peer") is open already"
            )
        }
    }

    func update(_ exchange: inout RIDExchange, actions: [RIDAction], actor: String) async throws {
        exchange.advanceRevision()
        let (events, audit) = entries(for: exchange.record, actions: actions, actor: actor)
        try await store.updateExchange(exchange.record, events: events, audit: audit)
    }

    func entries(for record: RIDExchangeRecord, actions: [RIDAction], actor: String) -> ([CaseEvent], [AuditEvent]) {
        let time = clock.nowMicroseconds()
        var events: [CaseEvent] = []
        for case .note(let text) in actions {
            events.append(CaseEvent(time: time, actor: actor, kind: "rid", detail: text))
        }
        let detail =
            "\(record.kind.rawValue) \(record.role.rawValue), \(record.state.rawValue)"
            + (events.isEmpty ? "" : ": " + events.map(\.detail).joined(separator: "; "))
        return (events, [AuditEvent(time: time, actor: actor, action: "rid.exchange", target: record.id, detail: detail)])
    }

    /// Stores an IODEF document `peer` sent, as the peer's organisation in the peer's collection,
    /// and opens the cases its incidents have none for; the case of its first incident.
    @discardableResult
    func store(_ document: IODEFDocument, from peer: RIDPeer) async throws -> String? {
        let reader = try await peerPrincipal(of: peer)
        _ = try await collections.addIODEF(document, to: peer.collectionID, by: reader)
        try await cases.openCases(
            forImported: document, in: peer.collectionID, ownerID: peer.handlerID, actor: reader.user.username)
        guard let first = document.incidents.first, let stixID = IODEFSTIX.stixID(of: first) else { return nil }
        return try await store.cases(incidentID: stixID).first { $0.ownerID == peer.handlerID }?.id
    }

    // MARK: Peers

    func peer(named name: String) async throws -> RIDPeer {
        guard let peer = try await store.peers().first(where: { $0.name == name }) else {
            throw EngineError(.notFound, "no RID peer named '\(name.prefix(80))'")
        }
        return peer
    }

    /// The principal a peer acts as: its organisation, with a machine role.
    func peerPrincipal(of peer: RIDPeer) async throws -> Principal {
        guard let organisation = try await store.organisation(id: peer.organisationID) else {
            throw EngineError(.notFound, "peer \(peer.name)'s organisation is gone")
        }
        return Principal(
            user: User(
                id: "", username: "rid:\(peer.name)", organisationID: organisation.id, role: .sync, passwordHash: "",
                createdAt: 0),
            organisation: organisation)
    }
}

extension Engine {
    /// The RID exchanges of case `caseID`, for those who see the whole case (`forbidden` for
    /// others who may see it, `notFound` for those who may not).
    public func ridExchanges(caseID: String, for principal: Principal, issuer: String) async throws -> [RIDExchangeRecord] {
        let view = try await cases(issuer: issuer).view(id: caseID, for: principal)
        guard view.full else {
            throw EngineError(.forbidden, "the RID exchanges of case \(caseID) are for the organisation handling it")
        }
        return try await store.exchanges(caseID: caseID)
    }

    /// Every RID exchange, newest first, or those of case `caseID` (the node's operator: `cybex rid list`).
    public func ridExchanges(caseID: String? = nil) async throws -> [RIDExchangeRecord] {
        try await store.exchanges(caseID: caseID)
    }

    /// RID with peers, this node signing as `nodeName` and posting through `transport`.
    public func rid(
        nodeName: String, transport: any RIDTransport, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "cybex.rid")
    ) -> RIDService {
        RIDService(
            store: store, collections: collections, cases: cases(issuer: nodeName, clock: clock), transport: transport,
            nodeName: nodeName, clock: clock, logger: logger)
    }
}
