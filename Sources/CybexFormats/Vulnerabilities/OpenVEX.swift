import CybexCore

/// OpenVEX documents (v0.2.0, and the v0.0.x form whose vulnerability is a plain string) read into STIX
/// (docs/VULNERABILITIES.md, "VEX"): one `note` per document, `object_refs` the vulnerabilities its
/// statements speak of (a CVE id maps to the id its CVE record gets), its statements in Cybex's VEX property
/// extension, which ``VEXStatement/statements(of:)`` reads back for exposure. The note goes through the one
/// ingest entry, so the sharing policy decides who sees it.
public enum OpenVEX {
    /// The id of Cybex's VEX property extension definition (OpenVEX statements; CSAF's product status
    /// takes the same form).
    public static let extensionID = VulnerabilityFacts.vexExtensionID

    /// The most statements, and products per statement, read from one document.
    public static let maximumStatements = 10_000
    public static let maximumProducts = 1_000

    static let statuses: Set<String> = ["not_affected", "affected", "fixed", "under_investigation"]
    static let justifications: Set<String> = [
        "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist",
    ]

    /// The STIX id a vulnerability's name maps to: a CVE id the id of its CVE record, any other name
    /// (a GHSA id …) a name-based id of its own.
    public static func vulnerabilityID(name: String) -> String {
        VulnerabilityFacts.isCVEID(name.uppercased())
            ? CVERecord.stixID(cveID: name)
            : "vulnerability--" + NameBasedUUID.make("cybex-vulnerability-name|" + name)
    }

    /// The STIX `note` for an OpenVEX document, checked as its JSON schema asks (the required members,
    /// statuses and justifications, a `not_affected` statement's justification or impact statement, an
    /// `affected` one's action statement, RFC 3339 times, product identifiers that are package URLs or
    /// CPE names when they claim to be). Errors name the JSON path.
    public static func note(from bytes: [UInt8]) throws(CVERecordError) -> JSONValue {
        let document: JSONValue
        do {
            document = try JSONReader.parse(bytes, limits: JSONLimits(maxDepth: 32, maxStringBytes: 1 << 20))
        } catch {
            throw CVERecordError("", "not a JSON document: \(error.message)")
        }
        return try note(from: document)
    }

    public static func note(from document: JSONValue) throws(CVERecordError) -> JSONValue {
        guard case .object = document else { throw CVERecordError("", "an OpenVEX document is a JSON object") }
        guard let context = document["@context"]?.stringValue, context.hasPrefix("https://openvex.dev/ns") else {
            throw CVERecordError("@context", "must be an OpenVEX context (https://openvex.dev/ns/v0.2.0)")
        }
        guard let id = document["@id"]?.stringValue, !id.isEmpty, id.utf8.count <= 2_048 else {
            throw CVERecordError("@id", "is required: the document's IRI")
        }
        guard let author = document["author"]?.stringValue, !author.isEmpty else {
            throw CVERecordError("author", "is required")
        }
        let issued = try time(document, "timestamp", path: "timestamp", required: true)!
        let updated = try time(document, "last_updated", path: "last_updated", required: false) ?? issued
        guard let version = document["version"]?.doubleValue, version >= 1, version == version.rounded() else {
            throw CVERecordError("version", "must be an integer, 1 or more")
        }
        guard let list = document["statements"]?.arrayValue, !list.isEmpty else {
            throw CVERecordError("statements", "needs at least one statement")
        }
        guard list.count <= maximumStatements else {
            throw CVERecordError("statements", "more than \(maximumStatements) statements")
        }
        var statements: [JSONValue] = []
        var refs: [String] = []
        var lines: [String] = []
        for (index, statement) in list.enumerated() {
            let path = "statements[\(index)]"
            let (members, vulnerability, status, products) = try self.statement(statement, path: path, issued: issued)
            statements.append(.object(members))
            let ref = vulnerabilityID(name: vulnerability)
            if !refs.contains(ref) { refs.append(ref) }
            if lines.count < 100 {
                lines.append(
                    "\(vulnerability): \(status)" + (products.isEmpty ? "" : " — " + products.prefix(5).joined(separator: ", ")))
            }
        }
        var body: [(key: String, value: JSONValue)] = [
            ("extension_type", .string("property-extension")), ("format", .string("openvex")),
            ("document_id", .string(id)), ("author", .string(author)), ("version", .number(String(Int(version)))),
        ]
        if let role = document["role"]?.stringValue { body.append(("role", .string(role))) }
        body.append(("statements", .array(statements)))
        let summary = "OpenVEX \(id) by \(author), version \(Int(version)): \(statements.count) statement(s)"
        return .object([
            ("type", .string("note")), ("spec_version", .string("2.1")),
            ("id", .string("note--" + NameBasedUUID.make("cybex-openvex|" + id))),
            ("created", .string(STIXTimestamp.formatVersion(microseconds: issued))),
            ("modified", .string(STIXTimestamp.formatVersion(microseconds: max(updated, issued)))),
            ("abstract", .string(String(summary.prefix(1_000)))),
            ("content", .string(lines.joined(separator: "\n"))),
            ("authors", .array([.string(author)])),
            ("object_refs", .array(refs.map(JSONValue.string))),
            ("external_references", .array([.object([("source_name", .string("openvex")), ("external_id", .string(id))])])),
            ("extensions", .object([(extensionID, .object(body))])),
        ])
    }

    static func statement(_ statement: JSONValue, path: String, issued: Int64) throws(CVERecordError)
        -> (members: [(key: String, value: JSONValue)], vulnerability: String, status: String, products: [String])
    {
        guard case .object = statement else { throw CVERecordError(path, "a statement is a JSON object") }
        let name: String?
        var aliases: [String] = []
        switch statement["vulnerability"] {
        case .string(let text)?: name = text  // v0.0.x
        case .object?:
            name = statement["vulnerability"]?["name"]?.stringValue
            aliases = statement["vulnerability"]?["aliases"]?.arrayValue?.compactMap(\.stringValue) ?? []
        default: name = nil
        }
        guard let name, !name.isEmpty, name.utf8.count <= 256 else {
            throw CVERecordError(path + ".vulnerability", "needs the vulnerability's name (a CVE id …)")
        }
        guard let status = statement["status"]?.stringValue, statuses.contains(status) else {
            throw CVERecordError(path + ".status", "must be not_affected, affected, fixed or under_investigation")
        }
        let justification = statement["justification"]?.stringValue
        if let justification, !justifications.contains(justification) {
            throw CVERecordError(path + ".justification", "'\(justification)' is not an OpenVEX justification")
        }
        let impact = statement["impact_statement"]?.stringValue
        if status == "not_affected", justification == nil, impact == nil {
            throw CVERecordError(path, "a not_affected statement needs a justification or an impact_statement")
        }
        let action = statement["action_statement"]?.stringValue
        if status == "affected", action == nil {
            throw CVERecordError(path + ".action_statement", "an affected statement needs an action_statement")
        }
        let time = try Self.time(statement, "timestamp", path: path + ".timestamp", required: false) ?? issued
        var products: [String] = []
        var subcomponents: [String] = []
        let list: [JSONValue]
        switch statement["products"] {
        case nil: list = []
        case .array(let values)?: list = values
        default: throw CVERecordError(path + ".products", "must be a list")
        }
        guard list.count <= maximumProducts else {
            throw CVERecordError(path + ".products", "more than \(maximumProducts) products")
        }
        for (index, product) in list.enumerated() {
            let at = "\(path).products[\(index)]"
            products += try identifiers(product, path: at)
            for (sub, component) in (product["subcomponents"]?.arrayValue ?? []).enumerated() {
                subcomponents += try identifiers(component, path: "\(at).subcomponents[\(sub)]")
            }
        }
        var members: [(key: String, value: JSONValue)] = [("vulnerability", .string(name))]
        if !aliases.isEmpty { members.append(("aliases", .array(aliases.prefix(50).map(JSONValue.string)))) }
        members.append(("status", .string(status)))
        members.append(("products", .array(products.map(JSONValue.string))))
        if !subcomponents.isEmpty { members.append(("subcomponents", .array(subcomponents.map(JSONValue.string)))) }
        if let justification { members.append(("justification", .string(justification))) }
        for (key, value) in [
            ("impact_statement", impact), ("action_statement", action),
            ("status_notes", statement["status_notes"]?.stringValue), ("supplier", statement["supplier"]?.stringValue),
        ] {
            if let value { members.append((key, .string(String(value.prefix(4_000))))) }
        }
        members.append(("timestamp", .string(STIXTimestamp.formatVersion(microseconds: time))))
        return (members, name, status, products)
    }

    /// A product's identifiers, each a package URL or a CPE name in its canonical form (its `@id` when that
    /// is one, and its `identifiers`); another IRI is kept as given.
    static func identifiers(_ product: JSONValue, path: String) throws(CVERecordError) -> [String] {
        guard case .object = product else { throw CVERecordError(path, "a product is a JSON object") }
        var found: [String] = []
        func add(_ text: String) { if !found.contains(text) { found.append(text) } }
        if let id = product["@id"]?.stringValue {
            if id.hasPrefix("pkg:") {
                do { add(try PackageURL(parsing: id).canonical) } catch {
                    throw CVERecordError(path + ".@id", "not a package URL: \(error.message)")
                }
            } else if id.hasPrefix("cpe:") {
                do { add(try CPEName(parsing: id).formattedString) } catch {
                    throw CVERecordError(path + ".@id", "not a CPE name: \(error.message)")
                }
            } else if id.utf8.count <= 2_048 {
                add(id)
            }
        }
        if let purl = product["identifiers"]?["purl"]?.stringValue {
            do { add(try PackageURL(parsing: purl).canonical) } catch {
                throw CVERecordError(path + ".identifiers.purl", "not a package URL: \(error.message)")
            }
        }
        for key in ["@cpe23", "@cpe22", "cpe23", "cpe22"] {
            guard let cpe = product["identifiers"]?[key]?.stringValue else { continue }
            do { add(try CPEName(parsing: cpe).formattedString) } catch {
                throw CVERecordError(path + ".identifiers.\(key)", "not a CPE name: \(error.message)")
            }
        }
        return found
    }

    static func time(_ object: JSONValue, _ key: String, path: String, required: Bool) throws(CVERecordError) -> Int64? {
        guard let value = object[key] else {
            if required { throw CVERecordError(path, "is required") }
            return nil
        }
        guard let text = value.stringValue, let microseconds = IODEFTime.microseconds(text) else {
            throw CVERecordError(path, "must be an RFC 3339 date-time")
        }
        return microseconds
    }
}

/// A VEX statement as exposure applies it, read from Cybex's VEX extension of a stored `note`.
public struct VEXStatement: Sendable, Hashable {
    /// The vulnerability's name as the statement gives it, and the STIX id it maps to.
    public var vulnerability: String
    public var vulnerabilityID: String
    /// not_affected, affected, fixed, under_investigation.
    public var status: String
    /// Package URLs and CPE names (canonical), and other identifiers as given.
    public var products: [String]
    public var justification: String?
    public var detail: String?
    /// The note it came from, and the statement's time (microseconds).
    public var noteID: String
    public var time: Int64

    /// The statements of a stored VEX note.
    public static func statements(of note: JSONValue) -> [VEXStatement] {
        guard let noteID = note["id"]?.stringValue, let body = note["extensions"]?[OpenVEX.extensionID],
            let list = body["statements"]?.arrayValue
        else { return [] }
        return list.compactMap { statement in
            guard let name = statement["vulnerability"]?.stringValue, let status = statement["status"]?.stringValue else {
                return nil
            }
            let time = statement["timestamp"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds ?? 0
            return VEXStatement(
                vulnerability: name, vulnerabilityID: OpenVEX.vulnerabilityID(name: name), status: status,
                products: statement["products"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                justification: statement["justification"]?.stringValue,
                detail: statement["impact_statement"]?.stringValue ?? statement["action_statement"]?.stringValue,
                noteID: noteID, time: time)
        }
    }

    /// Whether the statement speaks of `item`: a package URL of the same package, with no version or the
    /// item's; a CPE name that matches the item's (NISTIR 7696: the statement's name a superset or equal).
    public func covers(_ item: InventoryProduct) -> Bool {
        for product in products {
            if product.hasPrefix("pkg:"), item.item.kind == .purl, let purl = try? PackageURL(parsing: product),
                let own = try? PackageURL(parsing: item.item.value), purl.packageKey == own.packageKey,
                purl.version == nil || purl.version == own.version
            {
                return true
            }
            if product.hasPrefix("cpe:"), let cpe = item.cpe, let name = try? CPEName(formattedString: product),
                name.matches(cpe)
            {
                return true
            }
        }
        return false
    }
}
