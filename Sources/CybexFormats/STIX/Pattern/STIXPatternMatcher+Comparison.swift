import CybexCore
import Foundation

/// Comparison expressions, evaluated on one root SCO of one observation (section 9.6).
extension STIXPatternMatcher {
    /// A comparison with its constant prepared once: regular expressions compiled, `LIKE`
    /// patterns and address ranges read.
    struct Test: Sendable {
        enum Predicate: Sendable {
            case compare(STIXPattern.Operator, STIXPattern.Literal)
            case member([STIXPattern.Literal])
            case like([Unicode.Scalar], binary: Bool)
            case regex(NSRegularExpression, binary: Bool)
            case subset(IPNetwork?)
            case superset(IPNetwork?)
            case exists
        }

        var objectType: String
        var steps: [STIXPattern.PathStep]
        var negated: Bool
        var predicate: Predicate
        /// The type is an SDO, SRO or meta type: no observation's root is one (as `stix2-matcher`).
        var never: Bool

        init(_ comparison: STIXPattern.Comparison) throws(STIXPatternError) {
            objectType = comparison.path.objectType
            steps = comparison.path.steps
            negated = comparison.negated
            never = STIXPatternMatcher.notObservableTypes.contains(objectType)
            let text: String? = if case .string(let text)? = comparison.operands.first { text } else { nil }
            switch comparison.op {
            case .exists: predicate = .exists
            case .in:
                if Set(comparison.operands.map(\.kind)).count > 1 {
                    throw STIXPatternError(.invalidLiteral, "the members of a set must be of one kind: \(comparison)")
                }
                predicate = .member(comparison.operands)
            case .like, .matches, .isSubset, .isSuperset:
                guard let text, comparison.operands.count == 1 else {
                    throw STIXPatternError(.invalidLiteral, "\(comparison.op.rawValue) needs one string: \(comparison)")
                }
                let nfc = text.precomposedStringWithCanonicalMapping
                let binary = nfc.unicodeScalars.allSatisfy { $0.value < 256 }
                switch comparison.op {
                case .like: predicate = .like(Array(nfc.unicodeScalars), binary: binary)
                case .matches: predicate = .regex(try STIXPattern.regex(nfc), binary: binary)
                case .isSubset: predicate = .subset(IPNetwork(text))
                default: predicate = .superset(IPNetwork(text))
                }
            default:
                guard comparison.operands.count == 1 else {
                    throw STIXPatternError(.invalidLiteral, "\(comparison.op.rawValue) needs one constant: \(comparison)")
                }
                if comparison.op.isOrdering, case .boolean = comparison.operands[0] {
                    throw STIXPatternError(.invalidLiteral, "booleans cannot be ordered: \(comparison)")
                }
                predicate = .compare(comparison.op, comparison.operands[0])
            }
        }

        /// Whether the root `root` of `observation` passes: its type is the path's, and a value
        /// the path selects passes the operator (negated by `NOT`, value by value, as `[*]` is
        /// "any element"); `NOT EXISTS` passes when the path selects nothing.
        func passes(_ observation: STIXObservation, root: Int, budget: inout Int) throws(STIXPatternError) -> Bool {
            guard !never, observation.objects[root]["type"]?.stringValue == objectType else { return false }
            let values = try STIXPatternMatcher.select(steps, from: root, in: observation, budget: &budget)
            if case .exists = predicate { return values.isEmpty == negated }
            for value in values where try holds(for: value, budget: &budget) != negated { return true }
            return false
        }

        func holds(for value: Value, budget: inout Int) throws(STIXPatternError) -> Bool {
            switch predicate {
            case .compare(let op, let literal):
                let order = value.compare(with: literal)
                switch op {
                case .equal: return order == .equal
                case .notEqual: return order != .equal
                case .less: return order == .less
                case .lessOrEqual: return order == .less || order == .equal
                case .greater: return order == .greater
                default: return order == .greater || order == .equal
                }
            case .member(let literals):
                return literals.contains { value.compare(with: $0) == .equal }
            case .like(let pattern, let binary):
                guard let scalars = value.scalars(binaryAllowed: binary) else { return false }
                try STIXPatternMatcher.spend(scalars.count * max(pattern.count, 1), from: &budget)
                return STIXPatternMatcher.like(scalars, pattern)
            case .regex(let regex, let binary):
                guard let subject = value.text(binaryAllowed: binary),
                    subject.utf8.count <= STIXPatternMatcher.maxRegexSubjectLength
                else { return false }
                try STIXPatternMatcher.spend(subject.utf8.count, from: &budget)
                return try STIXPatternMatcher.search(regex, in: subject, budget: &budget)
            case .subset(let range):
                guard let range, case .json(.string(let text)) = value, let network = IPNetwork(text) else {
                    return false
                }
                return range.includes(network)
            case .superset(let range):
                guard let range, case .json(.string(let text)) = value, let network = IPNetwork(text) else {
                    return false
                }
                return network.includes(range)
            case .exists:
                return true
            }
        }
    }

    /// A value a path selected.
    enum Value {
        case json(JSONValue)
        /// A `_hex` or `_bin` property, decoded (section 9.6.4).
        case octets([UInt8])
        /// A referenced SCO.
        case object(Int)
        /// The SCOs of a `_refs` list that resolved, in order.
        case objects([Int])

        enum Order { case less, equal, greater }

        /// How the value compares with a constant; nil when they are of kinds that do not compare
        /// (then `=` is false and `!=` true). Strings compare by code point, numbers by value,
        /// timestamps as instants, octets as unsigned bytes; a string of code points below U+0100
        /// compares with octets as those octets (sections 9.2, 9.6.2–9.6.4).
        func compare(with literal: STIXPattern.Literal) -> Order? {
            switch (self, literal) {
            case (.json(.string(let a)), .string(let b)): return Self.order(a.utf8, b.utf8)
            case (.octets(let a), .string(let b)): return Self.latin1(b).flatMap { Self.order(a, $0) }
            case (.json(.string(let a)), .hex(let b)), (.json(.string(let a)), .binary(let b)):
                return Self.latin1(a).flatMap { Self.order($0, b) }
            case (.octets(let a), .hex(let b)), (.octets(let a), .binary(let b)): return Self.order(a, b)
            case (.json(.number(let text)), .integer(let b)):
                if let a = Int64(text) { return Self.order(a, b) }
                return Double(text).flatMap { Self.order(b, $0) }.map(\.reversed)
            case (.json(.number(let text)), .float(let b)):
                if let a = Int64(text) { return Self.order(a, b) }
                return Double(text).flatMap { a in a < b ? .less : a > b ? .greater : a == b ? .equal : nil }
            case (.json(.bool(let a)), .boolean(let b)): return a == b ? .equal : (a ? .greater : .less)
            case (.json(.string(let a)), .timestamp(let b)):
                return STIXTimestamp(parsing: a).map { $0 < b ? .less : $0 > b ? .greater : .equal }
            default: return nil
            }
        }

        /// The value's code points for `LIKE`: a string's in NFC, or octets as code points
        /// U+0000–U+00FF when the pattern can be read as octets.
        func scalars(binaryAllowed: Bool) -> [Unicode.Scalar]? {
            switch self {
            case .json(.string(let text)): Array(STIXPatternMatcher.nfc(text).unicodeScalars)
            case .octets(let octets) where binaryAllowed: octets.map { Unicode.Scalar($0) }
            default: nil
            }
        }

        /// The value's text for `MATCHES`: a string in NFC, or octets as code points U+0000–U+00FF.
        func text(binaryAllowed: Bool) -> String? {
            switch self {
            case .json(.string(let text)): STIXPatternMatcher.nfc(text)
            case .octets(let octets) where binaryAllowed:
                String(String.UnicodeScalarView(octets.map { Unicode.Scalar($0) }))
            default: nil
            }
        }

        static func order<C: Sequence>(_ a: C, _ b: C) -> Order where C.Element == UInt8 {
            var left = a.makeIterator()
            var right = b.makeIterator()
            while true {
                switch (left.next(), right.next()) {
                case (nil, nil): return .equal
                case (nil, _): return .less
                case (_, nil): return .greater
                case (let x?, let y?) where x != y: return x < y ? .less : .greater
                default: continue
                }
            }
        }

        static func order(_ a: Int64, _ b: Int64) -> Order { a < b ? .less : a > b ? .greater : .equal }

        /// An integer against a double, exactly (an integer constant 1 is not equal to 1.5; no rounding).
        static func order(_ a: Int64, _ b: Double) -> Order? {
            guard !b.isNaN else { return nil }
            if b >= 9_223_372_036_854_775_808.0 { return .less }
            if b < -9_223_372_036_854_775_808.0 { return .greater }
            let whole = b.rounded(.towardZero)
            let w = Int64(whole)
            if a != w { return a < w ? .less : .greater }
            return b > whole ? .less : b < whole ? .greater : .equal
        }

        /// The octets of a string whose code points are all below U+0100.
        static func latin1(_ text: String) -> [UInt8]? {
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { return nil }
                out.append(UInt8(scalar.value))
            }
            return out
        }
    }

    /// The values `steps` select from the root SCO at `root`. A key ending in `_ref` is followed
    /// to the SCO it names, one ending in `_refs` to the list of those that resolve (within the
    /// observation only, section 9.7.4); `_hex` and `_bin` values are decoded. What cannot be
    /// stepped into (a missing key, an index out of range, a reference that does not resolve) is
    /// dropped. Each step costs the values it visits from `budget`.
    static func select(
        _ steps: [STIXPattern.PathStep], from root: Int, in observation: STIXObservation, budget: inout Int
    ) throws(STIXPatternError) -> [Value] {
        var values: [Value] = [.object(root)]
        for step in steps {
            try spend(values.count, from: &budget)
            var next: [Value] = []
            var seen: Set<Int> = []
            func add(_ value: Value) {
                if case .object(let index) = value, !seen.insert(index).inserted { return }
                next.append(value)
            }
            for value in values {
                switch step {
                case .key(let key):
                    let member: JSONValue? =
                        switch value {
                        case .json(let json): json[key]
                        case .object(let index): observation.objects[index][key]
                        default: nil
                        }
                    guard let member else { continue }
                    if let stepped = stepped(key, member, in: observation) { add(stepped) }
                case .index(let index):
                    switch value {
                    case .json(.array(let elements)) where elements.indices.contains(index): add(.json(elements[index]))
                    case .objects(let indices) where indices.indices.contains(index): add(.object(indices[index]))
                    default: continue
                    }
                case .anyIndex:
                    switch value {
                    case .json(.array(let elements)):
                        try spend(elements.count, from: &budget)
                        for element in elements { add(.json(element)) }
                    case .objects(let indices): for index in indices { add(.object(index)) }
                    default: continue
                    }
                }
            }
            values = next
            if values.isEmpty { break }
        }
        // A whole SCO selected by the path is compared as the JSON object it is.
        return values.map { if case .object(let index) = $0 { .json(observation.objects[index]) } else { $0 } }
    }

    /// The value of member `key` as a step yields it: references followed, octets decoded.
    static func stepped(_ key: String, _ member: JSONValue, in observation: STIXObservation) -> Value? {
        if key.hasSuffix("_ref") {
            guard case .string(let id) = member, let index = observation.references[id] else { return nil }
            return .object(index)
        }
        if key.hasSuffix("_refs") {
            guard case .array(let ids) = member else { return nil }
            let indices = ids.compactMap { $0.stringValue.flatMap { observation.references[$0] } }
            return indices.isEmpty ? nil : .objects(indices)
        }
        if key.hasSuffix("_hex") {
            guard case .string(let text) = member, let octets = STIXPatternParser.hexOctets(text) else { return nil }
            return .octets(octets)
        }
        if key.hasSuffix("_bin") {
            guard case .string(let text) = member, STIXValueSyntax.isBase64(text), let data = Data(base64Encoded: text)
            else { return nil }
            return .octets([UInt8](data))
        }
        return .json(member)
    }

    /// Whether `regex` finds a match in `subject`. ICU's backtracking is counted through
    /// Foundation's progress reports (about every ten thousand steps of the engine), each costing
    /// ``regexProgressCost`` from `budget`: a catastrophic expression stops there.
    static func search(
        _ regex: NSRegularExpression, in subject: String, budget: inout Int
    ) throws(STIXPatternError) -> Bool {
        var found = false
        var spent = 0
        let available = budget
        let range = NSRange(location: 0, length: (subject as NSString).length)
        regex.enumerateMatches(in: subject, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else {
                spent += regexProgressCost
                if spent > available { stop.pointee = true }
            }
        }
        try spend(spent, from: &budget)
        return found
    }

    /// SQL `LIKE` on code points: `%` any run, `_` any one, anchored at both ends. Linear in the
    /// value for each `%`-separated part (the classic wildcard walk, backtracking to the last `%`).
    static func like(_ value: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var v = 0
        var p = 0
        var star: Int?
        var resume = 0
        while v < value.count {
            if p < pattern.count, pattern[p] == "_" || (pattern[p] != "%" && pattern[p] == value[v]) {
                v += 1
                p += 1
            } else if p < pattern.count, pattern[p] == "%" {
                star = p
                resume = v
                p += 1
            } else if let s = star {
                p = s + 1
                resume += 1
                v = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "%" { p += 1 }
        return p == pattern.count
    }

    static func nfc(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
    }

    static func spend(_ cost: Int, from budget: inout Int) throws(STIXPatternError) {
        budget -= cost
        if budget < 0 {
            throw STIXPatternError(.tooComplex, "matching needs more than \(maxWork) steps")
        }
    }
}

extension STIXPatternMatcher.Value.Order {
    var reversed: Self {
        switch self {
        case .less: .greater
        case .equal: .equal
        case .greater: .less
        }
    }
}

extension IPNetwork {
    /// Whether `other` lies wholly within this network (same family, no shorter prefix).
    func includes(_ other: IPNetwork) -> Bool {
        other.address.count == address.count && other.prefixLength >= prefixLength && contains(other.address)
    }
}
