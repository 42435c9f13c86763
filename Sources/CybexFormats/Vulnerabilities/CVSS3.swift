import Foundation

/// The scores of a CVSS v3.0 or v3.1 vector (FIRST CVSS v3.1 specification, section 7 and appendix A;
/// v3.0's section 8 where it differs). The three equations run in decimal arithmetic, so Roundup is the
/// exact "smallest one-decimal number not below its input" the specification defines, with no floating
/// point noise to guard against.
public struct CVSS3Scores: Sendable, Equatable {
    /// "3.0" or "3.1".
    public let version: String
    /// The vector in the specification's order, optional metrics left at `X` omitted.
    public let vectorString: String
    public let base: CVSSScore
    /// Computed whatever the vector says; equal to the base score when no temporal metric is given.
    public let temporal: CVSSScore
    public let environmental: CVSSScore
    public let hasTemporalMetrics: Bool
    public let hasEnvironmentalMetrics: Bool

    public var overall: CVSSScore {
        hasEnvironmentalMetrics ? environmental : hasTemporalMetrics ? temporal : base
    }
}

struct CVSS3Vector: Sendable {
    let version: String
    let fields: CVSSVectorFields

    static let temporalMetrics = ["E", "RL", "RC"]
    static let environmentalMetrics = ["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"]

    static let table = CVSSMetricTable(definitions)

    static let definitions: [CVSSMetricDefinition] = {
        let base: [(String, [String])] = [
            ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("PR", ["N", "L", "H"]), ("UI", ["N", "R"]),
            ("S", ["U", "C"]), ("C", ["H", "L", "N"]), ("I", ["H", "L", "N"]), ("A", ["H", "L", "N"]),
        ]
        let optional: [(String, [String])] = [
            ("E", ["X", "H", "F", "P", "U"]), ("RL", ["X", "U", "W", "T", "O"]), ("RC", ["X", "C", "R", "U"]),
            ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
            ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MPR", ["X", "N", "L", "H"]),
            ("MUI", ["X", "N", "R"]), ("MS", ["X", "U", "C"]), ("MC", ["X", "H", "L", "N"]),
            ("MI", ["X", "H", "L", "N"]), ("MA", ["X", "H", "L", "N"]),
        ]
        return base.map { CVSSMetricDefinition(name: $0.0, values: $0.1, mandatory: true) }
            + optional.map { CVSSMetricDefinition(name: $0.0, values: $0.1, mandatory: false) }
    }()

    init(parsing vector: String) throws(CVSSError) {
        version = vector.hasPrefix("CVSS:3.0/") ? "3.0" : "3.1"
        fields = try CVSSVectorFields(parsing: vector, prefix: "CVSS:\(version)/", table: Self.table)
    }

    // MARK: Weights (specification section 7.4)

    private static func decimal(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    private static let weights: [String: [String: Decimal]] = {
        let impact = ["H": decimal("0.56"), "L": decimal("0.22"), "N": 0]
        let requirement = ["X": Decimal(1), "H": decimal("1.5"), "M": 1, "L": decimal("0.5")]
        return [
            "AV": ["N": decimal("0.85"), "A": decimal("0.62"), "L": decimal("0.55"), "P": decimal("0.2")],
            "AC": ["L": decimal("0.77"), "H": decimal("0.44")],
            "UI": ["N": decimal("0.85"), "R": decimal("0.62")],
            "C": impact, "I": impact, "A": impact,
            "E": ["X": 1, "H": 1, "F": decimal("0.97"), "P": decimal("0.94"), "U": decimal("0.91")],
            "RL": ["X": 1, "U": 1, "W": decimal("0.97"), "T": decimal("0.96"), "O": decimal("0.95")],
            "RC": ["X": 1, "C": 1, "R": decimal("0.96"), "U": decimal("0.92")],
            "CR": requirement, "IR": requirement, "AR": requirement,
        ]
    }()

    private static let privilegesUnchanged = ["N": decimal("0.85"), "L": decimal("0.62"), "H": decimal("0.27")]
    private static let privilegesChanged = ["N": decimal("0.85"), "L": decimal("0.68"), "H": decimal("0.5")]
    private static let c0_029 = decimal("0.029")
    private static let c0_02 = decimal("0.02")
    private static let c0_9731 = decimal("0.9731")
    private static let c0_915 = decimal("0.915")
    private static let c1_08 = decimal("1.08")
    private static let c6_42 = decimal("6.42")
    private static let c7_52 = decimal("7.52")
    private static let c3_25 = decimal("3.25")
    private static let c8_22 = decimal("8.22")

    private func weight(_ metric: String, _ value: String) -> Decimal { Self.weights[metric]![value]! }

    /// The value of a modifiable base metric in the environmental equations: its `M` metric unless `X`.
    private func modified(_ metric: String) -> String {
        let value = fields["M" + metric]
        return value == "X" ? fields[metric] : value
    }

    private func privileges(_ value: String, scopeChanged: Bool) -> Decimal {
        (scopeChanged ? Self.privilegesChanged : Self.privilegesUnchanged)[value]!
    }

    /// The scores: in binary floating point when no Roundup falls within 10⁻⁷ of a tenth (almost always;
    /// its error is then far too small to move a result), else again in decimal arithmetic, whose Roundup is
    /// exact. Both give the specification's figures; the first is several times faster.
    func scores() -> CVSS3Scores {
        let fast = FloatingScores(self)
        guard let base = fast.base, let temporal = fast.temporal, let environmental = fast.environmental else {
            return decimalScores()
        }
        return CVSS3Scores(
            version: version, vectorString: fields.canonical, base: CVSSScore(tenths: base),
            temporal: CVSSScore(tenths: temporal), environmental: CVSSScore(tenths: environmental),
            hasTemporalMetrics: fields.defines(any: Self.temporalMetrics),
            hasEnvironmentalMetrics: fields.defines(any: Self.environmentalMetrics))
    }

    /// The equations in `Double`; a score is nil when a Roundup of it is too close to call.
    private struct FloatingScores {
        var base: Int?
        var temporal: Int?
        var environmental: Int?

        static let weights: [String: [String: Double]] = {
            let impact = ["H": 0.56, "L": 0.22, "N": 0.0]
            let requirement = ["X": 1.0, "H": 1.5, "M": 1.0, "L": 0.5]
            return [
                "AV": ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2], "AC": ["L": 0.77, "H": 0.44],
                "UI": ["N": 0.85, "R": 0.62], "C": impact, "I": impact, "A": impact,
                "E": ["X": 1, "H": 1, "F": 0.97, "P": 0.94, "U": 0.91],
                "RL": ["X": 1, "U": 1, "W": 0.97, "T": 0.96, "O": 0.95], "RC": ["X": 1, "C": 1, "R": 0.96, "U": 0.92],
                "CR": requirement, "IR": requirement, "AR": requirement,
            ]
        }()
        static let privilegesUnchanged = ["N": 0.85, "L": 0.62, "H": 0.27]
        static let privilegesChanged = ["N": 0.85, "L": 0.68, "H": 0.5]

        /// Roundup in tenths, nil when `value` is within 10⁻⁷ of a tenth (other than exactly on it).
        static func roundUp(_ value: Double) -> Int? {
            let scaled = value * 10
            let nearest = scaled.rounded()
            if abs(scaled - nearest) < 1e-6 { return nil }
            return Int(scaled.rounded(.up))
        }

        init(_ vector: CVSS3Vector) {
            let fields = vector.fields
            func weight(_ metric: String, _ value: String) -> Double { Self.weights[metric]![value]! }
            func modified(_ metric: String) -> String {
                let value = fields["M" + metric]
                return value == "X" ? fields[metric] : value
            }
            let scopeChanged = fields["S"] == "C"
            let iss = 1 - (1 - weight("C", fields["C"])) * (1 - weight("I", fields["I"])) * (1 - weight("A", fields["A"]))
            let impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
            let exploitability =
                8.22 * weight("AV", fields["AV"]) * weight("AC", fields["AC"])
                * (scopeChanged ? Self.privilegesChanged : Self.privilegesUnchanged)[fields["PR"]]! * weight("UI", fields["UI"])
            let capped = min(scopeChanged ? 1.08 * (impact + exploitability) : impact + exploitability, 10)
            base = impact <= 0 ? 0 : capped == 10 ? 100 : Self.roundUp(capped)
            let factor = weight("E", fields["E"]) * weight("RL", fields["RL"]) * weight("RC", fields["RC"])
            // A factor of exactly 1 (no temporal metric, or H/U/C) leaves a score as it is.
            temporal = factor == 1 ? base : base.flatMap { Self.roundUp(Double($0) / 10 * factor) }

            let modifiedScopeChanged = modified("S") == "C"
            let miss = min(
                1 - (1 - weight("CR", fields["CR"]) * weight("C", modified("C")))
                    * (1 - weight("IR", fields["IR"]) * weight("I", modified("I")))
                    * (1 - weight("AR", fields["AR"]) * weight("A", modified("A"))),
                0.915)
            let modifiedImpact: Double
            if !modifiedScopeChanged {
                modifiedImpact = 6.42 * miss
            } else if vector.version == "3.0" {
                modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15)
            } else {
                modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13)
            }
            let modifiedExploitability =
                8.22 * weight("AV", modified("AV")) * weight("AC", modified("AC"))
                * (modifiedScopeChanged ? Self.privilegesChanged : Self.privilegesUnchanged)[modified("PR")]!
                * weight("UI", modified("UI"))
            if modifiedImpact <= 0 {
                environmental = 0
            } else {
                let sum = modifiedImpact + modifiedExploitability
                let capped = min(modifiedScopeChanged ? 1.08 * sum : sum, 10)
                environmental =
                    capped == 10
                    ? (factor == 1 ? 100 : Self.roundUp(10 * factor))
                    : Self.roundUp(capped).flatMap { factor == 1 ? $0 : Self.roundUp(Double($0) / 10 * factor) }
            }
        }
    }

    func decimalScores() -> CVSS3Scores {
        let scopeChanged = fields["S"] == "C"
        let iss = 1 - (1 - weight("C", fields["C"])) * (1 - weight("I", fields["I"])) * (1 - weight("A", fields["A"]))
        let impact =
            scopeChanged ? Self.c7_52 * (iss - Self.c0_029) - Self.c3_25 * pow(iss - Self.c0_02, 15) : Self.c6_42 * iss
        let exploitability =
            Self.c8_22 * weight("AV", fields["AV"]) * weight("AC", fields["AC"])
            * privileges(fields["PR"], scopeChanged: scopeChanged) * weight("UI", fields["UI"])
        let base: Decimal =
            impact <= 0
            ? 0 : Self.roundUp(min(scopeChanged ? Self.c1_08 * (impact + exploitability) : impact + exploitability, 10))
        let temporalFactor = weight("E", fields["E"]) * weight("RL", fields["RL"]) * weight("RC", fields["RC"])
        let temporal = Self.roundUp(base * temporalFactor)

        let modifiedScopeChanged = modified("S") == "C"
        let miss = min(
            1 - (1 - weight("CR", fields["CR"]) * weight("C", modified("C")))
                * (1 - weight("IR", fields["IR"]) * weight("I", modified("I")))
                * (1 - weight("AR", fields["AR"]) * weight("A", modified("A"))),
            Self.c0_915)
        let modifiedImpact: Decimal
        if !modifiedScopeChanged {
            modifiedImpact = Self.c6_42 * miss
        } else if version == "3.0" {
            modifiedImpact = Self.c7_52 * (miss - Self.c0_029) - Self.c3_25 * pow(miss - Self.c0_02, 15)
        } else {
            modifiedImpact = Self.c7_52 * (miss - Self.c0_029) - Self.c3_25 * pow(miss * Self.c0_9731 - Self.c0_02, 13)
        }
        let modifiedExploitability =
            Self.c8_22 * weight("AV", modified("AV")) * weight("AC", modified("AC"))
            * privileges(modified("PR"), scopeChanged: modifiedScopeChanged) * weight("UI", modified("UI"))
        let environmental: Decimal
        if modifiedImpact <= 0 {
            environmental = 0
        } else {
            let sum = modifiedImpact + modifiedExploitability
            let capped = Self.roundUp(min(modifiedScopeChanged ? Self.c1_08 * sum : sum, 10))
            environmental = Self.roundUp(capped * temporalFactor)
        }
        return CVSS3Scores(
            version: version, vectorString: fields.canonical, base: Self.tenths(base), temporal: Self.tenths(temporal),
            environmental: Self.tenths(environmental), hasTemporalMetrics: fields.defines(any: Self.temporalMetrics),
            hasEnvironmentalMetrics: fields.defines(any: Self.environmentalMetrics))
    }

    /// Roundup: the smallest number with one decimal that is equal to or higher than `value`.
    static func roundUp(_ value: Decimal) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 1, .up)
        return result
    }

    static func tenths(_ value: Decimal) -> CVSSScore {
        CVSSScore(tenths: NSDecimalNumber(decimal: value * 10).intValue)
    }
}
