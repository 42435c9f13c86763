import CybexCore
import Testing

@Suite struct STIXTimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0), 0),
        ("1970-01-01T00:00:00.000Z", 0, 3),
        ("2016-01-01T01:01:01.123Z", 1_451_610_061_123_000, 3),
        ("2016-01-01T01:01:01.1Z", 1_451_610_061_100_000, 1),
        ("2016-01-01T01:01:01.123456Z", 1_451_610_061_123_456, 6),
        // Digits after the sixth are kept in the count but do not change the microseconds.
        ("2016-01-01T01:01:01.123456789Z", 1_451_610_061_123_456, 9),
        ("1969-12-31T23:59:59.999999Z", -1, 6),
        ("2000-02-29T00:00:00Z", 951_782_400_000_000, 0),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000_000, 0),
        ("2017-01-20T00:00:00.000Z", 1_484_870_400_000_000, 3),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999_000, 3),
    ])
    func parsesValidTimestamps(text: String, micros: Int64, digits: Int) throws {
        let timestamp = try #require(STIXTimestamp(parsing: text))
        #expect(timestamp.microseconds == micros)
        #expect(timestamp.fractionDigits == digits)
    }

    @Test(arguments: [
        "",
        "2016-01-01",
        "2016-01-01T00:00:00",  // no Z
        "2016-01-01T00:00:00+00:00",  // offsets are not STIX
        "2016-01-01t00:00:00Z",  // lower-case t
        "2016-01-01T00:00:00z",  // lower-case z
        "2016-01-01 00:00:00Z",
        "2016-01-01T00:00:00.Z",  // a point without digits
        "2016-01-01T00:00:00.12aZ",
        "2016-13-01T00:00:00Z",
        "2016-00-01T00:00:00Z",
        "2016-01-00T00:00:00Z",
        "2016-01-32T00:00:00Z",
        "2016-04-31T00:00:00Z",
        "2015-02-29T00:00:00Z",  // not a leap year
        "1900-02-29T00:00:00Z",  // divisible by 100, not by 400
        "2016-01-01T24:00:00Z",
        "2016-01-01T00:60:00Z",
        "2016-01-01T00:00:61Z",
        "16-01-01T00:00:00Z",
        "+2016-01-01T00:00:00Z",
        "2016-1-01T00:00:00Z",
        "２016-01-01T00:00:00Z",  // non-ASCII digit
        "2016-01-01T00:00:00.000000000000000000000000000000001Z",  // more than 32 fraction digits
    ])
    func rejectsInvalidTimestamps(text: String) {
        #expect(STIXTimestamp(parsing: text) == nil)
    }

    @Test func leapSecondOrdersAtTheEndOfTheMinute() throws {
        let leap = try #require(STIXTimestamp(parsing: "2016-12-31T23:59:60Z"))
        let before = try #require(STIXTimestamp(parsing: "2016-12-31T23:59:59.999Z"))
        let after = try #require(STIXTimestamp(parsing: "2017-01-01T00:00:00Z"))
        #expect(before < leap)
        #expect(leap < after)
    }

    @Test func leapDayFourHundredYearRule() {
        #expect(STIXTimestamp(parsing: "2000-02-29T00:00:00Z") != nil)
        #expect(STIXTimestamp(parsing: "2100-02-29T00:00:00Z") == nil)
        #expect(STIXTimestamp(parsing: "2400-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        (Int64(0), 6, "1970-01-01T00:00:00.000000Z"),
        (0, 3, "1970-01-01T00:00:00.000Z"),
        (0, 0, "1970-01-01T00:00:00Z"),
        (1_451_610_061_123_456, 6, "2016-01-01T01:01:01.123456Z"),
        (1_451_610_061_123_456, 3, "2016-01-01T01:01:01.123Z"),
        (1_451_610_061_123_456, 1, "2016-01-01T01:01:01.1Z"),
        (1_451_610_061_123_456, 9, "2016-01-01T01:01:01.123456Z"),  // at most six digits
        (-1, 6, "1969-12-31T23:59:59.999999Z"),
        (951_782_400_000_000, 3, "2000-02-29T00:00:00.000Z"),
    ])
    func formats(micros: Int64, digits: Int, text: String) {
        #expect(STIXTimestamp.format(microseconds: micros, fractionDigits: digits) == text)
    }

    @Test func descriptionHasSixDigitsAndRoundTrips() throws {
        let timestamp = try #require(STIXTimestamp(parsing: "2021-06-10T12:34:56.789Z"))
        #expect(timestamp.description == "2021-06-10T12:34:56.789000Z")
        #expect(STIXTimestamp(parsing: timestamp.text) == timestamp)
    }

    @Test func equalityIgnoresPrecision() throws {
        let a = try #require(STIXTimestamp(parsing: "2016-01-01T00:00:00Z"))
        let b = try #require(STIXTimestamp(parsing: "2016-01-01T00:00:00.000000Z"))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.fractionDigits != b.fractionDigits)
    }

    @Test func everyDayOfAYearRoundTrips() throws {
        var micros = try #require(STIXTimestamp(parsing: "2023-12-31T00:00:00Z")).microseconds
        for _ in 0..<400 {
            let text = STIXTimestamp.format(microseconds: micros, fractionDigits: 0)
            #expect(STIXTimestamp(parsing: text)?.microseconds == micros)
            micros += 86_400_000_000
        }
    }
}
