import CybexCore
import Foundation
import GRDB

/// Writes object versions' observables into the index of distinct observables
/// (``ObservableIndexing``), inside the writing transaction: the set a version carries is found by
/// its digest, or stored with its values and postings when it is new.
struct SQLiteObservableIndex {
    let findSet: SQLiteBulkStatement
    let insertSet: SQLiteBulkStatement
    let findValue: SQLiteBulkStatement
    let insertValue: SQLiteBulkStatement
    let insertPosting: SQLiteBulkStatement
    /// Sets found or stored by this transaction, by digest (bounded: cleared when full).
    var known: [[UInt8]: Int64] = [:]

    init(_ db: Database) throws {
        findSet = try SQLiteBulkStatement(db, sql: "SELECT pk FROM observable_sets WHERE digest = ?")
        insertSet = try SQLiteBulkStatement(db, sql: "INSERT INTO observable_sets (digest) VALUES (?)")
        findValue = try SQLiteBulkStatement(db, sql: "SELECT pk FROM observable_values WHERE kind = ? AND value = ?")
        insertValue = try SQLiteBulkStatement(
            db,
            sql: """
                INSERT INTO observable_values (kind, value, first_address, last_address) VALUES (?, ?, ?, ?)
                ON CONFLICT (kind, value) DO NOTHING
                """)
        insertPosting = try SQLiteBulkStatement(
            db, sql: "INSERT OR IGNORE INTO observable_postings (set_pk, value_pk) VALUES (?, ?)")
    }

    /// What an object row carrying `observables` points at (stored now when new): its set, or minus
    /// the key of its one value; nil for none.
    mutating func set(of observables: [Observable], _ db: Database) throws -> Int64? {
        guard !observables.isEmpty else { return nil }
        if let only = ObservableIndexing.single(observables) { return -(try value(only, db)) }
        let digest = ObservableIndexing.digest(of: observables)
        if let pk = known[digest] { return pk }
        findSet.bind(1, blob: digest)
        if let pk = try findSet.integer(db) {
            remember(digest, pk)
            return pk
        }
        insertSet.bind(1, blob: digest)
        try insertSet.step(db)
        let setPK = db.lastInsertedRowID
        for observable in ObservableIndexing.distinct(observables) {
            let valuePK = try value(observable, db)
            insertPosting.bind(1, setPK)
            insertPosting.bind(2, valuePK)
            try insertPosting.step(db)
        }
        remember(digest, setPK)
        return setPK
    }

    func value(_ observable: Observable, _ db: Database) throws -> Int64 {
        insertValue.bind(1, observable.kind.rawValue)
        insertValue.bind(2, observable.value)
        if let range = ObservableIndexing.addressRange(of: observable) {
            insertValue.bind(3, blob: range.first)
            insertValue.bind(4, blob: range.last)
        } else {
            insertValue.bind(3, nil as Int64?)
            insertValue.bind(4, nil as Int64?)
        }
        try insertValue.step(db)
        if db.changesCount > 0 { return db.lastInsertedRowID }
        findValue.bind(1, observable.kind.rawValue)
        findValue.bind(2, observable.value)
        guard let pk = try findValue.integer(db) else {
            throw DatabaseError(message: "observable value \(observable.kind.rawValue) was not stored")
        }
        return pk
    }

    mutating func remember(_ digest: [UInt8], _ pk: Int64) {
        if known.count >= 100_000 { known.removeAll(keepingCapacity: true) }
        known[digest] = pk
    }
}

extension SQLiteStore {
    /// Schema step 13's Swift part: every object version's rows of the observables table become its
    /// set in the index of distinct observables, then the table is dropped. Values are moved as
    /// they were stored (searches also look for that earlier form, see `ObservableExtractor`).
    static func moveObservablesToIndex(_ db: Database) throws {
        if try db.tableExists("observables") {
            var index = try SQLiteObservableIndex(db)
            let update = try SQLiteBulkStatement(db, sql: "UPDATE objects SET observable_set = ? WHERE pk = ?")
            let rows = try Row.fetchCursor(db, sql: "SELECT object_pk, kind, value FROM observables ORDER BY object_pk")
            var current: Int64?
            var values: [Observable] = []
            func flush() throws {
                guard let pk = current else { return }
                update.bind(1, try index.set(of: values, db))
                update.bind(2, pk)
                try update.step(db)
                values.removeAll(keepingCapacity: true)
            }
            while let row = try rows.next() {
                let pk: Int64 = row[0]
                if pk != current {
                    try flush()
                    current = pk
                }
                if let kind = Observable.Kind(rawValue: row[1]) { values.append(Observable(kind: kind, value: row[2])) }
            }
            try flush()
            try db.execute(sql: "DROP TABLE observables")
        }
        try db.execute(
            sql: "CREATE INDEX objects_by_observable_set ON objects (observable_set) WHERE observable_set IS NOT NULL")
    }
}

extension SQLiteStore {
    /// Schema step 14's Swift part: the reference edges (``ReferenceEdges``) of the objects stored
    /// before it, read from their stored JSON.
    static func deriveReferenceEdges(_ db: Database) throws {
        let types = ReferenceEdges.types.sorted()
        let insert = try SQLiteBulkStatement(
            db, sql: "INSERT INTO relationships (source_ref, target_ref, type, object_pk) VALUES (?, ?, ?, ?)")
        let rows = try Row.fetchCursor(
            db, sql: "SELECT pk, id, type, json FROM objects WHERE type IN (\(databaseQuestionMarks(count: types.count)))",
            arguments: StatementArguments(types))
        while let row = try rows.next() {
            let pk: Int64 = row[0]
            let json: Data = row[3]
            for edge in ReferenceEdges.edges(id: row[1], type: row[2], json: StoredJSON.decode([UInt8](json))) {
                insert.bind(1, edge.sourceRef)
                insert.bind(2, edge.targetRef)
                insert.bind(3, edge.type)
                insert.bind(4, pk)
                try insert.step(db)
            }
        }
    }
}
