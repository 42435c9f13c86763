import Synchronization

extension CVSSResult {
    /// The scores with FIRST's JSON schema names (`cvss-v3.x.json`, `cvss-v4.0.json`): version, vectorString,
    /// baseScore and baseSeverity, then v3's temporal and environmental scores, or v4's score of the whole
    /// vector with its nomenclature and macro vector.
    public var json: JSONValue {
        switch self {
        case .v3(let scores):
            return .object([
                ("version", .string(scores.version)), ("vectorString", .string(scores.vectorString)),
                ("baseScore", scores.base.json), ("baseSeverity", .string(scores.base.severity.rawValue)),
                ("temporalScore", scores.temporal.json), ("temporalSeverity", .string(scores.temporal.severity.rawValue)),
                ("environmentalScore", scores.environmental.json),
                ("environmentalSeverity", .string(scores.environmental.severity.rawValue)),
            ])
        case .v4(let scores):
            return .object([
                ("version", .string("4.0")), ("vectorString", .string(scores.vectorString)),
                ("baseScore", scores.base.json), ("baseSeverity", .string(scores.base.severity.rawValue)),
                ("score", scores.score.json), ("severity", .string(scores.score.severity.rawValue)),
                ("nomenclature", .string(scores.nomenclature)), ("macroVector", .string(scores.macroVector)),
            ])
        }
    }
}

extension CVSSScore {
    /// The score as a JSON number with one decimal (`9.8`, `0.0`).
    public var json: JSONValue { .number(description) }
}

extension CVSSError {
    /// `{"error": …, "code": …, "metric": …}`, the metric only when the error names one.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("error", .string(message)), ("code", .string(code.rawValue))]
        if let metric { members.append(("metric", .string(metric))) }
        return .object(members)
    }
}

/// The JSON scores of vectors already seen (an import meets the same few thousand vectors over and over),
/// shared by the tasks that convert records side by side; it forgets everything past 100,000 vectors.
public final class CVSSScoreCache: Sendable {
    private let entries = Mutex<[String: Result<JSONValue, CVSSError>]>([:])

    public init() {}

    /// The scores of `vector` as ``CVSSResult/json`` gives them, or its refusal.
    public func json(for vector: String) throws(CVSSError) -> JSONValue {
        if let known = entries.withLock({ $0[vector] }) { return try known.get() }
        let result = Result { () throws(CVSSError) in try CVSS.score(vector).json }
        entries.withLock { entries in
            if entries.count >= 100_000 { entries.removeAll(keepingCapacity: true) }
            entries[vector] = result
        }
        return try result.get()
    }
}
