import CybexCore
import CybexFormats

/// The IODEF `Incident` a case shares (docs/INCIDENTS.md, "What a case shares"): its reference
/// issued by the node, its status as IODEF knows it, its title and description, its
/// classification as an `IncidentCategory` (Cybex's label and the RSIT machine tag), its severity
/// as a `SystemImpact`, the handling organisation as the IRT contact, the reporter, and at TLP:RED
/// the recipients as contacts (so they are the incident's named parties).
enum IODEFCase {
    static func incident(
        _ record: CaseRecord, issuer: String, ownerName: String, reporterName: String?, generated: String
    ) -> XMLTree.Element {
        func element(_ name: String, _ text: String? = nil, _ attributes: [(String, String)] = []) -> XMLTree.Element {
            XMLTree.Element(
                IODEF.name(name), attributes: attributes.map { XMLTree.Attribute(XMLTree.Name($0.0), $0.1) },
                children: text.map { [.text($0)] } ?? [])
        }
        func contact(_ role: String, _ name: String) -> XMLTree.Element {
            var contact = element("Contact", nil, [("role", role), ("type", "organization")])
            contact.append(element("ContactName", name))
            return contact
        }
        let restriction: String =
            switch record.tlp {
            case nil: "default"
            case .clear: "white"
            case .green: "green"
            case .amber, .amberStrict: "amber"
            case .red: record.recipients.isEmpty ? "private" : "need-to-know"
            }
        var incident = element(
            "Incident", nil, [("purpose", "reporting"), ("status", record.status.iodefStatus), ("restriction", restriction)])
        incident.append(element("IncidentID", record.reference, [("name", issuer)]))
        incident.append(element("ReportTime", STIXTimestamp.formatVersion(microseconds: record.created)))
        incident.append(element("GenerationTime", generated))
        incident.append(element("Description", record.title))
        if let description = record.description { incident.append(element("Description", description)) }
        var assessment = element("Assessment", nil, [("occurrence", "actual")])
        if let classification = record.classification {
            assessment.append(element("IncidentCategory", classification.label))
            assessment.append(element("IncidentCategory", classification.rsitTag))
        }
        assessment.append(element("SystemImpact", nil, [("severity", record.severity.iodefSeverity), ("type", "unknown")]))
        incident.append(assessment)
        incident.append(contact("irt", ownerName))
        if let reporterName { incident.append(contact("reporter", reporterName)) }
        if record.tlp == .red {
            for recipient in record.recipients where recipient != ownerName { incident.append(contact("cc", recipient)) }
        }
        return incident
    }

    /// `object` with its TLP:AMBER marking made TLP:AMBER+STRICT.
    static func strict(_ object: JSONValue) -> JSONValue {
        guard case .object(var members) = object, let index = members.firstIndex(where: { $0.key == "object_marking_refs" }),
            let refs = members[index].value.arrayValue
        else { return object }
        members[index].value = .array(
            refs.map {
                $0.stringValue == TLPLevel.amber.markingDefinitionID ? .string(TLPLevel.amberStrict.markingDefinitionID) : $0
            })
        return .object(members)
    }

    /// `object` marked at `level`.
    static func marked(_ object: JSONValue, _ level: TLPLevel) -> JSONValue {
        guard case .object(var members) = object else { return object }
        members.removeAll { $0.key == "object_marking_refs" }
        members.append(("object_marking_refs", .array([.string(level.markingDefinitionID)])))
        return .object(members)
    }
}
