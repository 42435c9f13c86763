public import CybexCore
import GRDB

/// Job leases (``JobLeaseStore``) on SQLite: each call is one statement in a write transaction,
/// and the one writer serialises them, from this process and from any other on the same file.
extension SQLiteStore {
    static func jobRecord(from row: Row) -> JobRecord {
        JobRecord(
            name: row[0], period: row[1], holder: row[2], leaseExpiresAt: row[3], lastStarted: row[4],
            lastFinished: row[5], lastOutcome: (row[6] as String?).flatMap(JobOutcome.init(rawValue:)),
            lastDuration: row[7], lastError: row[8], runs: row[9])
    }

    public func acquireJobLease(name: String, holder: String, period: Int64, lease: Int64, now: Int64) async throws
        -> JobLease?
    {
        try requireJobArguments(name: name, holder: holder, period: period, lease: lease)
        let run = try await write { db in
            try Int.fetchOne(
                db, sql: JobLeaseSQL.acquire { _ in "?" }, arguments: [name, period, holder, now + lease, now])
        }
        return run.map { JobLease(name: name, holder: holder, startedAt: now, expiresAt: now + lease, run: $0) }
    }

    public func renewJobLease(name: String, holder: String, lease: Int64, now: Int64) async throws -> Bool {
        try requireJobArguments(name: name, holder: holder, lease: lease)
        return try await write { db in
            try db.execute(
                sql: "UPDATE jobs SET lease_expires = ? WHERE name = ? AND holder = ?",
                arguments: [now + lease, name, holder])
            return db.changesCount > 0
        }
    }

    public func completeJob(name: String, holder: String, result: JobResult, now: Int64) async throws -> Bool {
        try requireJobArguments(name: name, holder: holder, lease: 1)
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET holder = NULL, lease_expires = NULL, last_finished = ?, last_outcome = ?,
                        last_duration = ?, last_error = ?
                    WHERE name = ? AND holder = ?
                    """,
                arguments: [
                    now, result.outcome.rawValue, result.duration, JobRecord.storedError(result.error), name, holder,
                ])
            return db.changesCount > 0
        }
    }

    public func jobRecords() async throws -> [JobRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(JobLeaseSQL.columns) FROM jobs ORDER BY name").map(Self.jobRecord(from:))
        }
    }
}
