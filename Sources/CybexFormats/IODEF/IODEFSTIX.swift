import CybexCore

/// IODEF incidents as STIX 2.1 objects and back (`docs/IODEF.md`, "IODEF and STIX").
///
/// Each `Incident` becomes an `incident` object whose property extension (``extensionID``) holds
/// its id, issuer, purpose, status, restriction and categories, and the whole incident in
/// ``IODEFJSON``'s form; the addresses, domains and e-mail addresses of its nodes and observables
/// become SCOs, each linked to the incident by a `related-to` relationship, all with the incident's
/// markings. The incident's id is made from its IODEF id and issuer, so a later document about the
/// same incident is a new version of the same object.
public enum IODEFSTIX {
    /// The id of Cybex's IODEF incident extension definition.
    public static let extensionID = "extension-definition--6a1f3c52-0d4e-4b7a-9f1e-2c8d5b3a7e90"

    /// An incident's STIX objects, in the order they are stored (marking definition, SCOs, incident, relationships).
    public struct Objects: Sendable {
        public var incident: JSONValue
        public var related: [JSONValue]
        /// The distribution marking definition naming the recipients, when the restriction asks for one.
        public var distribution: JSONValue?

        public var all: [JSONValue] {
            (distribution.map { [$0] } ?? []) + related.filter { $0["type"]?.stringValue != "relationship" } + [incident]
                + related.filter { $0["type"]?.stringValue == "relationship" }
        }
    }

    /// The STIX objects for `incident` (an `Incident` element that passed ``IODEFDocument``'s
    /// checks). `created` is the incident's first version's `created` when it is already stored.
    /// `isKnownParty` says which named parties are organisations of this node: only those become
    /// recipients of a `need-to-know` or `red` incident (nil: all of them).
    public static func objects(
        for incident: XMLTree.Element, created: String? = nil, isKnownParty: ((String) -> Bool)? = nil
    ) throws(IODEFError) -> Objects {
        let ns = IODEF.namespace
        guard let idElement = incident.elements("IncidentID", namespace: ns).first, let issuer = idElement.attribute("name"),
            let generation = incident.elements("GenerationTime", namespace: ns).first,
            let modified = IODEFTime.stixTimestamp(generation.text)
        else {
            throw IODEFError([
                .init(code: .missingElement, line: 0, column: 0, message: "an Incident needs IncidentID and GenerationTime")
            ])
        }
        let localID = idElement.text.trimmingXMLWhitespace
        let instance = idElement.attribute("instance")
        let id = stixID(issuer: issuer, instance: instance, localID: localID)
        let restriction = incident.attribute("restriction")
        let marking = IODEFRestriction.marking(for: restriction)

        var refs: [JSONValue] = []
        if let level = marking.level { refs.append(.string(level.markingDefinitionID)) }
        var distribution: JSONValue?
        if marking.toNamedParties {
            let parties = namedParties(of: incident).filter { isKnownParty?($0) ?? true }
            if !parties.isEmpty {
                let markingID =
                    "marking-definition--"
                    + NameBasedUUID.make("cybex-iodef-distribution|\(id)|\(modified)|" + parties.joined(separator: "\u{1}"))
                distribution = .object([
                    ("type", .string("marking-definition")), ("spec_version", .string("2.1")), ("id", .string(markingID)),
                    ("created", .string(modified)), ("name", .string("Distribution: " + parties.joined(separator: ", "))),
                    (
                        "extensions",
                        .object([
                            (
                                DistributionMarking.extensionID,
                                .object([
                                    ("extension_type", .string("property-extension")),
                                    ("recipients", .array(parties.map(JSONValue.string))),
                                ])
                            )
                        ])
                    ),
                ])
                refs.append(.string(markingID))
            }
        }

        let descriptions = incident.elements("Description", namespace: ns).map { $0.text.trimmingXMLWhitespace }
        let categories = incident.elements("Assessment", namespace: ns).flatMap { $0.elements("IncidentCategory", namespace: ns) }
            .map { $0.text.trimmingXMLWhitespace }
        var body: [(key: String, value: JSONValue)] = [
            ("extension_type", .string("property-extension")), ("incident_id", .string(localID)), ("issuer", .string(issuer)),
        ]
        if let instance { body.append(("instance", .string(instance))) }
        if let purpose = incident.attribute("purpose") { body.append(("purpose", .string(purpose))) }
        if let status = incident.attribute("status") { body.append(("status", .string(status))) }
        body.append(("restriction", .string(restriction ?? "private")))
        if !categories.isEmpty { body.append(("categories", .array(categories.map(JSONValue.string)))) }
        body.append(("iodef", IODEFJSON.value(of: incident)))

        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("incident")), ("spec_version", .string("2.1")), ("id", .string(id)),
            ("created", .string(created ?? modified)), ("modified", .string(modified)),
            (
                "name",
                .string(
                    descriptions.first.map { String($0.prefix(200)) }.flatMap { $0.isEmpty ? nil : $0 }
                        ?? "IODEF incident \(localID) (\(issuer))")
            ),
        ]
        if !descriptions.isEmpty { members.append(("description", .string(descriptions.joined(separator: "\n\n")))) }
        members.append(
            (
                "external_references",
                .array([.object([("source_name", .string("iodef:" + issuer)), ("external_id", .string(localID))])])
            ))
        if !refs.isEmpty { members.append(("object_marking_refs", .array(refs))) }
        // Parts restricted beyond the incident's level: granular markings on their places.
        if let granular = granularMarkings(restrictedParts(of: incident, above: marking.level)) {
            members.append(("granular_markings", granular))
        }
        members.append(("extensions", .object([(extensionID, .object(body))])))
        let incidentObject = JSONValue.object(members)

        // Each observable once, at the least restricted level it appears at (nil: the incident's).
        var levels: [String: TLPLevel?] = [:]
        var order: [(String, JSONValue)] = []
        for (sco, partLevel) in observables(in: incident, level: marking.level) {
            guard let withID = identified(sco), let scoID = withID["id"]?.stringValue else { continue }
            if let known = levels[scoID] {
                if let current = known {
                    levels[scoID] = partLevel.map { min($0, current) }
                }
                continue
            }
            levels[scoID] = partLevel
            order.append((scoID, withID))
        }
        var related: [JSONValue] = []
        for (scoID, sco) in order {
            // An observable only in a stricter part is marked at that part's level (owner only at RED).
            let scoRefs: [JSONValue] = (levels[scoID] ?? nil).map { [.string($0.markingDefinitionID)] } ?? refs
            var withID = sco
            if !scoRefs.isEmpty, case .object(var scoMembers) = withID {
                scoMembers.append(("object_marking_refs", .array(scoRefs)))
                withID = .object(scoMembers)
            }
            let refs = scoRefs
            related.append(withID)
            var relationship: [(key: String, value: JSONValue)] = [
                ("type", .string("relationship")), ("spec_version", .string("2.1")),
                ("id", .string("relationship--" + NameBasedUUID.make("cybex-iodef-related|\(id)|\(scoID)"))),
                ("created", .string(created ?? modified)), ("modified", .string(modified)),
                ("relationship_type", .string("related-to")), ("source_ref", .string(id)), ("target_ref", .string(scoID)),
            ]
            if !refs.isEmpty { relationship.append(("object_marking_refs", .array(refs))) }
            related.append(.object(relationship))
        }
        return Objects(incident: incidentObject, related: related, distribution: distribution)
    }

    /// The id of the STIX incident an IODEF `Incident` becomes (nil without an `IncidentID`): made
    /// from the IODEF id, its instance and its issuer, so every document about one incident
    /// versions one object.
    public static func stixID(of incident: XMLTree.Element) -> String? {
        guard let idElement = incident.elements("IncidentID", namespace: IODEF.namespace).first,
            let issuer = idElement.attribute("name")
        else { return nil }
        return stixID(issuer: issuer, instance: idElement.attribute("instance"), localID: idElement.text.trimmingXMLWhitespace)
    }

    /// The STIX id of the incident `localID` issued by `issuer` (IODEF's IncidentID).
    public static func stixID(issuer: String, instance: String?, localID: String) -> String {
        "incident--" + NameBasedUUID.make("cybex-iodef|\(issuer)|\(instance ?? "")|\(localID)")
    }

    /// The organisations an incident names: the `ContactName` of each contact of type
    /// `organization`, anywhere in it, in order, without repeats.
    public static func namedParties(of incident: XMLTree.Element) -> [String] {
        var names: [String] = []
        func walk(_ element: XMLTree.Element) {
            for child in element.elements where child.name.namespace == IODEF.namespace {
                if child.name.local == "Contact", child.attribute("type") == "organization" {
                    for name in child.elements("ContactName", namespace: IODEF.namespace) {
                        let text = name.text.trimmingXMLWhitespace
                        if !text.isEmpty && !names.contains(text) { names.append(text) }
                    }
                }
                walk(child)
            }
        }
        walk(incident)
        return names
    }

    /// The SCOs (without ids) of the addresses, domain names and e-mail addresses in `incident`,
    /// each with the level of the strictest restricted part it is in (nil: none beyond `level`).
    static func observables(in incident: XMLTree.Element, level: TLPLevel? = nil) -> [(JSONValue, TLPLevel?)] {
        var found: [(JSONValue, TLPLevel?)] = []
        var current: TLPLevel? = nil
        func walk(_ element: XMLTree.Element) {
            for child in element.elements where child.name.namespace == IODEF.namespace {
                let saved = current
                defer { current = saved }
                if let restriction = child.attribute("restriction"),
                    let partLevel = IODEFRestriction.marking(for: restriction).level,
                    level.map({ partLevel > $0 }) ?? true, current.map({ partLevel > $0 }) ?? true
                {
                    current = partLevel
                }
                switch child.name.local {
                case "Address":
                    if let sco = sco(
                        forAddress: child.text.trimmingXMLWhitespace, category: child.attribute("category") ?? "ipv6-addr")
                    {
                        found.append((sco, current))
                    }
                case "DomainData":
                    for name in child.elements("Name", namespace: IODEF.namespace) {
                        let value = name.text.trimmingXMLWhitespace
                        if !value.isEmpty {
                            found.append(
                                (
                                    .object([
                                        ("type", .string("domain-name")), ("spec_version", .string("2.1")),
                                        ("value", .string(value)),
                                    ]), current
                                ))
                        }
                    }
                    walk(child)
                case "AdditionalData", "RecordItem", "RelatedDNS", "ApplicationHeaderField", "EmailHeaderField", "FileProperties",
                    "FuzzyHashValue":
                    continue
                default:
                    walk(child)
                }
            }
        }
        walk(incident)
        return found
    }

    static func sco(forAddress value: String, category: String) -> JSONValue? {
        guard !value.isEmpty else { return nil }
        func make(_ type: String, _ member: JSONValue) -> JSONValue {
            .object([
                ("type", .string(type)), ("spec_version", .string("2.1")),
                (type == "autonomous-system" ? "number" : "value", member),
            ])
        }
        switch category {
        case "ipv4-addr", "ipv4-net": return make("ipv4-addr", .string(value))
        case "ipv6-addr", "ipv6-net": return make("ipv6-addr", .string(value))
        case "e-mail": return make("email-addr", .string(value))
        case "mac": return make("mac-addr", .string(value.lowercased()))
        case "site-uri": return make("url", .string(value))
        case "asn":
            guard let number = Int(value.hasPrefix("AS") ? String(value.dropFirst(2)) : value), number >= 0 else { return nil }
            return make("autonomous-system", .number(String(number)))
        default: return nil
        }
    }

    static func identified(_ sco: JSONValue) -> JSONValue? {
        guard let id = DeterministicID.identifier(for: sco), case .object(var members) = sco else { return nil }
        members.insert(("id", .string(id)), at: 2)
        return .object(members)
    }
}
