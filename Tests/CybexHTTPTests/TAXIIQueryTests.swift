import CybexCore
import Testing

@testable import CybexHTTP

/// The URL parameters of TAXII reads: percent-decoding by bytes, strict about what is malformed.
@Suite struct TAXIIQueryTests {
    @Test(arguments: [
        ("indicator--4f1d", "indicator--4f1d"),
        ("a%20b", "a b"),
        ("a+b", "a b"),
        ("match%5Bid%5D", "match[id]"),
        ("%e2%9c%93%E2%9C%93", "✓✓"),
        ("100%25", "100%"),
        ("%2B+", "+ "),
        ("", ""),
    ])
    func decodesPercentEncoding(encoded: String, decoded: String) {
        #expect(TAXIIQuery.decode(Substring(encoded)) == decoded)
    }

    @Test(arguments: ["%", "%4", "a%zz", "%G0", "%FF", "%C3%28", "%ED%A0%80"])
    func refusesWhatIsNotPercentEncodedUTF8(encoded: String) {
        #expect(TAXIIQuery.decode(Substring(encoded)) == nil)
    }

    @Test func parsesAListTrimmingWhiteSpaceAroundValues() throws {
        let query = try TAXIIQuery(
            "match%5Bid%5D=indicator--a,%20indicator--b%09,,&match%5Btype%5D=indicator&limit=5", allowed: TAXIIRoutes.readFilters,
            defaultLimit: 100, maxLimit: 1_000)
        #expect(query.query.ids == ["indicator--a", "indicator--b"])
        #expect(query.query.types == ["indicator"])
        #expect(query.query.limit == 5)
    }

    @Test func refusesAMalformedOrRepeatedParameter() {
        #expect(throws: TAXIIError.self) {
            try TAXIIQuery("match%5Bid%5D=%zz", allowed: TAXIIRoutes.readFilters, defaultLimit: 100, maxLimit: 1_000)
        }
        #expect(throws: TAXIIError.self) {
            try TAXIIQuery("limit=1&limit=2", allowed: TAXIIRoutes.readFilters, defaultLimit: 100, maxLimit: 1_000)
        }
    }
}
