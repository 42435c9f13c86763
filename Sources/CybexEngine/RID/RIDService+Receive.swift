import CybexCore
import CybexFormats
import CybexStore
import Foundation
import Logging

/// The RID listener's side (docs/RID.md, "Answering"): who sent the message (by the fingerprint
/// of its TLS client certificate), whether this node takes it from them, and the answer.
extension RIDService {
    /// Answers the RID message `bytes` posted over a TLS connection whose client certificate has
    /// the SHA-256 fingerprint `fingerprint` (lower-case hex). Never throws: a message from no
    /// peer, or one the peer may not send, is refused with 403; a malformed one with 400 (413 over
    /// the bounds); a failure of this node with 500. Every refusal is audited.
    public func receive(_ bytes: [UInt8], fingerprint: String?) async -> RIDReceipt {
        do {
            guard let fingerprint, let peer = try await store.peers().first(where: { $0.fingerprints.contains(fingerprint) })
            else {
                return try await refuse(
                    403, actor: "rid", "no RID peer has the client certificate \(fingerprint ?? "(none)")")
            }
            let actor = "rid:\(peer.name)"
            let message: RIDMessage
            do {
                message = try RIDMessage.read(bytes)
            } catch {
                return try await refuse(error.tooLarge ? 413 : 400, actor: actor, error.description)
            }
            guard peer.accepts.contains(message.type) else {
                return try await refuse(
                    403, actor: actor, "this node does not take \(message.type.rawValue) messages from peer \(peer.name)")
            }
            switch message.type {
            case .traceRequest, .investigationRequest: return try await request(message, from: peer)
            case .query: return try await query(message, from: peer)
            case .report: return try await report(message, from: peer)
            case .result, .acknowledgement: return try await answer(message, from: peer)
            }
        } catch {
            logger.error("RID message not handled", metadata: ["error": "\(error)"])
            return RIDReceipt(status: 500, problem: "this node could not handle the message; try again later")
        }
    }

    func refuse(_ status: Int, actor: String, _ problem: String) async throws -> RIDReceipt {
        let now = clock.nowMicroseconds()
        try await store.appendAudit([AuditEvent(time: now, actor: actor, action: "rid.refused", target: "", detail: problem)])
        return RIDReceipt(status: status, problem: problem)
    }

    /// An Acknowledgement to `message`, from this node.
    func acknowledgement(_ message: RIDMessage, _ status: RIDRequestStatus) -> RIDReceipt {
        var reply = RIDMessage(
            type: .acknowledgement, node: RIDNode(names: [nodeName]), trafficTypes: message.trafficTypes,
            incident: message.incident)
        reply.status = status
        return RIDReceipt(status: 200, body: reply.xml())
    }

    // MARK: Requests

    /// A TraceRequest or an InvestigationRequest: stored as the peer's incident (a case opens), then
    /// answered, forwarded or refused as ``decide(_:incident:subject:from:)`` says.
    func request(_ message: RIDMessage, from peer: RIDPeer) async throws -> RIDReceipt {
        guard let document = message.document, let incident = document.incidents.first else {
            return acknowledgement(
                message,
                .denied(
                    "UnrecognizedFormat", detail: "Cybex reads IODEF v2 documents, not \(message.unreadDocument ?? "this one")"))
        }
        guard let incidentID = message.incident ?? RIDIncident.incidentID(of: incident) else {
            return acknowledgement(message, .denied("CannotProcess", detail: "the request names no IncidentID"))
        }
        let actor = "rid:\(peer.name)"
        let key = RIDExchangeRecord.key(
            role: .responder, incidentName: incidentID.name, incidentID: incidentID.id, peer: peer.name)
        if try await store.exchange(key: key) != nil {
            // RFC 6546 section 3: sends are idempotent; a repeat while the first is open is told
            // it is pending (the first one's answer will come).
            return acknowledgement(message, .pending)
        }
        let subject =
            (message.destination == "SourceOfIncident" ? message.node.addresses.first?.value : nil)
            ?? RIDIncident.sourceAddress(of: incident)
        let caseID: String?
        do {
            caseID = try await store(document, from: peer)
        } catch let error as EngineError {
            return acknowledgement(message, .denied("CannotProcess", detail: error.message))
        }
        let now = clock.nowMicroseconds()
        let hops = RIDIncident.hops(of: incident)
        var exchange = try RIDExchange.responding(
            to: RIDReceived(type: message.type, peer: peer.name, time: now, path: hops), id: "rid--" + Secrets.uuid(),
            incident: (incidentID.name, incidentID.id), caseID: caseID, subject: subject)
        let (decision, next, note) = try await decide(incident: incident, subject: subject, hops: hops, from: peer)
        let actions = try exchange.decide(decision, at: now)
        do {
            try await create(exchange, actions: actions + (note.map { [.note($0)] } ?? []), actor: actor)
        } catch let error as EngineError where error.code == .conflict {
            return acknowledgement(message, .pending)  // the same request, arrived meanwhile
        }
        if let next, case .forward = decision {
            return try await forward(message, incident: incident, id: incidentID, to: next, exchange: &exchange, actor: actor)
        }
        return try reply(for: actions, to: message, incident: incident, id: incidentID, subject: subject, exchange: exchange)
    }

    /// What the node decides about a request for `subject` (docs/RID.md, "Forwarding"): refuse a
    /// loop or a path too long; answer when the address is in the constituency of one of this
    /// node's organisations; forward to the peer whose organisation's constituency holds it (the
    /// most specific network first, then the AS the enrichment names), when that peer's
    /// organisation may read the incident; else answer that the source was not found here.
    /// Besides the decision: the next peer when it forwards, and a line for this node's case only
    /// (which organisation's constituency holds the source: the peer is not told).
    func decide(
        incident: XMLTree.Element, subject: String?, hops: [String], from peer: RIDPeer
    ) async throws -> (RIDExchange.Decision, RIDPeer?, String?) {
        if hops.contains(nodeName) {
            return (.deny(justification: nil, detail: "the request came back to \(nodeName): a loop"), nil, nil)
        }
        if hops.count >= Self.maxHops {
            return (
                .deny(justification: nil, detail: "the request went through \(hops.count) nodes; at most \(Self.maxHops)"), nil,
                nil
            )
        }
        guard let subject, let network = IPNetwork(subject), network.prefixLength == network.address.count * 8 else {
            return (
                .deny(
                    justification: "CannotProcess", detail: "the request names no source address (a System of category source)"),
                nil, nil
            )
        }
        var wanted = ConstituencyIndex.networks(enclosing: network)
        for fact in try await store.enrichment(ofAddress: network.address) {
            if let asn = fact.asn, asn != 0 { wanted.append(ConstituencyEntry(kind: .asn, value: String(asn))) }
        }
        let matches = try await store.constituents(holding: wanted).sorted {
            Self.specificity($0.entry) > Self.specificity($1.entry)
        }
        let peers = try await store.peers()
        for match in matches {
            if let next = peers.first(where: { $0.organisationID == match.organisationID }) {
                guard next.name != peer.name else { continue }
                guard let stixID = IODEFSTIX.stixID(of: incident),
                    try await collections.iodefIncident(
                        stixID, in: peer.collectionID, for: try await peerPrincipal(of: next), issuer: nodeName) != nil
                else {
                    return (
                        .deny(
                            justification: nil,
                            detail:
                                "the source's network is another peer's, and the incident's restriction does not let \(nodeName) pass it on"
                        ), nil, "peer \(next.name)'s organisation may not read the incident: not forwarded"
                    )
                }
                return (.forward(to: next.name), next, nil)
            }
            let holder = try await store.organisation(id: match.organisationID)?.name ?? match.organisationID
            return (
                .result(sourceFound: true, detail: "the source \(subject) is in the constituency of \(nodeName)"), nil,
                "the source \(subject) is in the constituency of organisation \(holder) (\(match.entry.value))"
            )
        }
        return (
            .result(sourceFound: false, detail: "no network of \(nodeName)'s constituency or peers holds \(subject)"), nil, nil
        )
    }

    /// How specific a constituency entry is: a network's prefix length; an AS number after every network.
    static func specificity(_ entry: ConstituencyEntry) -> Int {
        guard entry.kind == .network else { return -1 }
        if let slash = entry.value.lastIndex(of: "/") { return Int(entry.value[entry.value.index(after: slash)...]) ?? 0 }
        return entry.value.contains(":") ? 128 : 32
    }

    /// Passes `message`'s request on to `next`: the incident as `next`'s organisation may read it,
    /// with this node's hop; its answer, relayed.
    func forward(
        _ message: RIDMessage, incident: XMLTree.Element, id: RIDIncidentID, to next: RIDPeer, exchange: inout RIDExchange,
        actor: String
    ) async throws -> RIDReceipt {
        let reader = try await peerPrincipal(of: next)
        guard let upstream = exchange.record.upstream, let from = try await store.peers().first(where: { $0.name == upstream }),
            let stixID = IODEFSTIX.stixID(of: incident),
            var visible = try await collections.iodefIncident(stixID, in: from.collectionID, for: reader, issuer: nodeName)
        else {
            let actions = exchange.deliveryFailed(
                to: next.name, reason: "the incident could not be read for it", at: clock.nowMicroseconds())
            try await update(&exchange, actions: actions, actor: actor)
            return try reply(
                for: actions, to: message, incident: incident, id: id, subject: exchange.record.subject, exchange: exchange)
        }
        // The hops so far travel on, then this node's.
        visible = RIDIncident.withPurpose(visible, incident.attribute("purpose") ?? "traceback")
        visible = RIDIncident.replacingHops(of: visible, with: RIDIncident.hopItems(of: incident))
        visible = RIDIncident.addingHop(
            to: visible, node: nodeName, what: "forwarded to \(next.name)", at: clock.nowMicroseconds())
        let forwarded = request(
            exchange.record.kind, incident: visible, id: id, subject: exchange.record.subject, to: next,
            trafficTypes: message.trafficTypes)
        var answer: RIDMessage?
        let record = try await deliver(forwarded, to: next, exchange: &exchange, actor: actor) { answer = $0 }
        // The state machine said what goes back (the last message it logged to the asking peer).
        guard let last = record.messages.last, last.direction == "out", last.peer == upstream else {
            return acknowledgement(message, .pending)  // answered later, by callback
        }
        return relay(last, answer: answer, to: message, id: id)
    }
}
