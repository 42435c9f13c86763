/// CPE 2.3 names (NISTIR 7695): the well-formed name (WFN) and its two bindings, the formatted string
/// (`cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*`) and the URI
/// (`cpe:/a:microsoft:internet_explorer:8.0.6001:beta`), read and written with the specification's
/// quoting, percent-encoding and edition packing. Values are held in WFN form: every character other than
/// a letter, a digit or `_` quoted with a backslash, an unquoted `*` or `?` a wildcard. Reading is strict
/// where the specification asks a "fully robust" implementation to be: a character that must be quoted or
/// encoded and is not, a wildcard inside a value, `**` or `*?`, a wrong field count, a language that is not
/// `ll[-rr]` are all refused. docs/VULNERABILITIES.md, "CPE".
public struct CPEName: Sendable, Hashable, CustomStringConvertible {
    /// The eleven attributes, in the order of the bindings and of name matching.
    public static let attributes = [
        "part", "vendor", "product", "version", "update", "edition", "language", "sw_edition", "target_sw",
        "target_hw", "other",
    ]

    /// Values by attribute, in ``attributes`` order.
    public var values: [CPEValue]

    public var part: CPEValue { values[0] }
    public var vendor: CPEValue { values[1] }
    public var product: CPEValue { values[2] }
    public var version: CPEValue { values[3] }

    public init(values: [CPEValue]) {
        precondition(values.count == 11)
        self.values = values
    }

    public subscript(attribute: String) -> CPEValue {
        values[Self.attributes.firstIndex(of: attribute.lowercased())!]
    }

    public var description: String { formattedString }

    /// Reads any of the three forms, told by its prefix (`cpe:2.3:`, `cpe:/`, `wfn:[`).
    public init(parsing text: String) throws(CPEError) {
        let lower = text.prefix(8).lowercased()
        if lower.hasPrefix("cpe:2.3:") {
            try self.init(formattedString: text)
        } else if lower.hasPrefix("cpe:/") {
            try self.init(uri: text)
        } else if lower.hasPrefix("wfn:[") {
            try self.init(wfn: text)
        } else {
            throw CPEError("a CPE name starts with cpe:2.3: (formatted string), cpe:/ (URI) or wfn:[ (WFN)")
        }
    }

    // MARK: Formatted string (section 6.2)

    /// unbind_fs: eleven fields after `cpe:2.3:`, split on colons that are not quoted; `*` is ANY, `-` NA,
    /// anything else gains the quoting a WFN needs.
    public init(formattedString text: String) throws(CPEError) {
        guard text.utf8.count <= CPEError.maximumLength else { throw CPEError("longer than \(CPEError.maximumLength) bytes") }
        guard text.prefix(8).lowercased() == "cpe:2.3:" else { throw CPEError("a formatted string starts with cpe:2.3:") }
        var fields: [[Character]] = [[]]
        var escaped = false
        for character in text.dropFirst(8) {
            if escaped {
                fields[fields.count - 1] += ["\\", character]
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append([])
            } else {
                fields[fields.count - 1].append(character)
            }
        }
        if escaped { throw CPEError("the formatted string ends with a lone backslash") }
        guard fields.count == 11 else {
            throw CPEError("a formatted string has 11 fields after cpe:2.3:, this one has \(fields.count)")
        }
        var values: [CPEValue] = []
        for (index, field) in fields.enumerated() {
            let attribute = Self.attributes[index]
            switch field {
            case ["*"]: values.append(.any)
            case ["-"]: values.append(.na)
            case []: throw CPEError("\(attribute) is empty (use * for ANY, - for NA)", attribute: attribute)
            default: values.append(.value(try CPEString(field, form: .formattedString, attribute: attribute)))
            }
        }
        try Self.checkPart(values[0])
        try Self.checkLanguage(values[6])
        self.values = values
    }

    /// bind_to_fs.
    public var formattedString: String {
        "cpe:2.3:"
            + values.map { value -> String in
                switch value {
                case .any: return "*"
                case .na: return "-"
                case .value(let string): return string.formattedField
                }
            }.joined(separator: ":")
    }

    // MARK: URI (section 6.1)

    /// unbind_URI: up to seven components after `cpe:/`, lower-cased and percent-decoded; an edition that
    /// starts with `~` unpacked into edition, sw_edition, target_sw, target_hw and other.
    public init(uri text: String) throws(CPEError) {
        guard text.utf8.count <= CPEError.maximumLength else { throw CPEError("longer than \(CPEError.maximumLength) bytes") }
        guard text.prefix(5).lowercased() == "cpe:/" else { throw CPEError("a CPE URI starts with cpe:/") }
        let components = text.dropFirst(5).lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard components.count <= 7 else {
            throw CPEError("a CPE URI has at most 7 components, this one has \(components.count)")
        }
        var values = Array(repeating: CPEValue.any, count: 11)
        for (index, component) in components.enumerated() {
            if index == 5, component.hasPrefix("~") {
                let packed = component.dropFirst().split(separator: "~", maxSplits: 4, omittingEmptySubsequences: false)
                guard packed.count == 5 else {
                    throw CPEError(
                        "a packed edition has five parts (~edition~sw_edition~target_sw~target_hw~other)", attribute: "edition")
                }
                for (offset, piece) in packed.enumerated() {
                    let attribute = [5, 7, 8, 9, 10][offset]
                    values[attribute] = try Self.decodeURI(String(piece), attribute: Self.attributes[attribute])
                }
            } else {
                let attribute = [0, 1, 2, 3, 4, 5, 6][index]
                values[attribute] = try Self.decodeURI(component, attribute: Self.attributes[attribute])
            }
        }
        try Self.checkPart(values[0])
        try Self.checkLanguage(values[6])
        self.values = values
    }

    /// bind_to_URI, in the preferred syntax (Figure 6-2): trailing empty components trimmed.
    public var uri: String {
        func bound(_ value: CPEValue) -> String {
            switch value {
            case .any: return ""
            case .na: return "-"
            case .value(let string): return string.uriComponent
            }
        }
        var components = [0, 1, 2, 3, 4].map { bound(values[$0]) }
        let extended = [7, 8, 9, 10].map { bound(values[$0]) }
        if extended.allSatisfy(\.isEmpty) {
            components.append(bound(values[5]))
        } else {
            components.append("~" + ([bound(values[5])] + extended).joined(separator: "~"))
        }
        components.append(bound(values[6]))
        var text = "cpe:/" + components.joined(separator: ":")
        while text.hasSuffix(":") { text.removeLast() }
        return text
    }

    static func decodeURI(_ component: String, attribute: String) throws(CPEError) -> CPEValue {
        if component.isEmpty { return .any }
        if component == "-" { return .na }
        var characters: [CPEString.Unit] = []
        let bytes = Array(component.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count,
                    let code = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
                else { throw CPEError("\"\(component)\" has a broken percent-encoding", attribute: attribute) }
                switch code {
                case 0x01: characters.append(.single)
                case 0x02: characters.append(.multiple)
                default:
                    guard CPEString.punctuation.contains(code) else {
                        throw CPEError(
                            "%\(String(decoding: bytes[index + 1...index + 2], as: UTF8.self)) is not a percent-encoding a CPE URI uses",
                            attribute: attribute)
                    }
                    characters.append(.quoted(Character(Unicode.Scalar(code))))
                }
                index += 3
                continue
            }
            let character = Character(Unicode.Scalar(byte))
            if CPEString.isPlain(byte) {
                characters.append(.plain(character))
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "~") {
                characters.append(.quoted(character))
            } else {
                throw CPEError("\"\(character)\" must be percent-encoded in a CPE URI", attribute: attribute)
            }
            index += 1
        }
        return .value(try CPEString(units: characters, attribute: attribute))
    }

    // MARK: WFN notation (section 5)

    /// Reads `wfn:[part="a",vendor="microsoft",update=ANY,…]`; attributes not named are ANY.
    public init(wfn text: String) throws(CPEError) {
        guard text.utf8.count <= CPEError.maximumLength else { throw CPEError("longer than \(CPEError.maximumLength) bytes") }
        guard text.prefix(5).lowercased() == "wfn:[", text.hasSuffix("]") else {
            throw CPEError("a WFN is written wfn:[attribute=value,…]")
        }
        var values = Array(repeating: CPEValue.any, count: 11)
        var seen: Set<Int> = []
        var rest = Array(text.dropFirst(5).dropLast())
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { throw CPEError("a WFN pair is attribute=value") }
            let name = String(rest[..<equals]).trimmingSpaces.lowercased()
            guard let position = Self.attributes.firstIndex(of: name) else {
                throw CPEError("\"\(name)\" is not a CPE attribute", attribute: name)
            }
            guard seen.insert(position).inserted else { throw CPEError("\(name) is given twice", attribute: name) }
            rest = Array(rest[(equals + 1)...].drop { $0 == " " })
            if rest.first == "\"" {
                var units: [Character] = []
                var index = 1
                while index < rest.count, rest[index] != "\"" {
                    if rest[index] == "\\", index + 1 < rest.count {
                        units += ["\\", rest[index + 1]]
                        index += 2
                    } else {
                        units.append(rest[index])
                        index += 1
                    }
                }
                guard index < rest.count else { throw CPEError("an unterminated string in the WFN", attribute: name) }
                values[position] = .value(try CPEString(units, form: .wfn, attribute: name))
                rest = Array(rest[(index + 1)...])
            } else {
                let word = String(rest.prefix { $0 != "," })
                switch word.trimmingSpaces {
                case "ANY": values[position] = .any
                case "NA": values[position] = .na
                default: throw CPEError("\(name)=\(word): a value is a quoted string, ANY or NA", attribute: name)
                }
                rest = Array(rest.dropFirst(word.count))
            }
            rest = Array(rest.drop { $0 == " " })
            if rest.first == "," { rest.removeFirst() } else if !rest.isEmpty { throw CPEError("pairs are separated by commas") }
        }
        try Self.checkPart(values[0])
        try Self.checkLanguage(values[6])
        self.values = values
    }

    /// The WFN notation with every attribute.
    public var wfn: String {
        "wfn:["
            + zip(Self.attributes, values).map { attribute, value in
                switch value {
                case .any: "\(attribute)=ANY"
                case .na: "\(attribute)=NA"
                case .value(let string): "\(attribute)=\"\(string.wfnText)\""
                }
            }.joined(separator: ",") + "]"
    }

    // MARK: Attribute rules (section 5.3.3)

    static func checkPart(_ value: CPEValue) throws(CPEError) {
        guard case .value(let string) = value else { return }
        guard ["a", "o", "h"].contains(string.wfnText) else {
            throw CPEError("part is a (application), o (operating system) or h (hardware)", attribute: "part")
        }
    }

    /// A language is `ll` or `lll`, optionally `-` and a two-letter or three-digit region (RFC 5646's shortest form).
    static func checkLanguage(_ value: CPEValue) throws(CPEError) {
        guard case .value(let string) = value else { return }
        let text = string.unquoted
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let language = parts[0]
        let valid =
            (2...3).contains(language.count) && language.allSatisfy { $0.isASCII && $0.isLetter }
            && (parts.count == 1
                || (parts.count == 2
                    && ((parts[1].count == 2 && parts[1].allSatisfy { $0.isASCII && $0.isLetter })
                        || (parts[1].count == 3 && parts[1].allSatisfy { $0.isASCII && $0.isNumber }))))
        guard valid, !string.hasWildcards else {
            throw CPEError("language \"\(text)\" is not a language tag such as en or en-us", attribute: "language")
        }
    }
}

/// An attribute's value: ANY, NA, or a string.
public enum CPEValue: Sendable, Hashable {
    case any, na
    case value(CPEString)
}

/// A WFN string value: characters, each plain (a letter, a digit or `_`), quoted, or an unquoted wildcard
/// (`?` one character or none, `*` any run), the wildcards only at the start and the end.
public struct CPEString: Sendable, Hashable {
    enum Unit: Sendable, Hashable {
        case plain(Character)
        case quoted(Character)
        case single  // unquoted ?
        case multiple  // unquoted *
    }

    let units: [Unit]

    /// The punctuation a value quotes (and a URI percent-encodes), as bytes.
    static let punctuation: Set<UInt8> = Set(Array("!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~".utf8))

    static func isPlain(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    init(units: [Unit], attribute: String) throws(CPEError) {
        // Wildcards: a leading `*` or run of `?`, a trailing one, nothing in between; not `*` alone.
        var start = 0
        if units.first == .multiple {
            start = 1
        } else {
            while start < units.count, units[start] == .single { start += 1 }
        }
        var end = units.count
        if end > start, units[end - 1] == .multiple {
            end -= 1
        } else {
            while end > start, units[end - 1] == .single { end -= 1 }
        }
        let text = CPEString.render(units, wfn: true)
        if units == [.multiple] { throw CPEError("a lone * is ANY, not a value", attribute: attribute) }
        if units[start..<end].contains(where: { $0 == .single || $0 == .multiple }) {
            throw CPEError("\"\(text)\": an unquoted * or ? may only begin or end a value", attribute: attribute)
        }
        if start == end, units.contains(.multiple) {
            throw CPEError("\"\(text)\": wildcards need a value between them", attribute: attribute)
        }
        if units == [.quoted("-")] { throw CPEError("a quoted hyphen alone is not a value", attribute: attribute) }
        self.units = units
    }

    /// How a value is written: a formatted-string field, where an unquoted `.` or `-` gains quoting
    /// (add_quoting), or a WFN string, where everything but letters, digits and `_` is quoted already.
    enum Form: Sendable {
        case formattedString, wfn

        var name: String { self == .wfn ? "a WFN" : "a formatted string" }
    }

    /// A value as `form` writes it; any other punctuation must be quoted with a backslash.
    init(_ characters: [Character], form: Form, attribute: String) throws(CPEError) {
        var units: [Unit] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard let byte = character.asciiValue, byte >= 0x21, byte <= 0x7E else {
                throw CPEError("\(attribute) has a character a CPE name cannot hold (printable ASCII only)", attribute: attribute)
            }
            if character == "\\" {
                guard index + 1 < characters.count else {
                    throw CPEError("\(attribute) ends with a lone backslash", attribute: attribute)
                }
                units.append(.quoted(characters[index + 1]))
                index += 2
                continue
            }
            if Self.isPlain(byte) {
                units.append(.plain(character))
            } else if character == "*" {
                units.append(.multiple)
            } else if character == "?" {
                units.append(.single)
            } else if form == .formattedString && (character == "." || character == "-") {
                units.append(.quoted(character))
            } else {
                throw CPEError("\"\(character)\" must be quoted with a backslash in \(form.name)", attribute: attribute)
            }
            index += 1
        }
        if units.isEmpty { throw CPEError("\(attribute) is an empty string", attribute: attribute) }
        try self.init(units: units, attribute: attribute)
        try checkQuoted(attribute: attribute)
    }

    /// Quoting applies to punctuation only (a quoted letter is not a WFN character).
    private func checkQuoted(attribute: String) throws(CPEError) {
        for case .quoted(let character) in units {
            guard let byte = character.asciiValue, Self.punctuation.contains(byte) || byte == 0x2D || byte == 0x2E else {
                throw CPEError("\"\\\(character)\": only punctuation is quoted", attribute: attribute)
            }
        }
    }

    /// Whether the value has an unquoted wildcard.
    public var hasWildcards: Bool { units.contains { $0 == .single || $0 == .multiple } }

    /// The value in WFN form (`8\.0\.6001`, `sp?`).
    public var wfnText: String { Self.render(units, wfn: true) }

    /// The value with its quoting removed (`8.0.6001`, `foo\bar`); wildcards stay as `*` and `?`.
    public var unquoted: String {
        String(
            units.map { unit -> Character in
                switch unit {
                case .plain(let c), .quoted(let c): c
                case .single: "?"
                case .multiple: "*"
                }
            })
    }

    /// process_quoted_chars: the formatted string's form, where `.`, `-` and `_` are not quoted.
    var formattedField: String { Self.render(units, wfn: false) }

    /// transform_for_uri.
    var uriComponent: String {
        var text = ""
        for unit in units {
            switch unit {
            case .plain(let c): text.append(c)
            case .quoted(let c) where c == "-" || c == ".": text.append(c)
            case .quoted(let c):
                let hex = String(c.asciiValue!, radix: 16)
                text += "%" + (hex.count == 1 ? "0" + hex : hex)
            case .single: text += "%01"
            case .multiple: text += "%02"
            }
        }
        return text
    }

    static func render(_ units: [Unit], wfn: Bool) -> String {
        var text = ""
        for unit in units {
            switch unit {
            case .plain(let c): text.append(c)
            case .quoted(let c) where !wfn && (c == "." || c == "-" || c == "_"): text.append(c)
            case .quoted(let c): text += "\\" + String(c)
            case .single: text += "?"
            case .multiple: text += "*"
            }
        }
        return text
    }
}

/// Why a CPE name was refused.
public struct CPEError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The longest name read.
    public static let maximumLength = 4_096

    public let message: String
    /// The attribute at fault, when there is one.
    public let attribute: String?

    init(_ message: String, attribute: String? = nil) {
        self.message = message
        self.attribute = attribute
    }

    public var description: String { message }
}
