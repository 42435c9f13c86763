import GRDB
import Synchronization

extension SQLiteStore {
    /// The most statement texts of a request's shape one connection keeps prepared.
    static let shapedStatementsPerConnection = 64
    /// The longest text kept prepared (a longer one, with long lists from the request, is prepared for
    /// its read only).
    static let shapedStatementLength = 16_384

    /// The hashes of the texts kept per connection (by identity: a connection closed and another
    /// opened at its address only costs an early clearing).
    private static let shapedTexts = Mutex<[ObjectIdentifier: Set<Int>]>([:])

    /// A prepared statement for a text whose shape depends on the request (how many collections are
    /// searched, how long its lists are, which observables' kinds it names): prepared once per
    /// connection and kept, as the fixed reads are, because preparing costs more than running most
    /// of these reads (a correlation spent 40 % of its time preparing its two statements, most of it
    /// in GRDB's authorizer recording each column read). So that no client can grow a connection's
    /// statements without bound, a connection keeps at most ``shapedStatementsPerConnection`` such
    /// texts: the next one clears its statement cache (every statement is prepared again when next
    /// used), and a text longer than ``shapedStatementLength`` is never kept.
    static func shapedStatement(_ sql: String, _ db: Database) throws -> Statement {
        guard sql.utf8.count <= shapedStatementLength else { return try db.makeStatement(sql: sql) }
        let connection = ObjectIdentifier(db)
        let hash = sql.hashValue
        let full = shapedTexts.withLock { texts -> Bool in
            var kept = texts[connection, default: []]
            guard !kept.contains(hash) else { return false }
            let full = kept.count >= shapedStatementsPerConnection
            if full { kept.removeAll(keepingCapacity: true) }
            kept.insert(hash)
            texts[connection] = kept
            return full
        }
        // Clearing the schema cache clears both statement caches, and nothing else.
        if full { db.clearSchemaCache() }
        return try db.cachedStatement(sql: sql)
    }

    /// How many texts of a request's shape each connection keeps now (for the tests).
    static func shapedStatementCounts() -> [Int] {
        shapedTexts.withLock { texts in texts.values.map(\.count) }
    }
}
