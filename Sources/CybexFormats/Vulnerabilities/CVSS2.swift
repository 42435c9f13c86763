/// CVSS v2.0 (FIRST's "A Complete Guide to the Common Vulnerability Scoring System Version 2.0", §3.2): the
/// base, temporal and environmental equations, for CSAF's test 6.1.9 (v2 scores in advisories). Vectors are
/// `AV:N/AC:L/Au:N/C:C/I:C/A:C` with optional temporal and environmental metrics; a metric left out is Not
/// Defined. Scores in tenths, rounded half up to one decimal as the guide's `round_to_1_decimal`.
public enum CVSS2 {
    public struct Scores: Sendable, Equatable {
        public let base: Int
        public let temporal: Int
        public let environmental: Int
    }

    static let weights: [String: [String: Double]] = [
        "AV": ["L": 0.395, "A": 0.646, "N": 1.0], "AC": ["H": 0.35, "M": 0.61, "L": 0.71],
        "Au": ["M": 0.45, "S": 0.56, "N": 0.704], "C": ["N": 0, "P": 0.275, "C": 0.660], "I": ["N": 0, "P": 0.275, "C": 0.660],
        "A": ["N": 0, "P": 0.275, "C": 0.660], "E": ["U": 0.85, "POC": 0.9, "F": 0.95, "H": 1, "ND": 1],
        "RL": ["OF": 0.87, "TF": 0.90, "W": 0.95, "U": 1, "ND": 1], "RC": ["UC": 0.9, "UR": 0.95, "C": 1, "ND": 1],
        "CDP": ["N": 0, "L": 0.1, "LM": 0.3, "MH": 0.4, "H": 0.5, "ND": 0],
        "TD": ["N": 0, "L": 0.25, "M": 0.75, "H": 1, "ND": 1],
        "CR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1], "IR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1],
        "AR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1],
    ]
    static let base = ["AV", "AC", "Au", "C", "I", "A"]

    /// The scores of `vector`; nil when it is not a complete v2.0 vector (each base metric once, every metric known).
    public static func score(_ vector: String) -> Scores? {
        var values: [String: Double] = [:]
        for part in vector.split(separator: "/", omittingEmptySubsequences: false) {
            let pair = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pair.count == 2, let weight = weights[String(pair[0])]?[String(pair[1])], values[String(pair[0])] == nil else {
                return nil
            }
            values[String(pair[0])] = weight
        }
        guard base.allSatisfy({ values[$0] != nil }) else { return nil }
        let value = { (metric: String) in values[metric] ?? weights[metric]?["ND"] ?? 1 }
        let exploitability = 20 * value("AV") * value("AC") * value("Au")
        func baseScore(impact: Double) -> Double {
            round(((0.6 * impact) + (0.4 * exploitability) - 1.5) * (impact == 0 ? 0 : 1.176))
        }
        let impact = 10.41 * (1 - (1 - value("C")) * (1 - value("I")) * (1 - value("A")))
        let baseValue = baseScore(impact: impact)
        let temporalFactor = value("E") * value("RL") * value("RC")
        let temporal = round(baseValue * temporalFactor)
        let adjustedImpact = min(
            10, 10.41 * (1 - (1 - value("C") * value("CR")) * (1 - value("I") * value("IR")) * (1 - value("A") * value("AR"))))
        let adjustedTemporal = round(baseScore(impact: adjustedImpact) * temporalFactor)
        let environmental = round((adjustedTemporal + (10 - adjustedTemporal) * value("CDP")) * value("TD"))
        return Scores(base: tenths(baseValue), temporal: tenths(temporal), environmental: tenths(environmental))
    }

    /// Half up to one decimal (a hair above the representation error of binary fractions).
    static func round(_ value: Double) -> Double { ((value * 10) + 1e-9).rounded(.toNearestOrAwayFromZero) / 10 }
    static func tenths(_ value: Double) -> Int { Int((value * 10).rounded()) }
}
