import CybexCore
import Testing

@testable import CybexFormats

/// The tables constituencies and enrichment are loaded from: delimited text with bounds, CSV
/// constituency files, ip2asn TSV and RIR delegated statistics — read exactly, refused with the
/// line at fault.
@Suite("Constituency and enrichment readers")
struct ConstituencyAndEnrichmentReaderTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func delimitedTextReadsQuotedFieldsAndCountsLines() throws {
        let text = "# comment\r\na,\"b, with comma\",\"say \"\"hi\"\"\"\r\n\r\n\"multi\nline\",x\n  \nlast"
        let records = try DelimitedText(Self.bytes(text)).records()
        #expect(records.map(\.fields) == [["a", "b, with comma", "say \"hi\""], ["multi\nline", "x"], ["last"]])
        #expect(records.map(\.line) == [2, 4, 7])
        // A byte order mark is not part of the first field.
        #expect(try DelimitedText([0xEF, 0xBB, 0xBF] + Self.bytes("value\n")).records().first?.fields == ["value"])
    }

    @Test func delimitedTextRefusesMalformedAndHostileRecords() {
        #expect(throws: DelimitedText.ReadError.self) { try DelimitedText(Self.bytes("a\n\"open")).records() }
        #expect(throws: DelimitedText.ReadError.self) { try DelimitedText(Self.bytes("\"a\"b,c")).records() }
        var limits = DelimitedText.Limits()
        limits.maxRecordBytes = 100
        do {
            _ = try DelimitedText(Self.bytes("ok\n" + String(repeating: "x", count: 1_000)), limits: limits).records()
            Issue.record("a record over the bound was read")
        } catch {
            #expect(error.line == 2)
        }
        limits = DelimitedText.Limits()
        limits.maxFields = 3
        #expect(throws: DelimitedText.ReadError.self) {
            try DelimitedText(Self.bytes("a,b,c,d"), limits: limits).records()
        }
        #expect(throws: DelimitedText.ReadError.self) { try DelimitedText([0x61, 0xFF, 0x0A]).records() }
    }

    @Test func constituencyEntriesAreNormalisedByKind() throws {
        let cases: [(ConstituencyEntry.Kind?, String, ConstituencyEntry.Kind, String)] = [
            (nil, "198.51.100.7/24", .network, "198.51.100.0/24"),
            (nil, "198.51.100.7", .network, "198.51.100.7"),
            (.network, "2001:DB8:0:0::/32", .network, "2001:db8::/32"),
            (nil, "AS64500", .asn, "64500"),
            (.asn, "64500", .asn, "64500"),
            (nil, "Bücher.Example.", .domain, "xn--bcher-kva.example"),
            (nil, "*.isp.example", .domain, "isp.example"),
            (.domain, "fr", .domain, "fr"),
        ]
        for (kind, value, expectedKind, expected) in cases {
            let entry = try ConstituencyEntries.entry(kind: kind, value: value, note: " note ")
            #expect(entry == ConstituencyEntry(kind: expectedKind, value: expected, note: "note"), "\(value)")
        }
        for (kind, value) in [
            (ConstituencyEntry.Kind.network, "example.com"), (.asn, "AS4294967296"), (.asn, "ASx"), (.domain, "192.0.2.1"),
            (.domain, "a..b"), (.domain, "user@example.com"), (nil, ""), (nil, "bad\u{0}value"),
        ] as [(ConstituencyEntry.Kind?, String)] {
            #expect(throws: ConstituencyEntries.EntryError.self, "\(value)") {
                try ConstituencyEntries.entry(kind: kind, value: value)
            }
        }
        #expect(throws: ConstituencyEntries.EntryError.self) {
            try ConstituencyEntries.entry(kind: nil, value: "isp.example", note: String(repeating: "n", count: 300))
        }
    }

    @Test func constituencyCSVReadsHeadersInAnyOrderOrNone() throws {
        let withHeader = "# our networks\nNote,Value,Type\ncustomers,198.51.100.0/24,network\n,AS64500,\nshop,isp.example,\n"
        #expect(
            try ConstituencyEntries.csv(Self.bytes(withHeader)) == [
                ConstituencyEntry(kind: .network, value: "198.51.100.0/24", note: "customers"),
                ConstituencyEntry(kind: .asn, value: "64500"),
                ConstituencyEntry(kind: .domain, value: "isp.example", note: "shop"),
            ])
        // No header: the value first, a note second; repeats kept once.
        let bare = "2001:db8::/32,v6\nisp.example\nISP.example.\n"
        #expect(
            try ConstituencyEntries.csv(Self.bytes(bare)) == [
                ConstituencyEntry(kind: .network, value: "2001:db8::/32", note: "v6"),
                ConstituencyEntry(kind: .domain, value: "isp.example"),
            ])
        #expect(try ConstituencyEntries.csv([]).isEmpty)
    }

    @Test func constituencyCSVNamesTheLineAtFault() {
        for (text, line) in [
            ("type,value\nnetwork,198.51.100.0/24\nnetwork,not-a-network\n", 3), ("value,type\nisp.example,planet\n", 2),
            ("value\nisp.example\n\"unclosed\n", 3),
        ] {
            do {
                _ = try ConstituencyEntries.csv(Self.bytes(text))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.hasPrefix("line \(line):"), "\(error.message)")
            }
        }
    }

    @Test func ip2asnRowsBecomeRanges() throws {
        let text = """
            1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET
            198.51.100.0\t198.51.100.255\t64500\tfr\tISP-ONE Example
            203.0.113.0\t203.0.113.99\t0\tNone\tNot routed
            2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64501\tDE\tV6 AS

            """
        let table = try EnrichmentReader.read(Self.bytes(text), format: .ip2asn)
        #expect(table.asns.isEmpty)
        #expect(table.ranges.count == 4)
        #expect(
            table.ranges[1]
                == EnrichmentRange(
                    first: [198, 51, 100, 0], last: [198, 51, 100, 255], asn: 64500, country: "FR", owner: "ISP-ONE Example"))
        #expect(table.ranges[2] == EnrichmentRange(first: [203, 0, 113, 0], last: [203, 0, 113, 99], asn: 0))
        #expect(table.ranges[3].first.count == 16 && table.ranges[3].last.suffix(12).allSatisfy { $0 == 0xff })
        #expect(table.ranges[3].country == "DE")
    }

    @Test func ip2asnRefusesMalformedLines() {
        for (text, line) in [
            ("1.0.0.0\t1.0.0.255\t13335\tUS\tX\n1.0.1.0\t1.0.0.255\t1\tUS\tbackwards\n", 2),
            ("1.0.0.0\t2001:db8::\t1\tUS\tmixed\n", 1), ("1.0.0.0\t1.0.0.255\tAS1\tUS\tX\n", 1),
            ("1.0.0.0\t1.0.0.255\t1\tFRA\tX\n", 1), ("1.0.0.0\t1.0.0.255\n", 1),
        ] {
            do {
                _ = try EnrichmentReader.read(Self.bytes(text), format: .ip2asn)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.hasPrefix("line \(line):"), "\(error.message)")
            }
        }
    }

    @Test func rirDelegatedRecordsBecomeRangesOfAddressesAndASNumbers() throws {
        let text = """
            # delegated statistics
            2.3|ripencc|20261201|5|19830705|20261201|+0100
            ripencc|*|ipv4|*|3|summary
            ripencc|*|asn|*|1|summary
            ripencc|FR|ipv4|198.51.100.0|512|20100101|allocated|org-a
            ripencc|DE|ipv6|2001:db8::|32|20110101|assigned|org-b
            ripencc|FR|asn|64500|10|20100101|allocated|org-a
            ripencc||ipv4|192.0.2.0|256||available
            ripencc|ZZ|ipv4|203.0.113.0|256||reserved|
            arin|US|ipv4|192.0.2.0|256|20000101|assigned
            """
        let table = try EnrichmentReader.read(Self.bytes(text), format: .rirDelegated)
        #expect(
            table.ranges == [
                EnrichmentRange(
                    first: [198, 51, 100, 0], last: [198, 51, 101, 255], country: "FR", registry: "ripencc", holder: "org-a"),
                EnrichmentRange(
                    first: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 12),
                    last: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0xff, count: 12), country: "DE", registry: "ripencc",
                    holder: "org-b"),
                EnrichmentRange(first: [192, 0, 2, 0], last: [192, 0, 2, 255], country: "US", registry: "arin"),
            ])
        #expect(
            table.asns == [EnrichmentASNRange(first: 64500, last: 64509, country: "FR", registry: "ripencc", holder: "org-a")])
    }

    @Test func rirDelegatedRefusesMalformedRecords() {
        for (text, line) in [
            ("2|apnic|20260101|1|19830101|20260101|+1000\napnic|JP|ipv4|1.0.0.0|0|20100101|allocated\n", 2),
            ("apnic|JP|ipv4|255.255.255.0|512|20100101|allocated\n", 1),
            ("apnic|JP|ipv6|2001:db8::|129|20100101|allocated\n", 1), ("apnic|JP|ipx|1.0.0.0|256|20100101|allocated\n", 1),
            ("apnic|JP|asn|4294967295|2|20100101|allocated\n", 1), ("apnic|JP|ipv4|1.0.0.0|256|20100101|stolen\n", 1),
            ("apnic|JP|ipv4|1.0.0.0\n", 1),
        ] {
            do {
                _ = try EnrichmentReader.read(Self.bytes(text), format: .rirDelegated)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.hasPrefix("line \(line):"), "\(error.message)")
            }
        }
    }
}
