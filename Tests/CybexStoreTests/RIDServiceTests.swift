import CybexCore
import CybexEngine
import Foundation
import Testing

@testable import CybexFormats
@testable import CybexStore

/// RID between three Cybex nodes on both backends, without sockets (docs/RID.md): their Engines
/// are linked by a transport that hands each post to the receiving node's `RIDService.receive`
/// with the sender's certificate fingerprint, as the TLS listener does. The HTTPS listener and
/// client themselves are run by `Tests/interop/test_rid.py`.
///
/// Serialized: each test holds three test databases at once, and the PostgreSQL test backend
/// hands out a bounded number (tests that each waited for a third while holding two would wait
/// for ever).
@Suite("RID exchanges", .serialized)
struct RIDServiceTests {
    static let fingerprints = [
        "a": String(repeating: "a", count: 64), "b": String(repeating: "b", count: 64),
        "c": String(repeating: "c", count: 64),
    ]
    static let source = "203.0.113.77"

    /// Routes posts between nodes by endpoint; an endpoint in `deferred` answers 202 (a peer that
    /// answers later, by callback), and the post is kept in `held`.
    final class Network: @unchecked Sendable {
        let lock = NSLock()
        var nodes: [String: RIDService] = [:]
        var deferred: Set<String> = []
        var held: [(endpoint: String, body: [UInt8])] = []

        func transport(from letter: String) -> Transport { Transport(network: self, fingerprint: fingerprints[letter]!) }

        func service(_ endpoint: String) -> (RIDService?, Bool) {
            lock.withLock { (nodes[endpoint], deferred.contains(endpoint)) }
        }

        func hold(_ endpoint: String, _ body: [UInt8]) { lock.withLock { held.append((endpoint, body)) } }
    }

    struct Transport: RIDTransport {
        let network: Network
        let fingerprint: String

        func post(_ body: [UInt8], to endpoint: String) async throws -> RIDDelivery {
            let (service, deferred) = network.service(endpoint)
            if deferred {
                network.hold(endpoint, body)
                return RIDDelivery(status: 202, body: [])
            }
            guard let service else { throw URLError(.cannotConnectToHost) }
            let receipt = await service.receive(body, fingerprint: fingerprint)
            return RIDDelivery(status: receipt.status, body: receipt.body ?? Array((receipt.problem ?? "").utf8))
        }
    }

    struct Node {
        let store: any Store
        let engine: Engine
        let rid: RIDService
        let analyst: Principal?
        let admin: Principal
        let cases: String?

        static func endpoint(_ letter: String) -> String { "https://node-\(letter).test:4590/" }

        func exchanges() async throws -> [RIDExchangeRecord] { try await engine.ridExchanges() }
    }

    /// A (its analyst works cases B's organisation may read), B (knows C's network), C (its
    /// constituent `hosting` holds the network), as in the interop test.
    static func withNetwork(
        _ backend: Backend, _ body: (Network, Node, Node, Node) async throws -> Void
    ) async throws {
        try await backend.withStore { storeA in
            try await backend.withStore { storeB in
                try await backend.withStore { storeC in
                    let network = Network()
                    let a = try await make(
                        "a", storeA, network: network, orgs: ["cert-a", "peer-b"], analyst: "cert-a",
                        cases: (["cert-a", "peer-b"], ["cert-a"]), inbox: (["cert-a"], ["peer-b"]),
                        peers: [("b", "peer-b", "cert-a", RIDMessageType.allCases)], constituency: [])
                    let b = try await make(
                        "b", storeB, network: network, orgs: ["cert-b", "peer-a", "peer-c"], analyst: "cert-b", cases: nil,
                        inbox: (["cert-b", "peer-c"], ["peer-a", "peer-c"]),
                        peers: [
                            ("a", "peer-a", "cert-b", [.traceRequest, .investigationRequest, .report, .acknowledgement, .result]),
                            ("c", "peer-c", "cert-b", RIDMessageType.allCases),
                        ], constituency: [("peer-c", "203.0.113.0/24")])
                    let c = try await make(
                        "c", storeC, network: network, orgs: ["cert-c", "peer-b", "hosting"], analyst: nil, cases: nil,
                        inbox: (["cert-c"], ["peer-b"]), peers: [("b", "peer-b", "cert-c", RIDMessageType.allCases)],
                        constituency: [("hosting", "203.0.113.0/25")])
                    try await body(network, a, b, c)
                }
            }
        }
    }

    static func make(
        _ letter: String, _ store: any Store, network: Network, orgs: [String], analyst: String?,
        cases: (readers: [String], writers: [String])?, inbox: (readers: [String], writers: [String]),
        peers: [(String, String, String, [RIDMessageType])], constituency: [(String, String)]
    ) async throws -> Node {
        let engine = Engine(store: store, hasher: PasswordHasher(cost: 4))
        let administration = engine.administration(actor: "test")
        for name in orgs + ["admin"] { _ = try await administration.addOrganisation(name: name) }
        _ = try await administration.addUser(
            username: "root-\(letter)", organisation: "admin", role: .admin, password: "a long password")
        if let analyst {
            _ = try await administration.addUser(
                username: "ana-\(letter)", organisation: analyst, role: .analyst, password: "a long password")
        }
        func principal(_ name: String) async throws -> Principal {
            let user = try await store.user(named: name)!
            return Principal(user: user, organisation: try await store.organisation(id: user.organisationID)!)
        }
        var casesID: String?
        if let cases {
            casesID = try await administration.addCollection(
                title: "Cases", description: nil, readers: cases.readers, writers: cases.writers
            ).id
        }
        let inboxID = try await administration.addCollection(
            title: "RID in", description: nil, readers: inbox.readers, writers: inbox.writers
        ).id
        for (name, organisation, handler, accepts) in peers {
            try await engine.ridPeers().add(
                RIDPeers.Draft(
                    name: name, organisation: organisation, endpoint: Node.endpoint(name), fingerprints: [fingerprints[name]!],
                    collectionID: inboxID, handler: handler, accepts: accepts),
                actor: "test")
        }
        for (organisation, network) in constituency {
            _ = try await engine.constituencies.update(
                organisation: organisation, with: [ConstituencyEntry(kind: .network, value: network)], replacing: true,
                actor: "test")
        }
        let rid = engine.rid(nodeName: "node-\(letter).example", transport: network.transport(from: letter))
        network.lock.withLock { network.nodes[Node.endpoint(letter)] = rid }
        return Node(
            store: store, engine: engine, rid: rid, analyst: analyst == nil ? nil : try await principal("ana-\(letter)"),
            admin: try await principal("root-\(letter)"), cases: casesID)
    }

    static func openCase(_ node: Node, tlp: TLPLevel, recipients: [String] = []) async throws -> CaseRecord {
        var draft = CaseService.Draft(collectionID: node.cases!, title: "Scan from \(source)", severity: .high, tlp: tlp)
        draft.recipients = recipients
        return try await node.engine.cases(issuer: "node-a.example").create(draft, by: node.analyst!).record
    }

    @Test(arguments: Backend.enabled)
    func aTraceIsForwardedToThePeerHoldingTheNetworkAndTheResultComesBackWithItsPath(backend: Backend) async throws {
        try await Self.withNetwork(backend) { _, a, b, c in
            let record = try await Self.openCase(a, tlp: .amber)
            let exchange = try await a.rid.send(.trace, caseID: record.id, to: "b", subject: Self.source, by: a.analyst!)
            #expect(exchange.state == .answered && exchange.sourceFound == true)
            #expect(exchange.path == ["node-a.example", "node-b.example", "node-c.example"])
            #expect(exchange.messages.map(\.type) == [.traceRequest, .result])

            let events = try await a.store.caseEvents(caseID: record.id).filter { $0.kind == "rid" }
            #expect(events.contains { $0.detail.contains("node-a.example → node-b.example → node-c.example") })
            #expect(
                try await a.engine.ridExchanges(caseID: record.id, for: a.analyst!, issuer: "node-a.example").map(\.id) == [
                    exchange.id
                ])

            let atB = try #require(try await b.exchanges().first)
            #expect(atB.role == .responder && atB.upstream == "a" && atB.downstream == "c" && atB.state == .answered)
            #expect(
                atB.messages.map { "\($0.direction) \($0.type.rawValue)" } == [
                    "in TraceRequest", "out TraceRequest", "in Result", "out Result",
                ])
            let atC = try #require(try await c.exchanges().first)
            #expect(atC.upstream == "b" && atC.state == .answered && atC.sourceFound == true)
            // C's own case says which constituent holds the source; the Result does not.
            let notes = try await c.store.caseEvents(caseID: try #require(atC.caseID)).map(\.detail)
            #expect(notes.contains { $0.contains("organisation hosting") })
            #expect(!(exchange.outcome ?? "").contains("hosting"))

            // Once answered, the same trace may be asked again: a new exchange, answered again.
            let again = try await a.rid.send(.trace, caseID: record.id, to: "b", subject: Self.source, by: a.analyst!)
            #expect(again.id != exchange.id && again.state == .answered)
            #expect(try await b.exchanges().count == 2)
        }
    }

    @Test(arguments: Backend.enabled)
    func investigationsReportsAndQueriesSentFromACase(backend: Backend) async throws {
        try await Self.withNetwork(backend) { _, a, b, c in
            let record = try await Self.openCase(a, tlp: .green)
            let investigation = try await a.rid.send(
                .investigation, caseID: record.id, to: "b", subject: Self.source, by: a.analyst!)
            #expect(investigation.state == .answered && investigation.sourceFound == true)
            #expect(investigation.messages.map(\.type) == [.investigationRequest, .result])
            #expect(try await c.exchanges().first?.kind == .investigation)

            // B takes Reports from A: acknowledged, and a case opens at B.
            let report = try await a.rid.send(.report, caseID: record.id, to: "b", subject: nil, by: a.analyst!)
            #expect(report.state == .acknowledged && report.messages.last?.status == "Approved")
            // B takes no Query from A: the exchange fails with B's refusal.
            let query = try await a.rid.send(.query, caseID: record.id, to: "b", subject: nil, by: a.analyst!)
            #expect(query.state == .failed && (query.outcome ?? "").contains("HTTP 403"))

            // Only the handling organisation's analysts send; a trace needs an address.
            await #expect(throws: EngineError.self) {
                try await a.rid.send(.trace, caseID: record.id, to: "b", subject: "not an address", by: a.analyst!)
            }
            await #expect(throws: EngineError.self) {
                try await a.rid.send(.trace, caseID: record.id, to: "nobody", subject: Self.source, by: a.analyst!)
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func redContentLeavesOnlyForPeersThatMayReadIt(backend: Backend) async throws {
        try await Self.withNetwork(backend) { _, a, b, c in
            let secret = try await Self.openCase(a, tlp: .red)
            do {
                _ = try await a.rid.send(.trace, caseID: secret.id, to: "b", subject: Self.source, by: a.analyst!)
                Issue.record("a TLP:RED case went to a peer that is not a recipient")
            } catch let error as EngineError {
                #expect(error.code == .forbidden && error.message.contains("nothing was sent"))
            }
            #expect(try await b.exchanges().isEmpty)

            let shared = try await Self.openCase(a, tlp: .red, recipients: ["peer-b"])
            let exchange = try await a.rid.send(.trace, caseID: shared.id, to: "b", subject: Self.source, by: a.analyst!)
            #expect(exchange.state == .denied && (exchange.outcome ?? "").contains("does not let node-b.example pass it on"))
            #expect(try await c.exchanges().isEmpty, "nothing reached C")
        }
    }

    @Test(arguments: Backend.enabled)
    func answersThatComeLaterByCallbackAreTakenAndRelayed(backend: Backend) async throws {
        try await Self.withNetwork(backend) { network, a, b, c in
            // C answers later: B acknowledges A's request as pending.
            network.deferred.insert(Node.endpoint("c"))
            let record = try await Self.openCase(a, tlp: .green)
            let exchange = try await a.rid.send(.trace, caseID: record.id, to: "b", subject: Self.source, by: a.analyst!)
            #expect(exchange.state == .pending)
            // While it is open, the same request to the same peer is refused.
            do {
                _ = try await a.rid.send(.trace, caseID: record.id, to: "b", subject: Self.source, by: a.analyst!)
                Issue.record("a second open exchange with the same peer about the same incident")
            } catch let error as EngineError {
                #expect(error.code == .conflict)
            }
            let forwarded = try RIDMessage.read(try #require(network.held.first).body)
            #expect(forwarded.type == .traceRequest)
            let incident = try #require(forwarded.document?.incidents.first)
            #expect(RIDIncident.hops(of: incident) == ["node-a.example", "node-b.example"])
            #expect(RIDIncident.sourceAddress(of: incident) == Self.source)

            // C's Result, posted to B: B takes it and relays it to A by a callback of its own.
            let id = try #require(forwarded.incident)
            var result = RIDMessage(
                type: .result, node: RIDNode(names: ["node-c.example"]), incident: id,
                document: IODEFDocument(incidents: [
                    RIDIncident.result(
                        answering: id, restriction: nil, hops: RIDIncident.hopItems(of: incident), node: "node-c.example",
                        sourceFound: true, detail: "found", at: 1_780_000_000_000_000)
                ]))
            result.source = RIDIncidentSource(found: true, nodes: [RIDNode(addresses: [Self.source])])
            let taken = await b.rid.receive(result.xml(), fingerprint: Self.fingerprints["c"])
            #expect(taken.status == 200 && taken.body == nil)
            let atA = try #require(try await a.exchanges().first)
            #expect(atA.state == .answered && atA.path == ["node-a.example", "node-b.example", "node-c.example"])
            // Nothing waits for a second one.
            #expect(await b.rid.receive(result.xml(), fingerprint: Self.fingerprints["c"]).status == 400)
            _ = c
        }
    }

    @Test(arguments: Backend.enabled)
    func loopsQueriesReportsAndRefusals(backend: Backend) async throws {
        try await Self.withNetwork(backend) { _, a, b, _ in
            let record = try await Self.openCase(a, tlp: .green)
            let incident = try #require(
                try await a.engine.collections.iodefIncident(
                    record.incidentID, in: a.cases!, for: a.analyst!, issuer: "node-a.example"))
            let id = try #require(RIDIncident.incidentID(of: incident))
            let a2b = Self.fingerprints["a"]

            // A request that went through B already: a loop, refused.
            let looped = RIDIncident.addingHop(
                to: RIDIncident.withSource(incident, address: Self.source), node: "node-b.example", what: "earlier", at: 1)
            let request = RIDMessage(
                type: .traceRequest, node: RIDNode(names: ["node-b.test"]), incident: id,
                document: IODEFDocument(incidents: [looped]))
            let loop = try RIDMessage.read(try #require(await b.rid.receive(request.xml(), fingerprint: a2b).body))
            #expect(loop.type == .acknowledgement && loop.status?.authorization == "Denied")
            #expect(loop.status?.detail?.contains("a loop") == true)

            // A Report is taken (a case opens at B); a Query B does not take from A is refused.
            let report = RIDMessage(
                type: .report, node: RIDNode(names: ["node-b.test"]), incident: id,
                document: IODEFDocument(incidents: [incident]))
            let taken = try RIDMessage.read(try #require(await b.rid.receive(report.xml(), fingerprint: a2b).body))
            #expect(taken.status?.authorization == "Approved")
            #expect(try await b.store.cases(ownerID: nil).count == 1)
            let query = RIDMessage(type: .query, node: RIDNode(names: ["node-b.test"]), incident: id)
            #expect(await b.rid.receive(query.xml(), fingerprint: a2b).status == 403)

            // B may query A: the incident B's organisation may read comes back as a Report; another
            // is denied without saying whether it exists.
            let answer = try RIDMessage.read(
                try #require(await a.rid.receive(query.xml(), fingerprint: Self.fingerprints["b"]).body))
            #expect(answer.type == .report && answer.document?.incidents.count == 1)
            var unknown = query
            unknown.incident = RIDIncidentID(name: "node-a.example", id: "NO-SUCH-INCIDENT")
            let denied = try RIDMessage.read(
                try #require(await a.rid.receive(unknown.xml(), fingerprint: Self.fingerprints["b"]).body))
            #expect(denied.type == .acknowledgement && denied.status?.authorization == "Denied")

            // No peer has the certificate: 403, audited; malformed: 400 with where.
            #expect(await b.rid.receive(report.xml(), fingerprint: String(repeating: "f", count: 64)).status == 403)
            #expect(await b.rid.receive(report.xml(), fingerprint: nil).status == 403)
            let malformed = await b.rid.receive(Array("<RID xmlns='\(RID.namespace)'/>".utf8), fingerprint: a2b)
            #expect(malformed.status == 400 && (malformed.problem ?? "").contains("line 1"))
            let refused = try await b.store.auditEntries(matching: AuditQuery(action: "rid.refused"))
            #expect(refused.count >= 3)
        }
    }

    @Test(arguments: Backend.enabled)
    func thePeerRegistryChecksWhatItIsGiven(backend: Backend) async throws {
        try await backend.withStore { store in
            let engine = Engine(store: store, hasher: PasswordHasher(cost: 4))
            let administration = engine.administration(actor: "test")
            for name in ["cert", "peer", "admin"] { _ = try await administration.addOrganisation(name: name) }
            let inbox = try await administration.addCollection(
                title: "in", description: nil, readers: ["cert"], writers: ["peer"])
            let closed = try await administration.addCollection(
                title: "closed", description: nil, readers: ["cert"], writers: ["cert"])
            let fingerprint = "AB:" + String(repeating: "cd", count: 31)
            func draft(_ change: (inout RIDPeers.Draft) -> Void) -> RIDPeers.Draft {
                var draft = RIDPeers.Draft(
                    name: "peer-1", organisation: "peer", endpoint: "https://rid.peer.example:4590/", fingerprints: [fingerprint],
                    collectionID: inbox.id, handler: "cert")
                change(&draft)
                return draft
            }
            let peers = engine.ridPeers()
            for (bad, code) in [
                (draft { $0.endpoint = "http://rid.peer.example/" }, EngineError.Code.invalidArgument),
                (draft { $0.fingerprints = ["not-hex"] }, .invalidArgument),
                (draft { $0.fingerprints = [] }, .invalidArgument),
                (draft { $0.collectionID = closed.id }, .invalidArgument),
                (draft { $0.handler = "peer" }, .invalidArgument),
                (draft { $0.name = "a b" }, .invalidArgument),
                (draft { $0.organisation = "nobody" }, .notFound),
            ] {
                do {
                    try await peers.add(bad, actor: "test")
                    Issue.record("accepted \(bad)")
                } catch let error as EngineError {
                    #expect(error.code == code, "\(error)")
                }
            }
            let added = try await peers.add(draft { _ in }, actor: "test")
            #expect(added.peer.fingerprints == ["ab" + String(repeating: "cd", count: 31)])
            await #expect(throws: EngineError.self) { try await peers.add(draft { $0.name = "peer-2" }, actor: "test") }
            await #expect(throws: EngineError.self) { try await peers.add(draft { _ in }, actor: "test") }
            try await peers.remove("peer-1", actor: "test")
            #expect(try await peers.list().isEmpty)
            let audit = try await store.auditEntries(matching: AuditQuery(action: "rid.peer.*")).map(\.event.action)
            #expect(audit.sorted() == ["rid.peer.add", "rid.peer.remove"])
        }
    }
}
