import CybexCore
import Foundation

/// What RID reads from and writes into the IODEF incident a message carries (docs/RID.md): the
/// address a request is about, the path it took (one `History/HistoryItem` per node that
/// handled it, Cybex's convention: `action="investigate"`, the node as an `irt` Contact, a
/// Description starting `RID hop`), and the incident a Result answers with.
public enum RIDIncident {
    /// What marks a HistoryItem as a hop of a RID exchange.
    public static let hopPrefix = "RID hop"

    static func iodef(_ local: String, _ attributes: [(String, String)] = [], text: String? = nil) -> XMLTree.Element {
        XMLTree.Element(
            IODEF.name(local), attributes: attributes.map { XMLTree.Attribute(XMLTree.Name($0.0), $0.1) },
            children: text.map { [.text($0)] } ?? [])
    }

    /// The incident's IncidentID: the issuing CSIRT's name and its id.
    public static func incidentID(of incident: XMLTree.Element) -> RIDIncidentID? {
        guard let element = incident.elements("IncidentID", namespace: IODEF.namespace).first,
            let name = element.attribute("name")
        else { return nil }
        let id = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : RIDIncidentID(name: name, id: id)
    }

    /// The address of the first `System` of category `source` in the incident's event data
    /// (nested event data included), or nil.
    public static func sourceAddress(of incident: XMLTree.Element) -> String? {
        func search(_ element: XMLTree.Element) -> String? {
            for child in element.elements where child.name.namespace == IODEF.namespace {
                if child.name.local == "System", child.attribute("category") == "source" {
                    for node in child.elements("Node", namespace: IODEF.namespace) {
                        if let address = node.elements("Address", namespace: IODEF.namespace).first {
                            let text = address.text.trimmingCharacters(in: .whitespacesAndNewlines)
                            if !text.isEmpty { return text }
                        }
                    }
                } else if ["EventData", "Flow"].contains(child.name.local), let found = search(child) {
                    return found
                }
            }
            return nil
        }
        return search(incident)
    }

    /// `incident` with `address` as the source of its event data: unchanged when that is its first
    /// source address already, else with an `EventData/Flow/System[@category=source]` for it placed
    /// where RFC 7970 orders event data (before Indicator, History and AdditionalData).
    public static func withSource(_ incident: XMLTree.Element, address: String) -> XMLTree.Element {
        guard sourceAddress(of: incident) != address else { return incident }
        var node = iodef("Node")
        node.append(iodef("Address", [("category", address.contains(":") ? "ipv6-addr" : "ipv4-addr")], text: address))
        var system = iodef("System", [("category", "source")])
        system.append(node)
        var flow = iodef("Flow")
        flow.append(system)
        var eventData = iodef("EventData")
        eventData.append(flow)
        var result = incident
        let before = result.children.firstIndex {
            if case .element(let child) = $0 {
                return child.name.namespace == IODEF.namespace
                    && ["Indicator", "History", "AdditionalData"].contains(child.name.local)
            }
            return false
        }
        result.children.insert(.element(eventData), at: before ?? result.children.endIndex)
        return result
    }

    /// The nodes the incident's RID hops name, in order.
    public static func hops(of incident: XMLTree.Element) -> [String] {
        var path: [String] = []
        for history in incident.elements("History", namespace: IODEF.namespace) {
            for item in history.elements("HistoryItem", namespace: IODEF.namespace) {
                guard isHop(item),
                    let name = item.elements("Contact", namespace: IODEF.namespace).first?
                        .elements("ContactName", namespace: IODEF.namespace).first
                else { continue }
                path.append(name.text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return path
    }

    /// `incident` with a hop of `node` appended to its History (made when it has none, before
    /// its AdditionalData as RFC 7970 orders the classes), `what` saying what the node did.
    public static func addingHop(to incident: XMLTree.Element, node: String, what: String, at microseconds: Int64)
        -> XMLTree.Element
    {
        var item = iodef("HistoryItem", [("action", "investigate")])
        item.append(iodef("DateTime", text: STIXTimestamp.formatVersion(microseconds: microseconds)))
        var contact = iodef("Contact", [("role", "irt"), ("type", "organization")])
        contact.append(iodef("ContactName", text: node))
        item.append(contact)
        item.append(iodef("Description", text: "\(hopPrefix): \(what)"))
        var result = incident
        if let index = result.children.firstIndex(where: {
            if case .element(let child) = $0 { return child.name == IODEF.name("History") }
            return false
        }), case .element(var history) = result.children[index] {
            history.append(item)
            result.children[index] = .element(history)
            return result
        }
        var history = iodef("History")
        history.append(item)
        let before = result.children.firstIndex {
            if case .element(let child) = $0 { return child.name == IODEF.name("AdditionalData") }
            return false
        }
        result.children.insert(.element(history), at: before ?? result.children.endIndex)
        return result
    }

    /// `incident` with its purpose set to `purpose` (`traceback`, `mitigation`, `reporting`).
    public static func withPurpose(_ incident: XMLTree.Element, _ purpose: String) -> XMLTree.Element {
        var result = incident
        result.set("purpose", purpose)
        return result
    }

    /// The incident a Result carries: the asked incident's id, the answering node as its
    /// contact, what it found, and the path the request took (its hops, this node's last). It holds
    /// nothing the answering node stores: only the answer.
    public static func result(
        answering incident: RIDIncidentID, restriction: String?, hops: [XMLTree.Element], node: String,
        sourceFound: Bool, detail: String, at microseconds: Int64
    ) -> XMLTree.Element {
        var attributes = [("purpose", "traceback"), ("status", "resolved")]
        if let restriction { attributes.append(("restriction", restriction)) }
        var result = iodef("Incident", attributes)
        result.append(iodef("IncidentID", [("name", incident.name)], text: incident.id))
        result.append(iodef("GenerationTime", text: STIXTimestamp.formatVersion(microseconds: microseconds)))
        result.append(iodef("Description", text: detail))
        var contact = iodef("Contact", [("role", "irt"), ("type", "organization")])
        contact.append(iodef("ContactName", text: node))
        result.append(contact)
        if !hops.isEmpty {
            var history = iodef("History")
            for hop in hops { history.append(hop) }
            result.append(history)
        }
        return addingHop(
            to: result, node: node, what: sourceFound ? "the source is in this node's constituency" : "source not found here",
            at: microseconds)
    }

    /// The hop items of `incident`'s History (to carry them into a Result).
    public static func hopItems(of incident: XMLTree.Element) -> [XMLTree.Element] {
        incident.elements("History", namespace: IODEF.namespace).flatMap {
            $0.elements("HistoryItem", namespace: IODEF.namespace).filter(isHop)
        }
    }

    static func isHop(_ item: XMLTree.Element) -> Bool {
        item.elements("Description", namespace: IODEF.namespace).contains {
            $0.text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(hopPrefix)
        }
    }

    /// `incident` with the hops of its History replaced by `hops` (the ones a request came with),
    /// its other history items kept before them: what a node passes on carries the path as the
    /// request stated it, even when the stored incident's History reads otherwise for the next peer.
    public static func replacingHops(of incident: XMLTree.Element, with hops: [XMLTree.Element]) -> XMLTree.Element {
        let kept = incident.elements("History", namespace: IODEF.namespace).flatMap {
            $0.elements("HistoryItem", namespace: IODEF.namespace).filter { !isHop($0) }
        }
        var result = incident
        result.children.removeAll {
            if case .element(let child) = $0 { return child.name == IODEF.name("History") }
            return false
        }
        guard !(kept + hops).isEmpty else { return result }
        var history = iodef("History")
        for item in kept + hops { history.append(item) }
        let before = result.children.firstIndex {
            if case .element(let child) = $0 { return child.name == IODEF.name("AdditionalData") }
            return false
        }
        result.children.insert(.element(history), at: before ?? result.children.endIndex)
        return result
    }
}
