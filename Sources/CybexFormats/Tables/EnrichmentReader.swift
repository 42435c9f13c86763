public import CybexCore
import Foundation

/// Reads the published tables offline enrichment is loaded from (``EnrichmentFormat``) into an
/// ``EnrichmentTable``, refusing a malformed line with its number (nothing of a refused file is
/// loaded).
///
/// - **ip2asn** (the TSV of iptoasn.com, `ip2asn-v4.tsv`, `-v6`, `-combined`): `range_start`,
///   `range_end`, `AS_number`, `country_code`, `AS_description`, tab-separated, one inclusive range
///   a line. AS 0 is a range no one announces ("Not routed"): kept with ASN 0, so that a trace can
///   say an address is not routed (a sign of spoofing); a country `None` is no country.
/// - **rir-delegated** (the RIR statistics exchange format, `delegated-<registry>-…`, extended or
///   not): `registry|cc|type|start|value|date|status`, then in the extended form the holder's
///   opaque id. `type` is `ipv4` (value: how many addresses), `ipv6` (value: prefix length) or
///   `asn` (value: how many AS numbers). The version line, summary lines (`…|*|type|*|count|summary`)
///   and `#` comments are skipped; records `available` or `reserved` hold nothing and are skipped.
public enum EnrichmentReader {
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
        init(line: Int, _ message: String) { self.message = "line \(line): \(message)" }
    }

    /// The most ranges one load holds.
    public static let maxRows = 20_000_000

    public static func read(_ bytes: [UInt8], format: EnrichmentFormat) throws(ReadError) -> EnrichmentTable {
        switch format {
        case .ip2asn: try ip2asn(bytes)
        case .rirDelegated: try rirDelegated(bytes)
        }
    }

    static func ip2asn(_ bytes: [UInt8]) throws(ReadError) -> EnrichmentTable {
        var table = EnrichmentTable()
        try forEachRecord(bytes, delimiter: UInt8(ascii: "\t"), maxFields: 16) { record throws(ReadError) in
            let fields = record.fields
            guard fields.count >= 4 else {
                throw ReadError(
                    line: record.line,
                    "\(fields.count) fields; ip2asn has range_start, range_end, AS_number, country_code, AS_description")
            }
            guard let first = IPNetwork.addressBytes(fields[0]), let last = IPNetwork.addressBytes(fields[1]),
                first.count == last.count, !last.lexicographicallyPrecedes(first)
            else { throw ReadError(line: record.line, "'\(clip(fields[0]))'–'\(clip(fields[1]))' is not a range of addresses") }
            guard let asn = UInt32(fields[2]) else {
                throw ReadError(line: record.line, "'\(clip(fields[2]))' is not an AS number")
            }
            let country = try self.country(fields[3], line: record.line)
            let description = fields.count > 4 ? fields[4].trimmingCharacters(in: .whitespaces) : ""
            let owner = asn == 0 || description.isEmpty || description == "Not routed" ? nil : plain(description, 256)
            guard table.ranges.count < maxRows else { throw ReadError("more than \(maxRows) ranges") }
            table.ranges.append(EnrichmentRange(first: first, last: last, asn: asn, country: country, owner: owner))
        }
        return table
    }

    static func rirDelegated(_ bytes: [UInt8]) throws(ReadError) -> EnrichmentTable {
        var table = EnrichmentTable()
        var sawVersion = false
        try forEachRecord(bytes, delimiter: UInt8(ascii: "|"), maxFields: 64) { record throws(ReadError) in
            let fields = record.fields
            // The version line: `2|ripencc|20260101|…` (its first field is the format's version).
            if !sawVersion, let version = fields.first, version.first?.isNumber == true {
                sawVersion = true
                return
            }
            if fields.count >= 6, fields[1] == "*", fields[5] == "summary" { return }
            guard fields.count >= 7 else {
                throw ReadError(line: record.line, "\(fields.count) fields; a record is registry|cc|type|start|value|date|status")
            }
            let status = fields[6].lowercased()
            guard status == "allocated" || status == "assigned" else {
                guard status == "available" || status == "reserved" else {
                    throw ReadError(
                        line: record.line, "'\(clip(fields[6]))' is not a status (allocated, assigned, available, reserved)")
                }
                return
            }
            let registry = fields[0].isEmpty ? nil : plain(fields[0].lowercased(), 32)
            let country = try self.country(fields[1], line: record.line)
            let holder = fields.count > 7 && !fields[7].isEmpty ? plain(fields[7], 128) : nil
            guard table.ranges.count + table.asns.count < maxRows else { throw ReadError("more than \(maxRows) ranges") }
            switch fields[2].lowercased() {
            case "ipv4":
                guard let first = IPNetwork.addressBytes(fields[3]), first.count == 4 else {
                    throw ReadError(line: record.line, "'\(clip(fields[3]))' is not an IPv4 address")
                }
                let start = first.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard let count = UInt64(fields[4]), count > 0, start + count - 1 <= UInt64(UInt32.max) else {
                    throw ReadError(line: record.line, "'\(clip(fields[4]))' is not a count of addresses from \(fields[3])")
                }
                let end = UInt32(start + count - 1)
                let last = [UInt8(end >> 24), UInt8(end >> 16 & 0xff), UInt8(end >> 8 & 0xff), UInt8(end & 0xff)]
                table.ranges.append(
                    EnrichmentRange(first: first, last: last, country: country, registry: registry, holder: holder))
            case "ipv6":
                guard let prefix = Int(fields[4]), (0...128).contains(prefix),
                    let network = IPNetwork("\(fields[3])/\(prefix)"), network.address.count == 16
                else {
                    throw ReadError(line: record.line, "'\(clip(fields[3]))/\(clip(fields[4]))' is not an IPv6 network")
                }
                table.ranges.append(
                    EnrichmentRange(
                        first: network.address, last: network.lastAddress, country: country, registry: registry,
                        holder: holder))
            case "asn":
                guard let first = UInt32(fields[3]), let count = UInt64(fields[4]), count > 0,
                    UInt64(first) + count - 1 <= UInt64(UInt32.max)
                else {
                    throw ReadError(line: record.line, "'\(clip(fields[3]))|\(clip(fields[4]))' is not a range of AS numbers")
                }
                table.asns.append(
                    EnrichmentASNRange(
                        first: first, last: UInt32(UInt64(first) + count - 1), country: country, registry: registry,
                        holder: holder))
            default:
                throw ReadError(line: record.line, "'\(clip(fields[2]))' is not a type (asn, ipv4, ipv6)")
            }
        }
        return table
    }

    /// Calls `body` with each record of `bytes` (fields split at `delimiter`, quotes ordinary characters).
    static func forEachRecord(
        _ bytes: [UInt8], delimiter: UInt8, maxFields: Int, _ body: (DelimitedText.Record) throws(ReadError) -> Void
    ) throws(ReadError) {
        var limits = DelimitedText.Limits()
        limits.quotes = false
        limits.maxFields = maxFields
        var iterator = DelimitedText(bytes, delimiter: delimiter, limits: limits).makeIterator()
        while true {
            let record: DelimitedText.Record?
            do {
                record = try iterator.nextRecord()
            } catch {
                throw ReadError(error.description)
            }
            guard let record else { return }
            try body(record)
        }
    }

    /// A two-letter country code in upper case; nil for none (`None`, `ZZ`, empty).
    static func country(_ text: String, line: Int) throws(ReadError) -> String? {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        if code.isEmpty || code == "NONE" || code == "ZZ" || code == "--" { return nil }
        guard code.count == 2, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw ReadError(line: line, "'\(clip(text))' is not a two-letter country code")
        }
        return code
    }

    /// `text` without control characters, at most `length` characters.
    static func plain(_ text: String, _ length: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(length))
    }

    static func clip(_ text: String) -> String { ControlCharacters.escaped(String(text.prefix(48))) }
}
