import Foundation

/// CSAF 2.0's tests of CVSS objects: 6.1.9 (the scores and severities given are those the vector computes:
/// Cybex's v3.0/v3.1 calculator, ``CVSS2`` for v2.0) and 6.1.10 (each metric property says what the vector
/// says, for every metric the vector gives). 6.1.8, the FIRST schemas, is ``CSAFSchema``'s.
enum CSAFScores {
    /// v3 properties: (name, vector metric, letter → property value).
    static let v3Properties: [(String, String, [String: String])] = {
        let cia = ["N": "NONE", "L": "LOW", "H": "HIGH"]
        let modifiedCIA = ["N": "NONE", "L": "LOW", "H": "HIGH", "X": "NOT_DEFINED"]
        let requirement = ["L": "LOW", "M": "MEDIUM", "H": "HIGH", "X": "NOT_DEFINED"]
        return [
            ("attackVector", "AV", ["N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"]),
            ("attackComplexity", "AC", ["L": "LOW", "H": "HIGH"]),
            ("privilegesRequired", "PR", ["N": "NONE", "L": "LOW", "H": "HIGH"]),
            ("userInteraction", "UI", ["N": "NONE", "R": "REQUIRED"]), ("scope", "S", ["U": "UNCHANGED", "C": "CHANGED"]),
            ("confidentialityImpact", "C", cia), ("integrityImpact", "I", cia), ("availabilityImpact", "A", cia),
            (
                "exploitCodeMaturity", "E",
                ["X": "NOT_DEFINED", "U": "UNPROVEN", "P": "PROOF_OF_CONCEPT", "F": "FUNCTIONAL", "H": "HIGH"]
            ),
            (
                "remediationLevel", "RL",
                ["X": "NOT_DEFINED", "O": "OFFICIAL_FIX", "T": "TEMPORARY_FIX", "W": "WORKAROUND", "U": "UNAVAILABLE"]
            ),
            ("reportConfidence", "RC", ["X": "NOT_DEFINED", "U": "UNKNOWN", "R": "REASONABLE", "C": "CONFIRMED"]),
            ("confidentialityRequirement", "CR", requirement), ("integrityRequirement", "IR", requirement),
            ("availabilityRequirement", "AR", requirement),
            (
                "modifiedAttackVector", "MAV",
                ["N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL", "X": "NOT_DEFINED"]
            ),
            ("modifiedAttackComplexity", "MAC", ["L": "LOW", "H": "HIGH", "X": "NOT_DEFINED"]),
            ("modifiedPrivilegesRequired", "MPR", ["N": "NONE", "L": "LOW", "H": "HIGH", "X": "NOT_DEFINED"]),
            ("modifiedUserInteraction", "MUI", ["N": "NONE", "R": "REQUIRED", "X": "NOT_DEFINED"]),
            ("modifiedScope", "MS", ["U": "UNCHANGED", "C": "CHANGED", "X": "NOT_DEFINED"]),
            ("modifiedConfidentialityImpact", "MC", modifiedCIA), ("modifiedIntegrityImpact", "MI", modifiedCIA),
            ("modifiedAvailabilityImpact", "MA", modifiedCIA),
        ]
    }()

    static let v2Properties: [(String, String, [String: String])] = {
        let cia = ["N": "NONE", "P": "PARTIAL", "C": "COMPLETE"]
        let requirement = ["L": "LOW", "M": "MEDIUM", "H": "HIGH", "ND": "NOT_DEFINED"]
        return [
            ("accessVector", "AV", ["L": "LOCAL", "A": "ADJACENT_NETWORK", "N": "NETWORK"]),
            ("accessComplexity", "AC", ["H": "HIGH", "M": "MEDIUM", "L": "LOW"]),
            ("authentication", "Au", ["M": "MULTIPLE", "S": "SINGLE", "N": "NONE"]),
            ("confidentialityImpact", "C", cia), ("integrityImpact", "I", cia), ("availabilityImpact", "A", cia),
            (
                "exploitability", "E",
                ["U": "UNPROVEN", "POC": "PROOF_OF_CONCEPT", "F": "FUNCTIONAL", "H": "HIGH", "ND": "NOT_DEFINED"]
            ),
            (
                "remediationLevel", "RL",
                ["OF": "OFFICIAL_FIX", "TF": "TEMPORARY_FIX", "W": "WORKAROUND", "U": "UNAVAILABLE", "ND": "NOT_DEFINED"]
            ),
            ("reportConfidence", "RC", ["UC": "UNCONFIRMED", "UR": "UNCORROBORATED", "C": "CONFIRMED", "ND": "NOT_DEFINED"]),
            (
                "collateralDamagePotential", "CDP",
                ["N": "NONE", "L": "LOW", "LM": "LOW_MEDIUM", "MH": "MEDIUM_HIGH", "H": "HIGH", "ND": "NOT_DEFINED"]
            ),
            ("targetDistribution", "TD", ["N": "NONE", "L": "LOW", "M": "MEDIUM", "H": "HIGH", "ND": "NOT_DEFINED"]),
            ("confidentialityRequirement", "CR", requirement), ("integrityRequirement", "IR", requirement),
            ("availabilityRequirement", "AR", requirement),
        ]
    }()

    static func metrics(of vector: String, droppingPrefix: Bool) -> [String: String] {
        var parts = vector.split(separator: "/")
        if droppingPrefix, !parts.isEmpty { parts.removeFirst() }
        var metrics: [String: String] = [:]
        for part in parts {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { metrics[String(pair[0])] = String(pair[1]) }
        }
        return metrics
    }

    static func tenths(_ value: JSONValue?) -> Int? {
        value?.doubleValue.map { Int(($0 * 10).rounded()) }
    }

    static func check(_ cvss: JSONValue, v2: Bool, at path: String, _ fail: CSAFMandatoryTests.Fail) {
        guard let vector = cvss["vectorString"]?.stringValue else { return }
        let metrics = metrics(of: vector, droppingPrefix: !v2)
        // 6.1.10
        for (property, metric, values) in v2 ? v2Properties : v3Properties {
            // A metric the vector leaves out contradicts nothing (the TC's test files give such properties).
            guard let given = cvss[property]?.stringValue, let letter = metrics[metric] else { continue }
            let expected = values[letter] ?? letter
            if given != expected {
                fail("6.1.10", "\(path)/\(property)", "is \(given), but the vector says \(expected)")
            }
        }
        // 6.1.9
        let computed: (base: Int, temporal: Int, environmental: Int)
        if v2 {
            guard let scores = CVSS2.score(vector) else {
                return fail(
                    "6.1.9", path + "/vectorString",
                    "the scores of this vector cannot be computed: not a complete CVSS v2.0 vector")
            }
            computed = (scores.base, scores.temporal, scores.environmental)
        } else {
            switch Result(catching: { () throws(CVSSError) in try CVSS.score(vector) }) {
            case .success(.v3(let scores)):
                computed = (scores.base.tenths, scores.temporal.tenths, scores.environmental.tenths)
            case .success(.v4):
                return fail("6.1.9", path + "/vectorString", "is not a CVSS v3 vector")
            case .failure(let error):
                return fail("6.1.9", path + "/vectorString", "the scores of this vector cannot be computed: \(error.message)")
            }
        }
        for (name, value) in [
            ("base", computed.base), ("temporal", computed.temporal), ("environmental", computed.environmental),
        ] {
            if let given = tenths(cvss["\(name)Score"]), given != value {
                fail("6.1.9", "\(path)/\(name)Score", "is \(Double(given) / 10), but the vector computes \(Double(value) / 10)")
            }
            if !v2, let given = cvss["\(name)Severity"]?.stringValue {
                let severity = CVSSSeverity(tenths: value).rawValue
                if given != severity {
                    fail("6.1.9", "\(path)/\(name)Severity", "is \(given), but the vector computes \(severity)")
                }
            }
        }
    }
}

/// The reference catalogues CSAF's tests 6.1.11 and 6.1.12 compare against, as the node has them loaded (`cybex
/// reference load`): CWE names by id, and the IANA language subtag registry (subtags by type, lower case,
/// and whole registered tags).
public struct CSAFReference: Sendable {
    public var cweNames: [String: String]?
    /// Keys `type:subtag` (`language:en`, `region:at`, `script:latn`, `variant:1901`, `extlang:yue`, `tag:i-klingon`).
    public var languageSubtags: Set<String>?

    public init(cweNames: [String: String]? = nil, languageSubtags: Set<String>? = nil) {
        self.cweNames = cweNames
        self.languageSubtags = languageSubtags
    }

    /// Why `tag` is not a tag of registered subtags, or nil when it is.
    static func languageProblem(_ tag: String, _ registry: Set<String>) -> String? {
        let lower = tag.lowercased()
        if registry.contains("tag:" + lower) { return nil }
        let subtags = lower.split(separator: "-").map(String.init)
        guard let first = subtags.first else { return "an empty language tag" }
        if first == "x" { return nil }  // private use
        guard registry.contains("language:" + first) else { return "\(first) is not a registered language subtag" }
        var index = 1
        while index < subtags.count, subtags[index].count == 3, subtags[index].allSatisfy(\.isLetter) {
            guard registry.contains("extlang:" + subtags[index]) else {
                return "\(subtags[index]) is not a registered extended language subtag"
            }
            index += 1
        }
        if index < subtags.count, subtags[index].count == 4, subtags[index].allSatisfy(\.isLetter) {
            guard registry.contains("script:" + subtags[index]) else {
                return "\(subtags[index]) is not a registered script subtag"
            }
            index += 1
        }
        if index < subtags.count,
            subtags[index].count == 2 || (subtags[index].count == 3 && subtags[index].allSatisfy(\.isNumber))
        {
            guard registry.contains("region:" + subtags[index]) else {
                return "\(subtags[index]) is not a registered region subtag"
            }
            index += 1
        }
        while index < subtags.count, subtags[index].count >= 4 {
            guard registry.contains("variant:" + subtags[index]) else {
                return "\(subtags[index]) is not a registered variant subtag"
            }
            index += 1
        }
        return nil  // extensions and private use are not registered subtags
    }

    /// The catalogue of a MITRE CWE CSV file (`CWE-ID,Name,…`, the ids written as numbers or `CWE-n`).
    public static func cweNames(csv bytes: [UInt8]) throws(CSAFReferenceError) -> [String: String] {
        var iterator = DelimitedText(
            bytes,
            limits: {
                var limits = DelimitedText.Limits()
                limits.comments = false
                limits.maxRecordBytes = 1 << 20
                return limits
            }()
        ).makeIterator()
        var names: [String: String] = [:]
        var columns: (id: Int, name: Int)?
        do {
            while let record = try iterator.nextRecord() {
                guard let found = columns else {
                    let header = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    guard let id = header.firstIndex(where: { $0 == "cwe-id" || $0 == "id" }),
                        let name = header.firstIndex(of: "name")
                    else {
                        throw CSAFReferenceError("line \(record.line): the header names no CWE-ID and Name columns")
                    }
                    columns = (id, name)
                    continue
                }
                guard found.id < record.fields.count, found.name < record.fields.count else { continue }
                var id = record.fields[found.id].trimmingCharacters(in: .whitespaces)
                if !id.hasPrefix("CWE-") { id = "CWE-" + id }
                guard id.dropFirst(4).allSatisfy(\.isNumber), id.count > 4 else {
                    throw CSAFReferenceError("line \(record.line): '\(id)' is not a CWE id")
                }
                names[id] = record.fields[found.name]
            }
        } catch let error as DelimitedText.ReadError {
            throw CSAFReferenceError(error.description)
        } catch let error as CSAFReferenceError {
            throw error
        } catch {
            throw CSAFReferenceError("\(error)")
        }
        guard !names.isEmpty else { throw CSAFReferenceError("no weakness found") }
        return names
    }

    /// Every subtag from `first` to `last`, counting in letters (`qaa`…`qtz`) or digits.
    static func expand(_ first: String, _ last: String) -> [String] {
        var current = Array(first.unicodeScalars)
        let end = Array(last.unicodeScalars)
        var values: [String] = []
        while values.count < 20_000 {
            values.append(String(String.UnicodeScalarView(current)))
            if current == end { break }
            var index = current.count - 1
            while index >= 0 {
                let scalar = current[index]
                let limit: Unicode.Scalar = ("0"..."9").contains(scalar) ? "9" : "z"
                let start: Unicode.Scalar = ("0"..."9").contains(scalar) ? "0" : "a"
                if scalar == limit {
                    current[index] = start
                    index -= 1
                } else {
                    current[index] = Unicode.Scalar(scalar.value + 1)!
                    break
                }
            }
            if index < 0 { break }
        }
        return values
    }

    /// The subtags of the IANA Language Subtag Registry file (records separated by `%%`, fields `Type:`,
    /// `Subtag:` or `Tag:`).
    public static func languageSubtags(registry bytes: [UInt8]) throws(CSAFReferenceError) -> Set<String> {
        var found: Set<String> = []
        var type: String?
        var subtag: String?
        var tag: String?
        func flush() {
            if let type, let subtag {
                let lower = subtag.lowercased()
                let ends = lower.components(separatedBy: "..")
                if ends.count == 2, ends[0].count == ends[1].count, ends[0].count <= 4 {
                    // A private-use range (qaa..qtz): every subtag in it.
                    for value in expand(ends[0], ends[1]) { found.insert("\(type):\(value)") }
                } else {
                    found.insert("\(type):\(lower)")
                }
            }
            if let tag { found.insert("tag:\(tag.lowercased())") }
            (type, subtag, tag) = (nil, nil, nil)
        }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text == "%%" {
                flush()
                continue
            }
            if text.hasPrefix("Type:") { type = text.dropFirst(5).trimmingCharacters(in: .whitespaces).lowercased() }
            if text.hasPrefix("Subtag:") { subtag = text.dropFirst(7).trimmingCharacters(in: .whitespaces) }
            if text.hasPrefix("Tag:") { tag = text.dropFirst(4).trimmingCharacters(in: .whitespaces) }
        }
        flush()
        guard found.contains(where: { $0.hasPrefix("language:") }) else {
            throw CSAFReferenceError("no language subtag found: not the IANA Language Subtag Registry format")
        }
        return found
    }
}

public struct CSAFReferenceError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
