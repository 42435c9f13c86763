import CybexCore

/// A bounded syntax check of STIX 2.1 patterns (section 9), and the simple comparisons they hold.
///
/// This is a recursive-descent recogniser of the pattern grammar (observation expressions joined by
/// `AND`/`OR`/`FOLLOWEDBY` with `WITHIN`/`REPEATS`/`START…STOP` qualifiers; inside brackets,
/// comparisons `object-type:path op literal`, `IN (…)`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`,
/// `EXISTS`, with `NOT`, `AND`, `OR` and parentheses; all literal forms). It checks the form only:
/// it does not check that object types and properties exist, that regular expressions compile, or
/// that hash literals have the length of their algorithm. A full STIX patterning parser and matcher
/// is a later issue; until then this errs on the side of accepting, so that no valid pattern is refused.
///
/// Bounds: patterns longer than ``maxLength`` bytes or nested deeper than ``maxDepth`` are refused.
enum STIXPatternSyntax {
    static let maxLength = 1 << 20
    static let maxDepth = 100

    /// One `object-type:path op literal` comparison, as written.
    struct Comparison: Sendable, Hashable {
        var objectType: String
        /// The path after the colon, e.g. `hashes.'SHA-256'` or `value`.
        var path: String
        /// `=`, `!=`, `<`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, `EXISTS`, ...
        var op: String
        var negated: Bool
        /// The literal values compared with (several for `IN`), unquoted and unescaped for strings.
        var values: [String]
    }

    /// Why `pattern` is not a STIX pattern, or nil when it is well formed.
    static func problem(in pattern: String) -> String? {
        var parser = Parser(pattern)
        do {
            try parser.parsePattern()
            return nil
        } catch {
            return error.message
        }
    }

    /// The comparisons of a well-formed pattern, in order; nil when the pattern is not well formed.
    static func comparisons(in pattern: String) -> [Comparison]? {
        var parser = Parser(pattern)
        do {
            try parser.parsePattern()
            return parser.comparisons
        } catch {
            return nil
        }
    }

    struct SyntaxError: Error {
        var message: String
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0
        var depth = 0
        var comparisons: [Comparison] = []

        init(_ text: String) { bytes = Array(text.utf8) }

        func fail(_ message: String) -> SyntaxError { SyntaxError(message: "\(message) at byte \(i)") }

        mutating func parsePattern() throws(SyntaxError) {
            guard bytes.count <= maxLength else { throw SyntaxError(message: "longer than \(maxLength) bytes") }
            skipSpace()
            guard i < bytes.count else { throw SyntaxError(message: "the pattern is empty") }
            try observationExpressions()
            skipSpace()
            if i < bytes.count { throw fail("unexpected text") }
        }

        // MARK: Observation level

        mutating func observationExpressions() throws(SyntaxError) {
            try observationOr()
            while keyword("FOLLOWEDBY") { try observationOr() }
        }

        mutating func observationOr() throws(SyntaxError) {
            try observationAnd()
            while keyword("OR") { try observationAnd() }
        }

        mutating func observationAnd() throws(SyntaxError) {
            try qualifiedObservation()
            while keyword("AND") { try qualifiedObservation() }
        }

        mutating func qualifiedObservation() throws(SyntaxError) {
            try enter()
            defer { depth -= 1 }
            skipSpace()
            let simple: Bool
            if punct("[") {
                try comparisonOr()
                guard punct("]") else { throw fail("expected ']' closing the observation expression") }
                simple = true
            } else if punct("(") {
                try observationExpressions()
                guard punct(")") else { throw fail("expected ')'") }
                simple = false
            } else {
                throw fail("expected '[' or '(' starting an observation expression")
            }
            var seen: Set<String> = []
            while true {
                let kind: String
                if keyword("WITHIN") {
                    guard unsignedNumber(allowFloat: true) else { throw fail("WITHIN needs a number of seconds") }
                    guard keyword("SECONDS") else { throw fail("expected SECONDS") }
                    kind = "WITHIN"
                } else if keyword("REPEATS") {
                    guard unsignedNumber(allowFloat: false) else { throw fail("REPEATS needs an integer") }
                    guard keyword("TIMES") else { throw fail("expected TIMES") }
                    kind = "REPEATS"
                } else if keyword("START") {
                    guard timestampLiteral() != nil else { throw fail("START needs a t'…' timestamp") }
                    guard keyword("STOP"), timestampLiteral() != nil else { throw fail("expected STOP t'…'") }
                    kind = "START"
                } else {
                    return
                }
                if simple && !seen.insert(kind).inserted {
                    throw fail("the \(kind) qualifier is applied twice to one observation expression")
                }
            }
        }

        // MARK: Comparison level

        mutating func comparisonOr() throws(SyntaxError) {
            try comparisonAnd()
            while keyword("OR") { try comparisonAnd() }
        }

        mutating func comparisonAnd() throws(SyntaxError) {
            try propertyTest()
            while keyword("AND") { try propertyTest() }
        }

        mutating func propertyTest() throws(SyntaxError) {
            try enter()
            defer { depth -= 1 }
            skipSpace()
            if punct("(") {
                try comparisonOr()
                guard punct(")") else { throw fail("expected ')'") }
                return
            }
            var negated = keyword("NOT")
            if keyword("EXISTS") {
                let (type, path) = try objectPath()
                comparisons.append(Comparison(objectType: type, path: path, op: "EXISTS", negated: negated, values: []))
                return
            }
            if negated { throw fail("expected EXISTS after NOT") }
            let (type, path) = try objectPath()
            negated = keyword("NOT")
            skipSpace()
            let op: String
            var values: [String] = []
            if let comparisonOperator = comparisonOperator() {
                op = comparisonOperator
                guard let (kind, value) = literal() else { throw fail("expected a literal after '\(op)'") }
                if ["<", "<=", ">", ">="].contains(op), kind == .boolean { throw fail("booleans cannot be ordered") }
                values = [value]
            } else if keyword("IN") {
                op = "IN"
                guard punct("(") else { throw fail("expected '(' after IN") }
                if !punct(")") {
                    repeat {
                        guard let (_, value) = literal() else { throw fail("expected a literal in the set") }
                        values.append(value)
                    } while punct(",")
                    guard punct(")") else { throw fail("expected ')' closing the set") }
                }
            } else if let word = ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"].first(where: { keyword($0) }) {
                op = word
                guard let value = stringLiteral() else { throw fail("\(word) needs a quoted string") }
                values = [value]
            } else {
                throw fail("expected a comparison operator after \(type):\(path)")
            }
            comparisons.append(Comparison(objectType: type, path: path, op: op, negated: negated, values: values))
        }

        /// `object-type:first(.key|.'quoted'|[n]|[*])*`, white space allowed between the tokens. The path
        /// is returned without that white space, quoted keys as written (`hashes.'SHA-256'`).
        mutating func objectPath() throws(SyntaxError) -> (String, String) {
            skipSpace()
            guard let type = identifier(allowHyphen: true) else { throw fail("expected an object type") }
            guard punct(":") else { throw fail("expected ':' after the object type") }
            var path = try pathKey(after: type + ":")
            while true {
                let save = i
                if punct(".") {
                    path += "." + (try pathKey(after: "."))
                } else if punct("[") {
                    skipSpace()
                    let start = i
                    if !punct("*") {
                        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
                        guard digits() > 0 else { throw fail("expected a list index or '*'") }
                    }
                    let index = String(decoding: bytes[start..<i], as: UTF8.self)
                    guard punct("]") else { throw fail("expected ']' closing the list index") }
                    path += "[" + index + "]"
                } else {
                    i = save
                    return (type, path)
                }
            }
        }

        /// A property name or a quoted key, as written.
        mutating func pathKey(after what: String) throws(SyntaxError) -> String {
            skipSpace()
            let start = i
            guard identifier(allowHyphen: false) != nil || stringLiteral() != nil else {
                throw fail("expected a property name after '\(what)'")
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        // MARK: Literals

        enum LiteralKind {
            case string, boolean, number, timestamp, hex, binary
        }

        /// Any literal: its kind and its text (strings unescaped).
        mutating func literal() -> (LiteralKind, String)? {
            skipSpace()
            guard i < bytes.count else { return nil }
            let c = bytes[i]
            if c == UInt8(ascii: "'") { return stringLiteral().map { (.string, $0) } }
            if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "'") {
                switch c {
                case UInt8(ascii: "t"): return timestampLiteral().map { (.timestamp, $0) }
                case UInt8(ascii: "h"):
                    i += 1
                    guard let text = stringLiteral(), text.utf8.count % 2 == 0, text.utf8.allSatisfy(\.isHexDigit)
                    else { return nil }
                    return (.hex, text)
                case UInt8(ascii: "b"):
                    i += 1
                    guard let text = stringLiteral(), STIXValueSyntax.isBase64(text) else { return nil }
                    return (.binary, text)
                default: return nil
                }
            }
            for word in ["true", "false"] where matchesWord(word) {
                i += word.utf8.count
                return (.boolean, word)
            }
            return number().map { (.number, $0) }
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
        mutating func timestampLiteral() -> String? {
            skipSpace()
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "t"), bytes[i + 1] == UInt8(ascii: "'") else {
                return nil
            }
            let save = i
            i += 1
            guard let text = stringLiteral(), STIXTimestamp(parsing: text) != nil else {
                i = save
                return nil
            }
            return text
        }

        /// `[+-]?(0|[1-9][0-9]*)` or `[+-]?[0-9]*.[0-9]+`
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

        /// An integer or (when allowed) a float literal without a minus sign (`IntPosLiteral`, `FloatPosLiteral`).
        mutating func unsignedNumber(allowFloat: Bool) -> Bool {
            skipSpace()
            guard i < bytes.count, bytes[i] != UInt8(ascii: "-"), let text = number() else { return false }
            return allowFloat || !text.contains(".")
        }

        mutating func digits() -> Int {
            let start = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            return i - start
        }

        // MARK: Tokens

        mutating func comparisonOperator() -> String? {
            for op in ["==", "!=", "<>", "<=", ">=", "=", "<", ">"] where matches(op) {
                i += op.utf8.count
                return op == "==" ? "=" : op == "<>" ? "!=" : op
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

        mutating func enter() throws(SyntaxError) {
            depth += 1
            if depth > maxDepth { throw fail("nested deeper than \(maxDepth) levels") }
        }

        /// White space (ASCII and the Unicode spaces of the grammar) and `/* */`, `//` comments.
        mutating func skipSpace() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || (0x09...0x0D).contains(c) {
                    i += 1
                } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                    var j = i + 2
                    while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) {
                        j += 1
                    }
                    i = min(j + 2, bytes.count)
                } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                    while i < bytes.count, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
                } else if c >= 0x80, let scalar = unicodeSpace() {
                    i += scalar
                } else {
                    return
                }
            }
        }

        /// The length of a Unicode space character of the grammar at `i`, if there is one.
        func unicodeSpace() -> Int? {
            let lead = bytes[i]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            guard i + length <= bytes.count, let text = String(validating: bytes[i..<(i + length)], as: UTF8.self),
                let scalar = text.unicodeScalars.first
            else { return nil }
            let spaces: Set<UInt32> = [
                0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
                0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
            ]
            return spaces.contains(scalar.value) ? length : nil
        }
    }
}
