/// Offline enrichment (issue 15): who holds an address range or an autonomous system, and in which
/// country, as loaded by the administrator from published tables (the ip2asn TSV format, the RIRs'
/// delegated-extended statistics). Each load replaces one named source.
public enum EnrichmentFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// `range_start TAB range_end TAB AS_number TAB country_code TAB AS_description`, one range per line.
    case ip2asn
    /// `registry|cc|type|start|value|date|status[|opaque-id[|extensions…]]`, the RIR statistics
    /// exchange format (extended or not).
    case rirDelegated = "rir-delegated"
}

/// One range of addresses of one family (first and last address as 4 or 16 bytes, inclusive).
public struct EnrichmentRange: Sendable, Hashable {
    public var first: [UInt8]
    public var last: [UInt8]
    /// The autonomous system that originates it (ip2asn); nil when unknown or not routed.
    public var asn: UInt32?
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String?
    /// The holder's name as the source gives it (ip2asn's AS description).
    public var owner: String?
    /// The registry that delegated it (`ripencc`, `arin` …; RIR statistics).
    public var registry: String?
    /// The registry's opaque id of the holder (delegated-extended), or the delegation's status.
    public var holder: String?

    public init(
        first: [UInt8], last: [UInt8], asn: UInt32? = nil, country: String? = nil, owner: String? = nil,
        registry: String? = nil, holder: String? = nil
    ) {
        self.first = first
        self.last = last
        self.asn = asn
        self.country = country
        self.owner = owner
        self.registry = registry
        self.holder = holder
    }
}

/// A range of AS numbers (inclusive) with what a source says of it.
public struct EnrichmentASNRange: Sendable, Hashable {
    public var first: UInt32
    public var last: UInt32
    public var country: String?
    public var owner: String?
    public var registry: String?
    public var holder: String?

    public init(
        first: UInt32, last: UInt32, country: String? = nil, owner: String? = nil, registry: String? = nil,
        holder: String? = nil
    ) {
        self.first = first
        self.last = last
        self.country = country
        self.owner = owner
        self.registry = registry
        self.holder = holder
    }
}

/// What one load brings: ranges of addresses and of AS numbers.
public struct EnrichmentTable: Sendable, Hashable {
    public var ranges: [EnrichmentRange]
    public var asns: [EnrichmentASNRange]

    public init(ranges: [EnrichmentRange] = [], asns: [EnrichmentASNRange] = []) {
        self.ranges = ranges
        self.asns = asns
    }
}

/// A loaded source, as listed.
public struct EnrichmentSource: Sendable, Hashable {
    public var name: String
    public var format: EnrichmentFormat
    /// When it was loaded (microseconds since 1970).
    public var loaded: Int64
    public var ranges: Int
    public var asns: Int

    public init(name: String, format: EnrichmentFormat, loaded: Int64, ranges: Int, asns: Int) {
        self.name = name
        self.format = format
        self.loaded = loaded
        self.ranges = ranges
        self.asns = asns
    }
}

/// What a source says of an address or an AS number.
public struct EnrichmentFact: Sendable, Hashable {
    public var source: String
    /// The range that holds the address, as written by ``IPNetwork/text(_:)`` (`first-last`), or
    /// the AS range (`64496-64511`; one number when it is one AS).
    public var range: String
    public var asn: UInt32?
    public var country: String?
    public var owner: String?
    public var registry: String?
    public var holder: String?

    public init(
        source: String, range: String, asn: UInt32? = nil, country: String? = nil, owner: String? = nil,
        registry: String? = nil, holder: String? = nil
    ) {
        self.source = source
        self.range = range
        self.asn = asn
        self.country = country
        self.owner = owner
        self.registry = registry
        self.holder = holder
    }
}
