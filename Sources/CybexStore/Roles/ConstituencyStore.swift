public import CybexCore

/// Organisations' constituencies (networks, AS numbers, domains) and the offline enrichment tables
/// (issue 15): what a trace needs to name the owning network, its AS and country, and the
/// organisation responsible (`SQLiteStore+Constituency.swift`, `PostgresStore+Constituency.swift`).
/// Neither is a STIX object: who reads and changes a constituency is the Engine's
/// `OrganisationRecordPolicy`; enrichment is reference data the administrator loads.
public protocol ConstituencyStore: Sendable {
    /// The constituency of organisation `id`, by kind then value; nil when there is no such organisation.
    func constituency(of organisationID: String) async throws -> [ConstituencyEntry]?
    /// Adds `entries` to the constituency of organisation `id` (an entry already there keeps its
    /// place and takes the new note), or with `replacing` makes them the whole constituency, in one
    /// transaction with the events `audit` returns for the change. `.notFound` for an unknown
    /// organisation; `.invalidArgument` when the result would hold more than
    /// ``ConstituencyEntry/maxEntries`` entries.
    @discardableResult
    func updateConstituency(
        of organisationID: String, with entries: [ConstituencyEntry], replacing: Bool,
        audit: @escaping @Sendable (ConstituencyChange) -> [AuditEvent]
    ) async throws -> ConstituencyChange
    /// The organisations whose constituency holds one of `entries` exactly (kind and value), each
    /// with the entry that matched.
    func constituents(holding entries: [ConstituencyEntry]) async throws -> [ConstituencyMatch]
    /// Every organisation's every entry (what the post-commit notifier matches new objects against).
    func allConstituencyEntries() async throws -> [ConstituencyMatch]

    /// Replaces the enrichment source `name` with `table`, in one transaction with `audit`.
    func replaceEnrichment(
        source name: String, format: EnrichmentFormat, table: EnrichmentTable, at time: Int64, audit: [AuditEvent]
    ) async throws
    /// Removes the source `name` and its ranges; false when there was none.
    func removeEnrichment(source name: String, audit: [AuditEvent]) async throws -> Bool
    /// Every loaded source, by name.
    func enrichmentSources() async throws -> [EnrichmentSource]
    /// What each source says of the address (4 or 16 bytes): the range starting last at or before
    /// it, when it also ends at or after it.
    func enrichment(ofAddress address: [UInt8]) async throws -> [EnrichmentFact]
    /// What each source says of each of `addresses` (4 or 16 bytes each), in one read: the
    /// enrichment of a feed's addresses.
    func enrichment(ofAddresses addresses: [[UInt8]]) async throws -> [[UInt8]: [EnrichmentFact]]
    /// What each source says of the AS number.
    func enrichment(ofASN asn: UInt32) async throws -> [EnrichmentFact]
}

extension EnrichmentFact {
    /// The written range of addresses `first`–`last`: a CIDR network when it is one, else both ends.
    static func rangeText(_ first: [UInt8], _ last: [UInt8]) -> String {
        let bits = first.count * 8
        for prefix in 0...bits {
            let network = IPNetwork.masked(first, prefix)
            guard network == first else { continue }
            let candidate = IPNetwork("\(IPNetwork.text(first))/\(prefix)")
            if candidate?.lastAddress == last {
                return prefix == bits ? IPNetwork.text(first) : "\(IPNetwork.text(first))/\(prefix)"
            }
        }
        return "\(IPNetwork.text(first))-\(IPNetwork.text(last))"
    }

    static func asnRangeText(_ first: UInt32, _ last: UInt32) -> String {
        first == last ? String(first) : "\(first)-\(last)"
    }
}
