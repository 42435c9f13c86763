/// CVSS vectors and scores (FIRST CVSS v3.0, v3.1 and v4.0 specifications): one entry, `CVSS.score`, for
/// any version, a score kept in tenths so that 9.8 is exactly 98, and errors that name the metric at
/// fault. docs/VULNERABILITIES.md, "CVSS", says what is accepted and how each version is scored.
public enum CVSS {
    /// The longest vector accepted: every v4.0 metric at its longest value is under 200 bytes.
    public static let maximumVectorLength = 512

    /// Parses `vector` (any of the three versions, told by its prefix) and scores it.
    public static func score(_ vector: String) throws(CVSSError) -> CVSSResult {
        if vector.utf8.count > maximumVectorLength {
            throw CVSSError(.tooLong, metric: nil, "the vector is longer than \(maximumVectorLength) bytes")
        }
        if vector.hasPrefix("CVSS:4.0/") { return .v4(try CVSS4Vector(parsing: vector).scores()) }
        if vector.hasPrefix("CVSS:3.1/") || vector.hasPrefix("CVSS:3.0/") {
            return .v3(try CVSS3Vector(parsing: vector).scores())
        }
        if vector.hasPrefix("CVSS:") {
            let version = vector.dropFirst(5).prefix { $0 != "/" }
            throw CVSSError(.prefix, metric: nil, "CVSS version \"\(version)\" is not supported (3.0, 3.1 and 4.0 are)")
        }
        throw CVSSError(.prefix, metric: nil, "a vector starts with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")
    }
}

/// A CVSS score from 0.0 to 10.0, in tenths.
public struct CVSSScore: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let tenths: Int

    public init(tenths: Int) { self.tenths = tenths }

    public var value: Double { Double(tenths) / 10 }
    public var severity: CVSSSeverity { CVSSSeverity(tenths: tenths) }
    public var description: String { "\(tenths / 10).\(tenths % 10)" }

    public static func < (lhs: CVSSScore, rhs: CVSSScore) -> Bool { lhs.tenths < rhs.tenths }
}

/// The qualitative severity rating scale, the same for v3 and v4; raw values as FIRST's JSON schemas spell them.
public enum CVSSSeverity: String, Sendable, CaseIterable, Comparable {
    case none = "NONE"
    case low = "LOW"
    case medium = "MEDIUM"
    case high = "HIGH"
    case critical = "CRITICAL"

    public init(tenths: Int) {
        switch tenths {
        case ..<1: self = .none
        case ..<40: self = .low
        case ..<70: self = .medium
        case ..<90: self = .high
        default: self = .critical
        }
    }

    public static func < (lhs: CVSSSeverity, rhs: CVSSSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A scored vector of either family.
public enum CVSSResult: Sendable, Equatable {
    case v3(CVSS3Scores)
    case v4(CVSS4Scores)

    /// The score a record is ranked by: v3's environmental score when environmental metrics are given, else
    /// its temporal score when temporal ones are, else its base score; v4's one score.
    public var overall: CVSSScore {
        switch self {
        case .v3(let scores): scores.overall
        case .v4(let scores): scores.score
        }
    }

    /// The base score alone (v4: the CVSS-B score of the base metrics).
    public var base: CVSSScore {
        switch self {
        case .v3(let scores): scores.base
        case .v4(let scores): scores.base
        }
    }

    public var vectorString: String {
        switch self {
        case .v3(let scores): scores.vectorString
        case .v4(let scores): scores.vectorString
        }
    }
}

/// Why a vector was refused: a code, the metric at fault when there is one, and a sentence.
public struct CVSSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case prefix, malformed
        case unknownMetric = "unknown-metric"
        case invalidValue = "invalid-value"
        case duplicateMetric = "duplicate-metric"
        case missingMetric = "missing-metric"
        case tooLong = "too-long"
    }

    public let code: Code
    /// The metric abbreviation the error is about (`AV`, `MSI` …); for a missing-metric error, the first missing one.
    public let metric: String?
    public let message: String

    init(_ code: Code, metric: String?, _ message: String) {
        self.code = code
        self.metric = metric
        self.message = message
    }

    public var description: String { message }
}

/// One metric of a version: its abbreviation, the values it takes (the first of an optional metric is `X`),
/// and whether a vector must carry it.
struct CVSSMetricDefinition: Sendable {
    let name: String
    let values: [String]
    let mandatory: Bool
}

/// A version's metric definitions with their positions by name, made once per version.
struct CVSSMetricTable: Sendable {
    let definitions: [CVSSMetricDefinition]
    let positions: [String: Int]

    init(_ definitions: [CVSSMetricDefinition]) {
        self.definitions = definitions
        var positions: [String: Int] = [:]
        for (position, definition) in definitions.enumerated() { positions[definition.name] = position }
        self.positions = positions
    }
}

/// The fields of a vector after its prefix, checked against a version's metric definitions: every field
/// `NAME:VALUE`, a known metric, a value it takes, no metric twice, every mandatory metric present. Any
/// order is accepted (the v3.1 specification allows it; v4.0's text says both); the canonical vector that
/// the scores carry lists the metrics in the specification's order, leaving out optional ones set to `X`.
struct CVSSVectorFields: Sendable {
    /// Value per metric, indexed like the definitions; nil when absent.
    var values: [String?]
    let table: CVSSMetricTable
    let prefix: String

    var definitions: [CVSSMetricDefinition] { table.definitions }

    init(parsing vector: String, prefix: String, table: CVSSMetricTable) throws(CVSSError) {
        self.prefix = prefix
        self.table = table
        let definitions = table.definitions
        values = Array(repeating: nil, count: definitions.count)
        let body = vector.dropFirst(prefix.count)
        if body.isEmpty { throw CVSSError(.malformed, metric: nil, "the vector has no metrics after \(prefix)") }
        for field in body.split(separator: "/", omittingEmptySubsequences: false) {
            if field.isEmpty {
                throw CVSSError(.malformed, metric: nil, "the vector has an empty field (\"//\" or a trailing \"/\")")
            }
            let parts = field.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CVSSError(.malformed, metric: nil, "field \"\(field)\" is not METRIC:VALUE")
            }
            guard let position = table.positions[String(parts[0])] else {
                throw CVSSError(
                    .unknownMetric, metric: String(parts[0]),
                    "\"\(parts[0])\" is not a CVSS \(prefix.dropFirst(5).dropLast()) metric")
            }
            let definition = definitions[position]
            if values[position] != nil {
                throw CVSSError(.duplicateMetric, metric: definition.name, "metric \(definition.name) appears twice")
            }
            let value = String(parts[1])
            guard definition.values.contains(value) else {
                throw CVSSError(
                    .invalidValue, metric: definition.name,
                    "\(definition.name):\(value) is not valid; \(definition.name) takes \(definition.values.joined(separator: ", "))"
                )
            }
            values[position] = value
        }
        let missing = definitions.indices.filter { definitions[$0].mandatory && values[$0] == nil }.map { definitions[$0].name }
        if let first = missing.first {
            throw CVSSError(
                .missingMetric, metric: first,
                "mandatory metric\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) missing")
        }
    }

    /// The value of `name`, `X` for an absent optional metric.
    subscript(name: String) -> String {
        guard let position = table.positions[name] else { preconditionFailure(name) }
        return values[position] ?? "X"
    }

    /// Whether any of `names` is given with a value other than `X`.
    func defines(any names: some Sequence<String>) -> Bool {
        names.contains { self[$0] != "X" }
    }

    /// The vector in canonical order without the optional metrics left at `X`.
    var canonical: String {
        var text = String(prefix.dropLast())
        for (position, definition) in definitions.enumerated() {
            guard let value = values[position], definition.mandatory || value != "X" else { continue }
            text += "/\(definition.name):\(value)"
        }
        return text
    }
}
