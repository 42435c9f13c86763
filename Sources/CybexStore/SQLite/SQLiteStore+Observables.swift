public import CybexCore
import Foundation
import GRDB

extension SQLiteStore {
    public func addressValues(within network: IPNetwork, limit: Int) async throws -> [Observable] {
        let kind: Observable.Kind = network.address.count == 4 ? .ipv4 : .ipv6
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT value FROM observable_values
                    WHERE kind = ? AND first_address >= ? AND first_address <= ? AND last_address <= ?
                    ORDER BY first_address, last_address DESC LIMIT ?
                    """,
                arguments: [
                    kind.rawValue, Data(network.address), Data(network.lastAddress), Data(network.lastAddress),
                    max(0, limit),
                ]
            ).map { Observable(kind: kind, value: $0[0]) }
        }
    }

    public func addressValues(containing address: [UInt8]) async throws -> [Observable] {
        guard address.count == 4 || address.count == 16 else { return [] }
        let networks = ObservableIndexing.enclosingNetworks(of: address)
        let kind = networks[0].kind
        let found = try await read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT value FROM observable_values
                        WHERE kind = ? AND value IN (\(databaseQuestionMarks(count: networks.count)))
                        """,
                    arguments: StatementArguments([kind.rawValue] + networks.map(\.value))))
        }
        return networks.filter { found.contains($0.value) }
    }

    /// The ids of the stored objects with an edge of `type` (`sighting-of`, `object-ref` …) to each of
    /// `targets`, from any of their versions (``ObjectSearch/edgeSourcesOfType``).
    static func edgeSources(to targets: [String], type: String, _ db: Database) throws -> [String: Set<String>] {
        let targets = Array(Set(targets.filter(StoredText.isStorable)))
        var sources: [String: Set<String>] = [:]
        for start in stride(from: 0, to: targets.count, by: 500) {
            var chunk = Array(targets[start..<min(start + 500, targets.count)])
            // The list padded to a power of two with its last id again: at most ten texts.
            let padded = min(500, 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount))
            chunk += Array(repeating: chunk[chunk.count - 1], count: max(0, padded - chunk.count))
            let rows = try Row.fetchAll(
                shapedStatement(
                    """
                    SELECT DISTINCT target_ref, source_ref FROM relationships
                    WHERE target_ref IN (\(databaseQuestionMarks(count: chunk.count))) AND type = ?
                    """, db),
                arguments: StatementArguments(chunk + [type]))
            for row in rows { sources[row[0], default: []].insert(row[1]) }
        }
        return sources
    }

    public func observableIndexSize() async throws -> ObservableIndexSize {
        try await read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM observable_values), (SELECT COUNT(*) FROM observable_sets),
                        (SELECT COUNT(*) FROM observable_postings)
                    """)
            return ObservableIndexSize(values: row?[0] ?? 0, sets: row?[1] ?? 0, postings: row?[2] ?? 0)
        }
    }

    /// The bytes each table and index whose name `included` selects takes in the database file
    /// (SQLite's `dbstat`), for the operator's figures; empty when this SQLite lacks `dbstat`.
    public func storageBytes(of included: @escaping @Sendable (String) -> Bool) async throws -> [String: Int] {
        try await read { db in
            guard let rows = try? Row.fetchAll(db, sql: "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name") else {
                return [:]
            }
            var sizes: [String: Int] = [:]
            for row in rows {
                let name: String = row[0]
                if included(name) { sizes[name] = row[1] }
            }
            return sizes
        }
    }
}
