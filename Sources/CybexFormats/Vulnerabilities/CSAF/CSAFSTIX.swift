import CybexCore

/// A CSAF 2.0 document as STIX 2.1 (docs/VULNERABILITIES.md, "CSAF"): the advisory as a `report`, each of
/// its vulnerabilities as a `vulnerability`, and its product status as VEX statements in a `note` with
/// Cybex's VEX extension (``VEXStatement`` reads them back, so exposure applies CSAF and OpenVEX alike). All
/// carry the document's TLP (WHITE as CLEAR); without one, the poster's default decides.
public enum CSAFSTIX {
    /// The id of Cybex's CSAF property extension definition, on the report.
    public static let extensionID = "extension-definition--5c0a6f1e-3a4b-4f7d-9e21-8b6c4d2a1f90"

    /// The most VEX statements one document gives.
    public static let maximumStatements = 10_000

    /// The objects of `document`: report first, then vulnerabilities, then the VEX note (when a product with a
    /// package URL or a CPE name has a status).
    public static func objects(for csaf: CSAFDocument) -> [JSONValue] {
        let document = csaf.document
        let tracking = document["tracking"] ?? .null
        let key = "\(csaf.publisherNamespace)|\(csaf.trackingID)"
        let initial = tracking["initial_release_date"]?.stringValue.flatMap(IODEFTime.microseconds) ?? 0
        let current = max(tracking["current_release_date"]?.stringValue.flatMap(IODEFTime.microseconds) ?? initial, initial)
        let (created, modified) = (
            STIXTimestamp.formatVersion(microseconds: initial), STIXTimestamp.formatVersion(microseconds: current)
        )
        var marking: [(key: String, value: JSONValue)] = []
        if let label = csaf.tlpLabel, let level = TLPLevel(rawValue: label == "WHITE" ? "clear" : label.lowercased()) {
            marking.append(("object_marking_refs", .array([.string(level.markingDefinitionID)])))
        }
        let identifiers = productIdentifiers(csaf)
        var vulnerabilities: [JSONValue] = []
        var statements: [JSONValue] = []
        for (index, vulnerability) in csaf.vulnerabilities.enumerated() {
            let cve = vulnerability["cve"]?.stringValue
            let otherID = vulnerability["ids"]?.arrayValue?.first?["text"]?.stringValue
            let name = cve ?? otherID ?? vulnerability["title"]?.stringValue ?? "\(csaf.trackingID) #\(index + 1)"
            var references: [JSONValue] = []
            if let cve {
                references.append(
                    .object([
                        ("source_name", .string("cve")), ("external_id", .string(cve)),
                        ("url", .string("https://www.cve.org/CVERecord?id=\(cve)")),
                    ]))
            }
            if let cwe = vulnerability["cwe"]?["id"]?.stringValue {
                references.append(.object([("source_name", .string("cwe")), ("external_id", .string(cwe))]))
            }
            for id in vulnerability["ids"]?.arrayValue ?? [] {
                guard let system = id["system_name"]?.stringValue, let text = id["text"]?.stringValue else { continue }
                references.append(.object([("source_name", .string(system)), ("external_id", .string(text))]))
            }
            var members: [(key: String, value: JSONValue)] = [
                ("type", .string("vulnerability")), ("spec_version", .string("2.1")),
                ("id", .string("vulnerability--" + NameBasedUUID.make("cybex-csaf|\(key)|\(index)|\(name)"))),
                ("created", .string(created)), ("modified", .string(modified)), ("name", .string(name)),
            ]
            if let text = description(vulnerability["notes"]) ?? vulnerability["title"]?.stringValue {
                members.append(("description", .string(text)))
            }
            if !references.isEmpty { members.append(("external_references", .array(references))) }
            members += marking
            vulnerabilities.append(.object(members))
            statements += vexStatements(vulnerability, name: name, csaf: csaf, identifiers: identifiers, time: modified)
        }
        statements = Array(statements.prefix(maximumStatements))
        var noteID: String?
        var objects: [JSONValue] = []
        if !statements.isEmpty {
            let id = "note--" + NameBasedUUID.make("cybex-csaf-vex|\(key)")
            noteID = id
            let refs = Set(statements.compactMap { $0["vulnerability"]?.stringValue }).sorted().map {
                JSONValue.string(OpenVEX.vulnerabilityID(name: $0))
            }
            let summary = "CSAF \(csaf.trackingID): \(statements.count) product status statement(s)"
            var members: [(key: String, value: JSONValue)] = [
                ("type", .string("note")), ("spec_version", .string("2.1")), ("id", .string(id)),
                ("created", .string(created)), ("modified", .string(modified)), ("abstract", .string(summary)),
                ("content", .string(summary)),
                ("authors", .array([.string(document["publisher"]?["name"]?.stringValue ?? csaf.publisherNamespace)])),
                ("object_refs", .array(refs)),
                (
                    "extensions",
                    .object([
                        (
                            OpenVEX.extensionID,
                            .object([
                                ("extension_type", .string("property-extension")), ("format", .string("csaf")),
                                ("document_id", .string(csaf.trackingID)),
                                ("author", .string(document["publisher"]?["name"]?.stringValue ?? "")),
                                ("statements", .array(statements)),
                            ])
                        )
                    ])
                ),
            ]
            members += marking
            objects.append(.object(members))
        }
        var refs = vulnerabilities.compactMap { $0["id"] }
        if let noteID { refs.append(.string(noteID)) }
        var extensionBody: [(key: String, value: JSONValue)] = [
            ("extension_type", .string("property-extension")), ("tracking_id", .string(csaf.trackingID)),
            ("publisher", document["publisher"] ?? .null), ("category", .string(csaf.category)),
            ("status", tracking["status"] ?? .null), ("version", tracking["version"] ?? .null),
        ]
        if let label = csaf.tlpLabel { extensionBody.append(("tlp", .string(label))) }
        if let severity = document["aggregate_severity"]?["text"] { extensionBody.append(("aggregate_severity", severity)) }
        var references: [JSONValue] = [
            .object([("source_name", .string("csaf")), ("external_id", .string(csaf.trackingID))])
        ]
        for reference in document["references"]?.arrayValue ?? [] where reference["category"]?.stringValue == "self" {
            if let url = reference["url"]?.stringValue {
                references.append(.object([("source_name", .string("csaf-self")), ("url", .string(url))]))
            }
        }
        var report: [(key: String, value: JSONValue)] = [
            ("type", .string("report")), ("spec_version", .string("2.1")),
            ("id", .string("report--" + NameBasedUUID.make("cybex-csaf|\(key)"))),
            ("created", .string(created)), ("modified", .string(modified)),
            ("name", .string(document["title"]?.stringValue ?? csaf.trackingID)),
            ("report_types", .array([.string("vulnerability")])), ("published", .string(created)),
        ]
        if let text = description(document["notes"]) { report.append(("description", .string(text))) }
        report += [
            (
                "object_refs",
                .array(refs.isEmpty ? [.string("vulnerability--" + NameBasedUUID.make("cybex-csaf|\(key)|none"))] : refs)
            ),
            ("external_references", .array(references)),
            ("extensions", .object([(extensionID, .object(extensionBody))])),
        ]
        report += marking
        return [.object(report)] + vulnerabilities + objects
    }

    /// The text of the first note of category summary, description or details (in that order).
    static func description(_ notes: JSONValue?) -> String? {
        let list = notes?.arrayValue ?? []
        for category in ["summary", "description", "details"] {
            if let text = list.first(where: { $0["category"]?.stringValue == category })?["text"]?.stringValue {
                return String(text.prefix(10_000))
            }
        }
        return nil
    }

    /// What identifies each product id outside the document: the package URL (canonical) or CPE name of its
    /// identification helper; a relationship's product, lacking its own, takes its `product_reference`'s.
    static func productIdentifiers(_ csaf: CSAFDocument) -> [String: [String]] {
        var identifiers: [String: [String]] = [:]
        for definition in csaf.productDefinitions {
            let helper = definition.name["product_identification_helper"]
            var found: [String] = []
            if let purl = helper?["purl"]?.stringValue, let parsed = try? PackageURL(parsing: purl) {
                found.append(parsed.canonical)
            }
            if let cpe = helper?["cpe"]?.stringValue, let parsed = try? CPEName(parsing: cpe) {
                found.append(parsed.formattedString)
            }
            if !found.isEmpty { identifiers[definition.productID, default: []] += found }
        }
        for relationship in csaf.json["product_tree"]?["relationships"]?.arrayValue ?? [] {
            guard let id = relationship["full_product_name"]?["product_id"]?.stringValue, identifiers[id] == nil,
                let component = relationship["product_reference"]?.stringValue, let inherited = identifiers[component]
            else { continue }
            identifiers[id] = inherited
        }
        return identifiers
    }

    /// One VEX statement per product with a status and an identifier: affected (first_affected, known_affected,
    /// last_affected), not_affected (known_not_affected, with the product's flag as justification and its impact
    /// threat as statement), fixed (first_fixed, fixed), under_investigation; an affected product's remediation
    /// is its action statement.
    static func vexStatements(
        _ vulnerability: JSONValue, name: String, csaf: CSAFDocument, identifiers: [String: [String]], time: String
    ) -> [JSONValue] {
        let groups = csaf.groups
        func covered(_ entry: JSONValue) -> Set<String> {
            var ids = Set(entry["product_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            for group in entry["group_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [] { ids.formUnion(groups[group] ?? []) }
            return ids
        }
        let flags = vulnerability["flags"]?.arrayValue ?? []
        let threats = (vulnerability["threats"]?.arrayValue ?? []).filter { $0["category"]?.stringValue == "impact" }
        let remediations = vulnerability["remediations"]?.arrayValue ?? []
        let mapping: [(String, String)] = [
            ("first_affected", "affected"), ("known_affected", "affected"), ("last_affected", "affected"),
            ("known_not_affected", "not_affected"), ("first_fixed", "fixed"), ("fixed", "fixed"),
            ("under_investigation", "under_investigation"),
        ]
        var statements: [JSONValue] = []
        for (list, status) in mapping {
            for product in vulnerability["product_status"]?[list]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                guard let products = identifiers[product], !products.isEmpty else { continue }
                var members: [(key: String, value: JSONValue)] = [
                    ("vulnerability", .string(name)), ("status", .string(status)),
                    ("products", .array(products.map(JSONValue.string))), ("csaf_product_id", .string(product)),
                ]
                if status == "not_affected" {
                    if let flag = flags.first(where: { covered($0).contains(product) })?["label"] {
                        members.append(("justification", flag))
                    }
                    if let threat = threats.first(where: { covered($0).contains(product) })?["details"]?.stringValue {
                        members.append(("impact_statement", .string(String(threat.prefix(4_000)))))
                    }
                }
                if status == "affected", let remediation = remediations.first(where: { covered($0).contains(product) }) {
                    let details = remediation["details"]?.stringValue ?? ""
                    let category = remediation["category"]?.stringValue ?? ""
                    members.append(("action_statement", .string(String("\(category): \(details)".prefix(4_000)))))
                }
                members.append(("timestamp", .string(time)))
                statements.append(.object(members))
            }
        }
        return statements
    }
}
