public import CybexCore
import Logging
import PostgresNIO

/// Job leases (``JobLeaseStore``) on PostgreSQL. Taking a lease is one `INSERT … ON CONFLICT DO
/// UPDATE … WHERE … RETURNING`: of several processes asking at once, one inserts or updates the
/// row and the others, once its transaction commits, find the condition false and get no row.
extension PostgresStore {
    static func jobRecord(from row: PostgresRow) throws -> JobRecord {
        let (name, period, holder, leaseExpires, lastStarted, lastFinished, lastOutcome, lastDuration, lastError, runs) =
            try row.decode(
                (String, Int64, String?, Int64?, Int64?, Int64?, String?, Int64?, String?, Int64).self)
        return JobRecord(
            name: name, period: period, holder: holder, leaseExpiresAt: leaseExpires, lastStarted: lastStarted,
            lastFinished: lastFinished, lastOutcome: lastOutcome.flatMap(JobOutcome.init(rawValue:)),
            lastDuration: lastDuration, lastError: lastError, runs: Int(runs))
    }

    public func acquireJobLease(name: String, holder: String, period: Int64, lease: Int64, now: Int64) async throws
        -> JobLease?
    {
        try requireJobArguments(name: name, holder: holder, period: period, lease: lease)
        var bindings = PostgresBindings()
        bindings.append(name)
        bindings.append(period)
        bindings.append(holder)
        bindings.append(now + lease)
        bindings.append(now)
        let query = PostgresQuery(unsafeSQL: JobLeaseSQL.acquire { "$\($0)" }, binds: bindings)
        guard let row = try await rows(query).first else { return nil }
        return JobLease(
            name: name, holder: holder, startedAt: now, expiresAt: now + lease, run: Int(try row.decode(Int64.self)))
    }

    public func renewJobLease(name: String, holder: String, lease: Int64, now: Int64) async throws -> Bool {
        try requireJobArguments(name: name, holder: holder, lease: lease)
        return try await !rows(
            "UPDATE jobs SET lease_expires = \(now + lease) WHERE name = \(name) AND holder = \(holder) RETURNING 1"
        ).isEmpty
    }

    public func completeJob(name: String, holder: String, result: JobResult, now: Int64) async throws -> Bool {
        try requireJobArguments(name: name, holder: holder, lease: 1)
        return try await !rows(
            """
            UPDATE jobs SET holder = NULL, lease_expires = NULL, last_finished = \(now),
                last_outcome = \(result.outcome.rawValue), last_duration = \(result.duration),
                last_error = \(JobRecord.storedError(result.error))
            WHERE name = \(name) AND holder = \(holder) RETURNING 1
            """
        ).isEmpty
    }

    public func jobRecords() async throws -> [JobRecord] {
        try await rows(#"SELECT \#(unescaped: JobLeaseSQL.columns) FROM jobs ORDER BY name COLLATE "C""#).map(
            Self.jobRecord(from:))
    }
}
