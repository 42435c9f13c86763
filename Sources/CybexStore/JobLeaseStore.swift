public import CybexCore
/// The leases of scheduled jobs, shared by every process on one database, so that a job runs in
/// one process at a time and once per period across all of them.
///
/// A job is due when it never ran, when its last run started a period or more ago and finished,
/// or when the process running it stopped renewing its lease (the lease expired without the run
/// completing: it crashed or lost the database). Taking a lease is one atomic statement: of
/// several processes asking at once, exactly one gets it.
///
/// Times are the caller's (microseconds since the epoch; see ``WallClock``): processes that share
/// a database must have clocks that agree to well within a lease.
public protocol JobLeaseStore: Sendable {
    /// Takes the lease of job `name` for `holder` until `now + lease` when the job is due as of
    /// `now` for a `period` (both in microseconds), and records the start of a run: `lastStarted`
    /// becomes `now` and `runs` grows by one. Nil when the job is not due or another holder's
    /// lease has not expired.
    func acquireJobLease(name: String, holder: String, period: Int64, lease: Int64, now: Int64) async throws -> JobLease?
    /// Extends the lease `holder` holds on job `name` to `now + lease`; false when it no longer
    /// holds it (another process took the job over after the lease expired).
    func renewJobLease(name: String, holder: String, lease: Int64, now: Int64) async throws -> Bool
    /// Records the end of the run `holder` holds the lease for, and releases the lease; false when
    /// it no longer holds it (the record is then left as its new holder writes it).
    func completeJob(name: String, holder: String, result: JobResult, now: Int64) async throws -> Bool
    /// Every job's record, by name.
    func jobRecords() async throws -> [JobRecord]
}

/// The statements both backends share (the same SQL runs on SQLite and PostgreSQL).
enum JobLeaseSQL {
    static let columns =
        "name, period, holder, lease_expires, last_started, last_finished, last_outcome, last_duration, last_error, runs"

    /// Inserts the job's row, or takes it over when the job is due and its lease free; returns the run number.
    /// Parameters: name, period, holder, lease end, now (as `$n` on PostgreSQL, `?` in order on SQLite).
    static func acquire(_ p: (Int) -> String) -> String {
        """
        INSERT INTO jobs (name, period, holder, lease_expires, last_started, runs)
        VALUES (\(p(1)), \(p(2)), \(p(3)), \(p(4)), \(p(5)), 1)
        ON CONFLICT (name) DO UPDATE SET period = excluded.period, holder = excluded.holder,
            lease_expires = excluded.lease_expires, last_started = excluded.last_started, runs = jobs.runs + 1
        WHERE (jobs.holder IS NULL AND (jobs.last_started IS NULL OR jobs.last_started + excluded.period <= excluded.last_started))
            OR (jobs.holder IS NOT NULL AND jobs.lease_expires <= excluded.last_started)
        RETURNING runs
        """
    }
}

extension JobLeaseStore {
    /// Checks the arguments every backend refuses alike.
    func requireJobArguments(name: String, holder: String, period: Int64 = 1, lease: Int64) throws {
        try StoredText.require([(name, "job name"), (holder, "lease holder")])
        guard !name.isEmpty, !holder.isEmpty, period > 0, lease > 0 else {
            throw StoreError(.invalidArgument, "a job lease needs a name, a holder, and a positive period and lease")
        }
    }
}
