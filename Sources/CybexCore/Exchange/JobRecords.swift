// The scheduled jobs as the store keeps them and every path reports them: a lease, a run's result, a
// job's record.

/// A lease on a job: the run it was taken for.
public struct JobLease: Sendable, Hashable {
    public var name: String
    public var holder: String
    /// When this run started, microseconds.
    public var startedAt: Int64
    /// When the lease ends unless it is renewed, microseconds.
    public var expiresAt: Int64
    /// The number of this run (1 for the first run the database records).
    public var run: Int

    public init(name: String, holder: String, startedAt: Int64, expiresAt: Int64, run: Int) {
        self.name = name
        self.holder = holder
        self.startedAt = startedAt
        self.expiresAt = expiresAt
        self.run = run
    }
}

/// How a run ended.
public struct JobResult: Sendable, Hashable {
    public var outcome: JobOutcome
    /// How long the run took, microseconds.
    public var duration: Int64
    /// What went wrong, for a failed run; stored cut to ``JobRecord/maximumErrorLength`` characters.
    public var error: String?

    public init(outcome: JobOutcome, duration: Int64, error: String? = nil) {
        self.outcome = outcome
        self.duration = duration
        self.error = error
    }
}

public enum JobOutcome: String, Sendable, Hashable, Codable {
    case succeeded
    case failed
}

/// What the database knows of one job.
public struct JobRecord: Sendable, Hashable {
    /// The longest error message kept, in characters.
    public static let maximumErrorLength = 1000

    public var name: String
    /// The period the last run was taken for, microseconds.
    public var period: Int64
    /// The process holding the lease (`host:pid:random`), nil when no run is in progress.
    public var holder: String?
    public var leaseExpiresAt: Int64?
    public var lastStarted: Int64?
    public var lastFinished: Int64?
    public var lastOutcome: JobOutcome?
    /// The last completed run's duration, microseconds.
    public var lastDuration: Int64?
    public var lastError: String?
    /// Runs started, interrupted ones included.
    public var runs: Int

    public init(
        name: String, period: Int64, holder: String? = nil, leaseExpiresAt: Int64? = nil, lastStarted: Int64? = nil,
        lastFinished: Int64? = nil, lastOutcome: JobOutcome? = nil, lastDuration: Int64? = nil, lastError: String? = nil,
        runs: Int = 0
    ) {
        self.name = name
        self.period = period
        self.holder = holder
        self.leaseExpiresAt = leaseExpiresAt
        self.lastStarted = lastStarted
        self.lastFinished = lastFinished
        self.lastOutcome = lastOutcome
        self.lastDuration = lastDuration
        self.lastError = lastError
        self.runs = runs
    }

    /// `message` as stored: NUL characters replaced, cut to ``maximumErrorLength`` characters.
    public static func storedError(_ message: String?) -> String? {
        guard let message else { return nil }
        let clean = String(String.UnicodeScalarView(message.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
        return clean.count <= maximumErrorLength ? clean : String(clean.prefix(maximumErrorLength - 1)) + "…"
    }
}
