/// Why a pattern was refused, or could not be matched, and where.
///
/// Tests compare ``code``; people read ``description`` (`expected ']' at byte 17`).
public struct STIXPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; open to new kinds.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The text does not follow the grammar.
        public static let syntax = Code(rawValue: "syntax")
        /// Longer than ``STIXPattern/maxLength``.
        public static let tooLong = Code(rawValue: "too-long")
        /// Nested deeper than ``STIXPattern/maxDepth``.
        public static let tooDeep = Code(rawValue: "too-deep")
        /// A constant that is well formed but out of range or of the wrong kind (an integer
        /// beyond 64 bits, a set of mixed kinds, a regular expression that does not compile).
        public static let invalidLiteral = Code(rawValue: "invalid-literal")
        /// `REPEATS 0 TIMES`, `WITHIN 0 SECONDS`, a `STOP` not after its `START`.
        public static let invalidQualifier = Code(rawValue: "invalid-qualifier")
        /// An observed-data the matcher cannot read (no `first_observed`, a `number_observed` below 1…).
        public static let invalidObservation = Code(rawValue: "invalid-observation")
        /// Matching needed more work than ``STIXPatternMatcher/maxBindings`` allows.
        public static let tooComplex = Code(rawValue: "too-complex")
    }

    public var code: Code
    public var message: String
    /// Byte offset in the pattern's UTF-8 text where the problem was found; nil when it is not
    /// a place in the text (an observation, a pattern built in code).
    public var offset: Int?

    public init(_ code: Code, _ message: String, at offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { offset.map { "\(message) at byte \($0)" } ?? message }
}
