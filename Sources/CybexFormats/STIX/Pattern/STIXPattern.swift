public import CybexCore

/// A STIX 2.1 pattern (section 9), parsed: observation expressions joined by `AND`, `OR` and
/// `FOLLOWEDBY`, qualified by `WITHIN`, `REPEATS` and `START … STOP`, each holding a comparison
/// expression over object paths of cyber-observables.
///
/// ```swift
/// let pattern = try STIXPattern(parsing: "[file:hashes.'SHA-256' = 'aec0…'] REPEATS 2 TIMES")
/// pattern.objectTypes  // ["file"]
/// ```
///
/// Parsing is bounded: a pattern longer than ``maxLength`` bytes or nested deeper than ``maxDepth``
/// levels is refused before any work proportional to it. Chains (`a AND b AND c …`) are kept as
/// one node with a list of operands, so a tree is never deeper than the pattern's nesting.
/// Values are semantic: `'value'` and `value` are one key, `==` is `=`, `<>` is `!=`.
public struct STIXPattern: Sendable, Hashable, CustomStringConvertible {
    /// The longest pattern accepted, in UTF-8 bytes.
    public static let maxLength = 1 << 20
    /// The deepest nesting of brackets, parentheses and comparisons accepted.
    public static let maxDepth = 100

    /// The whole pattern.
    public var expression: ObservationExpression

    public init(_ expression: ObservationExpression) {
        self.expression = expression
    }

    /// Parses `text`, checking the grammar and the rules the grammar leaves out (a positive
    /// `REPEATS` count and `WITHIN` window, sets of one kind, regular expressions that compile
    /// and are at most ``maxRegexLength`` bytes). Errors carry the byte offset where they were found.
    public init(parsing text: String) throws(STIXPatternError) {
        var parser = STIXPatternParser(text, checksMeaning: true)
        self.expression = try parser.parsePattern()
    }

    /// The pattern in its canonical text: single spaces, upper-case keywords, keys quoted only
    /// where they must be. Parsing it gives this pattern back.
    public var description: String { expression.description }

    /// The object types the comparisons start from (`file` in `[file:parent_directory_ref.path =
    /// '…']`): the cyber-observables a store must offer for the pattern to have a chance to match.
    public var objectTypes: Set<String> {
        var types: Set<String> = []
        forEachComparison { types.insert($0.path.objectType) }
        return types
    }

    /// Whether one observation can match the whole pattern: one observation expression, without
    /// observation operators or `REPEATS` (a retro-hunt may then test stored objects one by one).
    public var isSingleObservation: Bool {
        var expression = expression
        while case .qualified(let inner, let qualifiers) = expression {
            for case .repeats(let times) in qualifiers where times > 1 { return false }
            expression = inner
        }
        if case .observation = expression { return true }
        return false
    }

    /// Calls `body` with every comparison, in the order they are written.
    public func forEachComparison(_ body: (Comparison) -> Void) {
        var stack: [Node] = [.observation(expression)]
        while let node = stack.popLast() {
            switch node {
            case .observation(.observation(let comparison)): stack.append(.comparison(comparison))
            case .observation(.and(let operands)), .observation(.or(let operands)),
                .observation(.followedBy(let operands)):
                stack += operands.reversed().map(Node.observation)
            case .observation(.qualified(let inner, _)): stack.append(.observation(inner))
            case .comparison(.comparison(let comparison)): body(comparison)
            case .comparison(.and(let operands)), .comparison(.or(let operands)):
                stack += operands.reversed().map(Node.comparison)
            }
        }
    }

    private enum Node {
        case observation(ObservationExpression)
        case comparison(ComparisonExpression)
    }
}

extension STIXPattern {
    /// An observation expression: what one or more observations must show (section 9.5).
    public indirect enum ObservationExpression: Sendable, Hashable {
        /// `[comparison expression]`, matched against one observation.
        case observation(ComparisonExpression)
        /// Operands matched by different observations.
        case and([ObservationExpression])
        /// Any one operand.
        case or([ObservationExpression])
        /// Operands matched by different observations, each no earlier than the one before
        /// (left-associative: `a FOLLOWEDBY b FOLLOWEDBY c` is `(a FOLLOWEDBY b) FOLLOWEDBY c`).
        case followedBy([ObservationExpression])
        /// The expression with its qualifiers, applied in order (the first is the innermost).
        case qualified(ObservationExpression, [Qualifier])
    }

    /// A restriction on the observations an expression matches (section 9.5.1).
    public enum Qualifier: Sendable, Hashable {
        /// `WITHIN n SECONDS`: all the observations fall in a window of that length.
        case within(seconds: Double)
        /// `REPEATS n TIMES`: n matches, on different observations.
        case repeats(times: Int)
        /// `START t'…' STOP t'…'`: every observation at or after `start` and before `stop`.
        case startStop(start: STIXTimestamp, stop: STIXTimestamp)

        /// The qualifier's keyword, also its kind (`WITHIN`, `REPEATS`, `START`).
        public var keyword: String {
            switch self {
            case .within: "WITHIN"
            case .repeats: "REPEATS"
            case .startStop: "START"
            }
        }
    }

    /// A comparison expression: comparisons joined by `AND` and `OR` inside one observation
    /// expression (section 9.6). `AND` binds tighter than `OR`.
    public indirect enum ComparisonExpression: Sendable, Hashable {
        case comparison(Comparison)
        /// Every operand, on the same object.
        case and([ComparisonExpression])
        /// Any operand.
        case or([ComparisonExpression])
    }

    /// `object-type:path [NOT] operator constant` (section 9.6.1).
    public struct Comparison: Sendable, Hashable {
        public var path: ObjectPath
        public var op: Operator
        /// Whether `NOT` precedes the operator (`file:name NOT = 'a'`, `NOT EXISTS file:name`).
        public var negated: Bool
        /// The constants compared with: one for most operators, the members of the set for `IN`
        /// (none for `IN ()`), none for `EXISTS`.
        public var operands: [Literal]

        public init(path: ObjectPath, op: Operator, negated: Bool = false, operands: [Literal]) {
            self.path = path
            self.op = op
            self.negated = negated
            self.operands = operands
        }
    }

    /// The comparison and set operators.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case `in` = "IN"
        case like = "LIKE"
        case matches = "MATCHES"
        case isSubset = "ISSUBSET"
        case isSuperset = "ISSUPERSET"
        case exists = "EXISTS"

        /// `<`, `<=`, `>`, `>=`.
        public var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    }

    /// `object-type:property(.key|[n]|[*])*` (section 9.7).
    public struct ObjectPath: Sendable, Hashable, CustomStringConvertible {
        /// The SCO type the path starts from.
        public var objectType: String
        /// The steps after the colon; the first is always a key.
        public var steps: [PathStep]

        public init(objectType: String, steps: [PathStep]) {
            self.objectType = objectType
            self.steps = steps
        }

        /// `file:hashes.'SHA-256'`.
        public var description: String { objectType + ":" + property }

        /// The steps as written after the colon: `hashes.'SHA-256'`, `values[*].name`.
        public var property: String {
            var text = ""
            for (i, step) in steps.enumerated() {
                switch step {
                case .key(let key): text += (i == 0 ? "" : ".") + STIXPatternText.key(key)
                case .index(let index): text += "[\(index)]"
                case .anyIndex: text += "[*]"
                }
            }
            return text
        }
    }

    /// One step of an object path.
    public enum PathStep: Sendable, Hashable {
        /// A property or dictionary key. A key ending in `_ref` or `_refs` is followed to the
        /// object(s) it references.
        case key(String)
        /// A list element; out of range (or negative) selects nothing.
        case index(Int)
        /// `[*]`: every element, any of which may satisfy the comparison.
        case anyIndex
    }

    /// A constant (section 9.2).
    public enum Literal: Sendable, Hashable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case timestamp(STIXTimestamp)
        /// `h'…'`: the octets.
        case hex([UInt8])
        /// `b'…'`: the octets the base64 encodes.
        case binary([UInt8])

        /// The literal's kind, for messages and for the rule that a set holds one kind.
        public var kind: String {
            switch self {
            case .string: "string"
            case .integer, .float: "number"
            case .boolean: "boolean"
            case .timestamp: "timestamp"
            case .hex, .binary: "binary"
            }
        }
    }
}
