import CybexCore
import Foundation

/// Reading and writing RID messages (RFC 6545 section 8's schema, checked by Cybex's own rules:
/// elements in schema order with their cardinalities, required attributes, enumerations).
extension RIDMessage {
    /// The message in `bytes`, checked; the IODEF v2 document it carries is checked as any IODEF
    /// import is. Throws ``RIDError`` with the line and column of the first problem.
    public static func read(_ bytes: [UInt8]) throws(RIDError) -> RIDMessage {
        let tree: XMLTree.Document
        do {
            tree = try XMLReader.parse(bytes, limits: RID.limits)
        } catch {
            throw RIDError(line: error.line, column: error.column, error.message, tooLarge: error.code == .tooLarge)
        }
        var reader = Reader(locate: tree.location(of:))
        return try reader.message(tree.root)
    }

    /// The message as a UTF-8 XML document (RFC 6545 section 5.5: an XML declaration, UTF-8).
    public func xml() -> [UInt8] {
        XMLWriter.bytes(element, prefixes: [RID.iodef1Namespace: "iodef", IODEF.namespace: "iodef2"])
    }

    /// The `RID` element.
    public var element: XMLTree.Element {
        func rid(_ local: String, _ attributes: [(String, String)] = [], _ children: [XMLTree.Element] = [])
            -> XMLTree.Element
        {
            XMLTree.Element(
                RID.name(local), attributes: attributes.map { XMLTree.Attribute(XMLTree.Name($0.0), $0.1) },
                children: children.map { .element($0) })
        }
        var policyAttributes = [("MsgType", type.rawValue), ("MsgDestination", destination)]
        if let restriction { policyAttributes.append(("restriction", restriction)) }
        var policyChildren = regions.map { rid("PolicyRegion", [("region", $0)]) }
        policyChildren.append(Self.nodeElement(node))
        policyChildren += trafficTypes.map { rid("TrafficType", [("type", $0)]) }
        if let incident {
            policyChildren.append(
                XMLTree.Element(
                    XMLTree.Name("IncidentID", namespace: RID.iodef1Namespace),
                    attributes: [XMLTree.Attribute(XMLTree.Name("name"), incident.name)], children: [.text(incident.id)]))
        }
        if let document {
            var xmlDocument = rid("XMLDocument", [("dtype", "xml"), ("meaning", "xml")])
            xmlDocument.append(document.root)
            policyChildren.append(
                rid(
                    "ReportSchema", [("Version", "1.0"), ("XMLSchemaID", "ext-value"), ("ext-XMLSchemaID", IODEF.namespace)],
                    [xmlDocument]))
        }
        var children = [rid("RIDPolicy", policyAttributes, policyChildren)]
        if let status {
            var attributes = [("AuthorizationStatus", status.authorization)]
            if let justification = status.justification { attributes.append(("Justification", justification)) }
            if let detail = status.detail { attributes.append(("ext-Justification", detail)) }
            children.append(rid("RequestStatus", attributes))
        }
        if let source {
            var found = rid("SourceFound")
            found.children = [.text(source.found ? "true" : "false")]
            children.append(rid("IncidentSource", [], [found] + source.nodes.map(Self.nodeElement)))
        }
        return rid("RID", [("lang", lang)], children)
    }

    static func nodeElement(_ node: RIDNode) -> XMLTree.Element {
        let ns = RID.iodef1Namespace
        var element = XMLTree.Element(XMLTree.Name("Node", namespace: ns))
        for name in node.names {
            element.append(XMLTree.Element(XMLTree.Name("NodeName", namespace: ns), children: [.text(name)]))
        }
        for address in node.addresses {
            element.append(
                XMLTree.Element(
                    XMLTree.Name("Address", namespace: ns),
                    attributes: [XMLTree.Attribute(XMLTree.Name("category"), address.category)],
                    children: [.text(address.value)]))
        }
        return element
    }

    struct Reader {
        let locate: (Int) -> (line: Int, column: Int)

        func fail(_ element: XMLTree.Element, _ message: String) -> RIDError {
            let place = element.offset >= 0 ? locate(element.offset) : (line: 0, column: 0)
            return RIDError(line: place.line, column: place.column, message)
        }

        mutating func message(_ root: XMLTree.Element) throws(RIDError) -> RIDMessage {
            guard root.name == RID.name("RID") else {
                throw fail(root, "the root element is \(root.name), not RID in \(RID.namespace)")
            }
            guard let lang = root.attribute("lang"), !lang.isEmpty else {
                throw fail(root, "RID needs its lang attribute")
            }
            var children = try ordered(root, ["RIDPolicy", "RequestStatus", "IncidentSource"])
            guard let policy = children["RIDPolicy"]?.first else {
                throw fail(root, "a RID message needs its RIDPolicy (RFC 6545 section 5: every message type has one)")
            }
            var message = try self.policy(policy, lang: lang)
            if let status = children["RequestStatus"]?.first {
                guard message.type == .acknowledgement else {
                    throw fail(status, "RequestStatus belongs to an Acknowledgement, not to a \(message.type.rawValue)")
                }
                let authorization = try enumerated(status, "AuthorizationStatus", RID.authorizations, required: true)!
                let justification = try enumerated(status, "Justification", RID.justifications, required: false)
                message.status = RIDRequestStatus(
                    authorization: authorization, justification: justification,
                    detail: status.attribute("ext-Justification"))
            } else if message.type == .acknowledgement {
                throw fail(policy, "an Acknowledgement needs its RequestStatus")
            }
            if let source = children.removeValue(forKey: "IncidentSource")?.first {
                guard message.type == .result else {
                    throw fail(source, "IncidentSource belongs to a Result, not to a \(message.type.rawValue)")
                }
                let parts = source.elements
                guard let found = parts.first, found.name == RID.name("SourceFound") else {
                    throw fail(source, "IncidentSource starts with SourceFound")
                }
                let text = found.text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard ["true", "false", "1", "0"].contains(text) else {
                    throw fail(found, "SourceFound is a boolean (true, false, 1, 0), not '\(text.prefix(32))'")
                }
                var nodes: [RIDNode] = []
                for part in parts.dropFirst() {
                    guard part.name.local == "Node", Self.isIODEF(part.name.namespace) else {
                        throw fail(part, "IncidentSource holds SourceFound then Node elements, not \(part.name)")
                    }
                    nodes.append(try node(part))
                }
                message.source = RIDIncidentSource(found: text == "true" || text == "1", nodes: nodes)
            }
            if message.type.isRequest || message.type == .result, message.document == nil, message.unreadDocument == nil {
                throw fail(policy, "a \(message.type.rawValue) carries its IODEF document (RFC 6545 sections 6.1 and 6.3)")
            }
            return message
        }

        /// The children of `element`, all in the RID namespace and among `names`, in that order.
        func ordered(_ element: XMLTree.Element, _ names: [String]) throws(RIDError) -> [String: [XMLTree.Element]] {
            var found: [String: [XMLTree.Element]] = [:]
            var last = -1
            for child in element.elements {
                guard child.name.namespace == RID.namespace, let index = names.firstIndex(of: child.name.local) else {
                    throw fail(child, "\(element.name.local) holds \(names.joined(separator: ", ")), not \(child.name)")
                }
                guard index > last else {
                    throw fail(
                        child,
                        "\(child.name.local) is out of place: \(element.name.local) holds \(names.joined(separator: ", ")) in that order, each at most once"
                    )
                }
                last = index
                found[child.name.local, default: []].append(child)
            }
            if element.hasSignificantText { throw fail(element, "\(element.name.local) holds elements only, not text") }
            return found
        }

        func enumerated(_ element: XMLTree.Element, _ attribute: String, _ allowed: Set<String>, required: Bool)
            throws(RIDError) -> String?
        {
            guard let raw = element.attribute(attribute) else {
                if required { throw fail(element, "\(element.name.local) needs its \(attribute) attribute") }
                return nil
            }
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard allowed.contains(value) else {
                throw fail(
                    element,
                    "\(element.name.local)@\(attribute) is '\(value.prefix(64))', not one of \(allowed.sorted().joined(separator: ", "))"
                )
            }
            if value == "ext-value", element.attribute("ext-" + attribute)?.isEmpty ?? true {
                throw fail(element, "\(element.name.local)@\(attribute)=\"ext-value\" needs its ext-\(attribute) attribute")
            }
            return value
        }

        static func isIODEF(_ namespace: String?) -> Bool {
            namespace == RID.iodef1Namespace || namespace == IODEF.namespace
        }

        mutating func policy(_ policy: XMLTree.Element, lang: String) throws(RIDError) -> RIDMessage {
            guard
                let typeName = try enumerated(
                    policy, "MsgType", Set(RIDMessageType.allCases.map(\.rawValue) + ["ext-value"]), required: true),
                let type = RIDMessageType(rawValue: typeName)
            else {
                throw fail(
                    policy,
                    "RIDPolicy@MsgType=\"ext-value\" (\(policy.attribute("ext-MsgType") ?? "")) is not a message type Cybex handles"
                )
            }
            let destination = try enumerated(policy, "MsgDestination", RID.destinations, required: true)!
            let restriction = try enumerated(policy, "restriction", RID.restrictions, required: false)
            var regions: [String] = []
            var trafficTypes: [String] = []
            var node: RIDNode?
            var incident: RIDIncidentID?
            var document: IODEFDocument?
            var unread: String?
            // PolicyRegion+, Node, TrafficType+, IncidentID?, ReportSchema?
            let order = ["PolicyRegion", "Node", "TrafficType", "IncidentID", "ReportSchema"]
            var last = -1
            for child in policy.elements {
                let local = child.name.local
                let inNamespace =
                    (local == "Node" || local == "IncidentID")
                    ? Self.isIODEF(child.name.namespace) : child.name.namespace == RID.namespace
                guard inNamespace, let index = order.firstIndex(of: local) else {
                    throw fail(
                        child, "RIDPolicy holds PolicyRegion, Node, TrafficType, IncidentID and ReportSchema, not \(child.name)")
                }
                let repeatable = local == "PolicyRegion" || local == "TrafficType"
                guard index > last || (index == last && repeatable) else {
                    throw fail(
                        child,
                        "\(local) is out of place: RIDPolicy holds PolicyRegion+, Node, TrafficType+, IncidentID?, ReportSchema? in that order"
                    )
                }
                last = index
                switch local {
                case "PolicyRegion": regions.append(try enumerated(child, "region", RID.regions, required: true)!)
                case "TrafficType": trafficTypes.append(try enumerated(child, "type", RID.trafficTypes, required: true)!)
                case "Node": node = try self.node(child)
                case "IncidentID":
                    guard let name = child.attribute("name"), !name.isEmpty else {
                        throw fail(child, "IncidentID needs its name attribute (the issuing CSIRT)")
                    }
                    let id = child.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !id.isEmpty, child.elements.isEmpty else {
                        throw fail(child, "IncidentID holds the incident's id as text")
                    }
                    incident = RIDIncidentID(name: name, id: id)
                default:
                    (document, unread) = try reportSchema(child)
                }
            }
            guard !regions.isEmpty else { throw fail(policy, "RIDPolicy needs at least one PolicyRegion") }
            guard let node else { throw fail(policy, "RIDPolicy needs its Node") }
            guard !trafficTypes.isEmpty else { throw fail(policy, "RIDPolicy needs at least one TrafficType") }
            var message = RIDMessage(
                type: type, destination: destination, regions: regions, node: node, trafficTypes: trafficTypes,
                incident: incident, document: document, lang: lang)
            message.restriction = restriction
            message.unreadDocument = unread
            return message
        }

        func node(_ element: XMLTree.Element) throws(RIDError) -> RIDNode {
            var node = RIDNode()
            for child in element.elements where Self.isIODEF(child.name.namespace) {
                let text = child.text.trimmingCharacters(in: .whitespacesAndNewlines)
                switch child.name.local {
                case "NodeName", "DomainData":
                    if !text.isEmpty { node.names.append(text) }
                case "Address":
                    guard !text.isEmpty else { throw fail(child, "Address holds the address as text") }
                    node.addresses.append(RIDAddress(category: child.attribute("category") ?? "ipv4-addr", value: text))
                default:
                    continue  // Location, DateTime, NodeRole, Counter: not used by routing
                }
            }
            guard !node.names.isEmpty || !node.addresses.isEmpty else {
                throw fail(element, "Node names at least one NodeName or Address")
            }
            return node
        }

        func reportSchema(_ element: XMLTree.Element) throws(RIDError) -> (IODEFDocument?, String?) {
            let parts = element.elements
            guard let xmlDocument = parts.first, xmlDocument.name == RID.name("XMLDocument") else {
                throw fail(element, "ReportSchema starts with XMLDocument")
            }
            for part in parts.dropFirst() where part.name != RID.name("URL") && part.name != RID.name("Signature") {
                throw fail(part, "ReportSchema holds XMLDocument, URL? and Signature*, not \(part.name)")
            }
            let carried = xmlDocument.elements
            guard carried.count == 1, let root = carried.first else {
                throw fail(xmlDocument, "XMLDocument holds exactly one document")
            }
            guard root.name.namespace == IODEF.namespace else {
                // RFC 6545 section 5.6: a document the receiver does not understand is ignored.
                return (nil, root.name.namespace ?? "(no namespace)")
            }
            do {
                return (try IODEFDocument.from(root, locate: locate), nil)
            } catch {
                let first = error.problems.first
                throw RIDError(
                    line: first?.line ?? 0, column: first?.column ?? 0,
                    "the IODEF document it carries is invalid: " + error.problems.map(\.message).joined(separator: "; "))
            }
        }
    }
}
