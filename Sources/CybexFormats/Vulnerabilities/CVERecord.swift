import CybexCore

/// CVE JSON 5 records (CVEProject/cve-schema, `CVE_Record_Format.json`) as STIX 2.1 `vulnerability`
/// objects (docs/VULNERABILITIES.md, "CVE records").
///
/// A record is checked for what the schema requires and what the mapping needs, each refusal naming the
/// JSON path at fault. The object's id is made from the CVE id, so a record imported again is the same
/// object: a duplicate when `dateUpdated` is unchanged, a new version when it moved. `created` is the
/// reservation date (else the publication date), the same whatever state the record is in, since versions
/// keep `created`; `modified` the last update or rejection (else `created`). Its name is
/// the CVE id; its description the English one; its external references the CVE id, CWE and CAPEC ids
/// and the record's references; everything else (state, assigner, CVSS metrics rescored by ``CVSS``,
/// affected products and versions, from the CNA and every ADP container) sits in Cybex's vulnerability
/// property extension, ``extensionID``. A REJECTED record becomes a revoked version. CVE content is public:
/// every object is marked TLP:CLEAR.
public enum CVERecord {
    /// The id of Cybex's CVE property extension definition.
    public static let extensionID = VulnerabilityFacts.cveExtensionID

    /// The most references, affected products and metrics kept per record (each list).
    public static let maximumListLength = 1_000

    /// The STIX id a CVE id maps to.
    public static func stixID(cveID: String) -> String {
        "vulnerability--" + NameBasedUUID.make("cybex-cve|" + cveID.uppercased())
    }

    /// The STIX object for `record`. `scores` keeps the vectors already scored, across records and batches.
    public static func vulnerability(from record: JSONValue, scores: CVSSScoreCache = CVSSScoreCache()) throws(CVERecordError)
        -> JSONValue
    {
        guard record.objectMembers != nil else { throw CVERecordError("", "a CVE record is a JSON object") }
        guard record["dataType"]?.stringValue == "CVE_RECORD" else {
            throw CVERecordError("dataType", "must be \"CVE_RECORD\" (is this a CVE JSON 5 record?)")
        }
        guard let version = record["dataVersion"]?.stringValue ?? record["dataVersion"].flatMap(numberText),
            version.hasPrefix("5.")
        else { throw CVERecordError("dataVersion", "must be a 5.x version") }
        guard let metadata = record["cveMetadata"], metadata.objectMembers != nil else {
            throw CVERecordError("cveMetadata", "is missing")
        }
        guard let cveID = metadata["cveId"]?.stringValue, VulnerabilityFacts.isCVEID(cveID) else {
            throw CVERecordError("cveMetadata.cveId", "must match CVE-YYYY-NNNN (4 to 19 digits)")
        }
        guard let state = metadata["state"]?.stringValue, state == "PUBLISHED" || state == "REJECTED" else {
            throw CVERecordError("cveMetadata.state", "must be PUBLISHED or REJECTED")
        }
        guard let cna = record["containers"]?["cna"], cna.objectMembers != nil else {
            throw CVERecordError("containers.cna", "is missing")
        }
        let published = try time(metadata, "datePublished")
        let reserved = try time(metadata, "dateReserved")
        let updated = try time(metadata, "dateUpdated")
        let rejected = try time(metadata, "dateRejected")
        guard let created = reserved ?? published ?? updated ?? rejected else {
            throw CVERecordError("cveMetadata", "needs datePublished, dateReserved or dateUpdated to date the record")
        }
        let modified = max(created, updated ?? rejected ?? created)

        var containers: [(path: String, value: JSONValue)] = [("containers.cna", cna)]
        if state == "PUBLISHED" {
            try checkPublished(cna)
            for (index, adp) in (record["containers"]?["adp"]?.arrayValue ?? []).prefix(maximumListLength).enumerated() {
                containers.append(("containers.adp[\(index)]", adp))
            }
        } else if cna["rejectedReasons"]?.arrayValue?.isEmpty != false {
            throw CVERecordError("containers.cna.rejectedReasons", "a REJECTED record needs at least one reason")
        }

        var cwes: [String] = []
        var capecs: [String] = []
        var metrics: [JSONValue] = []
        var affected: [JSONValue] = []
        var references: [JSONValue] = []
        var seenURLs: Set<String> = []
        for (path, container) in containers {
            let source = container["providerMetadata"]?["shortName"]?.stringValue ?? (path == "containers.cna" ? "cna" : "adp")
            for problem in container["problemTypes"]?.arrayValue ?? [] {
                for description in problem["descriptions"]?.arrayValue ?? [] {
                    if let cwe = description["cweId"]?.stringValue, VulnerabilityFacts.isCWEID(cwe), !cwes.contains(cwe) {
                        cwes.append(cwe)
                    }
                }
            }
            for impact in container["impacts"]?.arrayValue ?? [] {
                if let capec = impact["capecId"]?.stringValue, capec.hasPrefix("CAPEC-"), !capecs.contains(capec) {
                    capecs.append(capec)
                }
            }
            for (index, metric) in (container["metrics"]?.arrayValue ?? []).enumerated() where metrics.count < maximumListLength {
                metrics += try cvss(metric, source: source, path: "\(path).metrics[\(index)]", scores: scores)
            }
            for (index, product) in (container["affected"]?.arrayValue ?? []).enumerated()
            where affected.count < maximumListLength {
                affected.append(try self.product(product, source: source, path: "\(path).affected[\(index)]"))
            }
            for reference in container["references"]?.arrayValue ?? [] where references.count < maximumListLength {
                guard let url = reference["url"]?.stringValue, !url.isEmpty, seenURLs.insert(url).inserted else { continue }
                var members: [(key: String, value: JSONValue)] = [
                    (
                        "source_name",
                        .string(reference["name"]?.stringValue.flatMap { $0.isEmpty ? nil : String($0.prefix(250)) } ?? host(url))
                    ),
                    ("url", .string(url)),
                ]
                if let tags = reference["tags"]?.arrayValue?.compactMap(\.stringValue), !tags.isEmpty {
                    members.append(("description", .string(tags.joined(separator: ", "))))
                }
                references.append(.object(members))
            }
        }

        var external: [JSONValue] = [
            .object([
                ("source_name", .string("cve")), ("external_id", .string(cveID)),
                ("url", .string("https://www.cve.org/CVERecord?id=\(cveID)")),
            ])
        ]
        external += cwes.map { .object([("source_name", .string("cwe")), ("external_id", .string($0))]) }
        external += capecs.map { .object([("source_name", .string("capec")), ("external_id", .string($0))]) }
        external += references

        var body: [(key: String, value: JSONValue)] = [
            ("extension_type", .string("property-extension")), ("state", .string(state)),
        ]
        if let assigner = metadata["assignerShortName"]?.stringValue { body.append(("assigner", .string(assigner))) }
        if let published { body.append(("published", .string(STIXTimestamp.formatVersion(microseconds: published)))) }
        if let updated { body.append(("updated", .string(STIXTimestamp.formatVersion(microseconds: updated)))) }
        if !cwes.isEmpty { body.append(("cwe", .array(cwes.map(JSONValue.string)))) }
        if !capecs.isEmpty { body.append(("capec", .array(capecs.map(JSONValue.string)))) }
        if !metrics.isEmpty { body.append(("cvss", .array(metrics))) }
        if !affected.isEmpty { body.append(("affected", .array(affected))) }

        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("vulnerability")), ("spec_version", .string("2.1")), ("id", .string(stixID(cveID: cveID))),
            ("created", .string(STIXTimestamp.formatVersion(microseconds: created))),
            ("modified", .string(STIXTimestamp.formatVersion(microseconds: modified))),
            ("name", .string(cveID)),
        ]
        if let description = englishText(cna["descriptions"]) ?? englishText(cna["rejectedReasons"]) {
            members.append(("description", .string(description)))
        }
        if state == "REJECTED" { members.append(("revoked", .bool(true))) }
        members.append(("external_references", .array(external)))
        members.append(("object_marking_refs", .array([.string(TLPLevel.clear.markingDefinitionID)])))
        members.append(("extensions", .object([(extensionID, .object(body))])))
        return .object(members)
    }

    // MARK: Parts

    /// What the schema requires of a published CNA container: descriptions (one at least), affected
    /// products and references.
    static func checkPublished(_ cna: JSONValue) throws(CVERecordError) {
        guard let descriptions = cna["descriptions"]?.arrayValue, !descriptions.isEmpty else {
            throw CVERecordError("containers.cna.descriptions", "a published record needs at least one description")
        }
        for (index, description) in descriptions.enumerated() {
            guard description["lang"]?.stringValue?.isEmpty == false, description["value"]?.stringValue?.isEmpty == false else {
                throw CVERecordError("containers.cna.descriptions[\(index)]", "needs lang and value")
            }
        }
        guard let affected = cna["affected"]?.arrayValue, !affected.isEmpty else {
            throw CVERecordError("containers.cna.affected", "a published record needs at least one affected product")
        }
        guard let references = cna["references"]?.arrayValue, !references.isEmpty else {
            throw CVERecordError("containers.cna.references", "a published record needs at least one reference")
        }
        for (index, reference) in references.enumerated() where reference["url"]?.stringValue?.isEmpty != false {
            throw CVERecordError("containers.cna.references[\(index)].url", "is missing")
        }
    }

    /// An affected product in the extension's form; its versions checked as the schema asks (a range
    /// needs its versionType, a status is affected, unaffected or unknown).
    static func product(_ product: JSONValue, source: String, path: String) throws(CVERecordError) -> JSONValue {
        let vendor = product["vendor"]?.stringValue
        let name = product["product"]?.stringValue
        let collection = product["collectionURL"]?.stringValue
        let package = product["packageName"]?.stringValue
        guard (vendor != nil && name != nil) || (collection != nil && package != nil) else {
            throw CVERecordError(path, "needs vendor and product, or collectionURL and packageName")
        }
        let defaultStatus = product["defaultStatus"]?.stringValue
        if let defaultStatus, !statuses.contains(defaultStatus) {
            throw CVERecordError(path + ".defaultStatus", "must be affected, unaffected or unknown")
        }
        let versions = product["versions"]?.arrayValue
        guard versions?.isEmpty == false || defaultStatus != nil else {
            throw CVERecordError(path, "needs versions or defaultStatus")
        }
        var members: [(key: String, value: JSONValue)] = [("source", .string(source))]
        if let vendor { members.append(("vendor", .string(vendor))) }
        if let name { members.append(("product", .string(name))) }
        if let collection { members.append(("collection_url", .string(collection))) }
        if let package { members.append(("package_name", .string(package))) }
        if let cpes = product["cpes"]?.arrayValue?.compactMap(\.stringValue), !cpes.isEmpty {
            members.append(("cpes", .array(cpes.prefix(maximumListLength).map(JSONValue.string))))
        }
        if let defaultStatus { members.append(("default_status", .string(defaultStatus))) }
        var ranges: [JSONValue] = []
        for (index, version) in (versions ?? []).prefix(maximumListLength).enumerated() {
            let at = "\(path).versions[\(index)]"
            guard let text = version["version"]?.stringValue, !text.isEmpty else {
                throw CVERecordError(at + ".version", "is missing")
            }
            guard let status = version["status"]?.stringValue, statuses.contains(status) else {
                throw CVERecordError(at + ".status", "must be affected, unaffected or unknown")
            }
            var range: [(key: String, value: JSONValue)] = [("version", .string(text)), ("status", .string(status))]
            let type = version["versionType"]?.stringValue
            if let type { range.append(("version_type", .string(type))) }
            for (key, name) in [("lessThan", "less_than"), ("lessThanOrEqual", "less_than_or_equal")] {
                guard let bound = version[key]?.stringValue else { continue }
                if type == nil { throw CVERecordError(at + ".versionType", "a range (\(key)) needs its versionType") }
                range.append((name, .string(bound)))
            }
            if let changes = version["changes"]?.arrayValue, !changes.isEmpty {
                var kept: [JSONValue] = []
                for (number, change) in changes.prefix(maximumListLength).enumerated() {
                    guard let point = change["at"]?.stringValue, !point.isEmpty,
                        let status = change["status"]?.stringValue, statuses.contains(status)
                    else {
                        throw CVERecordError(
                            "\(at).changes[\(number)]", "needs at and a status of affected, unaffected or unknown")
                    }
                    kept.append(.object([("at", .string(point)), ("status", .string(status))]))
                }
                range.append(("changes", .array(kept)))
            }
            ranges.append(.object(range))
        }
        if !ranges.isEmpty { members.append(("versions", .array(ranges))) }
        return .object(members)
    }

    static let statuses: Set<String> = ["affected", "unaffected", "unknown"]

    /// The CVSS metrics of one `metrics` entry, rescored: FIRST's JSON form with the container's name as
    /// `source`; a vector ``CVSS`` refuses is kept as given with the refusal as `error`.
    static func cvss(_ metric: JSONValue, source: String, path: String, scores: CVSSScoreCache) throws(CVERecordError)
        -> [JSONValue]
    {
        var result: [JSONValue] = []
        for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0"] {
            guard let given = metric[key] else { continue }
            guard let vector = given["vectorString"]?.stringValue else {
                throw CVERecordError("\(path).\(key).vectorString", "is missing")
            }
            let scored: JSONValue
            do {
                scored = try scores.json(for: vector)
            } catch {
                var members: [(key: String, value: JSONValue)] = [
                    ("version", .string(key == "cvssV4_0" ? "4.0" : key == "cvssV3_1" ? "3.1" : "3.0")),
                    ("vectorString", .string(vector)), ("error", .string(error.message)),
                ]
                if let stated = given["baseScore"], case .number = stated { members.append(("baseScore", stated)) }
                scored = .object(members)
            }
            guard case .object(let members) = scored else { continue }
            result.append(.object([("source", .string(source))] + members))
        }
        return result
    }

    /// The first English text of a `descriptions` or `rejectedReasons` list (else the first text).
    static func englishText(_ list: JSONValue?) -> String? {
        let items = list?.arrayValue ?? []
        let english = items.first { $0["lang"]?.stringValue?.lowercased().hasPrefix("en") == true } ?? items.first
        return english?["value"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func host(_ url: String) -> String {
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty else { return "reference" }
        let host = parts[2].prefix { $0 != "?" && $0 != "#" }
        return host.isEmpty ? "reference" : String(host.prefix(250))
    }

    static func numberText(_ value: JSONValue) -> String? {
        if case .number(let text) = value { return text }
        return nil
    }

    static func time(_ metadata: JSONValue, _ key: String) throws(CVERecordError) -> Int64? {
        guard let value = metadata[key] else { return nil }
        guard let text = value.stringValue, let microseconds = IODEFTime.microseconds(text) else {
            throw CVERecordError("cveMetadata.\(key)", "must be an RFC 3339 date-time")
        }
        return microseconds
    }
}

/// Why a CVE record was refused: the JSON path at fault and what is wrong there.
public struct CVERecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
