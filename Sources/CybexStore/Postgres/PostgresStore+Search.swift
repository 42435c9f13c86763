public import CybexCore
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Reads every collection in one statement (one snapshot).
    public func search(_ search: ObjectSearch) async throws -> SearchPage {
        let branches = SearchSQL.branches(search)
        guard !branches.isEmpty else { return SearchPage(hits: [], more: false) }
        var binds = PostgresBindings()
        let sql = SearchSQL.statement(search, branches, sqlite: false) { value in
            binds.append(value)
            return "$\(binds.count)"
        }
        var hits: [SearchHit] = []
        for row in try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            let cells = row.makeRandomAccess()
            var record = StoredObjectVersion(
                id: try cells[2].decode(String.self), dateAdded: try cells[1].decode(Int64.self),
                version: try cells[3].decode(Int64.self), specVersion: try cells[4].decode(String.self), json: [])
            record.level = SearchSQL.level(rank: try cells[5].decode(Int?.self))
            record.viewerOwns = try cells[6].decode(Int.self) == 1
            record.granularMarked = try cells[7].decode(Int.self) == 1
            if search.withContent { record.json = Array(try cells[8].decode(ByteBuffer.self).readableBytesView) }
            hits.append(SearchHit(collectionID: try cells[0].decode(String.self), record: record))
        }
        return SearchSQL.page(hits, limit: search.limit)
    }
}
