import CybexCore
public import Logging

extension ScheduledJob {
    /// The `notifications` job: every `period`, sends each channel that is due its digest
    /// (``NotificationService/deliverDue(actor:)``), once across every `serve` process.
    public static func notifications(_ service: NotificationService, every period: Duration, logger: Logger) -> ScheduledJob {
        ScheduledJob(name: "notifications", period: period) { _ in
            for delivery in try await service.deliverDue(actor: "notifications") {
                switch delivery.outcome {
                case .failed:
                    logger.warning(
                        "notification failed", metadata: ["channel": "\(delivery.channel)", "error": "\(delivery.error ?? "")"])
                case .delivered:
                    logger.info(
                        "notification sent", metadata: ["channel": "\(delivery.channel)", "objects": "\(delivery.objects.count)"])
                case .empty:
                    break
                }
            }
        }
    }
}
