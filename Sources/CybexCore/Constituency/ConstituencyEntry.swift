/// One item of an organisation's constituency: a network (CIDR), an autonomous system or a domain
/// for which the organisation is the responsible party — where reports of abuse from it are sent,
/// whom a trace names (issue 15, docs/CORRELATION.md "Constituency and enrichment").
///
/// Values are kept in one written form, so that lookups compare text: a network as
/// ``IPNetwork/description`` of its masked address (`192.0.2.0/24`, `2001:db8::/32`, a full-length
/// prefix as the bare address), an AS by its decimal number (`64500`), a domain in lower-case
/// A-labels without a final dot. `CybexFormats.ConstituencyEntries` makes them from what people
/// write.
public struct ConstituencyEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case network
        case asn
        case domain
    }

    public var kind: Kind
    public var value: String
    /// Free text for the people who maintain the list (`head office`, `customer range`).
    public var note: String?

    public init(kind: Kind, value: String, note: String? = nil) {
        self.kind = kind
        self.value = value
        self.note = note
    }

    /// The longest note kept.
    public static let maxNoteLength = 256
    /// The most entries one organisation registers.
    public static let maxEntries = 100_000
}

/// An organisation responsible for a value, and the entry of its constituency that matched.
public struct ConstituencyMatch: Sendable, Hashable {
    public var organisationID: String
    public var entry: ConstituencyEntry

    public init(organisationID: String, entry: ConstituencyEntry) {
        self.organisationID = organisationID
        self.entry = entry
    }
}

/// What a change of a constituency did.
public struct ConstituencyChange: Sendable, Hashable {
    public var added: Int
    public var removed: Int
    /// How many entries the organisation has afterwards.
    public var total: Int

    public init(added: Int, removed: Int, total: Int) {
        self.added = added
        self.removed = removed
        self.total = total
    }
}
