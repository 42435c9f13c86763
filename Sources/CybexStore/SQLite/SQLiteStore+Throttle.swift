import GRDB

/// Failed-authentication counters (``AuthFailureCounter``) on SQLite. The one writer serialises
/// updates, from this process and from any other on the same file.
extension SQLiteStore {
    static let counterColumns = "key, failures, window_start, last_failure, blocked_until"

    static func counter(from row: Row) -> AuthFailureCounter {
        AuthFailureCounter(
            key: row[0], failures: row[1], windowStart: row[2], lastFailure: row[3], blockedUntil: row[4])
    }

    public func authFailureCounters(keys: [String]) async throws -> [AuthFailureCounter] {
        // No stored key holds a NUL (updates refuse one): looking one up would match a truncation.
        let keys = keys.filter(StoredText.isStorable)
        guard !keys.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.counterColumns) FROM auth_failures WHERE key IN (\(marks)) ORDER BY key",
                arguments: StatementArguments(keys)
            ).map(Self.counter(from:))
        }
    }

    @discardableResult
    public func updateAuthFailureCounter(
        key: String, _ update: @escaping @Sendable (AuthFailureCounter?) -> AuthFailureCounter?
    ) async throws -> AuthFailureCounter? {
        try StoredText.require(key, "counter key")
        return try await write { db in
            let current = try Row.fetchOne(
                db, sql: "SELECT \(Self.counterColumns) FROM auth_failures WHERE key = ?", arguments: [key]
            ).map(Self.counter(from:))
            guard var next = update(current) else {
                try db.execute(sql: "DELETE FROM auth_failures WHERE key = ?", arguments: [key])
                return nil
            }
            next.key = key
            try db.execute(
                sql: """
                    INSERT INTO auth_failures (\(Self.counterColumns)) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
                        last_failure = excluded.last_failure, blocked_until = excluded.blocked_until
                    """,
                arguments: [key, next.failures, next.windowStart, next.lastFailure, next.blockedUntil])
            return next
        }
    }

    @discardableResult
    public func removeAuthFailureCounters(quietSince time: Int64) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM auth_failures WHERE last_failure < ? AND COALESCE(blocked_until, ?) < ?",
                arguments: [time, Int64.min, time])
            return db.changesCount
        }
    }
}
