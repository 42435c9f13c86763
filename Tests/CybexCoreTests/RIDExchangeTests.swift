import Testing

@testable import CybexCore

/// The RID exchange state machine (docs/RID.md), every path without sockets: what each step
/// does to the record and which actions it asks for, and the steps it refuses.
@Suite("RID exchange state machine")
struct RIDExchangeTests {
    static let incident = (name: "csirt.example", id: "INC-7")

    static func requester(_ kind: RIDExchangeKind = .trace) -> RIDExchange {
        RIDExchange.requesting(kind, id: "rid--1", incident: incident, caseID: "case--1", subject: "192.0.2.7", at: 10)
    }

    static func responder(_ type: RIDMessageType = .traceRequest) throws -> RIDExchange {
        try RIDExchange.responding(
            to: RIDReceived(type: type, peer: "a", time: 10, path: ["node-a"]), id: "rid--2", incident: incident, caseID: nil,
            subject: "192.0.2.7")
    }

    @Test func aRequestSentAndAnsweredByAResult() throws {
        var exchange = Self.requester()
        #expect(exchange.record.key == "requester  csirt.example INC-7")
        let sent = try exchange.send(to: "b", at: 11)
        #expect(sent.first == .post(.traceRequest, to: "b"))
        #expect(exchange.record.state == .sent && exchange.record.downstream == "b")
        #expect(exchange.record.key == "requester b csirt.example INC-7", "found by the peer it waits on")
        let done = try exchange.received(
            RIDReceived(type: .result, peer: "b", time: 12, sourceFound: true, path: ["node-a", "node-b"], detail: "found"))
        #expect(exchange.record.state == .answered && exchange.record.sourceFound == true)
        #expect(exchange.record.path == ["node-a", "node-b"] && exchange.record.outcome == "found")
        #expect(done == [.note("RID Result from b about 192.0.2.7: source found; path node-a → node-b")])
        #expect(exchange.record.messages.map(\.direction) == ["out", "in"])
        // Nothing more is expected once answered; a second send is refused too.
        #expect(throws: RIDExchangeError.self) { try exchange.received(RIDReceived(type: .result, peer: "b", time: 13)) }
        #expect(throws: RIDExchangeError.self) { try exchange.send(to: "b", at: 13) }
    }

    @Test func pendingThenAResultByCallback() throws {
        var exchange = Self.requester(.investigation)
        #expect(try exchange.send(to: "b", at: 11).first == .post(.investigationRequest, to: "b"))
        _ = try exchange.received(RIDReceived(type: .acknowledgement, peer: "b", time: 12, status: .pending))
        #expect(exchange.record.state == .pending)
        _ = try exchange.received(RIDReceived(type: .result, peer: "b", time: 20, sourceFound: false))
        #expect(exchange.record.state == .answered && exchange.record.sourceFound == false)
    }

    @Test func answersThatDoNotPairOrComeFromAnotherPeerAreRefused() throws {
        var exchange = Self.requester()
        _ = try exchange.send(to: "b", at: 11)
        #expect(throws: RIDExchangeError.self) { try exchange.received(RIDReceived(type: .result, peer: "c", time: 12)) }
        #expect(throws: RIDExchangeError.self) { try exchange.received(RIDReceived(type: .report, peer: "b", time: 12)) }
        #expect(throws: RIDExchangeError.self) { try exchange.received(RIDReceived(type: .traceRequest, peer: "b", time: 12)) }
        #expect(exchange.record.state == .sent, "a refused step changes nothing")
        _ = try exchange.received(
            RIDReceived(type: .acknowledgement, peer: "b", time: 12, status: .denied("Other", detail: "not ours")))
        #expect(exchange.record.state == .denied && exchange.record.outcome == "not ours")

        var query = Self.requester(.query)
        _ = try query.send(to: "b", at: 11)
        #expect(throws: RIDExchangeError.self) { try query.received(RIDReceived(type: .result, peer: "b", time: 12)) }
        #expect(try query.received(RIDReceived(type: .report, peer: "b", time: 12)).first == .importDocument)

        var report = Self.requester(.report)
        #expect(try report.send(to: "b", at: 11).first == .post(.report, to: "b"))
        _ = try report.received(RIDReceived(type: .acknowledgement, peer: "b", time: 12, status: .approved))
        #expect(report.record.state == .acknowledged)
    }

    @Test func aFailedDeliveryEndsARequestOrDeniesARelay() throws {
        var exchange = Self.requester()
        _ = try exchange.send(to: "b", at: 11)
        #expect(
            exchange.deliveryFailed(to: "b", reason: "refused", at: 12) == [
                .note("the RID message to b could not be delivered: refused")
            ])
        #expect(exchange.record.state == .failed)

        var relay = try Self.responder()
        _ = try relay.decide(.forward(to: "c"), at: 11)
        let actions = relay.deliveryFailed(to: "c", reason: "timeout", at: 12)
        #expect(
            actions.first
                == .answer(.acknowledgement, status: .denied("SystemResource", detail: "the next hop could not be reached")))
        #expect(relay.record.state == .denied)
    }

    @Test func aResponderAnswersForwardsOrDenies() throws {
        #expect(throws: RIDExchangeError.self) {
            try RIDExchange.responding(
                to: RIDReceived(type: .result, peer: "a", time: 1), id: "x", incident: Self.incident, caseID: nil, subject: nil)
        }
        var local = try Self.responder()
        #expect(local.record.path == ["node-a"] && local.record.upstream == "a")
        let answered = try local.decide(.result(sourceFound: true, detail: "in our constituency"), at: 11)
        #expect(answered.first == .answer(.result, status: nil))
        #expect(local.record.state == .answered && local.record.sourceFound == true)
        #expect(throws: RIDExchangeError.self) { try local.decide(.deny(justification: nil, detail: "again"), at: 12) }

        var relay = try Self.responder()
        #expect(throws: RIDExchangeError.self) { try relay.decide(.forward(to: "a"), at: 11) }  // back to the asker
        #expect(throws: RIDExchangeError.self) { try relay.decide(.report, at: 11) }  // not a query
        #expect(try relay.decide(.forward(to: "c"), at: 11).first == .post(.traceRequest, to: "c"))
        #expect(relay.record.key == "responder c csirt.example INC-7")
        let relayed = try relay.received(
            RIDReceived(type: .result, peer: "c", time: 12, sourceFound: true, path: ["node-a", "node-b", "node-c"]))
        #expect(relayed.first == .answer(.result, status: nil))
        #expect(
            relay.record.messages.map { "\($0.direction) \($0.peer) \($0.type.rawValue)" } == [
                "in a TraceRequest", "out c TraceRequest", "in c Result", "out a Result",
            ])

        var pending = try Self.responder()
        _ = try pending.decide(.forward(to: "c"), at: 11)
        let passed = try pending.received(RIDReceived(type: .acknowledgement, peer: "c", time: 12, status: .pending))
        #expect(passed.first == .answer(.acknowledgement, status: .pending) && pending.record.state == .pending)

        var denied = try Self.responder()
        let refusal = try denied.decide(.deny(justification: "CannotProcess", detail: "no address"), at: 11)
        #expect(refusal.first == .answer(.acknowledgement, status: .denied("CannotProcess", detail: "no address")))
        #expect(denied.record.state == .denied)
    }

    @Test func queriesAndReportsAreAnsweredAtOnceAndKeyedByTheirId() throws {
        var query = try Self.responder(.query)
        #expect(query.record.kind == .query && query.record.key == "responder rid--2")
        #expect(throws: RIDExchangeError.self) { try query.decide(.accept, at: 11) }
        #expect(try query.decide(.report, at: 11).first == .answer(.report, status: nil))
        var report = try Self.responder(.report)
        #expect(try report.decide(.accept, at: 11).first == .answer(.acknowledgement, status: .approved))
        #expect(report.record.state == .acknowledged)
    }

    @Test func messageTypesAndPeerNames() {
        #expect(RIDMessageType.allCases.filter(\.isRequest) == [.traceRequest, .investigationRequest])
        #expect(RIDPeer.isValidName("peer-b.example_1") && !RIDPeer.isValidName("") && !RIDPeer.isValidName("a b"))
        #expect(RIDPeer.fingerprint("AB:" + String(repeating: "0", count: 62)) == "ab" + String(repeating: "0", count: 62))
        #expect(RIDPeer.fingerprint("xyz") == nil)
    }
}
