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

extension ScheduledJob {
    /// The `exposure` job: every `period`, brings every organisation's remediation duties in line with its
    /// exposure (``ExposureService/refresh(organisationID:actor:)``), once across every `serve` process.
    public static func exposure(_ service: ExposureService, every period: Duration, logger: Logger) -> ScheduledJob {
        ScheduledJob(name: "exposure", period: period) { _ in
            let report = try await service.refresh(actor: "exposure")
            if report.created + report.changed > 0 {
                logger.notice(
                    "remediation duties refreshed",
                    metadata: ["created": "\(report.created)", "changed": "\(report.changed)", "notified": "\(report.notified)"])
            }
        }
    }

    /// The `remediation-escalation` job: every `period`, escalates each open duty past its due date
    /// (``RemediationService/escalateOverdue()``).
    public static func remediationEscalation(_ service: RemediationService, every period: Duration, logger: Logger)
        -> ScheduledJob
    {
        ScheduledJob(name: "remediation-escalation", period: period) { _ in
            let escalated = try await service.escalateOverdue()
            if escalated > 0 { logger.notice("remediation duties escalated", metadata: ["escalated": "\(escalated)"]) }
        }
    }
}
