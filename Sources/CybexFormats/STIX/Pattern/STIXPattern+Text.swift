import CybexCore
import Foundation

extension STIXPattern.ObservationExpression: CustomStringConvertible {
    /// The expression in canonical pattern text, parenthesised where precedence needs it and
    /// where the tree nests an operator in itself, so that parsing the text gives the same tree.
    public var description: String {
        switch self {
        case .observation(let comparison): "[" + comparison.description + "]"
        case .and(let operands):
            operands.map { $0.text(parenthesisedIf: { $0.isAnd || $0.isOr || $0.isFollowedBy }) }
                .joined(separator: " AND ")
        case .or(let operands):
            operands.map { $0.text(parenthesisedIf: { $0.isOr || $0.isFollowedBy }) }.joined(separator: " OR ")
        case .followedBy(let operands):
            operands.map { $0.text(parenthesisedIf: \.isFollowedBy) }.joined(separator: " FOLLOWEDBY ")
        case .qualified(let inner, let qualifiers):
            // On a bracketed expression each kind of qualifier may stand once (section 9.5.1).
            inner.text(parenthesisedIf: { inner in
                guard case .observation = inner else { return true }
                return Set(qualifiers.map(\.keyword)).count < qualifiers.count
            }) + qualifiers.map { " " + $0.description }.joined()
        }
    }

    func text(parenthesisedIf needs: (Self) -> Bool) -> String {
        needs(self) ? "(" + description + ")" : description
    }

    var isAnd: Bool {
        if case .and = self { return true }
        return false
    }

    var isOr: Bool {
        if case .or = self { return true }
        return false
    }

    var isFollowedBy: Bool {
        if case .followedBy = self { return true }
        return false
    }
}

extension STIXPattern.Qualifier: CustomStringConvertible {
    public var description: String {
        switch self {
        case .within(let seconds): "WITHIN \(STIXPatternText.decimal(seconds)) SECONDS"
        case .repeats(let times): "REPEATS \(times) TIMES"
        case .startStop(let start, let stop):
            "START \(STIXPatternText.timestamp(start)) STOP \(STIXPatternText.timestamp(stop))"
        }
    }
}

extension STIXPattern.ComparisonExpression: CustomStringConvertible {
    public var description: String {
        switch self {
        case .comparison(let comparison): comparison.description
        case .and(let operands):
            operands.map { operand in
                if case .comparison = operand { operand.description } else { "(" + operand.description + ")" }
            }.joined(separator: " AND ")
        case .or(let operands):
            operands.map { operand in
                if case .or = operand { "(" + operand.description + ")" } else { operand.description }
            }.joined(separator: " OR ")
        }
    }
}

extension STIXPattern.Comparison: CustomStringConvertible {
    /// `file:name NOT = 'a'`, `NOT EXISTS file:name`, `file:size IN (1, 2)`.
    public var description: String {
        let not = negated ? "NOT " : ""
        switch op {
        case .exists: return not + "EXISTS " + path.description
        case .in: return "\(path) \(not)IN (" + operands.map(\.description).joined(separator: ", ") + ")"
        default: return "\(path) \(not)\(op.rawValue) " + operands.map(\.description).joined(separator: ", ")
        }
    }
}

extension STIXPattern.Literal: CustomStringConvertible {
    /// The literal as pattern text: `'it\'s'`, `3`, `1.5`, `true`, `t'…'`, `h'ffd8'`, `b'AAE='`.
    public var description: String {
        switch self {
        case .string(let text): STIXPatternText.quoted(text)
        case .integer(let value): String(value)
        case .float(let value): STIXPatternText.decimal(value, alwaysFraction: true)
        case .boolean(let value): value ? "true" : "false"
        case .timestamp(let value): STIXPatternText.timestamp(value)
        case .hex(let octets): "h'" + STIXPatternText.hex(octets) + "'"
        case .binary(let octets): "b'" + Data(octets).base64EncodedString() + "'"
        }
    }
}

/// How pattern constants and keys are written.
enum STIXPatternText {
    /// `'…'` with `\` and `'` escaped.
    static func quoted(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) { return "'" + text + "'" }
        var out = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out + "'"
    }

    /// A key as written in a path: bare when it is an identifier, else quoted (`'SHA-256'`).
    static func key(_ key: String) -> String {
        let bytes = Array(key.utf8)
        let bare =
            !bytes.isEmpty && (bytes[0].isASCIILetter || bytes[0] == UInt8(ascii: "_"))
            && bytes.allSatisfy { $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "_") }
        return bare ? key : quoted(key)
    }

    static func timestamp(_ value: STIXTimestamp) -> String {
        "t'" + STIXTimestamp.format(microseconds: value.microseconds, fractionDigits: min(value.fractionDigits, 6)) + "'"
    }

    static func hex(_ octets: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(octets.count * 2)
        for octet in octets {
            out.append(digits[Int(octet >> 4)])
            out.append(digits[Int(octet & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A finite double in plain decimal notation (the grammar has no exponents): `1.5`, `0.00001`;
    /// integral values without a fraction unless `alwaysFraction` (a float literal needs its dot).
    static func decimal(_ value: Double, alwaysFraction: Bool = false) -> String {
        var text = "\(value)"
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let exponent = Int(text[text.index(after: e)...]) ?? 0
            var mantissa = String(text[..<e])
            let negative = mantissa.hasPrefix("-")
            if negative { mantissa.removeFirst() }
            let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
            var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
            var point = parts[0].count + exponent
            if point <= 0 {
                digits = String(repeating: "0", count: 1 - point) + digits
                point = 1
            } else if point > digits.count {
                digits += String(repeating: "0", count: point - digits.count)
            }
            let whole = String(digits.prefix(point))
            var fraction = String(digits.dropFirst(point))
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text = (negative ? "-" : "") + whole + (fraction.isEmpty ? ".0" : "." + fraction)
        }
        if text.hasSuffix(".0"), !alwaysFraction { text.removeLast(2) }
        return text
    }
}
