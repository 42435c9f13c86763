import CybexCore
public import Logging

extension ScheduledJob {
    /// The `case-sla` job: every `period`, records each incident case's SLA that has run out
    /// (``CaseService/checkSLAs()``), once across every `serve` process.
    public static func caseSLAs(_ service: CaseService, every period: Duration, logger: Logger) -> ScheduledJob {
        ScheduledJob(name: "case-sla", period: period) { _ in
            let breaches = try await service.checkSLAs()
            if breaches > 0 { logger.notice("case SLAs breached", metadata: ["breaches": "\(breaches)"]) }
        }
    }
}
