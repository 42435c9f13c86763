public import CybexCore
import PostgresNIO

extension PostgresStore {
    public func createRetentionPolicy(_ policy: RetentionPolicy) async throws {
        try StoredText.require(
            [(policy.id, "retention policy id"), (policy.name, "retention policy name")]
                + policy.types.map { ($0, "object type") })
        _ = try await rows(
            """
            INSERT INTO retention_policies (id, name, types, levels, purge_after_days, expire_grace_days, created_at)
            VALUES (\(policy.id), \(policy.name), \(SQLFilter.joined(policy.types)),
                \(SQLFilter.joined(policy.levels.map(\.rawValue))), \(policy.purgeAfterDays), \(policy.expireGraceDays),
                \(policy.createdAt))
            """)
    }

    public func retentionPolicies() async throws -> [RetentionPolicy] {
        try await rows(
            #"""
            SELECT id, name, types, levels, purge_after_days, expire_grace_days, created_at
            FROM retention_policies ORDER BY name COLLATE "C"
            """#
        ).map { row in
            let (id, name, types, levels, purge, grace, createdAt) =
                try row.decode((String, String, String, String, Int?, Int?, Int64).self)
            return RetentionPolicy(
                id: id, name: name, types: SQLFilter.split(types),
                levels: SQLFilter.split(levels).compactMap(TLPLevel.init(rawValue:)), purgeAfterDays: purge,
                expireGraceDays: grace, createdAt: createdAt)
        }
    }

    public func deleteRetentionPolicy(named name: String) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return !(try await rows("DELETE FROM retention_policies WHERE name = \(name) RETURNING 1")).isEmpty
    }

    /// Like ``addObjects(_:to:owner:)`` and ``deleteObject(id:from:versions:specVersions:scope:)``,
    /// removals hold the `clock` row lock, so they never remove a version a concurrent add reuses.
    public func removeObjects(in collectionID: String, matching selection: RemovalSelection, dryRun: Bool) async throws
        -> [RemovedVersion]
    {
        try await transaction { connection in
            try await connection.query("SELECT last FROM clock WHERE id = 1 FOR UPDATE", logger: logger)
            var binds = PostgresBindings()
            binds.append(collectionID)
            let filter = SQLFilter.build(selection, placeholder: { "$\($0 + 1)" }, bind: { binds.append($0) })
            let collection = SQLFilter.collection("$1")
            let sql =
                dryRun
                ? """
                SELECT o.id, o.version FROM collection_objects m JOIN objects o ON o.pk = m.object_pk
                WHERE m.collection = \(collection)\(filter) ORDER BY m.date_added
                """
                : """
                DELETE FROM collection_objects m USING objects o
                WHERE o.pk = m.object_pk AND m.collection = \(collection)\(filter) RETURNING o.id, o.version
                """
            var removed: [RemovedVersion] = []
            for try await (id, version) in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                .decode((String, Int64).self)
            {
                removed.append(RemovedVersion(id: id, version: version, collectionID: collectionID))
            }
            if !dryRun { try await deleteOrphans(ofIDs: Set(removed.map(\.id)), on: connection) }
            return removed
        }
    }

    public func eraseObjects(containing identifier: String, dryRun: Bool) async throws -> [RemovedVersion] {
        try StoredText.require(identifier, "identifier")
        return try await transaction { connection in
            try await connection.query("SELECT last FROM clock WHERE id = 1 FOR UPDATE", logger: logger)
            let needle = identifier.lowercased()
            let escaped = SQLFilter.jsonEscaped(needle)
            let matches = """
                o.pk = m.object_pk AND c.num = m.collection AND o.id IN (
                    SELECT t.id FROM objects t WHERE t.observable_set IS NOT NULL AND t.observable_set IN (\(SQLFilter.setsCarrying(lowerCased: "$1", "$1")))
                    UNION SELECT id FROM objects WHERE id = $1
                    UNION SELECT id FROM objects
                    WHERE position($1 IN lower(convert_from(json, 'UTF8'))) > 0
                        OR position($2 IN lower(convert_from(json, 'UTF8'))) > 0)
                """
            let sql =
                dryRun
                ? """
                SELECT c.id, o.id, o.version FROM collection_objects m, objects o, collection_numbers c WHERE \(matches)
                ORDER BY c.id, m.date_added
                """
                : "DELETE FROM collection_objects m USING objects o, collection_numbers c WHERE \(matches) RETURNING c.id, o.id, o.version"
            var binds = PostgresBindings()
            binds.append(needle)
            binds.append(escaped)
            var removed: [RemovedVersion] = []
            for try await (collection, id, version) in try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger
            ).decode((String, String, Int64).self) {
                removed.append(RemovedVersion(id: id, version: version, collectionID: collection))
            }
            if !dryRun { try await deleteOrphans(ofIDs: Set(removed.map(\.id)), on: connection) }
            return removed
        }
    }

    /// Deletes the object rows of `ids` that no collection holds any more, with their edges and
    /// recipients, and the observables no object carries any more (an erased value leaves the index).
    func deleteOrphans(ofIDs ids: Set<String>, on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        let list = ids.sorted()
        let orphans = """
            SELECT o.pk FROM objects o WHERE o.id = ANY($1)
            AND NOT EXISTS (SELECT 1 FROM collection_objects m WHERE m.object_pk = o.pk)
            """
        var byIDs = PostgresBindings()
        byIDs.append(list)
        var sets: [Int64] = []
        for try await set in try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT DISTINCT observable_set FROM objects WHERE pk IN (\(orphans)) AND observable_set IS NOT NULL",
                binds: byIDs), logger: logger
        ).decode(Int64.self) {
            sets.append(set)
        }
        for statement in SQLFilter.objectTables.map({ "DELETE FROM \($0) WHERE object_pk IN (\(orphans))" })
            + ["DELETE FROM objects WHERE pk IN (\(orphans))"]
        {
            try await connection.query(PostgresQuery(unsafeSQL: statement, binds: byIDs), logger: logger)
        }
        guard !sets.isEmpty else { return }
        var bySets = PostgresBindings()
        bySets.append(sets)
        // Rows that carried one value point at it (minus its key): those values are candidates too.
        var values = sets.filter { $0 < 0 }.map { -$0 }
        for try await value in try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH unused AS (
                        DELETE FROM observable_sets s
                        WHERE s.pk = ANY($1) AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.observable_set = s.pk)
                        RETURNING s.pk)
                    DELETE FROM observable_postings p USING unused u WHERE p.set_pk = u.pk RETURNING p.value_pk
                    """, binds: bySets), logger: logger
        ).decode(Int64.self) {
            values.append(value)
        }
        guard !values.isEmpty else { return }
        var byValues = PostgresBindings()
        byValues.append(values)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    DELETE FROM observable_values v
                    WHERE v.pk = ANY($1) AND NOT EXISTS (SELECT 1 FROM observable_postings p WHERE p.value_pk = v.pk)
                    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.observable_set = -v.pk)
                    """, binds: byValues), logger: logger)
    }
}

extension PostgresStore {
    public func createRedactionPolicy(_ policy: StoredRedactionPolicy) async throws {
        try StoredText.require([(policy.id, "redaction policy id"), (policy.name, "redaction policy name")])
        _ = try await rows(
            """
            INSERT INTO redaction_policies (id, name, destination, document, key, created_at)
            VALUES (\(policy.id), \(policy.name), \(policy.destination), \(policy.document),
                \(ByteBuffer(bytes: policy.key)), \(policy.createdAt))
            """)
    }

    public func redactionPolicies() async throws -> [StoredRedactionPolicy] {
        try await rows(
            #"SELECT id, name, destination, document, key, created_at FROM redaction_policies ORDER BY name COLLATE "C""#
        ).map { row in
            let (id, name, destination, document, key, createdAt) =
                try row.decode((String, String, String, String, ByteBuffer, Int64).self)
            return StoredRedactionPolicy(
                id: id, name: name, destination: destination, document: document, key: Array(key.readableBytesView),
                createdAt: createdAt)
        }
    }

    public func deleteRedactionPolicy(named name: String) async throws -> Bool {
        guard StoredText.isStorable(name) else { return false }
        return !(try await rows("DELETE FROM redaction_policies WHERE name = \(name) RETURNING 1")).isEmpty
    }
}
