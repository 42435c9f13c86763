public import CybexCore
import PostgresNIO

extension PostgresStore {
    /// Adds object versions in one transaction, with the outcomes ``SQLiteStore`` gives.
    ///
    /// The transaction first locks the single `clock` row (`SELECT … FOR UPDATE`) and holds it to
    /// commit, so writers of objects, in this process or any other, run one after another: each
    /// reads the versions the previous one committed, date added is strictly increasing, and
    /// transactions commit in date-added order, so a reader paging by date added never skips a row
    /// that commits later with a smaller date. The batch costs a fixed number of round trips: one
    /// query reads every stored version of the batch's ids with its membership in the collection,
    /// the outcomes are decided in memory, then new primary keys are drawn from the sequence and the
    /// rows go in by `COPY … FROM STDIN`. A large batch may then refresh the planner's statistics
    /// (``refreshStatisticsAfterAdding(_:)``).
    public func addObjects(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        try await addStored(StoredJSON.encoding(objects), to: collectionID, owner: owner, scope: scope, commit: commit)
    }

    /// Collects the batches of `queue` (their JSON in stored form already), then adds them in one
    /// transaction.
    public func addObjects(
        from queue: ObjectBatchQueue, to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        var all: [STIXObjectRecord] = []
        while let batch = queue.next() { all += batch }
        return try await addStored(all, to: collectionID, owner: owner, scope: scope, commit: commit)
    }

    /// Adds records whose JSON is in stored form (``StoredJSON``) in one transaction.
    func addStored(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        let outcomes = try await addObjectsInOneTransaction(
            objects, to: collectionID, owner: owner, scope: scope, commit: commit)
        await refreshStatisticsAfterAdding(outcomes.count { if case .added = $0 { true } else { false } })
        return outcomes
    }

    /// The smallest batch after which the statistics are looked at.
    static let statisticsBatch = 1_000

    /// Runs `ANALYZE` on the object tables when `added` rows (a large batch) are at least as many as
    /// the planner last counted in `collection_objects`, or it never counted them. Without
    /// statistics PostgreSQL takes a paging read by date added for a few rows and reads and sorts
    /// every row after the cursor instead of walking the index: measured, 207 ms instead of 14 ms per
    /// 1,000-object page at 100k objects, until autovacuum's first `ANALYZE` (up to a minute
    /// later). The check is one catalog read per large batch; the `ANALYZE` runs each time the
    /// table doubles. The objects are committed by then, so a failure here is logged, never thrown.
    func refreshStatisticsAfterAdding(_ added: Int) async {
        guard added >= Self.statisticsBatch else { return }
        do {
            let counted = try await plannerRowCount()
            guard counted < 0 || Double(added) >= counted else { return }
            _ = try await rows("ANALYZE collection_objects, objects")
        } catch {
            logger.warning("cannot refresh the planner's statistics", metadata: ["error": "\(error)"])
        }
    }

    /// How many rows of `collection_objects` the planner last counted; negative when it never did.
    func plannerRowCount() async throws -> Double {
        try await rows("SELECT reltuples::float8 FROM pg_class WHERE oid = 'collection_objects'::regclass").first?
            .decode(Double.self) ?? -1
    }

    private func addObjectsInOneTransaction(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        try await transaction { connection in
            let last =
                try await connection.query("SELECT last FROM clock WHERE id = 1 FOR UPDATE", logger: logger)
                .collect().first?.decode(Int64.self) ?? 0
            let collection = try await Self.number(in: "collection_numbers", of: collectionID, on: connection, logger: logger)
            let ownerNumber = try await Self.number(in: "organisation_numbers", of: owner, on: connection, logger: logger)
            var plan = ObjectBatchPlan(objects: objects, firstDateAdded: max(SystemWallClock.nowMicroseconds(), last + 1))
            if !objects.isEmpty {
                // Every stored version of the batch's ids, from one probe of the index by id each: the
                // poster's own lineage, and the other organisations' versions in the collection that
                // the poster may see, which matter only for versioned objects it holds no lineage of
                // (see the SQLite store).
                var binds = PostgresBindings()
                binds.append(collection)
                binds.append(ownerNumber)
                binds.append(Array(Set(objects.map(\.id))))
                let visible =
                    scope.map { scope in
                        SQLFilter.condition(scope, objects: "o", owners: owners(for: [scope])) { value in
                            binds.append(value)
                            return "$\(binds.count)"
                        }
                    } ?? "TRUE"
                let stored = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT o.pk, o.id, o.version, o.revoked, o.created_by_ref, o.created,
                                EXISTS (SELECT 1 FROM collection_objects m WHERE m.object_pk = o.pk AND m.collection = $1),
                                o.owner = $2, COALESCE(\(visible), FALSE)
                            FROM objects o WHERE o.id = ANY($3) ORDER BY o.id, o.version
                            """, binds: binds), logger: logger)
                var foreign: [(id: String, version: Int64)] = []
                for try await (pk, id, version, revoked, createdByRef, created, member, own, seen) in stored.decode(
                    (Int64, String, Int64, Bool, String?, Int64?, Bool, Bool, Bool).self)
                {
                    if own {
                        plan.load(
                            ExistingVersion(
                                pk: pk, version: version, revoked: revoked, createdByRef: createdByRef, created: created),
                            id: id, inCollection: member)
                    } else if member, seen, version != unversionedKey {
                        foreign.append((id, version))
                    }
                }
                for version in foreign where !plan.holds(version.id) {
                    plan.loadForeign(id: version.id, version: version.version)
                }
            }
            plan.decide()

            var pks: [Int64] = []
            if !plan.newObjects.isEmpty {
                pks = try await connection.query(
                    """
                    SELECT nextval(pg_get_serial_sequence('objects', 'pk'))
                    FROM generate_series(1, \(plan.newObjects.count))
                    """,
                    logger: logger
                ).decode(Int64.self).reduce(into: []) { $0.append($1) }
                try await copyNewObjects(plan, pks: pks, owner: ownerNumber, on: connection)
            }
            if !plan.members.isEmpty {
                var typeNumbers: [String: Int64] = [:]
                for type in Set(plan.members.map { objects[$0.objectIndex].type }) {
                    typeNumbers[type] = try await Self.number(in: "type_numbers", of: type, on: connection, logger: logger)
                }
                try await copy(
                    into: "collection_objects",
                    ["collection", "date_added", "object_pk", "type", "taxii_version"],
                    plan.members, on: connection
                ) { row, member in
                    row.integer(collection)
                    row.integer(member.dateAdded)
                    row.integer(member.pk < 0 ? pks[Int(-member.pk - 1)] : member.pk)
                    row.integer(typeNumbers[objects[member.objectIndex].type] ?? 0)
                    row.integer(member.key == unversionedKey ? member.dateAdded : member.key)
                }
            }
            try await connection.query("UPDATE clock SET last = \(plan.nextDateAdded - 1) WHERE id = 1", logger: logger)
            if let commit {
                let written = try commit(plan.outcomes)
                try await Self.appendAudit(written.audit, on: connection, logger: logger)
                if let status = written.status { try await Self.saveStatus(status, on: connection, logger: logger) }
            }
            return plan.outcomes
        }
    }

    /// The number that object rows and memberships carry for an organisation or collection id
    /// (`table`), given to the id when it is first written.
    static func number(in table: String, of id: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var binds = PostgresBindings()
        binds.append(id)
        let sql = """
            WITH given AS (INSERT INTO \(table) (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING num)
            SELECT num FROM given UNION ALL SELECT num FROM \(table) WHERE id = $1
            """
        guard
            let number = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                .collect().first?.decode(Int64.self)
        else { throw StoreError(.backend, "no number for \(id) in \(table)") }
        return number
    }

    /// Copies the rows of the objects new to the store, with their observables and edges.
    private func copyNewObjects(
        _ plan: ObjectBatchPlan, pks: [Int64], owner: Int64, on connection: PostgresConnection
    ) async throws {
        let objects = plan.objects
        let fresh = Array(zip(plan.newObjects, pks))
        let sets = try await observableSets(of: plan.newObjects.map { objects[$0].observables }, on: connection)
        try await copy(
            into: "objects",
            [
                "pk", "id", "type", "spec_version", "version", "created", "modified", "revoked",
                "created_by_ref", "owner", "tlp", "valid_until", "json", "granular_marked", "observable_set",
            ],
            Array(zip(fresh, sets)), on: connection
        ) { row, pair in
            let (entry, set) = pair
            let object = objects[entry.0]
            row.integer(entry.1)
            row.text(object.id)
            row.text(object.type)
            row.text(object.specVersion)
            row.integer(object.versionKey ?? unversionedKey)
            row.integer(object.created)
            row.integer(object.modified)
            row.boolean(object.revoked)
            row.text(object.createdByRef)
            row.integer(owner)
            row.text(object.tlp?.rawValue)
            row.integer(object.validUntil)
            row.bytes(object.json)
            row.integer(object.granularMarkingRefs.isEmpty ? 0 : 1)
            row.integer(set)
        }
        let recipients = fresh.flatMap { index, pk in Set(objects[index].recipients).sorted().map { ($0, pk) } }
        if !recipients.isEmpty {
            try await copy(into: "object_recipients", ["object_pk", "organisation_id"], recipients, on: connection) {
                row, entry in
                row.integer(entry.1)
                row.text(entry.0)
            }
        }
        let edges = fresh.flatMap { index, pk in objects[index].edges.map { ($0, pk) } }
        if !edges.isEmpty {
            let columns = ["source_ref", "target_ref", "type", "object_pk"]
            try await copy(into: "relationships", columns, edges, on: connection) { row, entry in
                row.text(entry.0.sourceRef)
                row.text(entry.0.targetRef)
                row.text(entry.0.type)
                row.integer(entry.1)
            }
        }
        try await copyVulnerabilityIndex(
            fresh.compactMap { index, pk in objects[index].vulnerability.map { ($0, pk) } }, on: connection)
    }

    /// Copies the vulnerability index rows of new object rows.
    func copyVulnerabilityIndex(_ entries: [(VulnerabilityFacts, Int64)], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        try await copy(into: "vulnerability_facts", ["object_pk", "cve", "published", "score"], entries, on: connection) {
            row, entry in
            row.integer(entry.1)
            row.text(entry.0.cve)
            row.integer(entry.0.published)
            row.integer(entry.0.score.map(Int64.init))
        }
        let terms = entries.flatMap { facts, pk in Set(facts.terms).sorted().map { ($0, pk) } }
        guard !terms.isEmpty else { return }
        try await copy(into: "vulnerability_terms", ["term", "object_pk"], terms, on: connection) { row, entry in
            row.text(entry.0)
            row.integer(entry.1)
        }
    }

    /// Schema step 21's Swift part: the vulnerability index of the vulnerabilities stored before it.
    func indexStoredVulnerabilities(_ connection: PostgresConnection) async throws {
        var entries: [(VulnerabilityFacts, Int64)] = []
        for try await (pk, json) in try await connection.query(
            "SELECT pk, json FROM objects WHERE type = 'vulnerability'", logger: logger
        ).decode((Int64, ByteBuffer).self) {
            guard let facts = VulnerabilityIndexing.facts(json: json.withUnsafeReadableBytes(StoredJSON.decode)) else { continue }
            entries.append((facts, pk))
        }
        try await copyVulnerabilityIndex(entries, on: connection)
    }

    /// Streams `items` into `table` with `COPY … FROM STDIN` (text format), about 256 KiB per message.
    func copy<Item>(
        into table: String, _ columns: [String], _ items: [Item], on connection: PostgresConnection,
        row encode: (inout COPYTextRow, Item) -> Void
    ) async throws {
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var row = COPYTextRow()
            for item in items {
                encode(&row, item)
                row.endRow()
                if row.buffer.readableBytes >= 256 * 1024 {
                    try await writer.write(row.buffer)
                    row.buffer.clear()
                }
            }
            if row.buffer.readableBytes > 0 { try await writer.write(row.buffer) }
        }
    }

    public func objects(in collectionID: String, matching query: ObjectQuery) async throws -> ObjectPage {
        // SQLite reads `IN ()` as false; PostgreSQL refuses it. An empty list selects nothing.
        if query.ids?.isEmpty == true || query.types?.isEmpty == true || query.specVersions?.isEmpty == true {
            return ObjectPage(records: [], more: false)
        }
        var binds = PostgresBindings()
        binds.append(collectionID)
        binds.append(query.addedAfter ?? Int64.min)
        let ownerLists = owners(for: [query.scope])
        let filter = SQLFilter.build(query, owners: ownerLists, placeholder: { "$\($0 + 2)" }, bind: { binds.append($0) })
        let label = query.scope.map { scope in
            SQLFilter.labelColumns(scope, objects: "o", owners: ownerLists) { value in
                binds.append(value)
                return "$\(binds.count)"
            }
        }
        let columns =
            "m.date_added, o.id, m.taxii_version, o.spec_version" + (label ?? "") + (query.withContent ? ", o.json" : "")
        // LIMIT of a negative number is no limit in SQLite, LIMIT NULL in PostgreSQL.
        let limit = query.limit + 1
        binds.append(limit < 0 ? nil : limit)
        let sql = """
            SELECT \(columns) FROM collection_objects m JOIN objects o ON o.pk = m.object_pk
            WHERE m.collection = \(SQLFilter.collection("$1")) AND m.date_added > $2\(filter)
            ORDER BY m.date_added LIMIT $\(binds.count)
            """
        var records: [StoredObjectVersion] = []
        let scoped = query.scope != nil
        for row in try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            if records.count == query.limit { return ObjectPage(records: records, more: true) }
            let cells = row.makeRandomAccess()
            var record = StoredObjectVersion(
                id: try cells[1].decode(String.self), dateAdded: try cells[0].decode(Int64.self),
                version: try cells[2].decode(Int64.self), specVersion: try cells[3].decode(String.self), json: [])
            if scoped {
                record.level = try cells[4].decode(Int?.self).flatMap {
                    TLPLevel.allCases.indices.contains($0) ? TLPLevel.allCases[$0] : nil
                }
                record.viewerOwns = try cells[5].decode(Int.self) == 1
                record.granularMarked = try cells[6].decode(Int.self) == 1
            }
            if query.withContent {
                record.json = try cells[scoped ? 7 : 4].decode(ByteBuffer.self).withUnsafeReadableBytes(StoredJSON.decode)
            }
            records.append(record)
        }
        return ObjectPage(records: records, more: false)
    }

    /// Removes the selected versions, then the object rows no collection holds any more. Like
    /// ``addObjects(_:to:owner:)`` it holds the `clock` row lock, so that it never removes a version
    /// a concurrent add has just decided to reuse.
    public func deleteObject(
        id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, scope: ReadScope?,
        owner: String?, audit: (@Sendable (Int) -> [AuditEvent])?
    ) async throws -> Int {
        if specVersions?.isEmpty == true { return 0 }
        return try await transaction { connection in
            try await connection.query("SELECT last FROM clock WHERE id = 1 FOR UPDATE", logger: logger)
            var binds = PostgresBindings()
            binds.append(collectionID)
            binds.append(id)
            let query = ObjectQuery(ids: nil, types: nil, versions: versions, specVersions: specVersions, scope: scope)
            let filter = SQLFilter.build(
                query, owners: owners(for: [scope]), placeholder: { "$\($0 + 2)" }, bind: { binds.append($0) })
            let owned = SQLFilter.owned(by: owner) { value in
                binds.append(value)
                return "$\(binds.count)"
            }
            let removed = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        DELETE FROM collection_objects AS m USING objects o
                        WHERE o.pk = m.object_pk AND m.collection = \(SQLFilter.collection("$1")) AND o.id = $2\(filter)\(owned)
                        RETURNING 1
                        """,
                    binds: binds),
                logger: logger
            ).collect().count
            if removed > 0 { try await deleteOrphans(ofIDs: [id], on: connection) }
            if let audit { try await Self.appendAudit(audit(removed), on: connection, logger: logger) }
            return removed
        }
    }

    public func objectCount(in collectionID: String, scope: ReadScope?) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(collectionID)
        let query = ObjectQuery(versions: .all, scope: scope)
        let filter = SQLFilter.build(
            query, owners: owners(for: [scope]), placeholder: { "$\($0 + 1)" }, bind: { binds.append($0) })
        let join = SQLFilter.readsObjects(query) ? " JOIN objects o ON o.pk = m.object_pk" : ""
        let sql = "SELECT COUNT(*) FROM collection_objects m\(join) WHERE m.collection = \(SQLFilter.collection("$1"))\(filter)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).first?.decode(Int.self) ?? 0
    }

    public func markingDefinitions(ids: Set<String>, visibleTo visibility: MarkingVisibility?) async throws
        -> [String: Set<String>]
    {
        guard !ids.isEmpty else { return [:] }
        var binds = PostgresBindings()
        binds.append(Array(ids))
        var visible = ""
        if let visibility {
            // Its own, or one it may see in the collection it posts to.
            binds.append(visibility.owner)
            binds.append(visibility.collectionID)
            let scoped = SQLFilter.condition(visibility.scope, objects: "o", owners: owners(for: [visibility.scope])) {
                value in
                binds.append(value)
                return "$\(binds.count)"
            }
            visible = """
                 AND (o.owner = \(SQLFilter.organisation("$2")) OR (EXISTS (SELECT 1 FROM collection_objects m
                    WHERE m.object_pk = o.pk AND m.collection = \(SQLFilter.collection("$3"))) AND \(scoped)))
                """
        }
        let found = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT o.id, r.organisation_id FROM objects o LEFT JOIN object_recipients r ON r.object_pk = o.pk
                    WHERE o.type = 'marking-definition' AND o.id = ANY($1)\(visible)
                    """, binds: binds))
        var result: [String: Set<String>] = [:]
        for row in found {
            let (id, recipient) = try row.decode((String, String?).self)
            result[id, default: []].formUnion(recipient.map { [$0] } ?? [])
        }
        return result
    }
}

extension PostgresBindings {
    mutating func append(_ value: SQLValue) {
        switch value {
        case .text(let text): append(text)
        case .integer(let integer): append(integer)
        case .bytes(let bytes): append(ByteBuffer(bytes: bytes))
        case .texts(let texts): append(texts)
        }
    }
}
