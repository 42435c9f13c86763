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
        ]
    }

    static let vulnerabilityOperations: [Operation] = [
        Operation(
            method: "POST", path: "/cvss", id: "scoreCVSS", tag: "vulnerabilities",
            summary:
                "Score CVSS v3.0, v3.1 and v4.0 vectors: one result per vector, in order, the scores or the refusal naming the metric at fault",
            body: ref("CVSSRequest"), success: (200, "The scores", ref("CVSSResults")), errors: [400, 413, 415])
    ]
}
