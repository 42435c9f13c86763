public import CybexCore
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Reads the collections in statements of at most ``SearchSQL/parametersPerStatement`` values
    /// (one, unless the lists are long and the collections many), in one REPEATABLE READ
    /// transaction: one snapshot.
    public func search(_ search: ObjectSearch) async throws -> SearchPage {
        let branches = SearchSQL.branches(search)
        guard !branches.isEmpty else { return SearchPage(hits: [], more: false) }
        let logger = logger
        return try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            var hits: [SearchHit] = []
            for (sql, values) in SearchSQL.statements(
                search, branches, sqlite: false, owners: self.owners(for: branches.map(\.1.scope)), placeholder: { "$\($0)" })
            {
                var binds = PostgresBindings()
                for value in values { binds.append(value) }
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                    let cells = row.makeRandomAccess()
                    var record = StoredObjectVersion(
                        id: try cells[2].decode(String.self), dateAdded: try cells[1].decode(Int64.self),
                        version: try cells[3].decode(Int64.self), specVersion: try cells[4].decode(String.self), json: [])
                    record.level = SearchSQL.level(rank: try cells[5].decode(Int?.self))
                    record.viewerOwns = try cells[6].decode(Int.self) == 1
                    record.granularMarked = try cells[7].decode(Int.self) == 1
                    if search.withContent {
                        record.json = try cells[8].decode(ByteBuffer.self).withUnsafeReadableBytes(StoredJSON.decode)
                    }
                    hits.append(SearchHit(collectionID: try cells[0].decode(String.self), record: record))
                }
            }
            var page = SearchSQL.page(hits, limit: search.limit)
            if let type = search.edgeSourcesOfType {
                page.edgeSources = try await Self.edgeSources(
                    to: page.hits.map(\.record.id), type: type, on: connection, logger: logger)
            }
            return page
        }
    }
}
