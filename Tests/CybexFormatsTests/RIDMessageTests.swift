import CybexCore
import Testing

@testable import CybexFormats

/// RID messages (RFC 6545 section 8's schema, checked by Cybex's own rules): every message type
/// written and read back equal, the namespaces RFC 6545 gives, refusals with where and why, an
/// IODEF document Cybex does not read set aside, and the incident conventions RID uses (hops,
/// source, the Result's incident).
@Suite("RID messages")
struct RIDMessageTests {
    static let id = RIDIncidentID(name: "csirt.example", id: "INC-7")

    static var incident: XMLTree.Element {
        var incident = XMLTree.Element(
            IODEF.name("Incident"), attributes: [XMLTree.Attribute(XMLTree.Name("purpose"), "traceback")])
        incident.append(
            XMLTree.Element(
                IODEF.name("IncidentID"), attributes: [XMLTree.Attribute(XMLTree.Name("name"), id.name)], children: [.text(id.id)]
            ))
        incident.append(XMLTree.Element(IODEF.name("GenerationTime"), children: [.text("2026-12-05T08:00:00Z")]))
        var contact = XMLTree.Element(
            IODEF.name("Contact"),
            attributes: [
                XMLTree.Attribute(XMLTree.Name("role"), "creator"), XMLTree.Attribute(XMLTree.Name("type"), "organization"),
            ])
        contact.append(XMLTree.Element(IODEF.name("ContactName"), children: [.text("CSIRT Example")]))
        incident.append(contact)
        return incident
    }

    static func messages() -> [RIDMessage] {
        let document = IODEFDocument(incidents: [RIDIncident.withSource(incident, address: "192.0.2.7")])
        var trace = RIDMessage(type: .traceRequest, node: RIDNode(names: ["rid.peer.example"]), incident: id, document: document)
        trace.restriction = "need-to-know"
        let investigation = RIDMessage(
            type: .investigationRequest, destination: "SourceOfIncident", regions: ["IntraConsortium", "PeerToPeer"],
            node: RIDNode(addresses: ["192.0.2.7", "2001:db8::7"]), trafficTypes: ["Attack", "Network"], incident: id,
            document: document)
        var ack = RIDMessage(type: .acknowledgement, node: RIDNode(names: ["me.example"]), incident: id)
        ack.status = .denied("ext-value", detail: "not ours")
        var result = RIDMessage(type: .result, node: RIDNode(names: ["me.example"]), incident: id, document: document)
        result.source = RIDIncidentSource(found: true, nodes: [RIDNode(addresses: ["192.0.2.7"])])
        let report = RIDMessage(type: .report, node: RIDNode(names: ["me.example"]), incident: id, document: document)
        let query = RIDMessage(type: .query, node: RIDNode(names: ["me.example"]), incident: id)
        return [trace, investigation, ack, result, report, query]
    }

    @Test func everyMessageTypeIsWrittenAndReadBackEqual() throws {
        // Documents compare by content (the reader keeps white space and where each element was).
        func normalised(_ message: RIDMessage) -> (RIDMessage, [XMLTree.Element]?) {
            var rest = message
            rest.document = nil
            return (rest, message.document?.incidents.map(IODEF.content))
        }
        for message in Self.messages() {
            let (back, backDocument) = normalised(try RIDMessage.read(message.xml()))
            let (sent, sentDocument) = normalised(message)
            #expect(back == sent, "\(message.type)")
            #expect(backDocument == sentDocument, "\(message.type)")
        }
    }

    @Test func theEnvelopeUsesRFC6545sNamespacesAndCarriesIODEFv2AsAnExtension() throws {
        let text = String(decoding: Self.messages()[0].xml(), as: UTF8.self)
        #expect(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#))
        #expect(text.contains(#"<RID xmlns="urn:ietf:params:xml:ns:iodef-rid-2.0" lang="en">"#))
        #expect(text.contains(#"xmlns:iodef="urn:ietf:params:xml:ns:iodef-1.0""#))
        #expect(text.contains(#"XMLSchemaID="ext-value" ext-XMLSchemaID="urn:ietf:params:xml:ns:iodef-2.0""#))
        let tree = try XMLReader.parse(Self.messages()[0].xml())
        let policy = try #require(tree.root.elements.first)
        #expect(policy.elements.map(\.name.local) == ["PolicyRegion", "Node", "TrafficType", "IncidentID", "ReportSchema"])
        #expect(policy.elements[1].name.namespace == RID.iodef1Namespace)
    }

    static func refusal(_ xml: String) -> RIDError? {
        do {
            _ = try RIDMessage.read(Array(xml.utf8))
            return nil
        } catch {
            return error
        }
    }

    static func envelope(_ policy: String, type: String = "Query", after: String = "") -> String {
        """
        <RID xmlns="\(RID.namespace)" xmlns:iodef="\(RID.iodef1Namespace)" lang="en">
        <RIDPolicy MsgType="\(type)" MsgDestination="RIDSystem">\(policy)</RIDPolicy>\(after)
        </RID>
        """
    }

    static let node = "<iodef:Node><iodef:NodeName>x.example</iodef:NodeName></iodef:Node>"

    @Test func aMalformedMessageIsRefusedWithWhereAndWhy() throws {
        let cases: [(String, String)] = [
            ("<RID xmlns='urn:other' lang='en'/>", "not RID"),
            ("<RID xmlns='\(RID.namespace)'/>", "lang"),
            ("<RID xmlns='\(RID.namespace)' lang='en'/>", "needs its RIDPolicy"),
            (Self.envelope(Self.node + "<PolicyRegion region='PeerToPeer'/><TrafficType type='Attack'/>"), "out of place"),
            (Self.envelope("<PolicyRegion region='Moon'/>" + Self.node + "<TrafficType type='Attack'/>"), "region"),
            (Self.envelope("<PolicyRegion region='PeerToPeer'/>" + Self.node), "at least one TrafficType"),
            (Self.envelope("<PolicyRegion region='PeerToPeer'/><TrafficType type='Attack'/>"), "needs its Node"),
            (
                Self.envelope("<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "Hello"),
                "MsgType"
            ),
            (
                Self.envelope(
                    "<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "ext-value"),
                "ext-MsgType"
            ),
            (
                Self.envelope(
                    "<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "Acknowledgement"),
                "needs its RequestStatus"
            ),
            (
                Self.envelope(
                    "<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "Query",
                    after: "<RequestStatus AuthorizationStatus='Approved'/>"), "belongs to an Acknowledgement"
            ),
            (
                Self.envelope(
                    "<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "TraceRequest"),
                "carries its IODEF document"
            ),
            (
                Self.envelope(
                    "<PolicyRegion region='PeerToPeer'/>" + Self.node + "<TrafficType type='Attack'/>", type: "Result",
                    after: "<IncidentSource><SourceFound>maybe</SourceFound></IncidentSource>"), "boolean"
            ),
            ("<?xml version='1.0'?><!DOCTYPE RID [<!ENTITY x 'y'>]><RID/>", "DOCTYPE"),
        ]
        for (xml, why) in cases {
            let error = try #require(Self.refusal(xml), "accepted: \(xml)")
            #expect(error.description.contains(why), "\(error) should say \(why)")
            #expect(error.line > 0, "\(error) says where")
        }
    }

    @Test func anInvalidCarriedIODEFDocumentIsRefusedAndOneCybexDoesNotReadIsSetAside() throws {
        var message = Self.messages()[0]
        var broken = Self.incident
        broken.children.removeAll {
            if case .element(let child) = $0 { return child.name.local == "Contact" } else { return false }
        }
        message.document = IODEFDocument(incidents: [broken])
        let error = try #require(Self.refusal(String(decoding: message.xml(), as: UTF8.self)))
        #expect(error.description.contains("the IODEF document it carries is invalid") && error.description.contains("Contact"))

        let v1 = Self.envelope(
            "<PolicyRegion region='PeerToPeer'/>" + Self.node
                + "<TrafficType type='Attack'/><ReportSchema><XMLDocument dtype='xml' meaning='xml'>"
                + "<IODEF-Document xmlns='urn:ietf:params:xml:ns:iodef-1.0' version='1.00'/></XMLDocument></ReportSchema>",
            type: "TraceRequest")
        let read = try RIDMessage.read(Array(v1.utf8))
        #expect(read.document == nil && read.unreadDocument == "urn:ietf:params:xml:ns:iodef-1.0")
    }

    @Test func theIncidentConventionsOfRID() throws {
        var incident = Self.incident
        #expect(RIDIncident.sourceAddress(of: incident) == nil && RIDIncident.hops(of: incident).isEmpty)
        incident = RIDIncident.withSource(incident, address: "198.51.100.9")
        #expect(RIDIncident.sourceAddress(of: incident) == "198.51.100.9")
        #expect(RIDIncident.withSource(incident, address: "198.51.100.9") == incident, "unchanged when it is the source already")
        incident = RIDIncident.addingHop(to: incident, node: "node-a", what: "sent", at: 1_780_000_000_000_000)
        incident = RIDIncident.addingHop(to: incident, node: "node-b", what: "forwarded", at: 1_780_000_000_000_001)
        #expect(RIDIncident.hops(of: incident) == ["node-a", "node-b"])
        #expect(incident.elements("History", namespace: IODEF.namespace).count == 1, "one History, its items appended")
        #expect(RIDIncident.incidentID(of: incident) == Self.id)
        let result = RIDIncident.result(
            answering: Self.id, restriction: "amber", hops: RIDIncident.hopItems(of: incident), node: "node-c", sourceFound: true,
            detail: "found", at: 1_780_000_000_000_002)
        #expect(RIDIncident.hops(of: result) == ["node-a", "node-b", "node-c"])
        #expect(result.attribute("restriction") == "amber")
        // Passing a request on: its hops replace the stored ones, other history stays.
        var stored = RIDIncident.addingHop(to: Self.incident, node: "stale", what: "x", at: 1)
        var other = XMLTree.Element(
            IODEF.name("HistoryItem"), attributes: [XMLTree.Attribute(XMLTree.Name("action"), "contact-source-site")])
        other.append(XMLTree.Element(IODEF.name("DateTime"), children: [.text("2026-12-05T08:00:00Z")]))
        stored.children = stored.children.map {
            guard case .element(var history) = $0, history.name == IODEF.name("History") else { return $0 }
            history.children.insert(.element(other), at: 0)
            return .element(history)
        }
        let passed = RIDIncident.replacingHops(of: stored, with: RIDIncident.hopItems(of: incident))
        #expect(RIDIncident.hops(of: passed) == ["node-a", "node-b"])
        #expect(
            passed.elements("History", namespace: IODEF.namespace).first?.elements.first?.attribute("action")
                == "contact-source-site")
        // Both are valid IODEF v2 as Cybex checks it.
        _ = try IODEFDocument.from(IODEFDocument(incidents: [incident, result]).root)
    }
}
