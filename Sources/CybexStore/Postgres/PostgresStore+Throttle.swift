import Logging
import PostgresNIO

/// Failed-authentication counters (``AuthFailureCounter``) on PostgreSQL.
///
/// An update first makes sure the key's row exists (a placeholder with no failures, which reads as
/// absent), then locks it `FOR UPDATE` until it commits: updates of one key from any number of
/// processes take turns and none is lost.
extension PostgresStore {
    static let counterColumns = "key, failures, window_start, last_failure, blocked_until"

    static func counter(from row: PostgresRow) throws -> AuthFailureCounter? {
        let (key, failures, windowStart, lastFailure, blockedUntil) =
            try row.decode((String, Int, Int64, Int64, Int64?).self)
        guard failures > 0 || blockedUntil != nil else { return nil }  // a placeholder
        return AuthFailureCounter(
            key: key, failures: failures, windowStart: windowStart, lastFailure: lastFailure, blockedUntil: blockedUntil)
    }

    public func authFailureCounters(keys: [String]) async throws -> [AuthFailureCounter] {
        // No stored key holds a NUL (updates refuse one): looking one up would match a truncation.
        let keys = keys.filter(StoredText.isStorable)
        guard !keys.isEmpty else { return [] }
        return try await rows(
            #"""
            SELECT \#(unescaped: Self.counterColumns) FROM auth_failures
            WHERE key = ANY(\#(keys)) ORDER BY key COLLATE "C"
            """#
        ).compactMap(Self.counter(from:))
    }

    @discardableResult
    public func updateAuthFailureCounter(
        key: String, _ update: @escaping @Sendable (AuthFailureCounter?) -> AuthFailureCounter?
    ) async throws -> AuthFailureCounter? {
        try StoredText.require(key, "counter key")
        return try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO auth_failures (\(unescaped: Self.counterColumns)) VALUES (\(key), 0, 0, 0, NULL)
                ON CONFLICT (key) DO NOTHING
                """,
                logger: logger)
            let row = try await connection.query(
                "SELECT \(unescaped: Self.counterColumns) FROM auth_failures WHERE key = \(key) FOR UPDATE",
                logger: logger
            ).collect().first
            let current = try row.flatMap(Self.counter(from:))
            guard var next = update(current) else {
                try await connection.query("DELETE FROM auth_failures WHERE key = \(key)", logger: logger)
                return nil
            }
            next.key = key
            try await connection.query(
                """
                UPDATE auth_failures SET failures = \(next.failures), window_start = \(next.windowStart),
                    last_failure = \(next.lastFailure), blocked_until = \(next.blockedUntil)
                WHERE key = \(key)
                """,
                logger: logger)
            return next
        }
    }

    @discardableResult
    public func removeAuthFailureCounters(quietSince time: Int64) async throws -> Int {
        try await rows(
            "DELETE FROM auth_failures WHERE last_failure < \(time) AND COALESCE(blocked_until, \(Int64.min)) < \(time) RETURNING 1"
        ).count
    }
}
