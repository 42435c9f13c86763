import CybexCore

/// The syntax check of STIX 2.1 patterns the validator applies, and the simple comparisons a
/// pattern holds (for observable extraction and redaction): both read the tree of
/// ``STIXPattern``'s parser, so there is one grammar.
///
/// The check is the grammar's only (as the reference validator `stix2-patterns`): it accepts
/// `REPEATS 0 TIMES` and sets of mixed kinds, which ``STIXPattern/init(parsing:)`` refuses.
enum STIXPatternSyntax {
    static let maxLength = STIXPattern.maxLength
    static let maxDepth = STIXPattern.maxDepth

    /// One `object-type:path op literal` comparison.
    struct Comparison: Sendable, Hashable {
        var objectType: String
        /// The path after the colon, keys quoted where they must be: `hashes.'SHA-256'`, `value`.
        var path: String
        /// `=`, `!=`, `<`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, `EXISTS`, ...
        var op: String
        var negated: Bool
        /// The literal values compared with (several for `IN`): strings unquoted and unescaped,
        /// other constants as pattern text without their prefix and quotes (`ffd8` for `h'ffd8'`).
        var values: [String]
    }

    /// Why `pattern` is not a STIX pattern, or nil when it is well formed.
    static func problem(in pattern: String) -> String? {
        var parser = STIXPatternParser(pattern, checksMeaning: false)
        do {
            _ = try parser.parsePattern()
            return nil
        } catch {
            return error.description
        }
    }

    /// The comparisons of a well-formed pattern, in order; nil when the pattern is not well formed.
    static func comparisons(in pattern: String) -> [Comparison]? {
        var parser = STIXPatternParser(pattern, checksMeaning: false)
        guard let expression = try? parser.parsePattern() else { return nil }
        var comparisons: [Comparison] = []
        STIXPattern(expression).forEachComparison { comparison in
            comparisons.append(
                Comparison(
                    objectType: comparison.path.objectType, path: comparison.path.property,
                    op: comparison.op.rawValue, negated: comparison.negated,
                    values: comparison.operands.map(Self.text)))
        }
        return comparisons
    }

    static func text(_ literal: STIXPattern.Literal) -> String {
        switch literal {
        case .string(let text): text
        case .timestamp(let value):
            STIXTimestamp.format(microseconds: value.microseconds, fractionDigits: min(value.fractionDigits, 6))
        case .hex, .binary: String(literal.description.dropFirst(2).dropLast())
        default: literal.description
        }
    }
}
