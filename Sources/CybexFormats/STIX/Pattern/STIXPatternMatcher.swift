public import CybexCore
import Foundation

/// Matches a ``STIXPattern`` against observations with the semantics of STIX 2.1 section 9.
///
/// Made once per pattern (regular expressions compiled, constants read), then used for any
/// number of observation sets, from any thread:
///
/// ```swift
/// let matcher = try STIXPatternMatcher(parsing: "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']")
/// let observations = try STIXObservation.observations(in: bundle)   // observed-data + SCOs
/// if let match = try matcher.firstMatch(observations) { print(match.observations) }
/// ```
///
/// - A comparison expression is evaluated on each observation's SCOs, each comparison starting
///   from the same root SCO; `_ref`/`_refs` steps follow references within the observation.
/// - Observation operators combine *bindings* of observations: `AND` and `FOLLOWEDBY` need
///   different observations (an observed-data with `number_observed` n counts as n
///   observations), `FOLLOWEDBY` also that times can be chosen in each observation's
///   `[first_observed, last_observed]` so that the right side is no earlier than the left.
/// - `REPEATS n` needs n disjoint bindings, `WITHIN s SECONDS` a window shorter than s that
///   touches every observation of the binding, `START a STOP b` every observation to overlap
///   `[a, b)`.
///
/// Work is bounded: at most ``maxBindings`` bindings per expression and ``maxWork`` steps per
/// match; beyond, matching fails with ``STIXPatternError/Code/tooComplex``.
public struct STIXPatternMatcher: Sendable {
    /// The most bindings one observation expression may have during a match.
    public static let maxBindings = 100_000
    /// The most steps (values visited, bindings combined, characters compared) one match may take.
    public static let maxWork = 20_000_000
    /// The longest value `MATCHES` is applied to, in UTF-8 bytes; longer values do not match.
    public static let maxRegexSubjectLength = 65_536
    /// What each progress report of the regular-expression engine costs from ``maxWork``.
    static let regexProgressCost = 10_000

    /// The deepest tree a matcher accepts (parsed patterns stay well within: each level of a
    /// parsed tree is a parenthesis, bracket or qualifier of the text, at most ``STIXPattern/maxDepth`` deep).
    static let maxTreeDepth = 4 * STIXPattern.maxDepth

    /// Types that are never an observation's root: SDOs, SROs, meta objects (as `stix2-matcher`).
    static let notObservableTypes: Set<String> = STIXObjectKind.domainTypes.union(STIXObjectKind.relationshipTypes)
        .union(STIXObjectKind.metaTypes).union(["bundle"])

    public let pattern: STIXPattern
    let root: Node

    /// A matcher of `pattern`; refuses what cannot be matched (`REPEATS 0`, `WITHIN 0`, sets of
    /// mixed kinds, a regular expression that does not compile, a tree deeper than
    /// ``STIXPattern/maxDepth``).
    public init(_ pattern: STIXPattern) throws(STIXPatternError) {
        self.pattern = pattern
        self.root = try Node(pattern.expression, depth: 0)
    }

    /// Parses and prepares `text`.
    public init(parsing text: String) throws(STIXPatternError) {
        try self.init(STIXPattern(parsing: text))
    }

    /// The SCO types the pattern's comparisons start from (``STIXPattern/objectTypes``).
    public var objectTypes: Set<String> { pattern.objectTypes }

    /// One way the observations match.
    public struct Match: Sendable, Hashable {
        /// The indices of the observations the binding uses, ascending, each once.
        public var observations: [Int]
    }

    /// Whether the observations match the pattern.
    public func matches(_ observations: [STIXObservation]) throws(STIXPatternError) -> Bool {
        try firstMatch(observations) != nil
    }

    /// Whether one observation (of `number_observed` observations) matches the pattern.
    public func matches(_ observation: STIXObservation) throws(STIXPatternError) -> Bool {
        try firstMatch([observation]) != nil
    }

    /// Whether one SCO matches, as an observation of it alone (references followed into
    /// `related`, SCOs by id) at `observed`.
    public func matches(
        object: JSONValue, related: [String: JSONValue] = [:], observed: STIXTimestamp
    ) throws(STIXPatternError) -> Bool {
        try matches(STIXObservation(object: object, related: related, firstObserved: observed))
    }

    /// A binding that satisfies the pattern, or nil when none does.
    public func firstMatch(_ observations: [STIXObservation]) throws(STIXPatternError) -> Match? {
        var evaluation = Evaluation(observations: observations)
        let bindings = try evaluation.bindings(root)
        guard let binding = bindings.min(by: { $0.entries.lexicographicallyPrecedes($1.entries) }) else { return nil }
        return Match(observations: binding.entries.map { Int($0 >> 32) })
    }
}

extension STIXPatternMatcher {
    /// The pattern's tree, prepared.
    indirect enum Node: Sendable {
        case observation(Condition)
        case and([Node])
        case or([Node])
        case followedBy([Node])
        case qualified(Node, [Qualifier])

        enum Qualifier: Sendable {
            case within(microseconds: Int64)
            case repeats(Int)
            case startStop(start: Int64, stop: Int64)
        }

        init(_ expression: STIXPattern.ObservationExpression, depth: Int) throws(STIXPatternError) {
            try STIXPatternMatcher.check(depth)
            func nodes(_ operands: [STIXPattern.ObservationExpression]) throws(STIXPatternError) -> [Node] {
                try operands.map { operand throws(STIXPatternError) in try Node(operand, depth: depth + 1) }
            }
            switch expression {
            case .observation(let comparison): self = .observation(try Condition(comparison, depth: depth + 1))
            case .and(let operands): self = .and(try nodes(operands))
            case .or(let operands): self = .or(try nodes(operands))
            case .followedBy(let operands): self = .followedBy(try nodes(operands))
            case .qualified(let inner, let qualifiers):
                var prepared: [Qualifier] = []
                for qualifier in qualifiers {
                    switch qualifier {
                    case .within(let seconds):
                        guard seconds > 0, seconds.isFinite else {
                            throw STIXPatternError(.invalidQualifier, "WITHIN needs a positive number of seconds")
                        }
                        prepared.append(.within(microseconds: Int64(min(seconds * 1e6, 9e18).rounded(.up))))
                    case .repeats(let times):
                        guard times >= 1 else {
                            throw STIXPatternError(.invalidQualifier, "REPEATS needs a positive number of times")
                        }
                        prepared.append(.repeats(times))
                    case .startStop(let start, let stop):
                        prepared.append(.startStop(start: start.microseconds, stop: stop.microseconds))
                    }
                }
                self = .qualified(try Node(inner, depth: depth + 1), prepared)
            }
        }
    }

    static func check(_ depth: Int) throws(STIXPatternError) {
        guard depth <= maxTreeDepth else {
            throw STIXPatternError(.tooDeep, "a tree deeper than \(maxTreeDepth) levels")
        }
    }

    /// A comparison expression, prepared.
    indirect enum Condition: Sendable {
        case test(Test)
        case and([Condition])
        case or([Condition])

        init(_ expression: STIXPattern.ComparisonExpression, depth: Int) throws(STIXPatternError) {
            try STIXPatternMatcher.check(depth)
            func conditions(_ operands: [STIXPattern.ComparisonExpression]) throws(STIXPatternError) -> [Condition] {
                try operands.map { operand throws(STIXPatternError) in try Condition(operand, depth: depth + 1) }
            }
            switch expression {
            case .comparison(let comparison): self = .test(try Test(comparison))
            case .and(let operands): self = .and(try conditions(operands))
            case .or(let operands): self = .or(try conditions(operands))
            }
        }

        /// Whether the root SCO `root` of `observation` satisfies the expression.
        func holds(_ observation: STIXObservation, root: Int, budget: inout Int) throws(STIXPatternError) -> Bool {
            switch self {
            case .test(let test): return try test.passes(observation, root: root, budget: &budget)
            case .and(let operands):
                for operand in operands where !(try operand.holds(observation, root: root, budget: &budget)) {
                    return false
                }
                return true
            case .or(let operands):
                for operand in operands where try operand.holds(observation, root: root, budget: &budget) {
                    return true
                }
                return false
            }
        }
    }
}
