import CybexCore
public import Logging

extension ScheduledJob {
    /// The `retention` job: ``DataLifecycle/runRetention(_:)`` every `period`. `delay` holds the
    /// lease that long before the run (0 in production; `cybex serve --job-delay-seconds` rehearses
    /// a failover with it).
    public static func retention(
        _ lifecycle: DataLifecycle, every period: Duration, delay: Duration = .zero, logger: Logger
    ) -> ScheduledJob {
        ScheduledJob(name: "retention", period: period) { lease in
            if delay > .zero { try await Task.sleep(for: delay) }
            let outcomes = try await lifecycle.runRetention(lease)
            let removed = outcomes.reduce(0) { $0 + $1.removed.count }
            if removed > 0 { logger.info("retention applied", metadata: ["removed": "\(removed)"]) }
        }
    }
}
