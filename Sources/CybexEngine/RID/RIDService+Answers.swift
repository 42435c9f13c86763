import CybexCore
import CybexFormats
import CybexStore
import Foundation
import Logging

/// Answers: to requests this node decided on, relayed from the next hop, to queries and reports,
/// and the answers peers post back later (callbacks).
extension RIDService {
    /// The reply the state machine's `.answer` action asks for, for a request this node decided on.
    func reply(
        for actions: [RIDAction], to message: RIDMessage, incident: XMLTree.Element, id: RIDIncidentID, subject: String?,
        exchange: RIDExchange
    ) throws -> RIDReceipt {
        for case .answer(let type, let status) in actions {
            switch type {
            case .result:
                let found = exchange.record.sourceFound ?? false
                var reply = RIDMessage(
                    type: .result, node: RIDNode(names: [nodeName]), trafficTypes: message.trafficTypes, incident: id,
                    document: IODEFDocument(incidents: [
                        RIDIncident.result(
                            answering: id, restriction: incident.attribute("restriction"),
                            hops: RIDIncident.hopItems(of: incident), node: nodeName, sourceFound: found,
                            detail: exchange.record.outcome ?? "", at: clock.nowMicroseconds())
                    ]))
                reply.source = RIDIncidentSource(
                    found: found, nodes: found ? subject.map { [RIDNode(addresses: [$0])] } ?? [] : [])
                return RIDReceipt(status: 200, body: reply.xml())
            default:
                return acknowledgement(message, status ?? .approved)
            }
        }
        return RIDReceipt(status: 200)
    }

    /// The answer to pass back to the asking peer, as the state machine logged it: the next hop's
    /// Result (what it found and the path, re-sent by this node), or an Acknowledgement.
    func relay(_ last: RIDMessageLog, answer: RIDMessage?, to message: RIDMessage, id: RIDIncidentID) -> RIDReceipt {
        RIDReceipt(status: 200, body: relayMessage(last, answer: answer, trafficTypes: message.trafficTypes, id: id).xml())
    }

    func relayMessage(_ last: RIDMessageLog, answer: RIDMessage?, trafficTypes: [String], id: RIDIncidentID) -> RIDMessage {
        if last.type == .result, let answer, answer.type == .result {
            var reply = RIDMessage(
                type: .result, node: RIDNode(names: [nodeName]), trafficTypes: trafficTypes, incident: id,
                document: answer.document)
            reply.source = answer.source
            return reply
        }
        var reply = RIDMessage(
            type: .acknowledgement, node: RIDNode(names: [nodeName]), trafficTypes: trafficTypes, incident: id)
        reply.status =
            last.status == "Denied"
            ? .denied(nil, detail: last.detail ?? "denied further along the path")
            : RIDRequestStatus(authorization: last.status ?? "Pending")
        return reply
    }

    // MARK: Queries and reports

    /// A Query: a Report of the incident it names as the asking peer's organisation may read it
    /// (in the peer's collection or a case's), else a denial that does not say whether the
    /// incident exists.
    func query(_ message: RIDMessage, from peer: RIDPeer) async throws -> RIDReceipt {
        guard let id = message.incident else {
            return acknowledgement(message, .denied("CannotProcess", detail: "a Query names the incident in its IncidentID"))
        }
        let stixID = IODEFSTIX.stixID(issuer: id.name, instance: nil, localID: id.id)
        let cases = try await store.cases(incidentID: stixID)
        var places = [peer.collectionID]
        for record in cases where !places.contains(record.collectionID) { places.append(record.collectionID) }
        let reader = try await peerPrincipal(of: peer)
        var found: XMLTree.Element?
        for collectionID in places {
            if let incident = try await collections.iodefIncident(stixID, in: collectionID, for: reader, issuer: nodeName) {
                found = incident
                break
            }
        }
        let now = clock.nowMicroseconds()
        var exchange = try RIDExchange.responding(
            to: RIDReceived(type: .query, peer: peer.name, time: now), id: "rid--" + Secrets.uuid(),
            incident: (id.name, id.id),
            caseID: cases.first { $0.ownerID == peer.handlerID }?.id,
            subject: nil)
        guard let found else {
            let detail = "no incident \(id.id) of \(id.name) that peer \(peer.name) may read"
            let actions = try exchange.decide(.deny(justification: nil, detail: detail), at: now)
            try await create(exchange, actions: actions, actor: "rid:\(peer.name)")
            return acknowledgement(message, .denied(nil, detail: detail))
        }
        let actions = try exchange.decide(.report, at: now)
        try await create(exchange, actions: actions, actor: "rid:\(peer.name)")
        let reply = RIDMessage(
            type: .report, node: RIDNode(names: [nodeName]), trafficTypes: message.trafficTypes, incident: id,
            document: IODEFDocument(incidents: [found]))
        return RIDReceipt(status: 200, body: reply.xml())
    }

    /// A Report: its incidents stored as the peer's (cases open), acknowledged.
    func report(_ message: RIDMessage, from peer: RIDPeer) async throws -> RIDReceipt {
        guard let document = message.document, let incident = document.incidents.first,
            let id = message.incident ?? RIDIncident.incidentID(of: incident)
        else {
            return acknowledgement(
                message,
                .denied("UnrecognizedFormat", detail: "Cybex takes Reports that carry an IODEF v2 document"))
        }
        let caseID: String?
        do {
            caseID = try await store(document, from: peer)
        } catch let error as EngineError {
            return acknowledgement(message, .denied("CannotProcess", detail: error.message))
        }
        let now = clock.nowMicroseconds()
        var exchange = try RIDExchange.responding(
            to: RIDReceived(type: .report, peer: peer.name, time: now), id: "rid--" + Secrets.uuid(),
            incident: (id.name, id.id), caseID: caseID, subject: nil)
        let actions = try exchange.decide(.accept, at: now)
        try await create(exchange, actions: actions, actor: "rid:\(peer.name)")
        return acknowledgement(message, .approved)
    }

    // MARK: Callbacks

    /// A Result or an Acknowledgement a peer posts back for an exchange waiting on it (RFC 6546's
    /// callback): taken by the exchange, and relayed on to the peer that asked when this node had
    /// forwarded the request. 200 with no body; 400 when no exchange waits on that peer for it.
    func answer(_ message: RIDMessage, from peer: RIDPeer) async throws -> RIDReceipt {
        let actor = "rid:\(peer.name)"
        guard let id = message.incident ?? message.document?.incidents.first.flatMap(RIDIncident.incidentID(of:)) else {
            return try await refuse(400, actor: actor, "a \(message.type.rawValue) names the incident it answers (IncidentID)")
        }
        var found: RIDExchangeRecord?
        for role in [RIDExchangeRole.requester, .responder] {
            let key = RIDExchangeRecord.key(role: role, incidentName: id.name, incidentID: id.id, peer: peer.name)
            if let record = try await store.exchange(key: key) {
                found = record
                break
            }
        }
        guard let record = found else {
            return try await refuse(
                400, actor: actor, "no exchange about incident \(id.id) of \(id.name) waits on peer \(peer.name)")
        }
        var exchange = RIDExchange(record)
        let actions: [RIDAction]
        do {
            actions = try exchange.received(Self.received(message, from: peer.name, at: clock.nowMicroseconds()))
        } catch {
            return try await refuse(400, actor: actor, error.message)
        }
        try await update(&exchange, actions: actions, actor: actor)
        if exchange.record.role == .responder, let upstreamName = exchange.record.upstream,
            let last = exchange.record.messages.last, last.direction == "out", last.peer == upstreamName
        {
            // Relayed by a callback of this node's own to the peer that asked.
            let upstream = try await self.peer(named: upstreamName)
            let relayed = relayMessage(last, answer: message, trafficTypes: message.trafficTypes, id: id)
            do {
                let delivery = try await transport.post(relayed.xml(), to: upstream.endpoint)
                if delivery.status != 200 {
                    logger.warning("RID callback refused", metadata: ["peer": "\(upstreamName)", "status": "\(delivery.status)"])
                }
            } catch {
                logger.warning("RID callback failed", metadata: ["peer": "\(upstreamName)", "error": "\(error)"])
            }
        }
        return RIDReceipt(status: 200)
    }
}
