public import CybexCore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    public func addObjects(_ objects: [STIXObjectRecord], to collectionID: String, owner: String) async throws
        -> [AddOutcome]
    {
        try await write { db in
            var outcomes: [AddOutcome] = []
            outcomes.reserveCapacity(objects.count)
            let last = try Int64.fetchOne(db, sql: "SELECT last FROM clock WHERE id = 1") ?? 0
            var next = max(Clock.nowMicroseconds(), last + 1)
            let versionsOf = try db.cachedStatement(
                sql: "SELECT pk, version, revoked, created_by_ref, created FROM objects WHERE id = ?")
            let insertObject = try db.cachedStatement(
                sql: """
                    INSERT INTO objects (id, type, spec_version, version, version_text, created, modified, revoked,
                        created_by_ref, owner_org, tlp, valid_until, json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let inCollection = try db.cachedStatement(
                sql: "SELECT 1 FROM collection_objects WHERE collection_id = ? AND id = ? AND version = ?")
            let insertMember = try db.cachedStatement(
                sql: """
                    INSERT INTO collection_objects (collection_id, date_added, object_pk, id, type, version, taxii_version, spec_version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let insertObservable = try db.cachedStatement(sql: "INSERT INTO observables (kind, value, object_pk) VALUES (?, ?, ?)")
            let insertEdge = try db.cachedStatement(
                sql: "INSERT INTO relationships (source_ref, target_ref, type, object_pk) VALUES (?, ?, ?, ?)")

            for object in objects {
                let key = object.versionKey ?? unversionedKey
                var existing: [ExistingVersion] = []
                let rows = try Row.fetchCursor(versionsOf, arguments: [object.id])
                while let row = try rows.next() {
                    existing.append(ExistingVersion(pk: row[0], version: row[1], revoked: row[2], createdByRef: row[3], created: row[4]))
                }
                let pk: Int64
                var newVersion = false
                if let same = existing.first(where: { $0.version == key }) {
                    pk = same.pk
                    if try Bool.fetchOne(inCollection, arguments: [collectionID, object.id, key]) != nil {
                        outcomes.append(.duplicate)
                        continue
                    }
                } else {
                    if let reason = VersionRules.conflict(of: object, with: existing) {
                        outcomes.append(.rejected(reason: reason))
                        continue
                    }
                    newVersion = !existing.isEmpty
                    try insertObject.execute(arguments: [
                        object.id, object.type, object.specVersion, key, object.versionText, object.created, object.modified,
                        object.revoked, object.createdByRef, owner, object.tlp?.rawValue, object.validUntil, Data(object.json),
                    ])
                    pk = db.lastInsertedRowID
                    for observable in object.observables {
                        try insertObservable.execute(arguments: [observable.kind.rawValue, observable.value, pk])
                    }
                    for edge in object.edges {
                        try insertEdge.execute(arguments: [edge.sourceRef, edge.targetRef, edge.type, pk])
                    }
                }
                let dateAdded = next
                next += 1
                try insertMember.execute(arguments: [
                    collectionID, dateAdded, pk, object.id, object.type, key, key == unversionedKey ? dateAdded : key,
                    object.specVersion,
                ])
                outcomes.append(.added(dateAdded: dateAdded, newVersion: newVersion))
            }
            try db.execute(sql: "UPDATE clock SET last = ? WHERE id = 1", arguments: [next - 1])
            return outcomes
        }
    }

    public func objects(in collectionID: String, matching query: ObjectQuery) async throws -> ObjectPage {
        try await pool.read { db in
            var arguments: StatementArguments = [collectionID, query.addedAfter ?? Int64.min]
            let filter = SQLFilter.build(query, placeholder: { _ in "?" }, bind: { arguments += [$0.databaseValue] })
            arguments += [query.limit + 1]
            let columns = query.withContent ? "m.date_added, m.id, m.taxii_version, m.spec_version, o.json" :
                "m.date_added, m.id, m.taxii_version, m.spec_version"
            let join = query.withContent ? "JOIN objects o ON o.pk = m.object_pk" : ""
            let sql = """
                SELECT \(columns) FROM collection_objects m \(join)
                WHERE m.collection_id = ? AND m.date_added > ?\(filter)
                ORDER BY m.date_added LIMIT ?
                """
            var records: [StoredObjectVersion] = []
            let statement = try db.makeStatement(sql: sql)
            let cursor = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try cursor.next() {
                if records.count == query.limit { return ObjectPage(records: records, more: true) }
                let json: [UInt8] = query.withContent ? (try row.withUnsafeData(atIndex: 4) { data in data.map { [UInt8]($0) } } ?? []) : []
                records.append(StoredObjectVersion(id: row[1], dateAdded: row[0], version: row[2], specVersion: row[3], json: json))
            }
            return ObjectPage(records: records, more: false)
        }
    }

    public func deleteObject(id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?)
        async throws -> Int
    {
        try await write { db in
            var arguments: StatementArguments = [collectionID, id]
            let query = ObjectQuery(ids: nil, types: nil, versions: versions, specVersions: specVersions)
            let filter = SQLFilter.build(query, placeholder: { _ in "?" }, bind: { arguments += [$0.databaseValue] })
            try db.execute(
                sql: "DELETE FROM collection_objects AS m WHERE m.collection_id = ? AND m.id = ?\(filter)", arguments: arguments)
            let removed = db.changesCount
            if removed > 0 {
                let orphans = "SELECT pk FROM objects WHERE id = ? AND pk NOT IN (SELECT object_pk FROM collection_objects WHERE id = ?)"
                try db.execute(sql: "DELETE FROM observables WHERE object_pk IN (\(orphans))", arguments: [id, id])
                try db.execute(sql: "DELETE FROM relationships WHERE object_pk IN (\(orphans))", arguments: [id, id])
                try db.execute(sql: "DELETE FROM objects WHERE pk IN (\(orphans))", arguments: [id, id])
            }
            return removed
        }
    }

    public func objectCount(in collectionID: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collection_objects WHERE collection_id = ?", arguments: [collectionID]) ?? 0
        }
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let s): s.databaseValue
        case .integer(let i): i.databaseValue
        }
    }
}
