import CybexCore
public import Logging

extension ScheduledJob {
    /// The `feeds` job: every `period`, pulls each enabled feed that is due
    /// (``FeedService/pullDue(actor:)``). Under the job's lease, so that with several `serve`
    /// processes on one database each due feed is pulled once.
    public static func feeds(_ service: FeedService, every period: Duration, logger: Logger) -> ScheduledJob {
        ScheduledJob(name: "feeds", period: period) { _ in
            for report in try await service.pullDue(actor: "feeds") {
                switch report.outcome {
                case .failed:
                    logger.warning("feed pull failed", metadata: ["feed": "\(report.feed)", "error": "\(report.error ?? "")"])
                case .stored, .notModified:
                    logger.info(
                        "feed pulled",
                        metadata: [
                            "feed": "\(report.feed)", "outcome": "\(report.outcome.rawValue)", "values": "\(report.values)",
                            "added": "\(report.added)",
                        ])
                }
            }
        }
    }
}
