import GRDB
import GRDBSQLite
import Synchronization

extension SQLiteStore {
    /// The most statement texts of a request's shape one connection keeps prepared.
    static let shapedStatementsPerConnection = 64
    /// The most memory those statements may take on one connection (as SQLite counts it).
    static let shapedStatementBytesPerConnection = 4 << 20
    /// The longest text kept prepared (a longer one, with long lists from the request, is prepared for
    /// its read only).
    static let shapedStatementLength = 16_384

    /// What each connection keeps (by identity: a connection closed and another opened at its
    /// address only costs an early clearing): the hashes of its texts and the statements' memory.
    private static let shapedTexts = Mutex<[ObjectIdentifier: (texts: Set<Int>, bytes: Int)]>([:])

    /// A prepared statement for a text whose shape depends on the request (how many collections are
    /// searched, how long its lists are, which observables' kinds it names): prepared once per
    /// connection and kept, as the fixed reads are, because preparing costs more than running most
    /// of these reads (a correlation spent 40 % of its time preparing its two statements, most of it
    /// in GRDB's authorizer recording each column read). So that no client can grow a connection's
    /// statements without bound, a connection keeps at most ``shapedStatementsPerConnection`` such
    /// texts and ``shapedStatementBytesPerConnection`` of their memory: the next one clears its
    /// statement cache (every statement is prepared again when next used); a text longer than
    /// ``shapedStatementLength`` is never kept.
    static func shapedStatement(_ sql: String, _ db: Database) throws -> Statement {
        guard sql.utf8.count <= shapedStatementLength else { return try db.makeStatement(sql: sql) }
        let connection = ObjectIdentifier(db)
        let hash = sql.hashValue
        let (known, full) = shapedTexts.withLock { kept -> (Bool, Bool) in
            let entry = kept[connection] ?? ([], 0)
            if entry.texts.contains(hash) { return (true, false) }
            return (false, entry.texts.count >= shapedStatementsPerConnection || entry.bytes >= shapedStatementBytesPerConnection)
        }
        if known { return try db.cachedStatement(sql: sql) }
        // Clearing the schema cache clears both statement caches, and nothing else.
        if full { db.clearSchemaCache() }
        let statement = try db.cachedStatement(sql: sql)
        let bytes = Int(sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_MEMUSED, 0))
        shapedTexts.withLock { kept in
            var entry: (texts: Set<Int>, bytes: Int) = full ? ([], 0) : kept[connection] ?? ([], 0)
            entry.texts.insert(hash)
            entry.bytes += bytes
            kept[connection] = entry
        }
        return statement
    }

    /// How many texts of a request's shape each connection keeps now, and their memory (for the
    /// tests).
    static func shapedStatementsKept() -> [(texts: Int, bytes: Int)] {
        shapedTexts.withLock { kept in kept.values.map { ($0.texts.count, $0.bytes) } }
    }
}
