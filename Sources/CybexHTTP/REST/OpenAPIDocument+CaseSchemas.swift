import CybexCore
import CybexFormats

/// The schemas of incident cases (issue 16).
extension OpenAPIDocument {
    static func enumeration(_ values: [String], nullable: Bool = false) -> JSONValue {
        .object([
            ("type", nullable ? .array([.string("string"), .string("null")]) : .string("string")),
            ("enum", .array(values.map(JSONValue.string) + (nullable ? [.null] : []))),
        ])
    }

    static let caseStatus = enumeration(CaseStatus.allCases.map(\.rawValue))
    static let caseSeverity = enumeration(CaseSeverity.allCases.map(\.rawValue))
    static let counts: JSONValue = .object([("type", .string("object")), ("additionalProperties", integer)])
    static let timing: JSONValue = .object([
        ("type", .array([.string("object"), .string("null")])),
        (
            "properties",
            .object([
                ("count", integer), ("mean_seconds", .object([("type", .string("number"))])),
                ("median_seconds", .object([("type", .string("number"))])),
            ])
        ),
    ])

    static func caseSchemas() -> [(key: String, value: JSONValue)] {
        [
            (
                "Classification",
                object(
                    [
                        ("id", string), ("label", string), ("rsit_class", string), ("rsit_type", nullableString),
                        ("rsit_tag", described(string, "the RSIT machine tag")),
                    ], required: ["id", "label", "rsit_class", "rsit_type", "rsit_tag"])
            ),
            ("ClassificationList", list("classifications", of: "Classification")),
            (
                "Case",
                object(
                    [
                        ("id", string), ("reference", described(string, "the case's IncidentID in IODEF")),
                        ("collection", string), ("incident", described(string, "the STIX incident the case shares")),
                        ("title", string), ("description", nullableString), ("status", caseStatus), ("severity", caseSeverity),
                        ("classification", enumeration(IncidentClass.allCases.map(\.rawValue), nullable: true)),
                        ("rsit", nullableString), ("tlp", nullableTLP), ("owner", string), ("reporter", nullableString),
                        ("created", dateTime), ("updated", dateTime), ("triaged", nullableDateTime),
                        ("resolved", nullableDateTime), ("closed", nullableDateTime),
                        ("full", described(boolean, "whether the working part below is shown (the handling organisation)")),
                        ("may_change", boolean), ("assignee", nullableString),
                        (
                            "tasks",
                            array(
                                object(
                                    [("id", integer), ("title", string), ("done", boolean)], required: ["id", "title", "done"]))
                        ),
                        ("links", array(string)),
                        (
                            "sla",
                            object(
                                [
                                    ("triage_due", dateTime), ("resolve_due", dateTime), ("triage_breached", nullableDateTime),
                                    ("resolve_breached", nullableDateTime),
                                ], required: ["triage_due", "resolve_due", "triage_breached", "resolve_breached"])
                        ),
                    ],
                    required: [
                        "id", "reference", "collection", "incident", "title", "description", "status", "severity",
                        "classification", "rsit", "tlp", "owner", "reporter", "created", "updated", "triaged", "resolved",
                        "closed", "full", "may_change",
                    ])
            ),
            ("CaseList", list("cases", of: "Case")),
            (
                "CaseCreate",
                object(
                    [
                        ("collection", string), ("title", string), ("description", string), ("severity", caseSeverity),
                        ("classification", enumeration(IncidentClass.allCases.map(\.rawValue))), ("tlp", tlp),
                        ("recipients", described(array(string), "with tlp red: the organisations it is addressed to")),
                        ("reporter", described(string, "the constituent that reported it")),
                        (
                            "report",
                            described(
                                boolean,
                                "true: the caller's organisation reports the incident to the organisation it is a constituent of, which handles the case"
                            )
                        ),
                    ], required: ["collection", "title"])
            ),
            (
                "CaseUpdate",
                object(
                    [
                        ("status", caseStatus), ("severity", caseSeverity),
                        ("classification", enumeration(IncidentClass.allCases.map(\.rawValue), nullable: true)),
                        ("assignee", described(nullableString, "a username of the handling organisation; null unassigns")),
                        ("title", string), ("description", nullableString),
                    ], required: [])
            ),
            ("CaseComment", object([("text", string)], required: ["text"])),
            ("CaseLinks", object([("objects", array(string))], required: ["objects"])),
            ("CaseTaskCreate", object([("title", string)], required: ["title"])),
            (
                "CaseEvent",
                object(
                    [("time", dateTime), ("actor", string), ("kind", string), ("detail", string)],
                    required: ["time", "actor", "kind", "detail"])
            ),
            ("CaseTimeline", list("events", of: "CaseEvent")),
            (
                "CaseStatistics",
                object(
                    [
                        ("total", integer), ("by_classification", counts), ("by_rsit", counts), ("by_status", counts),
                        ("by_sector", counts), ("by_constituent", counts), ("by_month", counts), ("time_to_triage", timing),
                        ("time_to_close", timing),
                        (
                            "sla_breaches",
                            object([("triage", integer), ("resolution", integer)], required: ["triage", "resolution"])
                        ),
                    ],
                    required: [
                        "total", "by_classification", "by_rsit", "by_status", "by_sector", "by_constituent", "by_month",
                        "time_to_triage", "time_to_close", "sla_breaches",
                    ])
            ),
        ]
    }
}
