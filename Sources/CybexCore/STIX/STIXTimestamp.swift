/// A STIX/TAXII timestamp: RFC 3339 in UTC with a trailing `Z`, kept to the microsecond.
///
/// `STIXTimestamp(parsing: "2016-01-01T01:01:01.123Z")` accepts exactly the STIX timestamp form
/// (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`); digits after the sixth fractional one are ignored for
/// ordering but the original text is kept in ``text``.
public struct STIXTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microseconds: Int64
    /// How many fractional digits the text carried.
    public let fractionDigits: Int

    public init(microseconds: Int64) {
        self.microseconds = microseconds
        self.fractionDigits = 6
    }

    /// Parses the STIX timestamp form; nil when `text` is not one.
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self.microseconds = parsed.micros
        self.fractionDigits = parsed.digits
    }

    public static func < (lhs: STIXTimestamp, rhs: STIXTimestamp) -> Bool { lhs.microseconds < rhs.microseconds }
    public static func == (lhs: STIXTimestamp, rhs: STIXTimestamp) -> Bool { lhs.microseconds == rhs.microseconds }
    public func hash(into hasher: inout Hasher) { hasher.combine(microseconds) }

    /// The timestamp with six fractional digits, e.g. `2016-01-01T01:01:01.123000Z`.
    public var description: String { Self.format(microseconds: microseconds) }

    /// The timestamp formatted with six fractional digits.
    public var text: String { description }

    /// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public static func format(microseconds: Int64, fractionDigits: Int = 6) -> String {
        let (seconds, micros) = microseconds.quotientAndRemainderFlooring(dividingBy: 1_000_000)
        let (days, secondOfDay) = seconds.quotientAndRemainderFlooring(dividingBy: 86_400)
        let (y, m, d) = civilFromDays(days)
        var out = ""
        out.reserveCapacity(27)
        out += pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fractionDigits > 0 {
            let digits = min(fractionDigits, 6)
            var fraction = micros
            for _ in 0..<(6 - digits) { fraction /= 10 }
            out += "." + pad(fraction, digits)
        }
        return out + "Z"
    }

    /// Formats with millisecond precision when that loses nothing, else microseconds: the way
    /// STIX objects usually write `modified`, so versions read back as they were written.
    public static func formatVersion(microseconds: Int64) -> String {
        format(microseconds: microseconds, fractionDigits: microseconds % 1000 == 0 ? 3 : 6)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> (micros: Int64, digits: Int)? {
        // YYYY-MM-DDTHH:MM:SS(.f+)?Z
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == UInt8(ascii: "T"), b[13] == 0x3A, b[16] == 0x3A,
            b[b.count - 1] == UInt8(ascii: "Z")
        else { return nil }
        func num(_ from: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2), let hour = num(11, 2),
            let minute = num(14, 2), let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        var micros: Int64 = 0
        var digits = 0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count > 21 else { return nil }
            for i in 20..<(b.count - 1) {
                let c = b[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                if digits < 6 { micros = micros * 10 + Int64(c - 0x30) }
                digits += 1
            }
            if digits > 32 { return nil }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        } else if b.count != 20 {
            return nil
        }
        // A leap second (:60) is ordered as the last microseconds of :59.
        let secs = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59)
        let total = secs * 1_000_000 + (second == 60 ? 999_999 : micros)
        return (total, digits)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Int64 {
    func quotientAndRemainderFlooring(dividingBy d: Int64) -> (Int64, Int64) {
        var q = self / d
        var r = self % d
        if r < 0 {
            q -= 1
            r += d
        }
        return (q, r)
    }
}
