/// The patterns and formats of CSAF 2.0's schema and FIRST's CVSS schemas, as code (each named as its
/// refusal says it).
enum CSAFChecks {
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "\u{FEFF}"
    }

    /// `document/category`: one line that neither starts nor ends with white space, `-`, `_` or `.`.
    static let category = CSAFStringCheck(name: "one line neither starting nor ending with white space, '-', '_' or '.'") {
        text in
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, !scalars.contains(where: isLineBreak) else { return false }
        let edge = { (scalar: Unicode.Scalar) in isSpace(scalar) || "-_.".unicodeScalars.contains(scalar) }
        return !edge(first) && !edge(last)
    }

    /// `tracking/id`: one line that neither starts nor ends with white space.
    static let trackingID = CSAFStringCheck(name: "one line neither starting nor ending with white space") { text in
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, !scalars.contains(where: isLineBreak) else { return false }
        return !isSpace(first) && !isSpace(last)
    }

    static func digits(_ text: Substring) -> Bool { !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber } }
    static func number(_ text: Substring) -> Bool { digits(text) && (text == "0" || text.first != "0") }

    /// `version_t`: an integer (`0`, `12`) or a SemVer 2.0.0 version.
    static let version = CSAFStringCheck(name: "an integer or a semantic version (2.0.0)") { text in
        isInteger(text) || isSemanticVersion(text)
    }

    static func isInteger(_ text: String) -> Bool { number(Substring(text)) }

    static func isSemanticVersion(_ text: String) -> Bool {
        var rest = Substring(text)
        if let plus = rest.firstIndex(of: "+") {
            let build = rest[rest.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false)
            guard build.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isIdentifierCharacter) }) else { return false }
            rest = rest[..<plus]
        }
        var core = rest
        if let dash = rest.firstIndex(of: "-") {
            let pre = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            guard
                pre.allSatisfy({ part in
                    !part.isEmpty && part.allSatisfy(isIdentifierCharacter) && (!digits(part) || number(part))
                })
            else { return false }
            core = rest[..<dash]
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy(number)
    }

    static func isIdentifierCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-")
    }

    static func letters(_ text: Substring, _ range: ClosedRange<Int>) -> Bool {
        range.contains(text.count) && text.allSatisfy { $0.isASCII && $0.isLetter }
    }

    static func alphanumerics(_ text: Substring, _ range: ClosedRange<Int>) -> Bool {
        range.contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// `lang_t`: a language tag as the schema's grammar (BCP 47's syntax) writes it.
    static let language = CSAFStringCheck(name: "a language tag (BCP 47), such as en or de-AT") { text in
        isLanguageTag(text)
    }

    static func isLanguageTag(_ text: String) -> Bool {
        let lower = text.lowercased()
        if lower == "i-default" || lower == "i-mingo" { return true }
        let tags = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = tags.first else { return false }
        if first == "x" || first == "X" { return privateUse(tags[...]) }
        var index = 1
        if letters(first, 2...3) {
            // Up to three extended language subtags.
            var extended = 0
            while index < tags.count, extended < 3, letters(tags[index], 3...3) {
                index += 1
                extended += 1
            }
        } else if !letters(first, 4...8) {
            return false
        }
        if index < tags.count, letters(tags[index], 4...4) { index += 1 }  // script
        if index < tags.count, letters(tags[index], 2...2) || (tags[index].count == 3 && digits(tags[index])) { index += 1 }
        while index < tags.count,  // variants
            alphanumerics(tags[index], 5...8)
                || (tags[index].count == 4 && digits(tags[index].prefix(1)) && alphanumerics(tags[index], 4...4))
        {
            index += 1
        }
        while index < tags.count, tags[index].count == 1, alphanumerics(tags[index], 1...1), tags[index].lowercased() != "x" {
            // An extension: a singleton and one or more subtags of 2 to 8.
            index += 1
            let start = index
            while index < tags.count, alphanumerics(tags[index], 2...8) { index += 1 }
            if index == start { return false }
        }
        if index < tags.count { return privateUse(tags[index...]) }
        return true
    }

    static func privateUse(_ tags: ArraySlice<Substring>) -> Bool {
        guard let first = tags.first, first == "x" || first == "X", tags.count >= 2 else { return false }
        return tags.dropFirst().allSatisfy { alphanumerics($0, 1...8) }
    }

    static let cve = CSAFStringCheck(name: "a CVE id (CVE-2026-1234)") { text in
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "CVE" && parts[1].count == 4 && digits(parts[1]) && parts[2].count >= 4
            && digits(parts[2])
    }

    static let cwe = CSAFStringCheck(name: "a CWE id (CWE-79)") { text in
        guard text.hasPrefix("CWE-") else { return false }
        let number = text.dropFirst(4)
        return (1...6).contains(number.count) && digits(number) && number.first != "0"
    }

    static let hexadecimal = CSAFStringCheck(name: "hexadecimal digits") { text in
        text.allSatisfy { $0.isHexDigit && $0.isASCII }
    }

    /// A CPE 2.3 formatted string, or a CPE 2.2 URI as the schema's looser pattern accepts it.
    static let cpe = CSAFStringCheck(name: "a CPE 2.3 formatted string or a CPE 2.2 URI") { text in
        if text.hasPrefix("cpe:2.3:") { return (try? CPEName(formattedString: text)) != nil }
        let lower = text.lowercased()
        guard text.first == "c", lower.hasPrefix("cpe:/") else { return false }
        var rest = Substring(text.dropFirst(5))
        if let first = rest.first, "AHOaho".contains(first) { rest = rest.dropFirst() }
        if rest.isEmpty { return true }
        guard rest.first == ":" else { return false }
        let components = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        return components.count <= 6
            && components.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-~%".contains($0)) } }
    }

    /// The schema's shape of a package URL (`pkg:TYPE/…`) and a URI; test 6.1.13 checks it further.
    static let purlShape = CSAFStringCheck(name: "a package URL (pkg:type/name)") { text in
        guard text.hasPrefix("pkg:"), isURI(text) else { return false }
        let rest = text.dropFirst(4)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) < rest.endIndex else {
            return false
        }
        let type = rest[..<slash]
        guard let first = type.first, first.isASCII, first.isLetter || ".-+".contains(first) else { return false }
        return type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-+".contains($0)) }
    }

    /// An absolute URI (RFC 3986): a scheme, `:`, then characters a URI may hold (percent-escapes well formed).
    static let uri = CSAFStringCheck(name: "an absolute URI") { text in isURI(text) }

    static func isURI(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        let scheme = bytes[..<colon]
        guard let first = scheme.first, isAlpha(first),
            scheme.allSatisfy({
                isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else { return false }
        let allowed = Set(Array("-._~:/?#[]@!$&'()*+,;=%".utf8))
        var index = colon + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else { return false }
                index += 3
                continue
            }
            guard isAlpha(byte) || isDigit(byte) || allowed.contains(byte) else { return false }
            index += 1
        }
        return true
    }

    static func isAlpha(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) }

    /// An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction, then `Z` or an offset.
    static let dateTime = CSAFStringCheck(name: "an RFC 3339 date-time (2026-12-01T10:00:00Z)") { text in
        isDateTime(text)
    }

    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func field(_ start: Int, _ length: Int, _ range: ClosedRange<Int>) -> Bool {
            guard start + length <= bytes.count, bytes[start..<start + length].allSatisfy(isDigit) else { return false }
            let value = bytes[start..<start + length].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            return range.contains(value)
        }
        guard bytes.count >= 20, field(0, 4, 0...9999), bytes[4] == 0x2D, field(5, 2, 1...12), bytes[7] == 0x2D,
            field(8, 2, 1...31), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"), field(11, 2, 0...23),
            bytes[13] == 0x3A, field(14, 2, 0...59), bytes[16] == 0x3A, field(17, 2, 0...60)
        else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            if index == start { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") { return index + 1 == bytes.count }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count,
            field(index + 1, 2, 0...23), bytes[index + 3] == 0x3A, field(index + 4, 2, 0...59)
        else { return false }
        return true
    }

    /// FIRST's v3.x vector pattern: `CVSS:3.x/` then `/`-separated known metrics with known values (in any
    /// order; completeness is test 6.1.9's concern, through the calculator).
    static func cvss3Vector(_ version: String) -> CSAFStringCheck {
        CSAFStringCheck(name: "a CVSS v\(version) vector string") { text in
            guard text.hasPrefix("CVSS:\(version)/") else { return false }
            return segments(text.dropFirst(9), cvss3Values)
        }
    }

    static let cvss3Values: [String: [String]] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"], "S": ["U", "C"],
        "C": ["N", "L", "H"], "I": ["N", "L", "H"], "A": ["N", "L", "H"], "E": ["X", "U", "P", "F", "H"],
        "RL": ["X", "O", "T", "W", "U"], "RC": ["X", "U", "R", "C"], "CR": ["X", "L", "M", "H"], "IR": ["X", "L", "M", "H"],
        "AR": ["X", "L", "M", "H"], "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MPR": ["X", "N", "L", "H"],
        "MUI": ["X", "N", "R"], "MS": ["X", "U", "C"], "MC": ["X", "N", "L", "H"], "MI": ["X", "N", "L", "H"],
        "MA": ["X", "N", "L", "H"],
    ]

    static let cvss2Values: [String: [String]] = [
        "AV": ["N", "A", "L"], "AC": ["L", "M", "H"], "Au": ["M", "S", "N"], "C": ["N", "P", "C"], "I": ["N", "P", "C"],
        "A": ["N", "P", "C"], "E": ["U", "POC", "F", "H", "ND"], "RL": ["OF", "TF", "W", "U", "ND"],
        "RC": ["UC", "UR", "C", "ND"],
        "CDP": ["N", "L", "LM", "MH", "H", "ND"], "TD": ["N", "L", "M", "H", "ND"], "CR": ["L", "M", "H", "ND"],
        "IR": ["L", "M", "H", "ND"], "AR": ["L", "M", "H", "ND"],
    ]

    /// FIRST's v2.0 vector pattern: `/`-separated known metrics with known values.
    static let cvss2Vector = CSAFStringCheck(name: "a CVSS v2.0 vector string") { text in
        segments(Substring(text), cvss2Values)
    }

    static func segments(_ text: Substring, _ values: [String: [String]]) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty
            && parts.allSatisfy { part in
                let pair = part.split(separator: ":", omittingEmptySubsequences: false)
                return pair.count == 2 && values[String(pair[0])]?.contains(String(pair[1])) == true
            }
    }
}
