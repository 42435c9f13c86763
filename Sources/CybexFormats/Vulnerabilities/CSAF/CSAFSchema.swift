/// CSAF 2.0's JSON schema (`csaf_json_schema.json`, OASIS CSAF 2.0 §3) and FIRST's CVSS v2.0, v3.0 and v3.1
/// schemas, written out as ``CSAFShape``s: every required member, type, enumeration, length, count and
/// pattern the schemas state (patterns and formats as the checks below).
enum CSAFSchema {
    static func string(_ values: [String]) -> CSAFShape { .string(values: values) }
    static let text = CSAFShape.string()
    static let uri = CSAFShape.string(minLength: 0, check: CSAFChecks.uri)
    static let dateTime = CSAFShape.string(minLength: 0, check: CSAFChecks.dateTime)
    static let version = CSAFShape.string(minLength: 0, check: CSAFChecks.version)
    static let lang = CSAFShape.string(minLength: 0, check: CSAFChecks.language)
    static let products = CSAFShape.array(text, unique: true)
    static let groups = CSAFShape.array(text, unique: true)

    static let notes = CSAFShape.array(
        .object(
            required: ["category", "text"],
            properties: [
                ("audience", text),
                ("category", string(["description", "details", "faq", "general", "legal_disclaimer", "other", "summary"])),
                ("text", text), ("title", text),
            ]))
    static let references = CSAFShape.array(
        .object(
            required: ["summary", "url"],
            properties: [("category", string(["external", "self"])), ("summary", text), ("url", uri)]))
    static let acknowledgments = CSAFShape.array(
        .object(
            properties: [
                ("names", .array(text)), ("organization", text), ("summary", text), ("urls", .array(uri)),
            ], minProperties: 1))

    static let fullProductName = CSAFShape.object(
        required: ["name", "product_id"],
        properties: [
            ("name", text), ("product_id", text),
            (
                "product_identification_helper",
                .object(
                    properties: [
                        ("cpe", .string(minLength: 5, check: CSAFChecks.cpe)),
                        (
                            "hashes",
                            .array(
                                .object(
                                    required: ["file_hashes", "filename"],
                                    properties: [
                                        (
                                            "file_hashes",
                                            .array(
                                                .object(
                                                    required: ["algorithm", "value"],
                                                    properties: [
                                                        ("algorithm", text),
                                                        ("value", .string(minLength: 32, check: CSAFChecks.hexadecimal)),
                                                    ]))
                                        ),
                                        ("filename", text),
                                    ]))
                        ),
                        ("model_numbers", .array(text, unique: true)),
                        ("purl", .string(minLength: 7, check: CSAFChecks.purlShape)),
                        ("sbom_urls", .array(uri)),
                        ("serial_numbers", .array(text, unique: true)),
                        ("skus", .array(text)),
                        (
                            "x_generic_uris",
                            .array(.object(required: ["namespace", "uri"], properties: [("namespace", uri), ("uri", uri)]))
                        ),
                    ], minProperties: 1)
            ),
        ])

    static let branchCategories = [
        "architecture", "host_name", "language", "legacy", "patch_level", "product_family", "product_name", "product_version",
        "product_version_range", "service_pack", "specification", "vendor",
    ]

    /// Branches nest without bound in the schema; a document nests them at most ``maximumBranchDepth`` deep here
    /// (the reader's depth limit comes first).
    static let maximumBranchDepth = 30

    static func branches(depth: Int) -> CSAFShape {
        var properties: [(String, CSAFShape)] = [
            ("category", string(branchCategories)), ("name", text), ("product", fullProductName),
        ]
        if depth < maximumBranchDepth { properties.append(("branches", branches(depth: depth + 1))) }
        return .array(.object(required: ["category", "name"], properties: properties, minProperties: 3, maxProperties: 3))
    }

    static let document = CSAFShape.object(
        required: ["category", "csaf_version", "publisher", "title", "tracking"],
        properties: [
            ("acknowledgments", acknowledgments),
            ("aggregate_severity", .object(required: ["text"], properties: [("namespace", uri), ("text", text)])),
            ("category", .string(check: CSAFChecks.category)),
            ("csaf_version", string(["2.0"])),
            (
                "distribution",
                .object(
                    properties: [
                        ("text", text),
                        (
                            "tlp",
                            .object(
                                required: ["label"],
                                properties: [("label", string(["AMBER", "GREEN", "RED", "WHITE"])), ("url", uri)])
                        ),
                    ], minProperties: 1)
            ),
            ("lang", lang), ("notes", notes),
            (
                "publisher",
                .object(
                    required: ["category", "name", "namespace"],
                    properties: [
                        ("category", string(["coordinator", "discoverer", "other", "translator", "user", "vendor"])),
                        ("contact_details", text), ("issuing_authority", text), ("name", text), ("namespace", uri),
                    ])
            ),
            ("references", references), ("source_lang", lang), ("title", text),
            (
                "tracking",
                .object(
                    required: ["current_release_date", "id", "initial_release_date", "revision_history", "status", "version"],
                    properties: [
                        ("aliases", .array(text, unique: true)), ("current_release_date", dateTime),
                        (
                            "generator",
                            .object(
                                required: ["engine"],
                                properties: [
                                    ("date", dateTime),
                                    ("engine", .object(required: ["name"], properties: [("name", text), ("version", text)])),
                                ])
                        ),
                        ("id", .string(check: CSAFChecks.trackingID)), ("initial_release_date", dateTime),
                        (
                            "revision_history",
                            .array(
                                .object(
                                    required: ["date", "number", "summary"],
                                    properties: [
                                        ("date", dateTime), ("legacy_version", text), ("number", version), ("summary", text),
                                    ]))
                        ),
                        ("status", string(["draft", "final", "interim"])), ("version", version),
                    ])
            ),
        ])

    static let productTree = CSAFShape.object(
        properties: [
            ("branches", branches(depth: 1)),
            ("full_product_names", .array(fullProductName)),
            (
                "product_groups",
                .array(
                    .object(
                        required: ["group_id", "product_ids"],
                        properties: [
                            ("group_id", text), ("product_ids", .array(text, minItems: 2, unique: true)), ("summary", text),
                        ]))
            ),
            (
                "relationships",
                .array(
                    .object(
                        required: ["category", "full_product_name", "product_reference", "relates_to_product_reference"],
                        properties: [
                            (
                                "category",
                                string([
                                    "default_component_of", "external_component_of", "installed_on", "installed_with",
                                    "optional_component_of",
                                ])
                            ),
                            ("full_product_name", fullProductName), ("product_reference", text),
                            ("relates_to_product_reference", text),
                        ]))
            ),
        ], minProperties: 1)

    static let vulnerability = CSAFShape.object(
        properties: [
            ("acknowledgments", acknowledgments),
            ("cve", .string(minLength: 0, check: CSAFChecks.cve)),
            (
                "cwe",
                .object(
                    required: ["id", "name"], properties: [("id", .string(minLength: 0, check: CSAFChecks.cwe)), ("name", text)])
            ),
            ("discovery_date", dateTime),
            (
                "flags",
                .array(
                    .object(
                        required: ["label"],
                        properties: [
                            ("date", dateTime), ("group_ids", groups),
                            (
                                "label",
                                string([
                                    "component_not_present", "inline_mitigations_already_exist",
                                    "vulnerable_code_cannot_be_controlled_by_adversary", "vulnerable_code_not_in_execute_path",
                                    "vulnerable_code_not_present",
                                ])
                            ),
                            ("product_ids", products),
                        ]), unique: true)
            ),
            (
                "ids",
                .array(
                    .object(required: ["system_name", "text"], properties: [("system_name", text), ("text", text)]), unique: true)
            ),
            (
                "involvements",
                .array(
                    .object(
                        required: ["party", "status"],
                        properties: [
                            ("date", dateTime), ("party", string(["coordinator", "discoverer", "other", "user", "vendor"])),
                            (
                                "status",
                                string(["completed", "contact_attempted", "disputed", "in_progress", "not_contacted", "open"])
                            ),
                            ("summary", text),
                        ]), unique: true)
            ),
            ("notes", notes),
            ("product_status", .object(properties: CSAFDocument.productStatusNames.map { ($0, products) }, minProperties: 1)),
            ("references", references), ("release_date", dateTime),
            (
                "remediations",
                .array(
                    .object(
                        required: ["category", "details"],
                        properties: [
                            ("category", string(["mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"])),
                            ("date", dateTime), ("details", text), ("entitlements", .array(text)), ("group_ids", groups),
                            ("product_ids", products),
                            (
                                "restart_required",
                                .object(
                                    required: ["category"],
                                    properties: [
                                        (
                                            "category",
                                            string([
                                                "connected", "dependencies", "machine", "none", "parent", "service", "system",
                                                "vulnerable_component", "zone",
                                            ])
                                        ),
                                        ("details", text),
                                    ])
                            ),
                            ("url", uri),
                        ]))
            ),
            (
                "scores",
                .array(
                    .object(
                        required: ["products"],
                        properties: [("cvss_v2", cvss2), ("cvss_v3", cvss3), ("products", products)], minProperties: 2))
            ),
            (
                "threats",
                .array(
                    .object(
                        required: ["category", "details"],
                        properties: [
                            ("category", string(["exploit_status", "impact", "target_set"])), ("date", dateTime),
                            ("details", text),
                            ("group_ids", groups), ("product_ids", products),
                        ]))
            ),
            ("title", text),
        ], minProperties: 1)

    static let csaf = CSAFShape.object(
        required: ["document"],
        properties: [("document", document), ("product_tree", productTree), ("vulnerabilities", .array(vulnerability))])

    // MARK: FIRST's CVSS schemas

    static let score = CSAFShape.number(minimum: 0, maximum: 10)
    static let severity = string(["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"])

    static func cvss3(version: String) -> CSAFShape {
        let cia = string(["NONE", "LOW", "HIGH"])
        let modifiedCIA = string(["NONE", "LOW", "HIGH", "NOT_DEFINED"])
        let requirement = string(["LOW", "MEDIUM", "HIGH", "NOT_DEFINED"])
        return .object(
            required: ["version", "vectorString", "baseScore", "baseSeverity"],
            properties: [
                ("version", string([version])),
                ("vectorString", .string(minLength: 0, check: CSAFChecks.cvss3Vector(version))),
                ("attackVector", string(["NETWORK", "ADJACENT_NETWORK", "LOCAL", "PHYSICAL"])),
                ("attackComplexity", string(["HIGH", "LOW"])), ("privilegesRequired", string(["HIGH", "LOW", "NONE"])),
                ("userInteraction", string(["NONE", "REQUIRED"])), ("scope", string(["UNCHANGED", "CHANGED"])),
                ("confidentialityImpact", cia), ("integrityImpact", cia), ("availabilityImpact", cia),
                ("baseScore", score), ("baseSeverity", severity),
                ("exploitCodeMaturity", string(["UNPROVEN", "PROOF_OF_CONCEPT", "FUNCTIONAL", "HIGH", "NOT_DEFINED"])),
                ("remediationLevel", string(["OFFICIAL_FIX", "TEMPORARY_FIX", "WORKAROUND", "UNAVAILABLE", "NOT_DEFINED"])),
                ("reportConfidence", string(["UNKNOWN", "REASONABLE", "CONFIRMED", "NOT_DEFINED"])),
                ("temporalScore", score), ("temporalSeverity", severity),
                ("confidentialityRequirement", requirement), ("integrityRequirement", requirement),
                ("availabilityRequirement", requirement),
                ("modifiedAttackVector", string(["NETWORK", "ADJACENT_NETWORK", "LOCAL", "PHYSICAL", "NOT_DEFINED"])),
                ("modifiedAttackComplexity", string(["HIGH", "LOW", "NOT_DEFINED"])),
                ("modifiedPrivilegesRequired", string(["HIGH", "LOW", "NONE", "NOT_DEFINED"])),
                ("modifiedUserInteraction", string(["NONE", "REQUIRED", "NOT_DEFINED"])),
                ("modifiedScope", string(["UNCHANGED", "CHANGED", "NOT_DEFINED"])),
                ("modifiedConfidentialityImpact", modifiedCIA), ("modifiedIntegrityImpact", modifiedCIA),
                ("modifiedAvailabilityImpact", modifiedCIA),
                ("environmentalScore", score), ("environmentalSeverity", severity),
            ])
    }

    static let cvss3 = CSAFShape.oneOf(
        discriminator: "version", [(["3.0"], cvss3(version: "3.0")), (["3.1"], cvss3(version: "3.1"))])

    static let cvss2: CSAFShape = {
        let cia = string(["NONE", "PARTIAL", "COMPLETE"])
        let requirement = string(["LOW", "MEDIUM", "HIGH", "NOT_DEFINED"])
        return .object(
            required: ["version", "vectorString", "baseScore"],
            properties: [
                ("version", string(["2.0"])), ("vectorString", .string(minLength: 0, check: CSAFChecks.cvss2Vector)),
                ("accessVector", string(["NETWORK", "ADJACENT_NETWORK", "LOCAL"])),
                ("accessComplexity", string(["HIGH", "MEDIUM", "LOW"])),
                ("authentication", string(["MULTIPLE", "SINGLE", "NONE"])),
                ("confidentialityImpact", cia), ("integrityImpact", cia), ("availabilityImpact", cia), ("baseScore", score),
                ("exploitability", string(["UNPROVEN", "PROOF_OF_CONCEPT", "FUNCTIONAL", "HIGH", "NOT_DEFINED"])),
                ("remediationLevel", string(["OFFICIAL_FIX", "TEMPORARY_FIX", "WORKAROUND", "UNAVAILABLE", "NOT_DEFINED"])),
                ("reportConfidence", string(["UNCONFIRMED", "UNCORROBORATED", "CONFIRMED", "NOT_DEFINED"])),
                ("temporalScore", score),
                ("collateralDamagePotential", string(["NONE", "LOW", "LOW_MEDIUM", "MEDIUM_HIGH", "HIGH", "NOT_DEFINED"])),
                ("targetDistribution", string(["NONE", "LOW", "MEDIUM", "HIGH", "NOT_DEFINED"])),
                ("confidentialityRequirement", requirement), ("integrityRequirement", requirement),
                ("availabilityRequirement", requirement), ("environmentalScore", score),
            ])
    }()
}
