public import CybexCore
import GRDB
import GRDBSQLite

extension SQLiteStore {
    /// Reads the collections in statements of at most ``SearchSQL/collectionsPerStatement`` branches,
    /// all in one read transaction (one snapshot), and merges their pages.
    public func search(_ search: ObjectSearch) async throws -> SearchPage {
        let branches = SearchSQL.branches(search)
        guard !branches.isEmpty else { return SearchPage(hits: [], more: false) }
        return try await read { db in
            var hits: [SearchHit] = []
            var start = 0
            while start < branches.count {
                let chunk = branches[start..<min(start + SearchSQL.collectionsPerStatement, branches.count)]
                start = chunk.endIndex
                var arguments: StatementArguments = []
                let sql = SearchSQL.statement(search, chunk, sqlite: true) { value in
                    arguments += [value.databaseValue]
                    return "?"
                }
                let statement = try db.makeStatement(sql: sql)
                let cursor = try Row.fetchCursor(statement, arguments: arguments)
                let row = statement.sqliteStatement
                while try cursor.next() != nil {
                    var record = StoredObjectVersion(
                        id: Self.text(row, 2), dateAdded: sqlite3_column_int64(row, 1), version: sqlite3_column_int64(row, 3),
                        specVersion: Self.text(row, 4), json: search.withContent ? Self.bytes(row, 8) : [])
                    record.level = SearchSQL.level(
                        rank: sqlite3_column_type(row, 5) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(row, 5)))
                    record.viewerOwns = sqlite3_column_int64(row, 6) != 0
                    record.granularMarked = sqlite3_column_int64(row, 7) != 0
                    hits.append(SearchHit(collectionID: Self.text(row, 0), record: record))
                }
            }
            return SearchSQL.page(hits, limit: search.limit)
        }
    }
}
