public import CybexCore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    public func addObjects(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        let stored = StoredJSON.encoding(objects)
        return try await write { db in
            var pending: [STIXObjectRecord]? = stored
            return try Self.add(to: collectionID, owner: owner, scope: scope, commit: commit, db) {
                defer { pending = nil }
                return pending
            }
        }
    }

    public func addObjects(
        from queue: ObjectBatchQueue, to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome] {
        do {
            return try await write { db in
                try Self.add(to: collectionID, owner: owner, scope: scope, commit: commit, db, nextBatch: queue.next)
            }
        } catch {
            queue.cancel()
            throw error
        }
    }

    /// Writes every batch `nextBatch` gives (their JSON already in stored form: ``StoredJSON``), in
    /// the caller's transaction. Each batch's outcomes
    /// are decided by ``ObjectBatchPlan`` (the rules both backends share) from the stored versions
    /// of its ids, then its new object rows and collection members are written.
    static func add(
        to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?, _ db: Database,
        nextBatch: () -> [STIXObjectRecord]?
    ) throws
        -> [AddOutcome]
    {
        var outcomes: [AddOutcome] = []
        let numbers = try Self.numbers(collection: collectionID, owner: owner, db)
        let last = try Int64.fetchOne(db, sql: "SELECT last FROM clock WHERE id = 1") ?? 0
        var next = max(SystemWallClock.nowMicroseconds(), last + 1)
        let insertObject = try SQLiteBulkStatement(
            db,
            sql: """
                INSERT INTO objects (id, type, spec_version, version, created, modified, revoked,
                    created_by_ref, owner, tlp, valid_until, json, granular_marked, observable_set)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertMember = try SQLiteBulkStatement(
            db,
            sql: """
                INSERT INTO collection_objects (collection, date_added, object_pk, type, taxii_version)
                VALUES (?, ?, ?, ?, ?)
                """)
        var typeNumbers: [String: Int64] = [:]
        var observableIndex = try SQLiteObservableIndex(db)
        let insertRecipient = try SQLiteBulkStatement(
            db, sql: "INSERT OR IGNORE INTO object_recipients (object_pk, organisation_id) VALUES (?, ?)")
        let insertEdge = try SQLiteBulkStatement(
            db,
            sql: "INSERT INTO relationships (source_ref, target_ref, type, object_pk) VALUES (?, ?, ?, ?)"
        )
        let insertFacts = try SQLiteBulkStatement(
            db, sql: "INSERT INTO vulnerability_facts (object_pk, cve, published, score) VALUES (?, ?, ?, ?)")
        let insertTerm = try SQLiteBulkStatement(
            db, sql: "INSERT OR IGNORE INTO vulnerability_terms (term, object_pk) VALUES (?, ?)")

        while let objects = nextBatch() {
            var plan = ObjectBatchPlan(objects: objects, firstDateAdded: next)
            try Self.loadStoredVersions(of: objects, numbers: numbers, scope: scope, into: &plan, db)
            plan.decide()
            var pks: [Int64] = []
            pks.reserveCapacity(plan.newObjects.count)
            for index in plan.newObjects {
                let object = objects[index]
                insertObject.bind(1, object.id)
                insertObject.bind(2, object.type)
                insertObject.bind(3, object.specVersion)
                insertObject.bind(4, object.versionKey ?? unversionedKey)
                insertObject.bind(5, object.created)
                insertObject.bind(6, object.modified)
                insertObject.bind(7, object.revoked)
                insertObject.bind(8, object.createdByRef)
                insertObject.bind(9, numbers.owner)
                insertObject.bind(10, object.tlp?.rawValue)
                insertObject.bind(11, object.validUntil)
                insertObject.bind(12, blob: object.json)
                insertObject.bind(13, object.granularMarkingRefs.isEmpty ? 0 : 1)
                insertObject.bind(14, try observableIndex.set(of: object.observables, db))
                try insertObject.step(db)
                let pk = db.lastInsertedRowID
                pks.append(pk)
                for recipient in object.recipients {
                    insertRecipient.bind(1, pk)
                    insertRecipient.bind(2, recipient)
                    try insertRecipient.step(db)
                }
                for edge in object.edges {
                    insertEdge.bind(1, edge.sourceRef)
                    insertEdge.bind(2, edge.targetRef)
                    insertEdge.bind(3, edge.type)
                    insertEdge.bind(4, pk)
                    try insertEdge.step(db)
                }
                if let facts = object.vulnerability {
                    try Self.insert(facts, pk: pk, facts: insertFacts, terms: insertTerm, db)
                }
            }
            for member in plan.members {
                let object = objects[member.objectIndex]
                insertMember.bind(1, numbers.collection)
                insertMember.bind(2, member.dateAdded)
                insertMember.bind(3, member.pk < 0 ? pks[Int(-member.pk - 1)] : member.pk)
                insertMember.bind(4, try Self.typeNumber(object.type, known: &typeNumbers, db))
                insertMember.bind(5, member.key == unversionedKey ? member.dateAdded : member.key)
                try insertMember.step(db)
            }
            outcomes += plan.outcomes
            next = plan.nextDateAdded
        }
        try db.execute(sql: "UPDATE clock SET last = ? WHERE id = 1", arguments: [next - 1])
        if let commit {
            let written = try commit(outcomes)
            try Self.appendAudit(written.audit, db)
            if let status = written.status { try Self.saveStatus(status, db) }
        }
        return outcomes
    }

    /// Writes the vulnerability index rows of object row `pk`.
    static func insert(
        _ facts: VulnerabilityFacts, pk: Int64, facts insertFacts: SQLiteBulkStatement, terms insertTerm: SQLiteBulkStatement,
        _ db: Database
    ) throws {
        insertFacts.bind(1, pk)
        insertFacts.bind(2, facts.cve)
        insertFacts.bind(3, facts.published)
        insertFacts.bind(4, facts.score.map(Int64.init))
        try insertFacts.step(db)
        for term in facts.terms {
            insertTerm.bind(1, term)
            insertTerm.bind(2, pk)
            try insertTerm.step(db)
        }
    }

    /// Schema step 21's Swift part: the vulnerability index of the vulnerabilities stored before it.
    static func indexStoredVulnerabilities(_ db: Database) throws {
        let insertFacts = try SQLiteBulkStatement(
            db, sql: "INSERT INTO vulnerability_facts (object_pk, cve, published, score) VALUES (?, ?, ?, ?)")
        let insertTerm = try SQLiteBulkStatement(
            db, sql: "INSERT OR IGNORE INTO vulnerability_terms (term, object_pk) VALUES (?, ?)")
        let rows = try Row.fetchCursor(db, sql: "SELECT pk, json FROM objects WHERE type = 'vulnerability'")
        while let row = try rows.next() {
            let json: Data = row[1]
            guard let facts = VulnerabilityIndexing.facts(json: StoredJSON.decode([UInt8](json))) else { continue }
            try insert(facts, pk: row[0], facts: insertFacts, terms: insertTerm, db)
        }
    }

    /// The numbers that object rows and memberships carry for a collection and an organisation,
    /// given to each id when it is first written.
    static func numbers(collection: String, owner: String, _ db: Database) throws -> (collection: Int64, owner: Int64) {
        func number(_ table: String, _ id: String) throws -> Int64 {
            try db.execute(sql: "INSERT OR IGNORE INTO \(table) (id) VALUES (?)", arguments: [id])
            return try Int64.fetchOne(db, sql: "SELECT num FROM \(table) WHERE id = ?", arguments: [id]) ?? 0
        }
        return (try number("collection_numbers", collection), try number("organisation_numbers", owner))
    }

    /// The number memberships of `type` carry (given when the type is first written), from `known` once
    /// this transaction has read it.
    static func typeNumber(_ type: String, known: inout [String: Int64], _ db: Database) throws -> Int64 {
        if let number = known[type] { return number }
        try db.execute(sql: "INSERT OR IGNORE INTO type_numbers (id) VALUES (?)", arguments: [type])
        guard let number = try Int64.fetchOne(db, sql: "SELECT num FROM type_numbers WHERE id = ?", arguments: [type])
        else { throw DatabaseError(message: "no number for type \(type)") }
        known[type] = number
        return number
    }

    /// Loads into `plan` every stored version of the ids among `objects`, read in chunks of 500 ids
    /// with one probe of the object rows' index by id each: the poster's own lineage, with whether
    /// each version is in the collection, and the other organisations' versions in the collection
    /// that `scope` shows the poster (nothing it may not see plays a part). Other organisations'
    /// versions matter only for versioned objects the poster has no lineage of: an id it already
    /// holds is decided from its own versions.
    static func loadStoredVersions(
        of objects: [STIXObjectRecord], numbers: (collection: Int64, owner: Int64), scope: ReadScope?,
        into plan: inout ObjectBatchPlan, _ db: Database
    ) throws {
        let ids = Array(Set(objects.map(\.id)))
        var foreign: [(id: String, version: Int64)] = []
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 500, ids.count)]
            start += 500
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            var visibleArguments: [DatabaseValue] = []
            let visible =
                scope.map { scope in
                    SQLFilter.condition(scope, objects: "o") { value in
                        visibleArguments.append(value.databaseValue)
                        return "?"
                    }
                } ?? "1 = 1"
            // Column 6: in the collection; column 7: the poster's own; column 8: visible to it.
            let statement = try db.cachedStatement(
                sql: """
                    SELECT o.id, o.pk, o.version, o.revoked, o.created_by_ref, o.created,
                        EXISTS (SELECT 1 FROM collection_objects m WHERE m.object_pk = o.pk AND m.collection = ?),
                        o.owner = ?, CASE WHEN \(visible) THEN 1 ELSE 0 END
                    FROM objects o WHERE o.id IN (\(placeholders)) ORDER BY o.version
                    """)
            let arguments =
                StatementArguments([numbers.collection, numbers.owner]) + StatementArguments(visibleArguments)
                + StatementArguments(Array(chunk))
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() {
                let member: Bool = row[6]
                if row[7] {
                    plan.load(
                        ExistingVersion(pk: row[1], version: row[2], revoked: row[3], createdByRef: row[4], created: row[5]),
                        id: row[0], inCollection: member)
                } else if member, row[8], row[2] != unversionedKey {
                    foreign.append((row[0], row[2]))
                }
            }
        }
        for version in foreign where !plan.holds(version.id) { plan.loadForeign(id: version.id, version: version.version) }
    }

    public func objects(in collectionID: String, matching query: ObjectQuery) async throws
        -> ObjectPage
    {
        let body: @Sendable (Database) throws -> ObjectPage = { db in
            var arguments: StatementArguments = []
            let owners = try self.ownerNumbers(for: [query.scope], db)
            // Columns 4 to 6: the sharing label, for a scoped read; then the JSON. Its values come first.
            func statement(_ query: ObjectQuery) -> String {
                let label = query.scope.map { scope in
                    SQLFilter.labelColumns(scope, objects: "o", owners: owners) { value in
                        arguments += [value.databaseValue]
                        return "?"
                    }
                }
                let columns =
                    "m.date_added, o.id, m.taxii_version, o.spec_version" + (label ?? "") + (query.withContent ? ", o.json" : "")
                arguments += [collectionID, query.addedAfter ?? Int64.min]
                let filter = SQLFilter.build(
                    query, owners: owners, placeholder: { _ in "?" }, bind: { arguments += [$0.databaseValue] })
                arguments += [query.limit + 1]
                return """
                    SELECT \(columns) FROM \(Self.joined(byID: query.ids != nil, oneType: query.types?.count == 1))
                    WHERE m.collection = \(SQLFilter.collection("?")) AND m.date_added > ?\(filter)
                    ORDER BY m.date_added LIMIT ?
                    """
            }
            let sql: String
            if query.ids == nil, let types = query.types.map(Self.distinct), types.count > 1, types.count <= Self.typeBranches {
                // Several types: a page of each from the index by type, merged. A page costs at most a
                // page per type, where a walk of the collection testing each row's type costs the
                // whole collection when the types are rare.
                sql =
                    types.map { type in
                        var one = query
                        one.types = [type]
                        return "SELECT * FROM (\(statement(one)))"
                    }.joined(separator: " UNION ALL ") + " ORDER BY 1 LIMIT ?"
                arguments += [query.limit + 1]
            } else {
                sql = statement(query)
            }
            var records: [StoredObjectVersion] = []
            records.reserveCapacity(max(0, min(query.limit, 1_000)))
            // Paging reads, and reads of one object by id (TAXII `objects/{id}/`), have one text per
            // shape of scope and are prepared once per connection; a read with lists from the request
            // (ids, types, versions) may have any text, so only a bounded number of those are kept.
            let listed =
                (query.ids.map { $0.count != 1 } ?? false) || query.types != nil || query.specVersions != nil
                || !query.versions.versions.isEmpty
            let statement = listed ? try Self.shapedStatement(sql, db) : try db.cachedStatement(sql: sql)
            let cursor = try SQLiteRawRows(statement, arguments: arguments)
            // Columns are read straight from the SQLite statement: a page is up to thousands of rows,
            // and this loop is the whole cost of a read.
            let row = statement.sqliteStatement
            let scoped = query.scope != nil
            let jsonColumn: Int32 = scoped ? 7 : 4
            while try cursor.next() != nil {
                if records.count == query.limit { return ObjectPage(records: records, more: true) }
                var record = StoredObjectVersion(
                    id: Self.text(row, 1), dateAdded: sqlite3_column_int64(row, 0), version: sqlite3_column_int64(row, 2),
                    specVersion: Self.text(row, 3), json: query.withContent ? Self.json(row, jsonColumn) : [])
                if scoped {
                    let rank = Int(sqlite3_column_int64(row, 4))
                    record.level =
                        sqlite3_column_type(row, 4) == SQLITE_NULL || !TLPLevel.allCases.indices.contains(rank)
                        ? nil : TLPLevel.allCases[rank]
                    record.viewerOwns = sqlite3_column_int64(row, 5) != 0
                    record.granularMarked = sqlite3_column_int64(row, 6) != 0
                }
                records.append(record)
            }
            return ObjectPage(records: records, more: false)
        }
        // A read of a few ids (an object by id, its versions, `match[id]`) is a point read.
        if let ids = query.ids, ids.count <= Self.pointReadIDs { return try await pointRead(body) }
        return try await read(body)
    }

    /// The most ids a read by id may name and still run as a point read (``pointRead(_:)``).
    static let pointReadIDs = 16

    public func deleteObject(
        id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, scope: ReadScope?,
        owner: String?, audit: (@Sendable (Int) -> [AuditEvent])?
    ) async throws -> Int {
        try await write { db in
            var arguments: StatementArguments = [collectionID, id]
            let query = ObjectQuery(ids: nil, types: nil, versions: versions, specVersions: specVersions, scope: scope)
            let bind: (SQLValue) -> String = {
                arguments += [$0.databaseValue]
                return "?"
            }
            let filter = SQLFilter.build(query, placeholder: { _ in "?" }, bind: { _ = bind($0) })
            let owned = SQLFilter.owned(by: owner, next: bind)
            let doomed = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.collection, m.date_added FROM \(Self.joined(byID: true))
                    WHERE m.collection = \(SQLFilter.collection("?")) AND o.id = ?\(filter)\(owned)
                    """,
                arguments: arguments)
            for row in doomed {
                try db.execute(
                    sql: "DELETE FROM collection_objects WHERE collection = ? AND date_added = ?",
                    arguments: [row[0] as Int64, row[1] as Int64])
            }
            let removed = doomed.count
            if removed > 0 { try Self.deleteOrphans(ofIDs: [id], db) }
            if let audit { try Self.appendAudit(audit(removed), db) }
            return removed
        }
    }

    public func objectCount(in collectionID: String, scope: ReadScope?) async throws -> Int {
        try await read { db in
            var arguments: StatementArguments = [collectionID]
            let query = ObjectQuery(versions: .all, scope: scope)
            let filter = SQLFilter.build(
                query, owners: try self.ownerNumbers(for: [scope], db), placeholder: { _ in "?" },
                bind: { arguments += [$0.databaseValue] })
            let join = SQLFilter.readsObjects(query) ? " CROSS JOIN objects o ON o.pk = m.object_pk" : ""
            return try Int.fetchOne(
                db,
                sql:
                    "SELECT COUNT(*) FROM collection_objects m\(join) WHERE m.collection = \(SQLFilter.collection("?"))\(filter)",
                arguments: arguments) ?? 0
        }
    }

    public func markingDefinitions(ids: Set<String>, visibleTo visibility: MarkingVisibility?) async throws
        -> [String: Set<String>]
    {
        try await read { db in
            var result: [String: Set<String>] = [:]
            let all = Array(ids)
            var start = 0
            while start < all.count {
                let chunk = Array(all[start..<min(start + 500, all.count)])
                start += 500
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                var arguments = StatementArguments(chunk)
                var visible = ""
                if let visibility {
                    // Its own, or one it may see in the collection it posts to.
                    arguments += [visibility.owner, visibility.collectionID]
                    let scoped = SQLFilter.condition(visibility.scope, objects: "o") { value in
                        arguments += [value.databaseValue]
                        return "?"
                    }
                    visible = """
                         AND (o.owner = \(SQLFilter.organisation("?")) OR (EXISTS (SELECT 1 FROM collection_objects m
                            WHERE m.object_pk = o.pk AND m.collection = \(SQLFilter.collection("?"))) AND \(scoped)))
                        """
                }
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT o.id, r.organisation_id FROM objects o LEFT JOIN object_recipients r ON r.object_pk = o.pk
                        WHERE o.type = 'marking-definition' AND o.id IN (\(placeholders))\(visible)
                        """,
                    arguments: arguments)
                while let row = try rows.next() {
                    let recipient: String? = row[1]
                    result[row[0], default: []].formUnion(recipient.map { [$0] } ?? [])
                }
            }
            return result
        }
    }
}

extension SQLiteStore {
    /// Memberships `m` joined to their object rows `o`, in the order SQLite is to read them. A read
    /// of given ids starts from the object rows' index by id and finds each one's memberships by
    /// object row; any other read walks the collection's memberships in date-added order (their
    /// primary key, which also gives the ORDER BY), or one type's of them. Left to itself, SQLite may walk the whole
    /// collection for a read by id, at a cost in proportion to the collection.
    static func joined(byID: Bool, oneType: Bool = false) -> String {
        if byID { return "objects o CROSS JOIN collection_objects m ON m.object_pk = o.pk" }
        // A page of one type walks that type's range of the index by type, in date-added order too.
        // Left to itself, SQLite walks the whole collection and tests each row's type (the index
        // does not hold the object row): measured, 0.6 s for a type absent from a million objects.
        let index = oneType ? " INDEXED BY collection_objects_by_type" : ""
        return "collection_objects m\(index) CROSS JOIN objects o ON o.pk = m.object_pk"
    }

    /// The most types a read by type reads as a page of each type (``objects(in:matching:)``); a
    /// longer list walks the collection.
    static let typeBranches = 16

    /// `values` without repetitions, in their first order.
    static func distinct(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// The text of column `index` of the current row ("" for NULL).
    @inline(__always)
    static func text(_ statement: SQLiteStatement, _ index: Int32) -> String {
        guard let start = sqlite3_column_text(statement, index) else { return "" }
        return String(
            decoding: UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
    }

    /// The JSON of an object from blob column `index` of the current row, as ``StoredJSON`` keeps
    /// it (empty for NULL).
    static func json(_ statement: SQLiteStatement, _ index: Int32) -> [UInt8] {
        guard let start = sqlite3_column_blob(statement, index) else { return [] }
        return StoredJSON.decode(UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, index))))
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let s): s.databaseValue
        case .integer(let i): i.databaseValue
        case .bytes(let b): Data(b).databaseValue
        case .texts: preconditionFailure("text arrays are bound on PostgreSQL only (SQLFilter.OwnerNumbers.inSQL)")
        }
    }
}
