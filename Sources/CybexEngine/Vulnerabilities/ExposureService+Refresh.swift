import CybexCore
import CybexFormats
import CybexStore

/// Remediation duties made from exposure: the `exposure` job (and `cybex exposure refresh`) brings each
/// organisation's duties in line with its findings.
extension ExposureService {
    /// For every organisation with an inventory (or only `organisationID`): a duty for each finding that
    /// has none (its organisation notified through the digest path), the products and the status of those
    /// that have one brought up to date (the status only while no person has set it), and open duties whose
    /// vulnerability no longer affects the inventory closed as not affected. Each organisation's changes
    /// commit with their audit entry (`remediation.refresh`).
    public func refresh(organisationID: String? = nil, actor: String) async throws -> Report {
        var report = Report()
        var ids = [String]()
        if let organisationID { ids = [organisationID] } else { ids = try await store.organisationsWithInventory() }
        for id in ids {
            guard let organisation = try await store.organisation(id: id) else {
                throw EngineError(.notFound, "no organisation with id '\(id)'")
            }
            let findings = try await findings(for: organisation)
            report.organisations += 1
            report.findings += findings.count
            let done = try await reconcile(organisation, findings: findings, actor: actor)
            report.created += done.created
            report.changed += done.changed
            report.notified += done.notified
        }
        return report
    }

    /// The operator's refresh of the organisation named `name` (every organisation when nil).
    public func refresh(organisation name: String?, actor: String) async throws -> Report {
        guard let name else { return try await refresh(actor: actor) }
        let organisation = try await Administration(store: store, actor: actor).organisation(named: name)
        return try await refresh(organisationID: organisation.id, actor: actor)
    }

    func reconcile(_ organisation: Organisation, findings: [Finding], actor: String) async throws
        -> (created: Int, changed: Int, notified: Int)
    {
        let now = clock.nowMicroseconds()
        let role = Self.role(of: try await store.organisationProfile(id: organisation.id))
        var existing: [String: RemediationRecord] = [:]
        for record in try await store.remediations(organisationID: organisation.id) { existing[record.vulnerabilityID] = record }
        var created: [RemediationRecord] = []
        var updated: [RemediationRecord] = []
        var notices: [QueuedNotification] = []
        var seen: Set<String> = []
        for finding in findings {
            seen.insert(finding.vulnerabilityID)
            let wanted: RemediationStatus? =
                switch finding.status {
                case "affected": .affected
                case "unknown": .underInvestigation
                default: nil
                }
            guard var record = existing[finding.vulnerabilityID] else {
                guard let wanted else { continue }  // settled by VEX before any duty was made
                var record = RemediationRecord(
                    id: "remediation--" + NameBasedUUID.make("cybex-remediation|\(organisation.id)|\(finding.vulnerabilityID)"),
                    organisationID: organisation.id, vulnerabilityID: finding.vulnerabilityID, cve: finding.cve,
                    title: finding.name, role: role, status: wanted, score: finding.score, products: finding.products,
                    created: now)
                record.noticeObjectID = finding.notifiedObjectID
                record.noticeCollectionID = finding.collectionID
                record.record(
                    RemediationEvent(
                        time: now, actor: actor, kind: "created",
                        detail:
                            "\(finding.products.count) product(s) \(finding.status); due \(STIXTimestamp.formatVersion(microseconds: record.due))"
                    ))
                created.append(record)
                notices.append(
                    QueuedNotification(
                        organisationID: organisation.id, objectID: finding.notifiedObjectID, collectionID: finding.collectionID,
                        queued: now + Int64(notices.count)))
                continue
            }
            var changed = false
            if record.products != finding.products {
                record.products = finding.products
                record.record(
                    RemediationEvent(
                        time: now, actor: actor, kind: "exposure",
                        detail: "products now: "
                            + finding.products.prefix(5).map { "\($0.item) \($0.status)" }.joined(separator: ", ")))
                changed = true
            }
            if record.score != finding.score, let score = finding.score {
                record.score = score
                record.severity = RemediationSeverity(score: score)  // the due date stays as it was set
                changed = true
            }
            let target = wanted ?? .notAffected
            if !record.statusSetByPerson, record.status != target, record.status.isOpen || wanted != nil {
                let reopening = !record.status.isOpen && target.isOpen
                record.status = target
                record.record(
                    RemediationEvent(
                        time: now, actor: actor, kind: wanted == nil ? "vex" : "status",
                        detail: wanted == nil ? "every product settled by VEX: not affected" : "status \(target.rawValue)"))
                if reopening { Self.restartDue(&record, at: now) }
                changed = true
            }
            if changed {
                record.updated = now
                record.revision += 1
                updated.append(record)
            }
        }
        for var record in existing.values where !seen.contains(record.vulnerabilityID) {
            guard record.status.isOpen, !record.statusSetByPerson else { continue }
            record.status = .notAffected
            record.record(
                RemediationEvent(
                    time: now, actor: actor, kind: "exposure", detail: "no inventory item is affected any more: not affected"))
            record.updated = now
            record.revision += 1
            updated.append(record)
        }
        guard !created.isEmpty || !updated.isEmpty else { return (0, 0, 0) }
        let named = (created + updated).prefix(10).map { "\($0.title) \($0.status.rawValue)" }.joined(separator: ", ")
        let audit = AuditEvent(
            time: now, actor: actor, action: "remediation.refresh", target: organisation.id,
            detail: "\(organisation.name): \(created.count) created, \(updated.count) changed: \(named)")
        do {
            try await store.saveRemediations(created: created, updated: updated, audit: [audit])
        } catch let error as StoreError where error.code == .conflict {
            return (0, 0, 0)  // changed meanwhile by a person or another process: the next refresh sees it
        }
        if !notices.isEmpty { try await store.enqueueNotifications(notices) }
        return (created.count, updated.count, notices.count)
    }

    /// The role a new duty of an organisation takes: the first its profile declares of equipment vendor,
    /// software provider, service provider, end user; end user when it declares none of them.
    static func role(of profile: OrganisationProfile?) -> EcosystemRole {
        let duties: [EcosystemRole] = [.equipmentVendor, .softwareProvider, .serviceProvider, .endUser]
        return duties.first { profile?.roles.contains($0) == true } ?? .endUser
    }

    /// A duty that opens again is due one window of its severity from now, and may escalate again.
    static func restartDue(_ record: inout RemediationRecord, at now: Int64) {
        record.due = now + record.severity.window * 1_000_000
        record.escalated = nil
    }
}
