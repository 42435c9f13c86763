public import CybexCore
import GRDB
import GRDBSQLite

extension SQLiteStore {
    /// Reads the collections in statements of at most ``SearchSQL/collectionsPerStatement`` branches
    /// and ``SearchSQL/parametersPerStatement`` values, all in one read transaction (one snapshot),
    /// and merges their pages.
    public func search(_ search: ObjectSearch) async throws -> SearchPage {
        let branches = SearchSQL.branches(search)
        guard !branches.isEmpty else { return SearchPage(hits: [], more: false) }
        return try await read { db in
            let owners = try self.ownerNumbers(for: branches.map(\.1.scope), db)
            let statements = SearchSQL.statements(search, branches, sqlite: true, owners: owners) { _ in "?" }
            var hits: [SearchHit] = []
            for (sql, values) in statements {
                let statement = try Self.shapedStatement(sql, db)
                let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(values.map(\.databaseValue)))
                let row = statement.sqliteStatement
                while try cursor.next() != nil {
                    var record = StoredObjectVersion(
                        id: Self.text(row, 2), dateAdded: sqlite3_column_int64(row, 1), version: sqlite3_column_int64(row, 3),
                        specVersion: Self.text(row, 4), json: search.withContent ? Self.json(row, 8) : [])
                    record.level = SearchSQL.level(
                        rank: sqlite3_column_type(row, 5) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(row, 5)))
                    record.viewerOwns = sqlite3_column_int64(row, 6) != 0
                    record.granularMarked = sqlite3_column_int64(row, 7) != 0
                    hits.append(SearchHit(collectionID: Self.text(row, 0), record: record))
                }
            }
            var page = SearchSQL.page(hits, limit: search.limit)
            if let type = search.edgeSourcesOfType {
                page.edgeSources = try Self.edgeSources(to: page.hits.map(\.record.id), type: type, db)
            }
            return page
        }
    }
}
