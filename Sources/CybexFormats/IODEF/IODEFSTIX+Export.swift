import CybexCore

extension IODEFSTIX {
    /// The IODEF `Incident` that a STIX `incident` object stands for: the incident it was imported
    /// from (its extension's `iodef`), with `restriction` rewritten from the object's markings as
    /// the reader sees them; for an incident made in STIX, one built from its id, times, name and
    /// description, issued by `issuer` (the node's name) and created by `creator`. Checked against
    /// the RFC's classes like an imported one.
    public static func incident(from object: JSONValue, issuer: String, creator: String) throws(IODEFError) -> XMLTree.Element {
        let refs = object["object_marking_refs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let level = TLPLevel.strictest(of: refs)
        let body = object["extensions"]?[extensionID]
        var incident: XMLTree.Element
        if let iodef = body?["iodef"] {
            do {
                incident = try IODEFJSON.element(IODEF.name("Incident"), from: iodef)
            } catch {
                throw IODEFError([
                    .init(
                        code: .invalidContent, line: 0, column: 0,
                        message: "\(object["id"]?.stringValue ?? "incident"): iodef.\(error)")
                ])
            }
        } else {
            incident = built(from: object, issuer: issuer, creator: creator)
        }
        let restriction = IODEFRestriction.restriction(for: level, imported: body?["restriction"]?.stringValue) ?? "default"
        incident.set("restriction", restriction)
        var validator = IODEFValidator(locate: { _ in (0, 0) })
        validator.check(incident)
        if !validator.problems.isEmpty {
            let id = object["id"]?.stringValue ?? "incident"
            throw IODEFError(
                validator.problems.map { .init(code: $0.code, line: 0, column: 0, message: "\(id): \($0.message)") },
                count: validator.count)
        }
        return incident
    }

    /// An `Incident` for a STIX incident that was not imported from IODEF.
    static func built(from object: JSONValue, issuer: String, creator: String) -> XMLTree.Element {
        func element(_ name: String, _ text: String, _ attributes: [(String, String)] = []) -> XMLTree.Element {
            XMLTree.Element(
                IODEF.name(name), attributes: attributes.map { XMLTree.Attribute(XMLTree.Name($0.0), $0.1) },
                children: [.text(text)])
        }
        let modified = object["modified"]?.stringValue ?? object["created"]?.stringValue ?? "1970-01-01T00:00:00Z"
        var incident = XMLTree.Element(
            IODEF.name("Incident"), attributes: [XMLTree.Attribute(XMLTree.Name("purpose"), "reporting")])
        incident.append(element("IncidentID", object["id"]?.stringValue ?? "", [("name", issuer)]))
        if let created = object["created"]?.stringValue { incident.append(element("ReportTime", created)) }
        incident.append(element("GenerationTime", modified))
        if let name = object["name"]?.stringValue { incident.append(element("Description", name)) }
        if let description = object["description"]?.stringValue { incident.append(element("Description", description)) }
        var contact = XMLTree.Element(
            IODEF.name("Contact"),
            attributes: [
                XMLTree.Attribute(XMLTree.Name("role"), "creator"), XMLTree.Attribute(XMLTree.Name("type"), "organization"),
            ])
        contact.append(element("ContactName", creator))
        incident.append(contact)
        return incident
    }

    /// The IODEF document of the incidents among `objects` (other objects are left out), or nil
    /// when there is none: an IODEF document holds at least one incident.
    public static func document(
        from objects: [JSONValue], issuer: String, creator: (JSONValue) -> String
    ) throws(IODEFError) -> IODEFDocument? {
        var incidents: [XMLTree.Element] = []
        for object in objects where object["type"]?.stringValue == "incident" {
            incidents.append(try incident(from: object, issuer: issuer, creator: creator(object)))
        }
        return incidents.isEmpty ? nil : IODEFDocument(incidents: incidents)
    }
}
