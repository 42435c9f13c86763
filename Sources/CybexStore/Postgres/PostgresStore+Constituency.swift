public import CybexCore
import PostgresNIO

/// Constituencies and enrichment tables on PostgreSQL (``ConstituencyStore``).
extension PostgresStore {
    public func constituency(of organisationID: String) async throws -> [ConstituencyEntry]? {
        guard StoredText.isStorable(organisationID) else { return nil }
        // One statement: the organisation and its entries of the same snapshot.
        var exists = false
        var entries: [ConstituencyEntry] = []
        for row in try await rows(
            """
            SELECT c.kind, c.value, c.note FROM organisations o
            LEFT JOIN constituency_entries c ON c.organisation_id = o.id
            WHERE o.id = \(organisationID)
            """)
        {
            exists = true
            let (kind, value, note) = try row.decode((String?, String?, String?).self)
            if let kind = kind.flatMap(ConstituencyEntry.Kind.init(rawValue:)), let value {
                entries.append(ConstituencyEntry(kind: kind, value: value, note: note))
            }
        }
        return exists ? entries.sorted(by: ConstituencyEntry.storedOrder) : nil
    }

    @discardableResult
    public func updateConstituency(
        of organisationID: String, with entries: [ConstituencyEntry], replacing: Bool,
        audit: @escaping @Sendable (ConstituencyChange) -> [AuditEvent]
    ) async throws -> ConstituencyChange {
        try StoredText.require(organisationID, "organisation id")
        for entry in entries {
            try StoredText.require([(entry.value, "constituency value"), (entry.note, "constituency note")])
        }
        return try await transaction { connection in
            // The organisation row's lock makes concurrent changes of one constituency take turns.
            guard
                try await connection.query(
                    "SELECT 1 FROM organisations WHERE id = \(organisationID) FOR UPDATE", logger: logger
                ).collect().first != nil
            else { throw StoreError(.notFound, "no organisation with id \(organisationID)") }
            var old: Set<ConstituencyEntry> = []
            for try await (kind, value) in try await connection.query(
                "SELECT kind, value FROM constituency_entries WHERE organisation_id = \(organisationID)", logger: logger
            ).decode((String, String).self) {
                if let kind = ConstituencyEntry.Kind(rawValue: kind) { old.insert(ConstituencyEntry(kind: kind, value: value)) }
            }
            let new = Set(entries.map(\.key))
            let gone = replacing ? Array(old.subtracting(new)) : []
            let total = (replacing ? new : old.union(new)).count
            guard total <= ConstituencyEntry.maxEntries else {
                throw StoreError(
                    .invalidArgument, "a constituency holds at most \(ConstituencyEntry.maxEntries) entries, not \(total)")
            }
            if !gone.isEmpty {
                var binds = PostgresBindings()
                binds.append(organisationID)
                binds.append(gone.map(\.kind.rawValue))
                binds.append(gone.map(\.value))
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            DELETE FROM constituency_entries c USING unnest($2::text[], $3::text[]) AS u(k, v)
                            WHERE c.organisation_id = $1 AND c.kind = u.k AND c.value = u.v
                            """, binds: binds), logger: logger)
            }
            // The last of repeated entries gives the note, as on SQLite.
            var unique: [ConstituencyEntry: ConstituencyEntry] = [:]
            for entry in entries { unique[entry.key] = entry }
            if !unique.isEmpty {
                let items = Array(unique.values)
                var binds = PostgresBindings()
                binds.append(organisationID)
                binds.append(items.map(\.kind.rawValue))
                binds.append(items.map(\.value))
                binds.append(items.map { $0.note ?? "" })
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO constituency_entries (organisation_id, kind, value, note)
                            SELECT $1, k, v, NULLIF(n, '') FROM unnest($2::text[], $3::text[], $4::text[]) AS u(k, v, n)
                            ORDER BY k, v
                            ON CONFLICT (organisation_id, kind, value) DO UPDATE SET note = excluded.note
                            """, binds: binds), logger: logger)
            }
            let change = ConstituencyChange(added: new.subtracting(old).count, removed: gone.count, total: total)
            try await Self.appendAudit(audit(change), on: connection, logger: logger)
            return change
        }
    }

    public func constituents(holding entries: [ConstituencyEntry]) async throws -> [ConstituencyMatch] {
        let keys = Array(Set(entries.map(\.key)).filter { StoredText.isStorable($0.value) })
        guard !keys.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(keys.map(\.kind.rawValue))
        binds.append(keys.map(\.value))
        var matches: [ConstituencyMatch] = []
        for row in try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.organisation_id, c.kind, c.value, c.note FROM constituency_entries c
                    JOIN unnest($1::text[], $2::text[]) AS u(k, v) ON c.kind = u.k AND c.value = u.v
                    """, binds: binds))
        {
            let (organisation, kind, value, note) = try row.decode((String, String, String, String?).self)
            guard let kind = ConstituencyEntry.Kind(rawValue: kind) else { continue }
            matches.append(
                ConstituencyMatch(organisationID: organisation, entry: ConstituencyEntry(kind: kind, value: value, note: note)))
        }
        return matches
    }

    public func allConstituencyEntries() async throws -> [ConstituencyMatch] {
        try await rows("SELECT organisation_id, kind, value FROM constituency_entries").compactMap { row in
            let (organisation, kind, value) = try row.decode((String, String, String).self)
            guard let kind = ConstituencyEntry.Kind(rawValue: kind) else { return nil }
            return ConstituencyMatch(organisationID: organisation, entry: ConstituencyEntry(kind: kind, value: value))
        }
    }

    // MARK: Enrichment

    public func replaceEnrichment(
        source name: String, format: EnrichmentFormat, table: EnrichmentTable, at time: Int64, audit: [AuditEvent]
    ) async throws {
        try StoredText.require(name, "enrichment source")
        // A later range with the same start replaces an earlier one, as on SQLite.
        var ranges: [[UInt8]: EnrichmentRange] = [:]
        for range in table.ranges { ranges[range.first] = range }
        var asns: [UInt32: EnrichmentASNRange] = [:]
        for asn in table.asns { asns[asn.first] = asn }
        try await transaction { connection in
            try await connection.query("DELETE FROM enrichment_ranges WHERE source = \(name)", logger: logger)
            try await connection.query("DELETE FROM enrichment_asns WHERE source = \(name)", logger: logger)
            let columns = ["source", "family", "first_address", "last_address", "asn", "country", "owner", "registry", "holder"]
            try await copy(into: "enrichment_ranges", columns, Array(ranges.values), on: connection) { row, item in
                row.text(name)
                row.integer(item.first.count == 4 ? 4 : 6)
                row.bytes(item.first)
                row.bytes(item.last)
                row.integer(item.asn.map(Int64.init))
                row.text(item.country)
                row.text(item.owner)
                row.text(item.registry)
                row.text(item.holder)
            }
            let asnColumns = ["source", "first_asn", "last_asn", "country", "owner", "registry", "holder"]
            try await copy(into: "enrichment_asns", asnColumns, Array(asns.values), on: connection) { row, item in
                row.text(name)
                row.integer(Int64(item.first))
                row.integer(Int64(item.last))
                row.text(item.country)
                row.text(item.owner)
                row.text(item.registry)
                row.text(item.holder)
            }
            try await connection.query(
                """
                INSERT INTO enrichment_sources (name, format, loaded, ranges, asns)
                VALUES (\(name), \(format.rawValue), \(time), \(Int64(ranges.count)), \(Int64(asns.count)))
                ON CONFLICT (name) DO UPDATE SET format = excluded.format, loaded = excluded.loaded,
                    ranges = excluded.ranges, asns = excluded.asns
                """, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
        // The planner's statistics for a table that changed wholesale.
        _ = try? await rows("ANALYZE enrichment_ranges")
    }

    public func removeEnrichment(source name: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return try await transaction { connection in
            guard
                try await connection.query(
                    "DELETE FROM enrichment_sources WHERE name = \(name) RETURNING name", logger: logger
                ).collect().first != nil
            else { return false }
            try await connection.query("DELETE FROM enrichment_ranges WHERE source = \(name)", logger: logger)
            try await connection.query("DELETE FROM enrichment_asns WHERE source = \(name)", logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
            return true
        }
    }

    public func enrichmentSources() async throws -> [EnrichmentSource] {
        try await rows("SELECT name, format, loaded, ranges, asns FROM enrichment_sources ORDER BY name").compactMap { row in
            let (name, format, loaded, ranges, asns) = try row.decode((String, String, Int64, Int64, Int64).self)
            guard let format = EnrichmentFormat(rawValue: format) else { return nil }
            return EnrichmentSource(name: name, format: format, loaded: loaded, ranges: Int(ranges), asns: Int(asns))
        }
    }

    public func enrichment(ofAddress address: [UInt8]) async throws -> [EnrichmentFact] {
        guard address.count == 4 || address.count == 16 else { return [] }
        let bytes = ByteBuffer(bytes: address)
        // For each source, the range starting last at or before the address (one index probe each).
        var facts: [EnrichmentFact] = []
        for row in try await rows(
            """
            SELECT s.name, r.first_address, r.last_address, r.asn, r.country, r.owner, r.registry, r.holder
            FROM enrichment_sources s
            CROSS JOIN LATERAL (
                SELECT * FROM enrichment_ranges r
                WHERE r.source = s.name AND r.family = \(Int16(address.count == 4 ? 4 : 6)) AND r.first_address <= \(bytes)
                ORDER BY r.first_address DESC LIMIT 1) r
            ORDER BY s.name
            """)
        {
            let (source, first, last, asn, country, owner, registry, holder) = try row.decode(
                (String, ByteBuffer, ByteBuffer, Int64?, String?, String?, String?, String?).self)
            let firstBytes = Array(first.readableBytesView)
            let lastBytes = Array(last.readableBytesView)
            guard firstBytes.count == address.count, !lastBytes.lexicographicallyPrecedes(address) else { continue }
            facts.append(
                EnrichmentFact(
                    source: source, range: EnrichmentFact.rangeText(firstBytes, lastBytes),
                    asn: asn.map { UInt32(truncatingIfNeeded: $0) }, country: country, owner: owner, registry: registry,
                    holder: holder))
        }
        return facts
    }

    public func enrichment(ofAddresses addresses: [[UInt8]]) async throws -> [[UInt8]: [EnrichmentFact]] {
        let wanted = Array(Set(addresses.filter { $0.count == 4 || $0.count == 16 }))
        guard !wanted.isEmpty else { return [:] }
        var result: [[UInt8]: [EnrichmentFact]] = [:]
        for start in stride(from: 0, to: wanted.count, by: 10_000) {
            let chunk = wanted[start..<min(start + 10_000, wanted.count)]
            var binds = PostgresBindings()
            binds.append(chunk.map { ByteBuffer(bytes: $0) })
            binds.append(chunk.map { Int16($0.count == 4 ? 4 : 6) })
            // Per address and source, the range starting last at or before it (one index probe each).
            for row in try await rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT u.a, s.name, r.first_address, r.last_address, r.asn, r.country, r.owner, r.registry, r.holder
                        FROM unnest($1::bytea[], $2::smallint[]) AS u(a, f)
                        CROSS JOIN enrichment_sources s
                        CROSS JOIN LATERAL (
                            SELECT * FROM enrichment_ranges r
                            WHERE r.source = s.name AND r.family = u.f AND r.first_address <= u.a
                            ORDER BY r.first_address DESC LIMIT 1) r
                        WHERE r.last_address >= u.a
                        ORDER BY s.name
                        """, binds: binds))
            {
                let (address, source, first, last, asn, country, owner, registry, holder) = try row.decode(
                    (ByteBuffer, String, ByteBuffer, ByteBuffer, Int64?, String?, String?, String?, String?).self)
                result[Array(address.readableBytesView), default: []].append(
                    EnrichmentFact(
                        source: source,
                        range: EnrichmentFact.rangeText(Array(first.readableBytesView), Array(last.readableBytesView)),
                        asn: asn.map { UInt32(truncatingIfNeeded: $0) }, country: country, owner: owner, registry: registry,
                        holder: holder))
            }
        }
        return result
    }

    public func enrichment(ofASN asn: UInt32) async throws -> [EnrichmentFact] {
        var facts: [EnrichmentFact] = []
        for row in try await rows(
            """
            SELECT s.name, a.first_asn, a.last_asn, a.country, a.owner, a.registry, a.holder
            FROM enrichment_sources s
            CROSS JOIN LATERAL (
                SELECT * FROM enrichment_asns a WHERE a.source = s.name AND a.first_asn <= \(Int64(asn))
                ORDER BY a.first_asn DESC LIMIT 1) a
            ORDER BY s.name
            """)
        {
            let (source, first, last, country, owner, registry, holder) = try row.decode(
                (String, Int64, Int64, String?, String?, String?, String?).self)
            guard last >= Int64(asn) else { continue }
            facts.append(
                EnrichmentFact(
                    source: source, range: EnrichmentFact.asnRangeText(UInt32(first), UInt32(last)), asn: asn,
                    country: country, owner: owner, registry: registry, holder: holder))
        }
        return facts
    }
}
