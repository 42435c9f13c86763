public import CybexCore
import Foundation
import GRDB

/// Constituencies and enrichment tables on SQLite (``ConstituencyStore``).
extension SQLiteStore {
    public func constituency(of organisationID: String) async throws -> [ConstituencyEntry]? {
        guard StoredText.isStorable(organisationID) else { return nil }
        return try await read { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM organisations WHERE id = ?", arguments: [organisationID]) != nil
            else { return nil }
            return try Self.constituency(of: organisationID, db)
        }
    }

    static func constituency(of organisationID: String, _ db: Database) throws -> [ConstituencyEntry] {
        try Row.fetchAll(
            db, sql: "SELECT kind, value, note FROM constituency_entries WHERE organisation_id = ?",
            arguments: [organisationID]
        ).compactMap { row -> ConstituencyEntry? in
            guard let kind = ConstituencyEntry.Kind(rawValue: row[0]) else { return nil }
            return ConstituencyEntry(kind: kind, value: row[1], note: row[2])
        }.sorted(by: ConstituencyEntry.storedOrder)
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
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM organisations WHERE id = ?", arguments: [organisationID]) != nil
            else { throw StoreError(.notFound, "no organisation with id \(organisationID)") }
            let old = Set(try Self.constituency(of: organisationID, db).map(\.key))
            let new = Set(entries.map(\.key))
            var removed = 0
            if replacing {
                for key in old.subtracting(new) {
                    try db.execute(
                        sql: "DELETE FROM constituency_entries WHERE organisation_id = ? AND kind = ? AND value = ?",
                        arguments: [organisationID, key.kind.rawValue, key.value])
                    removed += 1
                }
            }
            let total = (replacing ? new : old.union(new)).count
            guard total <= ConstituencyEntry.maxEntries else {
                throw StoreError(
                    .invalidArgument, "a constituency holds at most \(ConstituencyEntry.maxEntries) entries, not \(total)")
            }
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO constituency_entries (organisation_id, kind, value, note) VALUES (?, ?, ?, ?)
                    ON CONFLICT (organisation_id, kind, value) DO UPDATE SET note = excluded.note
                    """)
            for entry in entries {
                try upsert.execute(arguments: [organisationID, entry.kind.rawValue, entry.value, entry.note])
            }
            let change = ConstituencyChange(added: new.subtracting(old).count, removed: removed, total: total)
            try Self.appendAudit(audit(change), db)
            return change
        }
    }

    public func constituents(holding entries: [ConstituencyEntry]) async throws -> [ConstituencyMatch] {
        let keys = Array(Set(entries.map(\.key)).filter { StoredText.isStorable($0.value) })
        guard !keys.isEmpty else { return [] }
        return try await read { db in
            var matches: [ConstituencyMatch] = []
            for start in stride(from: 0, to: keys.count, by: 200) {
                let chunk = keys[start..<min(start + 200, keys.count)]
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT organisation_id, kind, value, note FROM constituency_entries
                        WHERE (kind, value) IN (VALUES \(chunk.map { _ in "(?, ?)" }.joined(separator: ", ")))
                        """,
                    arguments: StatementArguments(chunk.flatMap { [$0.kind.rawValue, $0.value] }))
                for row in rows {
                    guard let kind = ConstituencyEntry.Kind(rawValue: row[1]) else { continue }
                    matches.append(
                        ConstituencyMatch(
                            organisationID: row[0], entry: ConstituencyEntry(kind: kind, value: row[2], note: row[3])))
                }
            }
            return matches
        }
    }

    public func allConstituencyEntries() async throws -> [ConstituencyMatch] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT organisation_id, kind, value FROM constituency_entries").compactMap { row in
                guard let kind = ConstituencyEntry.Kind(rawValue: row[1]) else { return nil }
                return ConstituencyMatch(organisationID: row[0], entry: ConstituencyEntry(kind: kind, value: row[2]))
            }
        }
    }

    // MARK: Enrichment

    public func replaceEnrichment(
        source name: String, format: EnrichmentFormat, table: EnrichmentTable, at time: Int64, audit: [AuditEvent]
    ) async throws {
        try StoredText.require(name, "enrichment source")
        try await write { db in
            try db.execute(sql: "DELETE FROM enrichment_ranges WHERE source = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM enrichment_asns WHERE source = ?", arguments: [name])
            // A later row for the same start replaces an earlier one (files loaded together may repeat one).
            let range = try SQLiteBulkStatement(
                db,
                sql: """
                    INSERT OR REPLACE INTO enrichment_ranges
                        (source, family, first_address, last_address, asn, country, owner, registry, holder)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for item in table.ranges {
                range.bind(1, name)
                range.bind(2, Int64(item.first.count == 4 ? 4 : 6))
                range.bind(3, blob: item.first)
                range.bind(4, blob: item.last)
                range.bind(5, item.asn.map(Int64.init))
                range.bind(6, item.country)
                range.bind(7, item.owner)
                range.bind(8, item.registry)
                range.bind(9, item.holder)
                try range.step(db)
            }
            let asn = try SQLiteBulkStatement(
                db,
                sql: """
                    INSERT OR REPLACE INTO enrichment_asns (source, first_asn, last_asn, country, owner, registry, holder)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for item in table.asns {
                asn.bind(1, name)
                asn.bind(2, Int64(item.first))
                asn.bind(3, Int64(item.last))
                asn.bind(4, item.country)
                asn.bind(5, item.owner)
                asn.bind(6, item.registry)
                asn.bind(7, item.holder)
                try asn.step(db)
            }
            let ranges =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM enrichment_ranges WHERE source = ?", arguments: [name]) ?? 0
            let asns = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM enrichment_asns WHERE source = ?", arguments: [name]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO enrichment_sources (name, format, loaded, ranges, asns) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET format = excluded.format, loaded = excluded.loaded,
                        ranges = excluded.ranges, asns = excluded.asns
                    """,
                arguments: [name, format.rawValue, time, ranges, asns])
            try Self.appendAudit(audit, db)
        }
    }

    public func removeEnrichment(source name: String, audit: [AuditEvent]) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM enrichment_sources WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM enrichment_ranges WHERE source = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM enrichment_asns WHERE source = ?", arguments: [name])
            try Self.appendAudit(audit, db)
            return true
        }
    }

    public func enrichmentSources() async throws -> [EnrichmentSource] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, format, loaded, ranges, asns FROM enrichment_sources ORDER BY name")
                .compactMap { row -> EnrichmentSource? in
                    guard let format = EnrichmentFormat(rawValue: row[1]) else { return nil }
                    return EnrichmentSource(name: row[0], format: format, loaded: row[2], ranges: row[3], asns: row[4])
                }
        }
    }

    public func enrichment(ofAddress address: [UInt8]) async throws -> [EnrichmentFact] {
        guard address.count == 4 || address.count == 16 else { return [] }
        return try await read { db in
            var facts: [EnrichmentFact] = []
            for source in try String.fetchAll(db, sql: "SELECT name FROM enrichment_sources ORDER BY name") {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT first_address, last_address, asn, country, owner, registry, holder
                            FROM enrichment_ranges
                            WHERE source = ? AND family = ? AND first_address <= ?
                            ORDER BY first_address DESC LIMIT 1
                            """,
                        arguments: [source, address.count == 4 ? 4 : 6, Data(address)])
                else { continue }
                let first = [UInt8](row[0] as Data)
                let last = [UInt8](row[1] as Data)
                guard first.count == address.count, !last.lexicographicallyPrecedes(address) else { continue }
                let asn: Int64? = row[2]
                facts.append(
                    EnrichmentFact(
                        source: source, range: EnrichmentFact.rangeText(first, last),
                        asn: asn.map { UInt32(truncatingIfNeeded: $0) },
                        country: row[3], owner: row[4], registry: row[5], holder: row[6]))
            }
            return facts
        }
    }

    public func enrichment(ofAddresses addresses: [[UInt8]]) async throws -> [[UInt8]: [EnrichmentFact]] {
        // In increasing order within each family, so that one lookup answers for every address
        // before the next range starts (a feed's addresses crowd into few networks).
        let wanted = Set(addresses.filter { $0.count == 4 || $0.count == 16 }).sorted { a, b in
            a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
        }
        guard !wanted.isEmpty else { return [:] }
        return try await read { db in
            var result: [[UInt8]: [EnrichmentFact]] = [:]
            let sources = try String.fetchAll(db, sql: "SELECT name FROM enrichment_sources ORDER BY name")
            guard !sources.isEmpty else { return result }
            let covering = try db.cachedStatement(
                sql: """
                    SELECT first_address, last_address, asn, country, owner, registry, holder FROM enrichment_ranges
                    WHERE source = ? AND family = ? AND first_address <= ? ORDER BY first_address DESC LIMIT 1
                    """)
            let following = try db.cachedStatement(
                sql: """
                    SELECT first_address FROM enrichment_ranges
                    WHERE source = ? AND family = ? AND first_address > ? ORDER BY first_address LIMIT 1
                    """)
            /// Per source, the answer of the last lookup: the range starting last at or before the
            /// address (nil: none), and the first address of the next range (nil: none), before
            /// which the same range is the answer.
            var answers: [String: (family: Int, fact: (last: [UInt8], fact: EnrichmentFact)?, next: [UInt8]?)] = [:]
            for address in wanted {
                let family = address.count == 4 ? 4 : 6
                for source in sources {
                    if let answer = answers[source], answer.family == family,
                        answer.next.map({ address.lexicographicallyPrecedes($0) }) ?? true
                    {
                        if let fact = answer.fact, !fact.last.lexicographicallyPrecedes(address) {
                            result[address, default: []].append(fact.fact)
                        }
                        continue
                    }
                    var fact: (last: [UInt8], fact: EnrichmentFact)?
                    if let row = try Row.fetchOne(covering, arguments: [source, family, Data(address)]) {
                        let first = [UInt8](row[0] as Data)
                        let last = [UInt8](row[1] as Data)
                        let asn: Int64? = row[2]
                        fact = (
                            last,
                            EnrichmentFact(
                                source: source, range: EnrichmentFact.rangeText(first, last),
                                asn: asn.map { UInt32(truncatingIfNeeded: $0) }, country: row[3], owner: row[4],
                                registry: row[5], holder: row[6])
                        )
                    }
                    let next = try Data.fetchOne(following, arguments: [source, family, Data(address)]).map { [UInt8]($0) }
                    answers[source] = (family, fact, next)
                    if let fact, !fact.last.lexicographicallyPrecedes(address) {
                        result[address, default: []].append(fact.fact)
                    }
                }
            }
            return result
        }
    }

    public func enrichment(ofASN asn: UInt32) async throws -> [EnrichmentFact] {
        try await read { db in
            var facts: [EnrichmentFact] = []
            for source in try String.fetchAll(db, sql: "SELECT name FROM enrichment_sources ORDER BY name") {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT first_asn, last_asn, country, owner, registry, holder FROM enrichment_asns
                            WHERE source = ? AND first_asn <= ? ORDER BY first_asn DESC LIMIT 1
                            """,
                        arguments: [source, Int64(asn)])
                else { continue }
                let first: Int64 = row[0]
                let last: Int64 = row[1]
                guard last >= Int64(asn) else { continue }
                facts.append(
                    EnrichmentFact(
                        source: source, range: EnrichmentFact.asnRangeText(UInt32(first), UInt32(last)), asn: asn,
                        country: row[2], owner: row[3], registry: row[4], holder: row[5]))
            }
            return facts
        }
    }
}

extension ConstituencyEntry {
    /// The entry without its note: what identifies it within a constituency.
    var key: ConstituencyEntry { ConstituencyEntry(kind: kind, value: value) }

    /// By kind (network, asn, domain), then value.
    static func storedOrder(_ a: ConstituencyEntry, _ b: ConstituencyEntry) -> Bool {
        let kinds = ConstituencyEntry.Kind.allCases
        let (ka, kb) = (kinds.firstIndex(of: a.kind) ?? 0, kinds.firstIndex(of: b.kind) ?? 0)
        return ka != kb ? ka < kb : a.value < b.value
    }
}
