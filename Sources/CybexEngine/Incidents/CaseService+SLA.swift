import CybexCore
import CybexStore

/// SLA timers: the deadlines of open cases, checked by the `case-sla` job.
extension CaseService {
    /// Records every SLA that has run out on an open case (its timeline, the audit log, and the
    /// handling organisation's notification queue with the case's incident); returns how many.
    @discardableResult
    public func checkSLAs() async throws -> Int {
        let now = clock.nowMicroseconds()
        var breaches = 0
        for var record in try await store.cases(ownerID: nil) {
            let due = record.dueBreaches(at: now)
            guard due.triage || due.resolve else { continue }
            var events: [CaseEvent] = []
            if due.triage {
                record.triageBreached = now
                events.append(
                    CaseEvent(
                        time: now, actor: "sla", kind: "sla-breach",
                        detail: "not triaged by \(STIXTimestamp.formatVersion(microseconds: record.triageDue))"))
            }
            if due.resolve {
                record.resolveBreached = now
                events.append(
                    CaseEvent(
                        time: now, actor: "sla", kind: "sla-breach",
                        detail: "not resolved by \(STIXTimestamp.formatVersion(microseconds: record.resolveDue))"))
            }
            record.revision += 1
            do {
                try await store.updateCase(
                    record, events: events,
                    audit: events.map {
                        AuditEvent(time: now, actor: "sla", action: "case.sla-breach", target: record.id, detail: $0.detail)
                    })
            } catch let error as StoreError where error.code == .conflict {
                continue  // changed meanwhile: the next check sees it again
            }
            try await store.enqueueNotifications([
                QueuedNotification(
                    organisationID: record.ownerID, objectID: record.incidentID, collectionID: record.collectionID, queued: now)
            ])
            breaches += events.count
        }
        return breaches
    }
}
