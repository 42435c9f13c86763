/// The rule for text a person types (names, usernames, passwords, identifiers): no control
/// characters. A NUL in particular is cut off by C libraries (SQLite's text binding with length -1,
/// bcrypt), so `"u1\u{0}x"` would be stored or checked as `"u1"` while Swift sees the whole string.
///
/// Control characters are C0 (U+0000–U+001F, NUL included), DEL (U+007F) and C1 (U+0080–U+009F):
/// Unicode's general category Cc.
///
/// ```swift
/// ControlCharacters.first(in: "ISP One\u{0}XYZ")   // U+0000
/// try ControlCharacters.refuse(in: name, field: "name")
/// ```
public enum ControlCharacters {
    /// Whether `scalar` is a control character (C0, DEL or C1).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The first control character in `text`, except those in `allowing` (such as tab and line
    /// breaks in free text); nil when there is none.
    public static func first(in text: String, allowing: Set<Unicode.Scalar> = []) -> Unicode.Scalar? {
        text.unicodeScalars.first { isControl($0) && !allowing.contains($0) }
    }

    /// Whether `text` holds a control character other than those in `allowing`.
    public static func contains(in text: String, allowing: Set<Unicode.Scalar> = []) -> Bool {
        first(in: text, allowing: allowing) != nil
    }

    /// Tab, line feed and carriage return: allowed in free text (titles, descriptions), never in names.
    public static let layout: Set<Unicode.Scalar> = ["\t", "\n", "\r"]

    /// Throws ``ControlCharacterError`` when `text` holds a control character other than those in
    /// `allowing`; `field` names the input in the message.
    public static func refuse(in text: String, field: String, allowing: Set<Unicode.Scalar> = []) throws(ControlCharacterError) {
        if let scalar = first(in: text, allowing: allowing) {
            throw ControlCharacterError(field: field, scalar: scalar)
        }
    }

    /// `text` with every control character other than those in `allowing` written as `\u{XXXX}`
    /// (four upper-case hex digits), so the result holds none of them and shows where they were.
    public static func escaped(_ text: String, allowing: Set<Unicode.Scalar> = []) -> String {
        guard contains(in: text, allowing: allowing) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) && !allowing.contains(scalar) {
                result += "\\u" + hex4(scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Text refused because it holds a control character; `field` names the input.
public struct ControlCharacterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code tests and callers compare.
    public static let code = "control-character"
    /// The input at fault, e.g. `name` or `recipients[0]`.
    public var field: String
    /// The first control character found.
    public var scalar: Unicode.Scalar

    public init(field: String, scalar: Unicode.Scalar) {
        self.field = field
        self.scalar = scalar
    }

    public var description: String {
        "'\(field)' contains the control character U+\(ControlCharacters.hex4(scalar.value)); control characters are not allowed"
    }
}
