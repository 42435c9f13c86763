import CybexCore

/// IODEF's times are XML Schema `dateTime`s (`2026-05-01T10:15:00+02:00`, fractions and zone
/// optional); STIX's are UTC with a `Z`. These convert the one into the other.
public enum IODEFTime {
    /// Whether `text` reads as an `xs:dateTime`.
    public static func isDateTime(_ text: String) -> Bool { microseconds(text) != nil }

    /// Whether `text` is an IODEF `TimezoneType`: `Z` or `±hh:mm` with hours up to 14.
    public static func isTimezone(_ text: String) -> Bool {
        if text == "Z" { return true }
        let b = Array(text.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let hours = number(b[1..<3]), let minutes = number(b[4..<6])
        else { return false }
        return hours <= 14 && minutes <= 59
    }

    /// Microseconds since the epoch of an `xs:dateTime`, its zone applied (none: read as UTC); nil
    /// when `text` is not one.
    public static func microseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(b[0..<4]), let month = number(b[5..<7]), let day = number(b[8..<10]),
            let hour = number(b[11..<13]), let minute = number(b[14..<16]), let second = number(b[17..<19]),
            year >= 1, (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var index = 19
        var fraction = ""
        if index < b.count && b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count && b[index] >= 0x30 && b[index] <= 0x39 { index += 1 }
            guard index > start else { return nil }
            fraction = String(decoding: b[start..<index], as: UTF8.self)
        }
        var offsetMinutes: Int64 = 0
        if index < b.count {
            let zone = String(decoding: b[index...], as: UTF8.self)
            guard isTimezone(zone) else { return nil }
            if zone != "Z" {
                let sign: Int64 = b[index] == UInt8(ascii: "-") ? -1 : 1
                offsetMinutes = sign * (number(b[(index + 1)..<(index + 3)])! * 60 + number(b[(index + 4)..<(index + 6)])!)
            }
        }
        let utcText = String(decoding: b[0..<19], as: UTF8.self) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
        guard let stamp = STIXTimestamp(parsing: utcText) else { return nil }
        return stamp.microseconds - offsetMinutes * 60_000_000
    }

    /// The STIX timestamp (UTC, `Z`, milliseconds unless finer) of an `xs:dateTime`, or nil.
    public static func stixTimestamp(_ text: String) -> String? {
        microseconds(text.trimmingXMLWhitespace).map(STIXTimestamp.formatVersion(microseconds:))
    }

    static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }
}
