/// The score of a CVSS v4.0 vector (FIRST CVSS v4.0 specification, section 8): the macro vector's score
/// from the table, lowered by the vector's mean normalised distance from the macro vector's highest
/// vectors. The arithmetic follows FIRST's reference calculator step for step in binary floating point,
/// and the last step rounds half up to one decimal exactly.
public struct CVSS4Scores: Sendable, Equatable {
    /// The vector in the specification's order, optional metrics left at `X` omitted.
    public let vectorString: String
    /// The score of the whole vector, named by `nomenclature`.
    public let score: CVSSScore
    /// CVSS-B: the score of the base metrics alone.
    public let base: CVSSScore
    /// CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE: which metric groups the vector fills in.
    public let nomenclature: String
    /// EQ1 to EQ6 of the effective metrics, as six digits.
    public let macroVector: String
}

struct CVSS4Vector: Sendable {
    let fields: CVSSVectorFields

    static let threatMetrics = ["E"]
    static let environmentalMetrics = [
        "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA",
    ]

    static let table = CVSSMetricTable(definitions)

    static let definitions: [CVSSMetricDefinition] = {
        let impact = ["H", "L", "N"]
        let base: [(String, [String])] = [
            ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("AT", ["N", "P"]), ("PR", ["N", "L", "H"]),
            ("UI", ["N", "P", "A"]), ("VC", impact), ("VI", impact), ("VA", impact), ("SC", impact), ("SI", impact),
            ("SA", impact),
        ]
        let requirement = ["X", "H", "M", "L"]
        let optional: [(String, [String])] = [
            ("E", ["X", "A", "P", "U"]), ("CR", requirement), ("IR", requirement), ("AR", requirement),
            ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]),
            ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "P", "A"]), ("MVC", ["X"] + impact),
            ("MVI", ["X"] + impact), ("MVA", ["X"] + impact), ("MSC", ["X"] + impact), ("MSI", ["X", "S"] + impact),
            ("MSA", ["X", "S"] + impact), ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]),
            ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]), ("U", ["X", "Clear", "Green", "Amber", "Red"]),
        ]
        return base.map { CVSSMetricDefinition(name: $0.0, values: $0.1, mandatory: true) }
            + optional.map { CVSSMetricDefinition(name: $0.0, values: $0.1, mandatory: false) }
    }()

    /// The effective values of ``distanceMetrics`` and then E, worked out once.
    let effectiveValues: [String]

    init(parsing vector: String) throws(CVSSError) {
        self.init(fields: try CVSSVectorFields(parsing: vector, prefix: "CVSS:4.0/", table: Self.table))
    }

    private init(fields: CVSSVectorFields) {
        self.fields = fields
        effectiveValues = (Self.distanceMetrics + ["E"]).map { Self.effective($0, fields) }
    }

    func scores() -> CVSS4Scores {
        var baseFields = fields
        for index in baseFields.definitions.indices where !baseFields.definitions[index].mandatory {
            baseFields.values[index] = nil
        }
        let threat = fields.defines(any: Self.threatMetrics)
        let environmental = fields.defines(any: Self.environmentalMetrics)
        let score = score()
        return CVSS4Scores(
            // Supplemental metrics never change a score: without threat or environmental metrics the
            // vector's score is its base score.
            vectorString: fields.canonical, score: score,
            base: threat || environmental ? CVSS4Vector(fields: baseFields).score() : score,
            nomenclature: "CVSS-B" + (threat ? "T" : "") + (environmental ? "E" : ""),
            macroVector: macroVector().map(String.init).joined())
    }

    /// The effective value of a metric: `E:X` counts as A, a requirement at `X` as H, and a base metric's
    /// modified metric replaces it unless `X`.
    func effective(_ metric: String) -> String {
        effectiveValues[Self.effectivePositions[metric]!]
    }

    static let effectivePositions: [String: Int] = {
        var positions: [String: Int] = [:]
        for (position, metric) in (distanceMetrics + ["E"]).enumerated() { positions[metric] = position }
        return positions
    }()

    static func effective(_ metric: String, _ fields: CVSSVectorFields) -> String {
        let value = fields[metric]
        switch metric {
        case "E": return value == "X" ? "A" : value
        case "CR", "IR", "AR": return value == "X" ? "H" : value
        default:
            let modified = fields["M" + metric]
            return modified == "X" ? value : modified
        }
    }

    func macroVector() -> [Int] {
        let av = effective("AV")
        let pr = effective("PR")
        let ui = effective("UI")
        let eq1 =
            av == "N" && pr == "N" && ui == "N" ? 0 : (av == "N" || pr == "N" || ui == "N") && av != "P" ? 1 : 2
        let eq2 = effective("AC") == "L" && effective("AT") == "N" ? 0 : 1
        let vc = effective("VC")
        let vi = effective("VI")
        let va = effective("VA")
        let eq3 = vc == "H" && vi == "H" ? 0 : vc == "H" || vi == "H" || va == "H" ? 1 : 2
        let sc = effective("SC")
        let si = effective("SI")
        let sa = effective("SA")
        let eq4 = si == "S" || sa == "S" ? 0 : sc == "H" || si == "H" || sa == "H" ? 1 : 2
        let eq5 = ["A": 0, "P": 1, "U": 2][effective("E")]!
        let eq6 =
            (effective("CR") == "H" && vc == "H") || (effective("IR") == "H" && vi == "H")
                || (effective("AR") == "H" && va == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    // MARK: Scoring

    /// Severity levels of each metric value, the distances the interpolation measures.
    private static let levels: [String: [String: Double]] = {
        let vulnerable = ["H": 0.0, "L": 0.1, "N": 0.2]
        let subsequent = ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3]
        let requirement = ["H": 0.0, "M": 0.1, "L": 0.2]
        return [
            "AV": ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3], "PR": ["N": 0.0, "L": 0.1, "H": 0.2],
            "UI": ["N": 0.0, "P": 0.1, "A": 0.2], "AC": ["L": 0.0, "H": 0.1], "AT": ["N": 0.0, "P": 0.1],
            "VC": vulnerable, "VI": vulnerable, "VA": vulnerable, "SC": ["H": 0.1, "L": 0.2, "N": 0.3],
            "SI": subsequent, "SA": subsequent, "CR": requirement, "IR": requirement, "AR": requirement,
        ]
    }()

    /// The highest vectors of each value of EQ1, EQ2, EQ4 and EQ5, and of EQ3 with EQ6, as metric values.
    private static func vectors(_ texts: [String]) -> [[String: String]] {
        texts.map { text in
            var values: [String: String] = [:]
            for field in text.split(separator: "/") {
                let parts = field.split(separator: ":")
                values[String(parts[0])] = String(parts[1])
            }
            return values
        }
    }

    private static let highestEQ1 = [
        vectors(["AV:N/PR:N/UI:N"]), vectors(["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"]),
        vectors(["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"]),
    ]
    private static let highestEQ2 = [vectors(["AC:L/AT:N"]), vectors(["AC:H/AT:N", "AC:L/AT:P"])]
    /// Indexed by EQ3, then EQ6 (EQ3 2 has only EQ6 1).
    private static let highestEQ3EQ6: [[[[String: String]]]] = [
        [
            vectors(["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"]),
            vectors(["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]),
        ],
        [
            vectors(["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"]),
            vectors([
                "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
                "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
            ]),
        ],
        [[], vectors(["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"])],
    ]
    private static let highestEQ4 = [
        vectors(["SC:H/SI:S/SA:S"]), vectors(["SC:H/SI:H/SA:H"]), vectors(["SC:L/SI:L/SA:L"]),
    ]
    /// The depth of each EQ value, in steps of 0.1.
    private static let depthEQ1 = [1, 4, 5]
    private static let depthEQ2 = [1, 2]
    private static let depthEQ3EQ6 = [[7, 6], [8, 8], [0, 10]]
    private static let depthEQ4 = [6, 5, 4]

    static let distanceMetrics = [
        "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR",
    ]

    /// ``levels`` by position in ``distanceMetrics``.
    private static let levelsByPosition: [[String: Double]] = distanceMetrics.map { levels[$0]! }

    /// A highest vector's levels by position in ``distanceMetrics``, nil for the metrics it leaves to others.
    private static func levelsOf(_ vectors: [[String: String]]) -> [[Double?]] {
        vectors.map { vector in distanceMetrics.map { metric in vector[metric].map { levels[metric]![$0]! } } }
    }

    private static let highestLevelsEQ1 = highestEQ1.map(levelsOf)
    private static let highestLevelsEQ2 = highestEQ2.map(levelsOf)
    private static let highestLevelsEQ3EQ6 = highestEQ3EQ6.map { $0.map(levelsOf) }
    private static let highestLevelsEQ4 = highestEQ4.map(levelsOf)

    func score() -> CVSSScore {
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ effective($0) == "N" }) { return CVSSScore(tenths: 0) }
        let eq = macroVector()
        guard let value = CVSS4MacroVectorTable.score(eq) else { preconditionFailure("macro vector \(eq)") }
        func lookup(_ change: (inout [Int]) -> Void) -> Double {
            var lower = eq
            change(&lower)
            return CVSS4MacroVectorTable.score(lower) ?? .nan
        }
        let lowerEQ1 = lookup { $0[0] += 1 }
        let lowerEQ2 = lookup { $0[1] += 1 }
        let lowerEQ3EQ6: Double
        switch (eq[2], eq[5]) {
        case (0, 0):
            // Either EQ3 or EQ6 may step down; the higher of the two is next. Both exist whenever 00 does.
            lowerEQ3EQ6 = max(lookup { $0[5] += 1 }, lookup { $0[2] += 1 })
        case (0, 1), (1, 1): lowerEQ3EQ6 = lookup { $0[2] += 1 }
        case (1, 0): lowerEQ3EQ6 = lookup { $0[5] += 1 }
        default:
            lowerEQ3EQ6 = lookup {
                $0[2] += 1
                $0[5] += 1
            }
        }
        let lowerEQ4 = lookup { $0[3] += 1 }
        let lowerEQ5 = lookup { $0[4] += 1 }

        // The first highest vector that no metric of this vector exceeds (the last when none qualifies).
        var current = [Double](repeating: 0, count: 14)
        for position in 0..<14 { current[position] = Self.levelsByPosition[position][effectiveValues[position]]! }
        var distances = [Double](repeating: 0, count: 14)
        search: for v1 in Self.highestLevelsEQ1[eq[0]] {
            for v2 in Self.highestLevelsEQ2[eq[1]] {
                for v36 in Self.highestLevelsEQ3EQ6[eq[2]][eq[5]] {
                    for v4 in Self.highestLevelsEQ4[eq[3]] {
                        var exceeds = false
                        for position in 0..<14 {
                            let highest = v1[position] ?? v2[position] ?? v36[position] ?? v4[position]!
                            distances[position] = current[position] - highest
                            if distances[position] < 0 { exceeds = true }
                        }
                        if !exceeds { break search }
                    }
                }
            }
        }
        // Positions in `distanceMetrics`: AV PR UI AC AT VC VI VA SC SI SA CR IR AR.
        let distanceEQ1 = distances[0] + distances[1] + distances[2]
        let distanceEQ2 = distances[3] + distances[4]
        let distanceEQ3EQ6 = distances[5] + distances[6] + distances[7] + distances[11] + distances[12] + distances[13]
        let distanceEQ4 = distances[8] + distances[9] + distances[10]

        let step = 0.1
        var count = 0
        func normalised(_ lower: Double, _ distance: Double, _ depth: Int) -> Double {
            let available = value - lower
            guard available >= 0 else { return 0 }  // false for NaN: no lower macro vector
            count += 1
            return available * (distance / (Double(depth) * step))
        }
        let n1 = normalised(lowerEQ1, distanceEQ1, Self.depthEQ1[eq[0]])
        let n2 = normalised(lowerEQ2, distanceEQ2, Self.depthEQ2[eq[1]])
        let n36 = normalised(lowerEQ3EQ6, distanceEQ3EQ6, Self.depthEQ3EQ6[eq[2]][eq[5]])
        let n4 = normalised(lowerEQ4, distanceEQ4, Self.depthEQ4[eq[3]])
        let n5 = normalised(lowerEQ5, 0, 1)
        let mean = count == 0 ? 0 : (n1 + n2 + n36 + n4 + n5) / Double(count)
        return CVSSScore(tenths: Self.roundHalfUp(min(10, max(0, value - mean))))
    }

    /// `x + 0.000001` rounded half up to tenths, decided on the exact binary value: `fma` gives the sign of
    /// `y·10 − t` and `y·20 − (2t + 1)` without an intermediate rounding.
    static func roundHalfUp(_ x: Double) -> Int {
        let y = x + 0.000001
        var t = (y * 10).rounded(.down)
        while fmaSign(y, 10, t) < 0 { t -= 1 }
        while fmaSign(y, 10, t + 1) >= 0 { t += 1 }
        if fmaSign(y, 20, 2 * t + 1) >= 0 { t += 1 }
        return Int(t)
    }

    /// The sign of `y·k − c`, exactly.
    private static func fmaSign(_ y: Double, _ k: Double, _ c: Double) -> Double {
        (-c).addingProduct(y, k)
    }
}
