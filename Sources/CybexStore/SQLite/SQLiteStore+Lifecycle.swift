public import CybexCore
import Foundation
import GRDB

extension SQLiteStore {
    public func createRetentionPolicy(_ policy: RetentionPolicy) async throws {
        try StoredText.require(
            [(policy.id, "retention policy id"), (policy.name, "retention policy name")]
                + policy.types.map { ($0, "object type") })
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO retention_policies (id, name, types, levels, purge_after_days, expire_grace_days, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    policy.id, policy.name, SQLFilter.joined(policy.types), SQLFilter.joined(policy.levels.map(\.rawValue)),
                    policy.purgeAfterDays, policy.expireGraceDays, policy.createdAt,
                ])
        }
    }

    public func retentionPolicies() async throws -> [RetentionPolicy] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, types, levels, purge_after_days, expire_grace_days, created_at
                    FROM retention_policies ORDER BY name
                    """
            ).map { row in
                RetentionPolicy(
                    id: row[0], name: row[1], types: SQLFilter.split(row[2]),
                    levels: SQLFilter.split(row[3]).compactMap(TLPLevel.init(rawValue:)), purgeAfterDays: row[4],
                    expireGraceDays: row[5], createdAt: row[6])
            }
        }
    }

    public func deleteRetentionPolicy(named name: String) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM retention_policies WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func removeObjects(in collectionID: String, matching selection: RemovalSelection, dryRun: Bool) async throws
        -> [RemovedVersion]
    {
        try await write { db in
            var arguments: StatementArguments = [collectionID]
            let filter = SQLFilter.build(selection, placeholder: { _ in "?" }, bind: { arguments += [$0.databaseValue] })
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.collection, m.date_added, o.id, o.version FROM \(Self.joined(byID: false))
                    WHERE m.collection = \(SQLFilter.collection("?"))\(filter) ORDER BY m.date_added
                    """,
                arguments: arguments)
            let removed = rows.map { RemovedVersion(id: $0[2], version: $0[3], collectionID: collectionID) }
            guard !dryRun else { return removed }
            for row in rows {
                try db.execute(
                    sql: "DELETE FROM collection_objects WHERE collection = ? AND date_added = ?",
                    arguments: [row[0] as Int64, row[1] as Int64])
            }
            try Self.deleteOrphans(ofIDs: Set(removed.map(\.id)), db)
            return removed
        }
    }

    public func eraseObjects(containing identifier: String, dryRun: Bool) async throws -> [RemovedVersion] {
        try StoredText.require(identifier, "identifier")
        return try await write { db in
            let needle = identifier.lowercased()
            // Every version of every object one of whose versions has an observable with the value,
            // or the text anywhere in its stored JSON (values are stored as received: `StoredJSON`),
            // raw or as JSON escapes it, or that is the object itself (its id).
            let escaped = SQLFilter.jsonEscaped(needle)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, o.id, o.version, m.collection, m.date_added
                    FROM \(Self.joined(byID: true)) JOIN collection_numbers c ON c.num = m.collection
                    WHERE o.id IN (
                        SELECT t.id FROM objects t WHERE t.observable_set IS NOT NULL AND t.observable_set IN (\(SQLFilter.setsCarrying(lowerCased: "?", "?")))
                        UNION SELECT id FROM objects WHERE id = ?
                        UNION SELECT id FROM objects
                        WHERE instr(lower(CAST(json AS TEXT)), ?) > 0 OR instr(lower(CAST(json AS TEXT)), ?) > 0)
                    ORDER BY c.id, m.date_added
                    """,
                arguments: [needle, needle, needle, needle, escaped])
            let removed = rows.map { RemovedVersion(id: $0[1], version: $0[2], collectionID: $0[0]) }
            guard !dryRun else { return removed }
            for row in rows {
                try db.execute(
                    sql: "DELETE FROM collection_objects WHERE collection = ? AND date_added = ?",
                    arguments: [row[3] as Int64, row[4] as Int64])
            }
            try Self.deleteOrphans(ofIDs: Set(removed.map(\.id)), db)
            return removed
        }
    }

    /// Deletes the object rows of `ids` that no collection holds any more, with their edges and
    /// recipients, and the observables no object carries any more (an erased value leaves the index).
    static func deleteOrphans(ofIDs ids: Set<String>, _ db: Database) throws {
        let orphans =
            "SELECT o.pk FROM objects o WHERE o.id = ? AND NOT EXISTS (SELECT 1 FROM collection_objects m WHERE m.object_pk = o.pk)"
        var sets: Set<Int64> = []
        for id in ids.sorted() {
            sets.formUnion(
                try Int64.fetchAll(
                    db, sql: "SELECT observable_set FROM objects WHERE pk IN (\(orphans)) AND observable_set IS NOT NULL",
                    arguments: [id]))
            for table in SQLFilter.objectTables {
                try db.execute(sql: "DELETE FROM \(table) WHERE object_pk IN (\(orphans))", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM objects WHERE pk IN (\(orphans))", arguments: [id])
        }
        var values: Set<Int64> = []
        for set in sets.sorted() {
            guard try Int64.fetchOne(db, sql: "SELECT 1 FROM objects WHERE observable_set = ? LIMIT 1", arguments: [set]) == nil
            else { continue }
            guard set > 0 else {
                values.insert(-set)
                continue
            }
            values.formUnion(
                try Int64.fetchAll(db, sql: "SELECT value_pk FROM observable_postings WHERE set_pk = ?", arguments: [set]))
            try db.execute(sql: "DELETE FROM observable_postings WHERE set_pk = ?", arguments: [set])
            try db.execute(sql: "DELETE FROM observable_sets WHERE pk = ?", arguments: [set])
        }
        for value in values.sorted() {
            try db.execute(
                sql: """
                    DELETE FROM observable_values WHERE pk = ?
                    AND NOT EXISTS (SELECT 1 FROM observable_postings WHERE value_pk = ?)
                    AND NOT EXISTS (SELECT 1 FROM objects WHERE observable_set = ?)
                    """,
                arguments: [value, value, -value])
        }
    }
}

extension SQLiteStore {
    public func createRedactionPolicy(_ policy: StoredRedactionPolicy) async throws {
        try StoredText.require([(policy.id, "redaction policy id"), (policy.name, "redaction policy name")])
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO redaction_policies (id, name, destination, document, key, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [policy.id, policy.name, policy.destination, policy.document, Data(policy.key), policy.createdAt])
        }
    }

    public func redactionPolicies() async throws -> [StoredRedactionPolicy] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name, destination, document, key, created_at FROM redaction_policies ORDER BY name"
            ).map { row in
                StoredRedactionPolicy(
                    id: row[0], name: row[1], destination: row[2], document: row[3], key: [UInt8](row[4] as Data),
                    createdAt: row[5])
            }
        }
    }

    public func deleteRedactionPolicy(named name: String) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM redaction_policies WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}
