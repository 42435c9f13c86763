import CybexCore
import CybexEngine
import CybexFormats

/// The schemas and operations of vulnerability management (docs/VULNERABILITIES.md).
extension OpenAPIDocument {
    static let score: JSONValue = .object([
        ("type", .string("number")), ("minimum", .number("0")), ("maximum", .number("10")),
    ])

    static func vulnerabilitySchemas() -> [(key: String, value: JSONValue)] {
        let severity = enumeration(CVSSSeverity.allCases.map(\.rawValue))
        return [
            (
                "CVSSRequest",
                object(
                    [
                        (
                            "vectors",
                            described(
                                array(string),
                                "1 to \(VulnerabilityService.maximumVectors) CVSS v3.0, v3.1 or v4.0 vector strings")
                        )
                    ], required: ["vectors"])
            ),
            (
                "CVSSScores",
                described(
                    object(
                        [
                            ("version", enumeration(["3.0", "3.1", "4.0"])),
                            ("vectorString", described(string, "the vector in the specification's order")),
                            ("baseScore", score), ("baseSeverity", severity),
                            ("temporalScore", score), ("temporalSeverity", severity),
                            ("environmentalScore", score), ("environmentalSeverity", severity),
                            ("score", described(score, "v4.0: the score of the whole vector")), ("severity", severity),
                            ("nomenclature", enumeration(["CVSS-B", "CVSS-BT", "CVSS-BE", "CVSS-BTE"])),
                            ("macroVector", string),
                        ], required: ["version", "vectorString", "baseScore", "baseSeverity"]),
                    "FIRST's JSON form: v3 adds the temporal and environmental scores, v4.0 the score of the whole vector")
            ),
            (
                "CVSSRefusal",
                object(
                    [
                        ("vector", string), ("error", string),
                        (
                            "code",
                            enumeration([
                                "prefix", "malformed", "unknown-metric", "invalid-value", "duplicate-metric", "missing-metric",
                                "too-long",
                            ])
                        ),
                        ("metric", described(string, "the metric at fault, when there is one")),
                    ], required: ["vector", "error", "code"])
            ),
            (
                "CVSSResults",
                object(
                    [
                        (
                            "results",
                            array(.object([("oneOf", .array([ref("CVSSScores"), ref("CVSSRefusal")]))]))
                        ),
                        ("invalid", described(integer, "how many vectors were refused")),
                    ], required: ["results", "invalid"])
            ),
        ] + remediationSchemas()
    }

    static func remediationSchemas() -> [(key: String, value: JSONValue)] {
        let item = object(
            [
                ("cpe", described(string, "a CPE 2.3 name (formatted string, URI or WFN)")),
                ("purl", described(string, "a package URL")),
                ("vendor", described(string, "with product: written as a CPE name")), ("product", string),
                ("version", described(string, "fills a name without a version; must agree with one that has one")),
                ("note", string),
            ], required: [])
        let product = object(
            [("item", string), ("status", enumeration(["affected", "unknown", "not-affected", "fixed"])), ("reason", string)],
            required: ["item", "status", "reason"])
        let roles = enumeration(["equipment-vendor", "software-provider", "service-provider", "end-user"])
        let statuses = enumeration(RemediationStatus.allCases.map(\.rawValue))
        let remediation = object(
            [
                ("id", string), ("organisation", string), ("vulnerability", described(string, "the STIX vulnerability's id")),
                ("cve", string), ("title", string), ("role", roles), ("status", statuses),
                ("severity", enumeration(RemediationSeverity.allCases.map(\.rawValue))), ("score", score),
                ("products", array(product)), ("created", dateTime), ("updated", dateTime), ("due", dateTime),
                ("overdue", boolean), ("escalated", dateTime), ("status_set_by_person", boolean),
                (
                    "history",
                    array(
                        object(
                            [("time", dateTime), ("actor", string), ("kind", string), ("detail", string)],
                            required: ["time", "actor", "kind", "detail"]))
                ),
                ("revision", integer), ("may_write", boolean),
            ], required: ["id", "organisation", "vulnerability", "title", "role", "status", "severity", "due", "revision"])
        return [
            ("InventoryItem", item),
            ("InventoryUpdate", object([("items", array(ref("InventoryItem")))], required: ["items"])),
            (
                "Inventory",
                object(
                    [
                        ("organisation", string), ("name", string),
                        (
                            "items",
                            array(
                                object(
                                    [("type", enumeration(["cpe", "purl"])), ("value", string), ("note", string)],
                                    required: ["type", "value"]))
                        ),
                        ("may_write", boolean), ("added", integer), ("removed", integer),
                        ("skipped", described(integer, "CycloneDX components without a purl or a cpe")),
                    ], required: ["organisation", "name", "items", "may_write"])
            ),
            (
                "Exposure",
                object(
                    [
                        ("organisation", string), ("name", string),
                        (
                            "findings",
                            array(
                                object(
                                    [
                                        ("vulnerability", string), ("name", string), ("cve", string), ("score", score),
                                        ("status", enumeration(["affected", "unknown", "not-affected"])),
                                        ("collection", string), ("products", array(product)),
                                    ], required: ["vulnerability", "name", "status", "products"]))
                        ),
                    ], required: ["organisation", "name", "findings"])
            ),
            ("Remediation", remediation),
            ("Remediations", object([("remediations", array(ref("Remediation")))], required: ["remediations"])),
            (
                "RemediationUpdate",
                object(
                    [
                        ("status", statuses), ("role", roles),
                        ("due", described(string, "a day (2027-01-31) or a timestamp")),
                        ("note", described(string, "added to the history")),
                        (
                            "revision",
                            described(integer, "the revision the change is made from (409 when it is not the stored one)")
                        ),
                    ], required: [])
            ),
        ]
    }

    static let vulnerabilityOperations: [Operation] = [
        Operation(
            method: "POST", path: "/cvss", id: "scoreCVSS", tag: "vulnerabilities",
            summary:
                "Score CVSS v3.0, v3.1 and v4.0 vectors: one result per vector, in order, the scores or the refusal naming the metric at fault",
            body: ref("CVSSRequest"), success: (200, "The scores", ref("CVSSResults")), errors: [400, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}/inventory", id: "getInventory", tag: "organisations",
            summary:
                "The products (CPE or purl, with versions) an organisation runs (who may read it as for the profile; 404 otherwise)",
            success: (200, "The inventory", ref("Inventory")), errors: [404]),
        Operation(
            method: "PUT", path: "/organisations/{id}/inventory", id: "setInventory", tag: "organisations",
            summary:
                "Replace an organisation's inventory (who may change it as for the profile); the body is a list of items, "
                + "a CSV file (text/csv: columns cpe, purl, vendor, product, version, note) or a CycloneDX JSON SBOM "
                + "(application/vnd.cyclonedx+json: every component with a purl or cpe); a malformed item changes nothing; audited",
            body: ref("InventoryUpdate"), csvBody: true,
            success: (200, "The inventory as stored, with what changed", ref("Inventory")), errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/organisations/{id}/inventory", id: "addInventory", tag: "organisations",
            summary: "Add items to an organisation's inventory (as PUT, without removing any); audited",
            body: ref("InventoryUpdate"), csvBody: true,
            success: (200, "The inventory as stored, with what changed", ref("Inventory")), errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}/exposure", id: "getExposure", tag: "vulnerabilities",
            summary:
                "The vulnerabilities the organisation may read that affect its inventory (CVE version-status rules), refined by "
                + "the VEX statements it may read that it or an organisation above it posted (who may read it as for the profile)",
            success: (200, "The findings", ref("Exposure")), errors: [404]),
        Operation(
            method: "GET", path: "/remediations", id: "listRemediations", tag: "vulnerabilities",
            summary:
                "The remediation duties the caller may read (its organisation's, its constituents', all for an administrator), by due date",
            query: [
                ("overdue", "true: only open duties past their due date", boolean),
                (
                    "role", "only duties of this role",
                    enumeration(["equipment-vendor", "software-provider", "service-provider", "end-user"])
                ),
                ("status", "only duties in this status", enumeration(RemediationStatus.allCases.map(\.rawValue))),
                ("organisation", "only this organisation's duties (its id)", string),
            ],
            success: (200, "The duties", ref("Remediations")), errors: []),
        Operation(
            method: "GET", path: "/remediations/{id}", id: "getRemediation", tag: "vulnerabilities",
            summary: "One remediation duty with its history (404 when the caller may not read it)",
            success: (200, "The duty", ref("Remediation")), errors: [404]),
        Operation(
            method: "PATCH", path: "/remediations/{id}", id: "updateRemediation", tag: "vulnerabilities",
            summary:
                "Change a duty's status, role or due date, or add a note (its organisation's analysts, administrators); audited "
                + "as remediation.update; a status set here is kept by later exposure refreshes",
            body: ref("RemediationUpdate"), success: (200, "The duty as stored", ref("Remediation")),
            errors: [400, 403, 404, 409, 413, 415]),
        Operation(
            method: "POST", path: "/collections/{id}/openvex", id: "importOpenVEX", tag: "collections",
            summary:
                "Ingest an OpenVEX document (application/json) as the caller's organisation: its statements become one STIX note "
                + "with Cybex's VEX extension, which exposure applies; a document that is not valid OpenVEX changes nothing",
            body: .object([("type", .string("object"))]), success: (200, "What happened to the note", ref("IngestReport")),
            errors: [403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/collections/{id}/csaf", id: "importCSAF", tag: "collections",
            summary:
                "Ingest a CSAF 2.0 advisory (application/json) as the caller's organisation: checked against the schema and "
                + "every mandatory test (400 naming each problem, nothing stored), then stored as a report, its "
                + "vulnerabilities and its product status as VEX statements that exposure applies",
            body: .object([("type", .string("object"))]), success: (200, "What happened to each object", ref("IngestReport")),
            errors: [403, 404, 413, 415]),
    ]
}
