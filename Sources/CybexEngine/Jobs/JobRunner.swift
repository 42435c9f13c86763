public import CybexCore
public import CybexStore
public import Logging
import Metrics
public import ServiceLifecycle

/// Runs scheduled jobs, each once per period across every process on one database: a `Service`
/// of the server's `ServiceGroup`.
///
/// Every `tick` it asks the store for the lease of each job that is due (``JobLeaseStore``); the
/// one process that gets it runs the job, renews the lease every third of `lease` while the job
/// runs, and records the outcome and duration when it ends. A job that throws is recorded as
/// failed and logged, and runs again next period; the runner goes on. Graceful shutdown lets a
/// running job finish and record its outcome, then ends the runner; cancellation cancels the job.
/// When a process dies mid-run, its lease expires and another process runs the job again.
///
/// A process looks for a job from one period after its runner was made, as `cybex serve` always did: a
/// restart does not run the job at once, and a job with no record yet first runs one period
/// after the first process started.
///
/// Metrics (dimension `job`): `cybex_job_runs_total`, `cybex_job_failures_total`,
/// `cybex_job_last_run_timestamp_seconds` (when the last run here started) and
/// `cybex_job_last_duration_seconds`.
public struct JobRunner: Service {
    public let store: any JobLeaseStore
    public let jobs: [ScheduledJob]
    /// The identity this process holds leases under (``ScheduledJob/processIdentity()``).
    public let holder: String
    /// How long a lease lasts without renewal: how soon another process takes over a dead one's job.
    public let lease: Duration
    /// How often due jobs are looked for.
    public let tick: Duration
    public let clock: any WallClock
    /// When the runner was made: jobs are looked for from one period after.
    let createdAt: Int64
    let logger: Logger

    public init(
        store: any JobLeaseStore, jobs: [ScheduledJob], holder: String = ScheduledJob.processIdentity(),
        lease: Duration = .seconds(60), tick: Duration = .seconds(1), clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "cybex.jobs")
    ) {
        self.store = store
        self.jobs = jobs
        self.holder = holder
        self.lease = lease
        self.tick = tick
        self.clock = clock
        self.createdAt = clock.nowMicroseconds()
        self.logger = logger
    }

    public func run() async throws {
        guard !jobs.isEmpty else {
            // Nothing to run, but a service that returns early would stop the group.
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for job in jobs where !Task.isShuttingDownGracefully && !Task.isCancelled {
                guard clock.nowMicroseconds() >= createdAt + job.period.microseconds else { continue }
                await runIfDue(job)
            }
            do {
                let tick = tick
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                break
            }
        }
    }

    /// Runs `job` when this process gets its lease.
    func runIfDue(_ job: ScheduledJob) async {
        let lease: JobLease
        do {
            guard
                let taken = try await store.acquireJobLease(
                    name: job.name, holder: holder, period: job.period.microseconds, lease: self.lease.microseconds,
                    now: clock.nowMicroseconds())
            else { return }
            lease = taken
        } catch {
            logger.error("cannot take a job lease", metadata: ["job": "\(job.name)", "error": "\(error)"])
            return
        }
        logger.debug("job started", metadata: ["job": "\(job.name)", "run": "\(lease.run)"])
        var failure: (any Error)?
        do {
            try await run(job, holding: lease)
        } catch {
            failure = error
        }
        let finished = clock.nowMicroseconds()
        let result = JobResult(
            outcome: failure == nil ? .succeeded : .failed, duration: max(0, finished - lease.startedAt),
            error: failure.map { "\($0)" })
        record(job, lease: lease, result: result)
        if let failure {
            logger.error(
                "job failed", metadata: ["job": "\(job.name)", "run": "\(lease.run)", "error": "\(failure)"])
        }
        do {
            if try await !store.completeJob(name: job.name, holder: holder, result: result, now: finished) {
                logger.warning(
                    "job finished after its lease passed to another process", metadata: ["job": "\(job.name)"])
            }
        } catch {
            logger.error("cannot record a job's outcome", metadata: ["job": "\(job.name)", "error": "\(error)"])
        }
    }

    /// Runs the action while renewing the lease; ends the action when the lease is lost.
    func run(_ job: ScheduledJob, holding lease: JobLease) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await job.action(lease)
                return true
            }
            group.addTask {
                try await heartbeat(job.name)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else {
                throw LeaseLost(job: job.name)
            }
        }
    }

    /// Renews the lease every third of its length; returns when another process holds it.
    func heartbeat(_ name: String) async throws {
        let interval = lease / 3
        while true {
            try await Task.sleep(for: interval)
            do {
                if try await !store.renewJobLease(
                    name: name, holder: holder, lease: lease.microseconds, now: clock.nowMicroseconds())
                {
                    return
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The lease may still be renewed next time, before it expires.
                logger.warning("cannot renew a job lease", metadata: ["job": "\(name)", "error": "\(error)"])
            }
        }
    }

    func record(_ job: ScheduledJob, lease: JobLease, result: JobResult) {
        let dimensions = [("job", job.name)]
        Counter(label: "cybex_job_runs_total", dimensions: dimensions).increment()
        // Made on every run, so that /metrics shows the job's failures at 0 before the first one.
        let failures = Counter(label: "cybex_job_failures_total", dimensions: dimensions)
        if result.outcome == .failed { failures.increment() }
        Gauge(label: "cybex_job_last_run_timestamp_seconds", dimensions: dimensions).record(
            Double(lease.startedAt) / 1_000_000)
        Gauge(label: "cybex_job_last_duration_seconds", dimensions: dimensions).record(Double(result.duration) / 1_000_000)
    }

    /// The run ended because another process took the job's lease over.
    struct LeaseLost: Error, CustomStringConvertible {
        var job: String
        var description: String { "the lease of job '\(job)' passed to another process during the run" }
    }
}
