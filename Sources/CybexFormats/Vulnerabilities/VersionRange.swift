/// Version ranges in the `vers` notation (github.com/package-url/vers-spec): `vers:npm/>=1.2.3|<2.0.0`.
/// Read strictly, as the specification asks (a range is given in canonical form, never repaired): the
/// `vers` scheme, a lower-case type, constraints separated by `|`, each a comparator (`>=`, `<=`, `!=`, `<`,
/// `>`, none for `=`) and a percent-encoded version, or `*` alone; no white space, versions in ascending
/// order and each once, comparators in a valid sequence. Containment follows the specification's
/// algorithm, with the types whose version order Cybex implements (``VersionOrder``); a single `<`/`<=` or
/// `>`/`>=` bounds one side (the specification's tests say so where its text leaves it out), and a range of
/// `!=` constraints alone holds every other version. docs/VULNERABILITIES.md, "Version ranges".
public struct VersionRange: Sendable, Hashable, CustomStringConvertible {
    public enum Comparator: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    public struct Constraint: Sendable, Hashable {
        public let comparator: Comparator
        public let version: String
    }

    public let type: String
    /// The constraints in ascending version order; empty for `*` (every version).
    public let constraints: [Constraint]

    public var isAll: Bool { constraints.isEmpty }

    public init(parsing text: String) throws(VersionRangeError) {
        guard text.utf8.count <= 8_192 else { throw VersionRangeError("longer than 8,192 bytes") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw VersionRangeError("a version range holds printable ASCII only, no white space")
        }
        guard text.hasPrefix("vers:") else { throw VersionRangeError("a version range starts with vers:") }
        let rest = text.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { throw VersionRangeError("a version range is vers:TYPE/CONSTRAINTS") }
        let type = String(rest[..<slash])
        let bytes = Array(type.utf8)
        guard let first = bytes.first, (0x61...0x7A).contains(first),
            bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2D })
        else { throw VersionRangeError("type \"\(type)\" must be lower case letters, digits, . and -, starting with a letter") }
        let body = rest[rest.index(after: slash)...]
        guard !body.isEmpty else { throw VersionRangeError("no constraints after vers:\(type)/") }
        self.type = type
        if body == "*" {
            constraints = []
            return
        }
        var constraints: [Constraint] = []
        for item in body.split(separator: "|", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw VersionRangeError("an empty constraint (a leading, trailing or doubled |)") }
            var comparator = Comparator.equal
            var version = item
            for candidate in [Comparator.greaterOrEqual, .lessOrEqual, .notEqual, .less, .greater]
            where item.hasPrefix(candidate.rawValue) {
                comparator = candidate
                version = item.dropFirst(candidate.rawValue.count)
                break
            }
            if version == "*" || item.contains("*") { throw VersionRangeError("* stands alone, as the whole range") }
            guard !version.isEmpty else { throw VersionRangeError("constraint \"\(item)\" has no version") }
            constraints.append(Constraint(comparator: comparator, version: try Self.decode(version)))
        }
        let order = VersionOrder(type: type)
        if let order {
            for (a, b) in zip(constraints, constraints.dropFirst()) {
                switch order.compare(a.version, b.version) {
                case .orderedSame: throw VersionRangeError("version \(b.version) appears twice")
                case .orderedDescending:
                    throw VersionRangeError("constraints are in ascending version order: \(a.version) comes after \(b.version)")
                case .orderedAscending: break
                }
            }
        } else if Set(constraints.map(\.version)).count != constraints.count {
            throw VersionRangeError("a version appears twice")
        }
        try Self.checkSequence(constraints)
        self.constraints = constraints
    }

    /// The comparator rules: `!=` may be followed by anything; leaving `!=` out, `=` is followed by `=`, `>`,
    /// `>=` or nothing; leaving `=` out too, `<`/`<=` and `>`/`>=` alternate.
    static func checkSequence(_ constraints: [Constraint]) throws(VersionRangeError) {
        let withoutUnequal = constraints.filter { $0.comparator != .notEqual }
        for (a, b) in zip(withoutUnequal, withoutUnequal.dropFirst()) where a.comparator == .equal {
            guard [.equal, .greater, .greaterOrEqual].contains(b.comparator) else {
                throw VersionRangeError("\(b.comparator.rawValue)\(b.version) cannot follow =\(a.version)")
            }
        }
        let bounds = withoutUnequal.filter { $0.comparator != .equal }
        for (a, b) in zip(bounds, bounds.dropFirst()) {
            let aUpper = a.comparator == .less || a.comparator == .lessOrEqual
            let bUpper = b.comparator == .less || b.comparator == .lessOrEqual
            guard aUpper != bUpper else {
                throw VersionRangeError("\(b.comparator.rawValue)\(b.version) cannot follow \(a.comparator.rawValue)\(a.version)")
            }
        }
    }

    /// Whether `version` is in the range; nil when Cybex does not know the type's version order.
    public func contains(_ version: String) -> Bool? {
        if isAll { return true }
        guard let order = VersionOrder(type: type) else { return nil }
        for constraint in constraints where order.compare(version, constraint.version) == .orderedSame {
            switch constraint.comparator {
            case .equal, .lessOrEqual, .greaterOrEqual: return true
            case .notEqual: return false
            case .less, .greater: break
            }
        }
        let bounds = constraints.filter { $0.comparator != .equal && $0.comparator != .notEqual }
        if bounds.isEmpty {
            // Only = and != constraints: with != alone, every other version.
            return constraints.allSatisfy { $0.comparator == .notEqual }
        }
        func below(_ c: Constraint) -> Bool { order.compare(version, c.version) == .orderedAscending }
        func above(_ c: Constraint) -> Bool { order.compare(version, c.version) == .orderedDescending }
        func isUpper(_ c: Constraint) -> Bool { c.comparator == .less || c.comparator == .lessOrEqual }
        if let first = bounds.first, isUpper(first), below(first) { return true }
        if let last = bounds.last, !isUpper(last), above(last) { return true }
        for (current, next) in zip(bounds, bounds.dropFirst()) where !isUpper(current) && isUpper(next) {
            if above(current) && below(next) { return true }
        }
        return false
    }

    /// The canonical text.
    public var description: String {
        if isAll { return "vers:\(type)/*" }
        return "vers:\(type)/"
            + constraints.map { ($0.comparator == .equal ? "" : $0.comparator.rawValue) + Self.encode($0.version) }
            .joined(separator: "|")
    }

    static let encoded: Set<UInt8> = Set(Array("<>=!*|%".utf8))

    static func encode(_ version: String) -> String {
        var out = ""
        for byte in version.utf8 {
            if encoded.contains(byte) {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// Percent-decodes once; an escape must be canonical (upper-case hex) and needed.
    static func decode(_ text: Substring) throws(VersionRangeError) -> String {
        guard text.contains("%") else { return String(text) }
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            guard bytes[index] == 0x25 else {
                out.append(bytes[index])
                index += 1
                continue
            }
            let hexText = index + 2 < bytes.count ? String(decoding: bytes[index + 1...index + 2], as: UTF8.self) : ""
            guard hexText.count == 2, hexText == hexText.uppercased(), let value = UInt8(hexText, radix: 16),
                encoded.contains(value)
            else { throw VersionRangeError("\"\(text)\" has a percent-encoding that is broken or not canonical") }
            out.append(value)
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why a version range was refused.
public struct VersionRangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How the versions of a `vers` type are ordered, for the types Cybex implements: SemVer 2.0.0 precedence
/// (`semver`, `npm`, `cargo`, `golang` with its `v` prefix), Debian's (`deb`), RPM's (`rpm`), dotted
/// integers (`intdot`) and byte order (`lexicographic`).
public enum VersionOrder: Sendable {
    case semver, debian, rpm, intdot, lexicographic

    public enum Ordering: Sendable { case orderedAscending, orderedSame, orderedDescending }

    public init?(type: String) {
        switch type {
        case "semver", "npm", "cargo", "golang": self = .semver
        case "deb": self = .debian
        case "rpm": self = .rpm
        case "intdot": self = .intdot
        case "lexicographic": self = .lexicographic
        default: return nil
        }
    }

    public func compare(_ a: String, _ b: String) -> Ordering {
        let result: Int
        switch self {
        case .semver: result = Self.semver(a, b)
        case .debian: result = Self.debian(a, b)
        case .rpm: result = Self.rpm(a, b)
        case .intdot: result = Self.intdot(a, b)
        case .lexicographic: result = Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : a == b ? 0 : 1
        }
        return result < 0 ? .orderedAscending : result > 0 ? .orderedDescending : .orderedSame
    }

    // MARK: SemVer 2.0.0, section 11

    static func semver(_ a: String, _ b: String) -> Int {
        func parts(_ text: String) -> (core: [String], pre: [String]) {
            var text = Substring(text)
            if text.hasPrefix("v") { text = text.dropFirst() }
            let noBuild = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let split = noBuild.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let core = split[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let pre = split.count > 1 ? split[1].split(separator: ".", omittingEmptySubsequences: false).map(String.init) : []
            return (core, pre)
        }
        let (coreA, preA) = parts(a)
        let (coreB, preB) = parts(b)
        for index in 0..<max(coreA.count, coreB.count) {
            let x = index < coreA.count ? coreA[index] : "0"
            let y = index < coreB.count ? coreB[index] : "0"
            let c = numeric(x, y) ?? (x < y ? -1 : x > y ? 1 : 0)
            if c != 0 { return c }
        }
        // A pre-release is lower than the release; identifiers compare numerically, else in ASCII order,
        // numbers below words, and a longer list wins when all before are equal.
        if preA.isEmpty || preB.isEmpty { return preA.isEmpty == preB.isEmpty ? 0 : preA.isEmpty ? 1 : -1 }
        for index in 0..<max(preA.count, preB.count) {
            guard index < preA.count else { return -1 }
            guard index < preB.count else { return 1 }
            let x = preA[index]
            let y = preB[index]
            let xNumeric = !x.isEmpty && x.utf8.allSatisfy { (0x30...0x39).contains($0) }
            let yNumeric = !y.isEmpty && y.utf8.allSatisfy { (0x30...0x39).contains($0) }
            let c: Int
            switch (xNumeric, yNumeric) {
            case (true, true): c = numeric(x, y)!
            case (true, false): c = -1
            case (false, true): c = 1
            case (false, false): c = Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : x == y ? 0 : 1
            }
            if c != 0 { return c }
        }
        return 0
    }

    /// Compares two digit strings as numbers of any length; nil when either is not all digits.
    static func numeric(_ x: some StringProtocol, _ y: some StringProtocol) -> Int? {
        let a = Array(x.utf8).drop { $0 == 0x30 }
        let b = Array(y.utf8).drop { $0 == 0x30 }
        guard x.utf8.allSatisfy({ (0x30...0x39).contains($0) }), y.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return a.lexicographicallyPrecedes(b) ? -1 : a.elementsEqual(b) ? 0 : 1
    }

    // MARK: Debian (deb-version: epoch, upstream version, revision)

    /// `[epoch:]version[-release]`, as Debian and RPM write versions: the epoch before the first `:`
    /// (0 when absent), the release (Debian's revision) after the last `-`.
    static func epochVersionRelease(_ text: String) -> (epoch: String, version: String, release: String) {
        var rest = Substring(text)
        var epoch = "0"
        if let colon = rest.firstIndex(of: ":") {
            epoch = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.lastIndex(of: "-") {
            return (epoch, String(rest[..<dash]), String(rest[rest.index(after: dash)...]))
        }
        return (epoch, String(rest), "")
    }

    static func debian(_ a: String, _ b: String) -> Int {
        let x = epochVersionRelease(a)
        let y = epochVersionRelease(b)
        if let c = numeric(x.epoch, y.epoch), c != 0 { return c }
        let upstream = debianPart(x.version, y.version)
        return upstream != 0 ? upstream : debianPart(x.release, y.release)
    }

    /// dpkg's comparison of one part: alternately a run of non-digits, compared character by character
    /// (`~` before everything, even the end; letters before other characters), and a run of digits,
    /// compared as numbers.
    static func debianPart(_ a: String, _ b: String) -> Int {
        func weight(_ byte: UInt8?) -> Int {
            guard let byte else { return 0 }
            if byte == UInt8(ascii: "~") { return -1 }
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { return Int(byte) }
            return Int(byte) + 256
        }
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var i = 0
        var j = 0
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        while i < x.count || j < y.count {
            while (i < x.count && !isDigit(x[i])) || (j < y.count && !isDigit(y[j])) {
                let wx = i < x.count && !isDigit(x[i]) ? weight(x[i]) : 0
                let wy = j < y.count && !isDigit(y[j]) ? weight(y[j]) : 0
                if wx != wy { return wx < wy ? -1 : 1 }
                if i < x.count && !isDigit(x[i]) { i += 1 }
                if j < y.count && !isDigit(y[j]) { j += 1 }
            }
            var dx: [UInt8] = []
            while i < x.count && isDigit(x[i]) {
                dx.append(x[i])
                i += 1
            }
            var dy: [UInt8] = []
            while j < y.count && isDigit(y[j]) {
                dy.append(y[j])
                j += 1
            }
            let c = numeric(String(decoding: dx, as: UTF8.self), String(decoding: dy, as: UTF8.self)) ?? 0
            if c != 0 { return c }
        }
        return 0
    }

    // MARK: RPM (rpmvercmp, with epoch and release)

    static func rpm(_ a: String, _ b: String) -> Int {
        let x = epochVersionRelease(a)
        let y = epochVersionRelease(b)
        if let c = numeric(x.epoch, y.epoch), c != 0 { return c }
        let version = rpmvercmp(x.version, y.version)
        if version != 0 || x.release.isEmpty || y.release.isEmpty { return version }
        return rpmvercmp(x.release, y.release)
    }

    /// rpm's segment comparison: separators skipped, `~` before everything, `^` after the version it
    /// follows but before anything longer, digit runs compared as numbers and newer than letter runs.
    static func rpmvercmp(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var i = 0
        var j = 0
        func isAlnum(_ c: UInt8) -> Bool {
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
        }
        while i < x.count || j < y.count {
            while i < x.count && !isAlnum(x[i]) && x[i] != UInt8(ascii: "~") && x[i] != UInt8(ascii: "^") { i += 1 }
            while j < y.count && !isAlnum(y[j]) && y[j] != UInt8(ascii: "~") && y[j] != UInt8(ascii: "^") { j += 1 }
            let tildeX = i < x.count && x[i] == UInt8(ascii: "~")
            let tildeY = j < y.count && y[j] == UInt8(ascii: "~")
            if tildeX || tildeY {
                if !tildeX { return 1 }
                if !tildeY { return -1 }
                i += 1
                j += 1
                continue
            }
            let caretX = i < x.count && x[i] == UInt8(ascii: "^")
            let caretY = j < y.count && y[j] == UInt8(ascii: "^")
            if caretX || caretY {
                if i >= x.count { return -1 }
                if j >= y.count { return 1 }
                if !caretX { return 1 }
                if !caretY { return -1 }
                i += 1
                j += 1
                continue
            }
            guard i < x.count && j < y.count else { break }
            let digits = (0x30...0x39).contains(x[i])
            var ei = i
            var ej = j
            if digits {
                while ei < x.count && (0x30...0x39).contains(x[ei]) { ei += 1 }
                while ej < y.count && (0x30...0x39).contains(y[ej]) { ej += 1 }
            } else {
                while ei < x.count && ((0x41...0x5A).contains(x[ei]) || (0x61...0x7A).contains(x[ei])) { ei += 1 }
                while ej < y.count && ((0x41...0x5A).contains(y[ej]) || (0x61...0x7A).contains(y[ej])) { ej += 1 }
            }
            if ej == j { return digits ? 1 : -1 }  // segments of different kinds: the numeric one is newer
            let sx = String(decoding: x[i..<ei], as: UTF8.self)
            let sy = String(decoding: y[j..<ej], as: UTF8.self)
            let c = digits ? numeric(sx, sy)! : (Array(sx.utf8).lexicographicallyPrecedes(Array(sy.utf8)) ? -1 : sx == sy ? 0 : 1)
            if c != 0 { return c }
            i = ei
            j = ej
        }
        if i >= x.count && j >= y.count { return 0 }
        return i >= x.count ? -1 : 1
    }

    // MARK: intdot

    static func intdot(_ a: String, _ b: String) -> Int {
        func parts(_ text: String) -> [String] {
            let prefix = text.prefix { $0 == "." || ($0.isASCII && $0.isNumber) }
            return prefix.split(separator: ".", omittingEmptySubsequences: false).map { $0.isEmpty ? "0" : String($0) }
        }
        let x = parts(a)
        let y = parts(b)
        for index in 0..<max(x.count, y.count) {
            let c = numeric(index < x.count ? x[index] : "0", index < y.count ? y[index] : "0") ?? 0
            if c != 0 { return c }
        }
        return 0
    }
}
