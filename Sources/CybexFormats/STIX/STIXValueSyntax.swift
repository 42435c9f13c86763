/// Syntax checks of the string formats STIX 2.1 properties refer to: base64, hex, RFC 5646
/// language tags, IANA character set names, CPE 2.3 formatted strings, IP and MAC addresses,
/// domain names, e-mail addresses and URLs.
///
/// These check well-formedness only. They do not look values up in registries (the IANA character
/// set list, the NVD CPE dictionary, the language subtag registry), which would need data files
/// that change over time.
enum STIXValueSyntax {
    /// Base64 per RFC 4648 section 4, with padding.
    static func isBase64(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return false }
        var padding = 0
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "=") {
                guard i >= bytes.count - 2 else { return false }
                padding += 1
                continue
            }
            guard padding == 0, b.isASCIILetterOrDigit || b == UInt8(ascii: "+") || b == UInt8(ascii: "/") else {
                return false
            }
        }
        return true
    }

    /// An even number of hexadecimal digits, the letters in lower case (section 2.8).
    static func isHex(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count % 2 == 0
            && bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Whether `text` is hexadecimal of exactly `count` digits, in either case (hash values).
    static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy(\.isHexDigit)
    }

    // MARK: RFC 5646

    static let grandfatheredTags: Set<String> = [
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
        "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de", "art-lojban",
        "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang",
    ]

    /// Whether `text` is a well-formed RFC 5646 language tag (section 2.1 ABNF), e.g. `en`, `de-CH`,
    /// `zh-Hant-TW`, `x-klingon`.
    static func isLanguageTag(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 256, text.utf8.allSatisfy({ $0 < 0x80 }) else { return false }
        let lower = text.lowercased()
        if grandfatheredTags.contains(lower) { return true }
        let subtags = lower.split(separator: "-", omittingEmptySubsequences: false).map { Array($0.utf8) }
        func alpha(_ s: [UInt8]) -> Bool { s.allSatisfy { (0x61...0x7A).contains($0) } }
        func digits(_ s: [UInt8]) -> Bool { s.allSatisfy { (0x30...0x39).contains($0) } }
        func alnum(_ s: [UInt8]) -> Bool { s.allSatisfy(\.isASCIILetterOrDigit) }
        var i = 0
        func privateUse() -> Bool {
            // "x" 1*("-" 1*8alphanum), to the end of the tag
            guard i + 1 < subtags.count else { return false }
            for s in subtags[(i + 1)...] where s.isEmpty || s.count > 8 || !alnum(s) { return false }
            i = subtags.count
            return true
        }
        if subtags[0] == [UInt8(ascii: "x")] { return privateUse() }
        let first = subtags[0]
        guard alpha(first), (2...8).contains(first.count) else { return false }
        i = 1
        if first.count <= 3 {
            var extlangs = 0
            while i < subtags.count, extlangs < 3, subtags[i].count == 3, alpha(subtags[i]) {
                i += 1
                extlangs += 1
            }
        }
        if i < subtags.count, subtags[i].count == 4, alpha(subtags[i]) { i += 1 }  // script
        if i < subtags.count,
            (subtags[i].count == 2 && alpha(subtags[i])) || (subtags[i].count == 3 && digits(subtags[i]))
        {
            i += 1  // region
        }
        while i < subtags.count, alnum(subtags[i]),
            (5...8).contains(subtags[i].count) || (subtags[i].count == 4 && digits([subtags[i][0]]))
        {
            i += 1  // variants
        }
        while i < subtags.count, subtags[i].count == 1, subtags[i] != [UInt8(ascii: "x")], alnum(subtags[i]) {
            i += 1  // extension: singleton 1*("-" 2*8alphanum)
            var count = 0
            while i < subtags.count, (2...8).contains(subtags[i].count), alnum(subtags[i]) {
                i += 1
                count += 1
            }
            if count == 0 { return false }
        }
        if i < subtags.count, subtags[i] == [UInt8(ascii: "x")] { return privateUse() }
        return i == subtags.count
    }

    /// An IANA character set name or alias (at most 40 printable characters, RFC 2978 section 2.3).
    static func isCharacterSetName(_ text: String) -> Bool {
        let allowed = Set("!#$%&'+-^_`{}~.:()/".utf8)
        return (1...40).contains(text.utf8.count)
            && text.utf8.allSatisfy { $0.isASCIILetterOrDigit || allowed.contains($0) }
    }

    // MARK: CPE 2.3

    /// Whether `text` is a CPE 2.3 formatted string binding (NISTIR 7695 section 6.2): `cpe:2.3:` and
    /// eleven components, each `*`, `-` or a value of letters, digits, `-._`, backslash-quoted
    /// punctuation and leading/trailing wildcards.
    static func isCPE23(_ text: String) -> Bool {
        var components: [[UInt8]] = [[]]
        var escaped = false
        for b in text.utf8 {
            if escaped {
                components[components.count - 1].append(b)
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                components[components.count - 1].append(b)
                escaped = true
            } else if b == UInt8(ascii: ":") {
                components.append([])
            } else {
                components[components.count - 1].append(b)
            }
        }
        guard !escaped, components.count == 13, components[0] == Array("cpe".utf8), components[1] == Array("2.3".utf8),
            ["a", "h", "o", "*", "-"].map({ Array($0.utf8) }).contains(components[2])
        else { return false }
        return components[3...].allSatisfy(isCPEComponent)
    }

    static func isCPEComponent(_ c: [UInt8]) -> Bool {
        if c == [UInt8(ascii: "*")] || c == [UInt8(ascii: "-")] { return true }
        var body = c[...]
        if body.first == UInt8(ascii: "*") {
            body = body.dropFirst()
        } else {
            while body.first == UInt8(ascii: "?") { body = body.dropFirst() }
        }
        if body.last == UInt8(ascii: "*"), body.dropLast().last != UInt8(ascii: "\\") {
            body = body.dropLast()
        } else {
            while body.last == UInt8(ascii: "?"), body.dropLast().last != UInt8(ascii: "\\") { body = body.dropLast() }
        }
        guard !body.isEmpty else { return false }
        var i = body.startIndex
        while i < body.endIndex {
            let b = body[i]
            if b == UInt8(ascii: "\\") {
                let next = body.index(after: i)
                guard next < body.endIndex, (0x21...0x7E).contains(body[next]), !body[next].isASCIILetterOrDigit else {
                    return false
                }
                i = body.index(after: next)
                continue
            }
            guard b.isASCIILetterOrDigit || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            else {
                return false
            }
            i = body.index(after: i)
        }
        return true
    }

    // MARK: Addresses

    /// Dotted-quad IPv4 with an optional CIDR suffix `/0`–`/32`, no leading zeros.
    static func isIPv4(_ text: String, allowPrefix: Bool = true) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || (allowPrefix && parts.count == 2 && isDecimal(parts[1], max: 32)) else {
            return false
        }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { isDecimal($0, max: 255) }
    }

    /// RFC 4291 text form of IPv6 (with `::`, an embedded IPv4 tail and an optional zone), with an
    /// optional CIDR suffix `/0`–`/128`.
    static func isIPv6(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || (parts.count == 2 && isDecimal(parts[1], max: 128)) else { return false }
        var address = parts[0]
        if let zone = address.firstIndex(of: "%") {
            guard address.index(after: zone) < address.endIndex else { return false }
            address = address[..<zone]
        }
        var halves = [address]
        if let range = address.firstRange(of: "::") {
            halves = [address[..<range.lowerBound], address[range.upperBound...]]
            guard !halves[1].contains("::") else { return false }
        }
        var groups = 0
        for (h, half) in halves.enumerated() {
            if half.isEmpty { continue }
            let fields = half.split(separator: ":", omittingEmptySubsequences: false)
            for (f, field) in fields.enumerated() {
                if f == fields.count - 1, h == halves.count - 1, field.contains(".") {
                    guard isIPv4(String(field), allowPrefix: false) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(field.utf8.count), field.utf8.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    static func isDecimal(_ s: Substring, max: Int) -> Bool {
        guard (1...3).contains(s.utf8.count), s.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            s.utf8.count == 1 || s.utf8.first != UInt8(ascii: "0"), let n = Int(s)
        else { return false }
        return n <= max
    }

    /// A colon-delimited, lower-case MAC-48 address with leading zeros (section 6.10).
    static func isMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6
            && parts.allSatisfy {
                $0.utf8.count == 2 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            }
    }

    /// An RFC 1034 domain name whose labels may be internationalised (RFC 5890 U-labels): labels of
    /// 1–63 characters, letters, digits and inner hyphens, an optional final dot.
    static func isDomainName(_ text: String) -> Bool {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { s in
                s.value >= 0x80
                    ? !s.properties.isWhitespace && s.properties.generalCategory != .control
                    : (UInt8(s.value).isASCIILetterOrDigit || s == "-")
            }
        }
    }

    /// An RFC 5322 `addr-spec` (`local@domain`, no display name).
    static func isEmailAddress(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        let atext = Set("!#$%&'*+-/=?^_`{|}~".utf8)
        func isDotAtom(_ s: Substring) -> Bool {
            !s.isEmpty
                && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
                    !atom.isEmpty
                        && atom.utf8.allSatisfy { $0 >= 0x80 || $0.isASCIILetterOrDigit || atext.contains($0) }
                }
        }
        let localOK =
            isDotAtom(local)
            || (local.count >= 2 && local.hasPrefix("\"") && local.hasSuffix("\"")
                && !local.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        let domainOK =
            isDotAtom(domain)
            || (domain.hasPrefix("[") && domain.hasSuffix("]") && !domain.contains(" "))
        return localOK && domainOK
    }

    /// An RFC 3986 URI with a scheme: ASCII only, no spaces, `%` followed by two hex digits.
    static func isURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, bytes[0].isASCIILetter,
            bytes[..<colon].allSatisfy({
                $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }),
            colon + 1 < bytes.count
        else { return false }
        let allowed = Set("-._~:/?#[]@!$&'()*+,;=".utf8)
        var i = colon + 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, bytes[i + 1].isHexDigit, bytes[i + 2].isHexDigit else { return false }
                i += 3
                continue
            }
            guard b.isASCIILetterOrDigit || allowed.contains(b) else { return false }
            i += 1
        }
        return true
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
