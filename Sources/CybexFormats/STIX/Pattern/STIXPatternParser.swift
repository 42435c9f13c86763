import CybexCore
import Foundation

/// The recursive-descent parser of STIX patterns (section 9; the grammar of `stix2-patterns` 2.1):
/// UTF-8 bytes to a ``STIXPattern``, bounded by ``STIXPattern/maxLength`` and
/// ``STIXPattern/maxDepth``.
///
/// With `checksMeaning`, it also refuses what the grammar accepts but the specification forbids
/// (`REPEATS 0 TIMES`, `WITHIN 0 SECONDS`, sets of mixed kinds, regular expressions that do not
/// compile); the validator parses without, to accept what the reference validator accepts.
struct STIXPatternParser {
    typealias Pattern = STIXPattern
    let bytes: [UInt8]
    let checksMeaning: Bool
    var i = 0
    var depth = 0

    init(_ text: String, checksMeaning: Bool) {
        bytes = Array(text.utf8)
        self.checksMeaning = checksMeaning
    }

    /// The error at the next token (after white space).
    func fail(_ message: String, _ code: STIXPatternError.Code = .syntax) -> STIXPatternError {
        STIXPatternError(code, message, at: spaceEnd(from: i))
    }

    mutating func parsePattern() throws(STIXPatternError) -> Pattern.ObservationExpression {
        guard bytes.count <= Pattern.maxLength else {
            throw STIXPatternError(.tooLong, "longer than \(Pattern.maxLength) bytes")
        }
        skipSpace()
        guard i < bytes.count else { throw STIXPatternError(.syntax, "the pattern is empty") }
        let expression = try observationExpressions()
        skipSpace()
        if i < bytes.count { throw fail("unexpected text") }
        return expression
    }

    // MARK: Observation level

    /// `FOLLOWEDBY` binds loosest, then `OR`, then `AND` (section 9.5.3).
    mutating func observationExpressions() throws(STIXPatternError) -> Pattern.ObservationExpression {
        try chain("FOLLOWEDBY", Pattern.ObservationExpression.followedBy) { parser throws(STIXPatternError) in
            try parser.chain("OR", Pattern.ObservationExpression.or) { parser throws(STIXPatternError) in
                try parser.chain("AND", Pattern.ObservationExpression.and) { parser throws(STIXPatternError) in
                    try parser.qualifiedObservation()
                }
            }
        }
    }

    /// `operand (word operand)*`, as one node of all the operands when there are several.
    mutating func chain<Node>(
        _ word: String, _ node: ([Node]) -> Node, _ operand: (inout Self) throws(STIXPatternError) -> Node
    ) throws(STIXPatternError) -> Node {
        var operands = [try operand(&self)]
        while keyword(word) { operands.append(try operand(&self)) }
        return operands.count == 1 ? operands[0] : node(operands)
    }

    mutating func qualifiedObservation() throws(STIXPatternError) -> Pattern.ObservationExpression {
        try enter()
        defer { depth -= 1 }
        skipSpace()
        let inner: Pattern.ObservationExpression
        let bracketed = punct("[")
        if bracketed {
            inner = .observation(try comparisonOr())
            guard punct("]") else { throw fail("expected ']' closing the observation expression") }
        } else if punct("(") {
            inner = try observationExpressions()
            guard punct(")") else { throw fail("expected ')'") }
        } else {
            throw fail("expected '[' or '(' starting an observation expression")
        }
        var qualifiers: [Pattern.Qualifier] = []
        while true {
            let start = spaceEnd(from: i)
            guard let qualifier = try qualifier() else { break }
            // The same qualifier twice on one `[…]` is refused; on a parenthesised expression
            // the grammar allows it (section 9.5.1).
            if bracketed, qualifiers.contains(where: { $0.keyword == qualifier.keyword }) {
                throw STIXPatternError(
                    .syntax, "the \(qualifier.keyword) qualifier is applied twice to one observation expression",
                    at: start)
            }
            qualifiers.append(qualifier)
        }
        return qualifiers.isEmpty ? inner : .qualified(inner, qualifiers)
    }

    mutating func qualifier() throws(STIXPatternError) -> Pattern.Qualifier? {
        if keyword("WITHIN") {
            skipSpace()
            let start = i
            guard let text = unsignedNumber(), let seconds = Double(text), seconds.isFinite else {
                throw fail("WITHIN needs a number of seconds")
            }
            if checksMeaning, seconds <= 0 {
                throw STIXPatternError(.invalidQualifier, "WITHIN needs a positive number of seconds", at: start)
            }
            guard keyword("SECONDS") else { throw fail("expected SECONDS") }
            return .within(seconds: seconds)
        }
        if keyword("REPEATS") {
            skipSpace()
            let start = i
            guard let text = unsignedNumber(), !text.contains(".") else { throw fail("REPEATS needs an integer") }
            guard let times = Int(text), times <= Int(Int32.max) else {
                throw STIXPatternError(.invalidLiteral, "REPEATS count out of range", at: start)
            }
            if checksMeaning, times < 1 {
                throw STIXPatternError(.invalidQualifier, "REPEATS needs a positive number of times", at: start)
            }
            guard keyword("TIMES") else { throw fail("expected TIMES") }
            return .repeats(times: times)
        }
        if keyword("START") {
            guard let start = timestampLiteral() else { throw fail("START needs a t'…' timestamp") }
            guard keyword("STOP"), let stop = timestampLiteral() else { throw fail("expected STOP t'…'") }
            return .startStop(start: start, stop: stop)
        }
        return nil
    }

    // MARK: Comparison level

    /// `OR` binds looser than `AND`.
    mutating func comparisonOr() throws(STIXPatternError) -> Pattern.ComparisonExpression {
        try chain("OR", Pattern.ComparisonExpression.or) { parser throws(STIXPatternError) in
            try parser.chain("AND", Pattern.ComparisonExpression.and) { parser throws(STIXPatternError) in
                try parser.propertyTest()
            }
        }
    }

    mutating func propertyTest() throws(STIXPatternError) -> Pattern.ComparisonExpression {
        try enter()
        defer { depth -= 1 }
        skipSpace()
        if punct("(") {
            let inner = try comparisonOr()
            guard punct(")") else { throw fail("expected ')'") }
            return inner
        }
        var negated = keyword("NOT")
        if keyword("EXISTS") {
            return .comparison(Pattern.Comparison(path: try objectPath(), op: .exists, negated: negated, operands: []))
        }
        if negated { throw fail("expected EXISTS after NOT") }
        let path = try objectPath()
        negated = keyword("NOT")
        skipSpace()
        let op: Pattern.Operator
        var operands: [Pattern.Literal] = []
        if let comparisonOperator = comparisonOperator() {
            op = comparisonOperator
            guard let literal = try literal() else { throw fail("expected a literal after '\(op.rawValue)'") }
            if op.isOrdering, case .boolean = literal { throw fail("booleans cannot be ordered") }
            operands = [literal]
        } else if keyword("IN") {
            op = .in
            skipSpace()
            let start = i
            guard punct("(") else { throw fail("expected '(' after IN") }
            if !punct(")") {
                repeat {
                    guard let literal = try literal() else { throw fail("expected a literal in the set") }
                    operands.append(literal)
                } while punct(",")
                guard punct(")") else { throw fail("expected ')' closing the set") }
            }
            if checksMeaning, Set(operands.map(\.kind)).count > 1 {
                throw STIXPatternError(.invalidLiteral, "the members of a set must be of one kind", at: start)
            }
        } else if let word = Self.stringOperators.first(where: { keyword($0.rawValue) }) {
            op = word
            skipSpace()
            let start = i
            guard let text = stringLiteral() else { throw fail("\(word.rawValue) needs a quoted string") }
            if checksMeaning, op == .matches {
                do {
                    _ = try STIXPattern.regex(text)
                } catch {
                    throw STIXPatternError(error.code, error.message, at: start)
                }
            }
            operands = [.string(text)]
        } else {
            throw fail("expected a comparison operator after \(path)")
        }
        return .comparison(Pattern.Comparison(path: path, op: op, negated: negated, operands: operands))
    }

    static let stringOperators: [Pattern.Operator] = [.like, .matches, .isSubset, .isSuperset]

    /// `object-type:first(.key|.'quoted'|[n]|[*])*`, white space allowed between the tokens.
    mutating func objectPath() throws(STIXPatternError) -> Pattern.ObjectPath {
        skipSpace()
        guard let type = identifier(allowHyphen: true) else { throw fail("expected an object type") }
        guard punct(":") else { throw fail("expected ':' after the object type") }
        var steps = [try pathKey(after: type + ":")]
        while true {
            let save = i
            if punct(".") {
                steps.append(try pathKey(after: "."))
            } else if punct("[") {
                skipSpace()
                if punct("*") {
                    steps.append(.anyIndex)
                } else {
                    let start = i
                    if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
                    guard digits() > 0 else { throw fail("expected a list index or '*'") }
                    guard let index = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else {
                        throw STIXPatternError(.invalidLiteral, "list index out of range", at: start)
                    }
                    steps.append(.index(index))
                }
                guard punct("]") else { throw fail("expected ']' closing the list index") }
            } else {
                i = save
                return Pattern.ObjectPath(objectType: type, steps: steps)
            }
        }
    }

    /// A property name or a quoted key.
    mutating func pathKey(after what: String) throws(STIXPatternError) -> Pattern.PathStep {
        skipSpace()
        guard let key = identifier(allowHyphen: false) ?? stringLiteral() else {
            throw fail("expected a property name after '\(what)'")
        }
        return .key(key)
    }

    // MARK: Literals

    /// Any literal; nil when there is none at the next token.
    mutating func literal() throws(STIXPatternError) -> Pattern.Literal? {
        skipSpace()
        guard i < bytes.count else { return nil }
        let start = i
        let c = bytes[i]
        if c == UInt8(ascii: "'") { return stringLiteral().map(Pattern.Literal.string) }
        if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "'") {
            switch c {
            case UInt8(ascii: "t"): return timestampLiteral().map(Pattern.Literal.timestamp)
            case UInt8(ascii: "h"):
                i += 1
                guard let text = stringLiteral(), let octets = Self.hexOctets(text) else { return nil }
                return .hex(octets)
            case UInt8(ascii: "b"):
                i += 1
                guard let text = stringLiteral(), STIXValueSyntax.isBase64(text),
                    let data = Data(base64Encoded: text)
                else { return nil }
                return .binary([UInt8](data))
            default: return nil
            }
        }
        for (word, value) in [("true", true), ("false", false)] where matchesWord(word) {
            i += word.utf8.count
            return .boolean(value)
        }
        guard let text = number() else { return nil }
        if text.contains(".") {
            guard let value = Double(text), value.isFinite else {
                throw STIXPatternError(.invalidLiteral, "float out of range", at: start)
            }
            return .float(value)
        }
        guard let value = Int64(text) else {
            throw STIXPatternError(.invalidLiteral, "integer out of the 64-bit range", at: start)
        }
        return .integer(value)
    }

    /// The octets of an even number of hexadecimal digits (either case).
    static func hexOctets(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = digits[pair].hexValue, let low = digits[pair + 1].hexValue else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// `'…'` with `\'` and `\\` as the only escapes.
    mutating func stringLiteral() -> String? {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "'") else { return nil }
        var j = i + 1
        var out: [UInt8] = []
        while j < bytes.count {
            let c = bytes[j]
            if c == UInt8(ascii: "'") {
                i = j + 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                guard j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: "'") || bytes[j + 1] == UInt8(ascii: "\\")
                else { return nil }
                out.append(bytes[j + 1])
                j += 2
                continue
            }
            out.append(c)
            j += 1
        }
        return nil
    }

    /// `t'YYYY-MM-DDTHH:MM:SS[.s+]Z'`
    mutating func timestampLiteral() -> STIXTimestamp? {
        skipSpace()
        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "t"), bytes[i + 1] == UInt8(ascii: "'") else {
            return nil
        }
        let save = i
        i += 1
        guard let text = stringLiteral(), let timestamp = STIXTimestamp(parsing: text) else {
            i = save
            return nil
        }
        return timestamp
    }

    /// `[+-]?(0|[1-9][0-9]*)` or `[+-]?[0-9]*.[0-9]+`, as written.
    mutating func number() -> String? {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        let integerDigits = digits()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else {
                i = start
                return nil
            }
        } else if integerDigits == 0 || (integerDigits > 1 && bytes[i - integerDigits] == UInt8(ascii: "0")) {
            i = start
            return nil
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// An integer or float literal without a minus sign (`IntPosLiteral`, `FloatPosLiteral`).
    mutating func unsignedNumber() -> String? {
        skipSpace()
        guard i < bytes.count, bytes[i] != UInt8(ascii: "-") else { return nil }
        return number()
    }

    mutating func digits() -> Int {
        let start = i
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
        return i - start
    }

    // MARK: Tokens

    mutating func comparisonOperator() -> Pattern.Operator? {
        let operators: [(String, Pattern.Operator)] = [
            ("==", .equal), ("!=", .notEqual), ("<>", .notEqual), ("<=", .lessOrEqual), (">=", .greaterOrEqual),
            ("=", .equal), ("<", .less), (">", .greater),
        ]
        for (text, op) in operators where matches(text) {
            i += text.utf8.count
            return op
        }
        return nil
    }

    mutating func identifier(allowHyphen: Bool) -> String? {
        guard i < bytes.count, bytes[i].isASCIILetter || bytes[i] == UInt8(ascii: "_") else { return nil }
        let start = i
        while i < bytes.count,
            bytes[i].isASCIILetterOrDigit || bytes[i] == UInt8(ascii: "_")
                || (allowHyphen && bytes[i] == UInt8(ascii: "-"))
        {
            i += 1
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// An upper-case keyword followed by a non-identifier character.
    mutating func keyword(_ word: String) -> Bool {
        skipSpace()
        guard matchesWord(word) else { return false }
        i += word.utf8.count
        return true
    }

    func matchesWord(_ word: String) -> Bool {
        guard matches(word) else { return false }
        let end = i + word.utf8.count
        return end >= bytes.count || !(bytes[end].isASCIILetterOrDigit || bytes[end] == UInt8(ascii: "_"))
    }

    func matches(_ text: String) -> Bool {
        var j = i
        for b in text.utf8 {
            guard j < bytes.count, bytes[j] == b else { return false }
            j += 1
        }
        return true
    }

    mutating func punct(_ c: Character) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == c.asciiValue else { return false }
        i += 1
        return true
    }

    mutating func enter() throws(STIXPatternError) {
        depth += 1
        if depth > Pattern.maxDepth { throw fail("nested deeper than \(Pattern.maxDepth) levels", .tooDeep) }
    }

    mutating func skipSpace() { i = spaceEnd(from: i) }

    /// Where white space (ASCII and the Unicode spaces of the grammar) and `/* */`, `//` comments
    /// starting at `start` end.
    func spaceEnd(from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x20 || (0x09...0x0D).contains(c) {
                i += 1
            } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) {
                    j += 1
                }
                // An unterminated comment is no white space: the '/' is then unexpected text.
                guard j + 1 < bytes.count else { return i }
                i = j + 2
            } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
            } else if c >= 0x80, let length = unicodeSpace(at: i) {
                i += length
            } else {
                return i
            }
        }
        return i
    }

    /// The length of a Unicode space character of the grammar at `i`, if there is one.
    func unicodeSpace(at i: Int) -> Int? {
        let lead = bytes[i]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard i + length <= bytes.count, let text = String(validating: bytes[i..<(i + length)], as: UTF8.self),
            let scalar = text.unicodeScalars.first
        else { return nil }
        return Self.unicodeSpaces.contains(scalar.value) ? length : nil
    }

    static let unicodeSpaces: Set<UInt32> = [
        0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
        0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ]
}

extension UInt8 {
    /// The value of a hexadecimal digit (either case).
    var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: self - 0x30
        case 0x41...0x46: self - 0x41 + 10
        case 0x61...0x66: self - 0x61 + 10
        default: nil
        }
    }
}
