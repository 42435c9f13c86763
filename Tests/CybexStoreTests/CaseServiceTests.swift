import CybexCore
import CybexEngine
import Foundation
import Testing

@testable import CybexFormats
@testable import CybexStore

/// Incident cases on both backends (docs/INCIDENTS.md): the workflow, what makes a new version of
/// the shared incident and what does not, SLA breaches under a settable clock, who sees and
/// changes what, and statistics that count only what the viewer may see.
@Suite("Incident cases")
struct CaseServiceTests {
    typealias Node = WriteSideTests.Node

    static let start: Int64 = 1_780_000_000_000_000

    static func service(_ node: Node, _ clock: SettableWallClock) -> CaseService {
        Engine(store: node.store, hasher: PasswordHasher(cost: 4)).cases(issuer: "cert.example.org", clock: clock)
    }

    static func versions(_ node: Node, _ id: String) async throws -> [JSONValue] {
        try await node.service.objects(in: node.collectionID, matching: ObjectQuery(ids: [id], versions: .all), for: node.cert)
            .records.map { try JSONReader.parse($0.json) }
    }

    @Test(arguments: Backend.enabled)
    func theWorkflowFromOpeningToReopening(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let clock = SettableWallClock(Self.start)
            let cases = Self.service(node, clock)
            let opened = try await cases.create(
                .init(
                    collectionID: node.collectionID, title: "Phishing wave against bank customers", severity: .high, tlp: .green),
                by: node.cert)
            let id = opened.record.id
            #expect(opened.record.status == .new && opened.full && opened.canChange)
            #expect(try await Self.versions(node, opened.record.incidentID).count == 1)

            clock.advance(by: .seconds(60))
            var view = try await cases.change(id: id, [.classification(.phishing), .status(.triaged)], by: node.cert)
            #expect(view.record.classification == .phishing && view.record.triaged == Self.start + 60_000_000)
            var stored = try await Self.versions(node, opened.record.incidentID)
            #expect(stored.count == 2, "classification and status are shareable: a new version")
            let body = stored.last?["extensions"]?[IODEFSTIX.extensionID]
            #expect(body?["categories"] == .array([.string("Phishing"), .string("rsit:fraud=\"phishing\"")]))
            #expect(body?["status"]?.stringValue == "in-progress")

            // The working part makes no new version.
            clock.advance(by: .seconds(60))
            view = try await cases.change(
                id: id, [.assignee("ana"), .comment("Takedown requested"), .addTask("Notify the bank")], by: node.cert)
            #expect(view.assigneeName == "ana" && view.record.tasks.count == 1)
            view = try await cases.change(id: id, [.completeTask(1)], by: node.cert)
            #expect(view.record.tasks[0].done)
            #expect(try await Self.versions(node, opened.record.incidentID).count == 2)

            // Linking makes a relationship, not a new version.
            let (indicatorID, indicator) = (
                "indicator--0f0e0d0c-0b0a-4908-8706-050403020100",
                WriteSideTests.indicator("indicator--0f0e0d0c-0b0a-4908-8706-050403020100", markings: [WriteSideTests.green])
            )
            _ = try await node.post([indicator], by: node.cert)
            view = try await cases.change(id: id, [.link([indicatorID])], by: node.cert)
            #expect(view.record.links == [indicatorID])
            #expect(try await Self.versions(node, opened.record.incidentID).count == 2)
            await #expect(throws: EngineError.self) {
                try await cases.change(id: id, [.link(["indicator--00000000-0000-4000-8000-000000000000"])], by: node.cert)
            }

            // The workflow refuses moves it does not allow.
            do {
                _ = try await cases.change(id: id, [.status(.reopened)], by: node.cert)
                Issue.record("triaged → reopened was allowed")
            } catch let error as EngineError {
                #expect(error.code == .conflict && error.message.contains("may move to"))
            }
            clock.advance(by: .seconds(3600))
            _ = try await cases.change(id: id, [.status(.inProgress)], by: node.cert)
            _ = try await cases.change(id: id, [.status(.resolved)], by: node.cert)
            view = try await cases.change(id: id, [.status(.closed)], by: node.cert)
            #expect(view.record.closed != nil)
            stored = try await Self.versions(node, opened.record.incidentID)
            #expect(stored.last?["extensions"]?[IODEFSTIX.extensionID]?["status"]?.stringValue == "resolved")
            view = try await cases.change(id: id, [.status(.reopened)], by: node.cert)
            #expect(view.record.closed == nil && view.record.status == .reopened)

            let timeline = try await cases.timeline(id: id, for: node.cert).map(\.kind)
            #expect(timeline.first == "created" && timeline.contains("comment") && timeline.contains("linked"))
            #expect(timeline.filter { $0 == "status" }.count == 5)
            let audit = try await store.auditEvents(limit: 200).filter { $0.target == id }.map(\.action)
            #expect(audit.contains("case.create") && audit.contains("case.comment") && audit.contains("case.assigned"))

            // And it exports as IODEF: the shared incident is valid IODEF with its classification.
            let xml = try await node.service.iodef(of: node.collectionID, for: node.partner, issuer: "x")
            let incident = try IODEFDocument.read(xml).incidents[0]
            #expect(incident.elements("IncidentID", namespace: IODEF.namespace)[0].text == opened.record.reference)
        }
    }

    @Test(arguments: Backend.enabled)
    func anSLAIsBreachedWhenTheClockPassesItsDeadline(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let clock = SettableWallClock(Self.start)
            let cases = Self.service(node, clock)
            let critical = try await cases.create(
                .init(collectionID: node.collectionID, title: "Ransomware", severity: .critical), by: node.cert)
            let low = try await cases.create(
                .init(collectionID: node.collectionID, title: "Scanner", severity: .low), by: node.cert)
            #expect(try await cases.checkSLAs() == 0)
            clock.advance(by: .seconds(3601))  // past the critical case's hour to triage
            #expect(try await cases.checkSLAs() == 1)
            #expect(try await cases.checkSLAs() == 0, "a breach is recorded once")
            let breached = try await cases.view(id: critical.record.id, for: node.cert)
            #expect(breached.record.triageBreached == Self.start + 3_601_000_000)
            #expect(try await cases.view(id: low.record.id, for: node.cert).record.triageBreached == nil)
            #expect(try await cases.timeline(id: critical.record.id, for: node.cert).last?.kind == "sla-breach")
            // Notified: the handling organisation's queue holds the case's incident.
            let queued = try await store.queuedNotifications(for: node.cert.organisation.id, after: 0, limit: 10)
            #expect(queued.map(\.objectID).contains(critical.record.incidentID))
            clock.advance(by: .seconds(24 * 3600))
            #expect(try await cases.checkSLAs() == 1, "then the resolution deadline")
            let statistics = try await cases.statistics(for: node.cert)
            #expect(statistics.triageBreaches == 1 && statistics.resolutionBreaches == 1 && statistics.total == 2)
        }
    }

    @Test(arguments: Backend.enabled)
    func othersSeeACaseOnlyAsTheSharingPolicyAllows(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let clock = SettableWallClock(Self.start)
            let cases = Self.service(node, clock)
            let green = try await cases.create(
                .init(collectionID: node.collectionID, title: "Green case", classification: .ddos, tlp: .green), by: node.cert)
            let red = try await cases.create(
                .init(
                    collectionID: node.collectionID, title: "Red case for isp", classification: .malware, tlp: .red,
                    recipients: ["isp"]),
                by: node.cert)
            let secret = try await cases.create(
                .init(collectionID: node.collectionID, title: "Private case", classification: .apt, tlp: .red), by: node.cert)
            _ = try await cases.change(id: green.record.id, [.comment("internal note"), .assignee("ana")], by: node.cert)

            // The partner sees the green case's shareable part, not its working part, and neither red one.
            let seen = try await cases.view(id: green.record.id, for: node.partner)
            #expect(!seen.full && !seen.canChange && seen.record.assigneeID == nil && seen.record.tasks.isEmpty)
            await #expect(throws: EngineError.self) { try await cases.timeline(id: green.record.id, for: node.partner) }
            for hidden in [red.record.id, secret.record.id] {
                do {
                    _ = try await cases.view(id: hidden, for: node.partner)
                    Issue.record("the partner saw \(hidden)")
                } catch let error as EngineError {
                    #expect(error.code == .notFound)
                }
            }
            #expect(try await cases.list(for: node.partner).map(\.record.id) == [green.record.id])
            // The recipient sees the red case addressed to it; nobody but cert sees the private one.
            #expect(try await Set(cases.list(for: node.isp).map(\.record.id)) == [green.record.id, red.record.id])
            // Nobody else changes it.
            do {
                _ = try await cases.change(id: green.record.id, [.status(.triaged)], by: node.isp)
                Issue.record("another organisation changed the case")
            } catch let error as EngineError {
                #expect(error.code == .forbidden)
            }
            // Statistics count only what each may see.
            let forPartner = try await cases.statistics(for: node.partner)
            #expect(forPartner.total == 1 && forPartner.byClassification == ["ddos": 1] && forPartner.triageBreaches == 0)
            let forCERT = try await cases.statistics(for: node.cert)
            #expect(forCERT.total == 3 && forCERT.byRSIT["rsit:intrusions"] == 1 && forCERT.byStatus["new"] == 3)
            #expect(forCERT.csv.contains("classification,apt,1\n"))
        }
    }

    @Test(arguments: Backend.enabled)
    func anImportedIncidentOpensACaseThatKeepsItsIODEFWhenShared(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let clock = SettableWallClock(Self.start)
            let cases = Self.service(node, clock)
            let document = IODEFExchangeTests.document(
                IODEFExchangeTests.incident(
                    "I-1", restriction: "green", address: "198.51.100.77", description: "Scanning from a VPS"
                )
                .replacingOccurrences(of: "<EventData>", with: #"<EventData><Expectation action="investigate" severity="high"/>"#)
                .replacingOccurrences(of: "<Expectation action=\"investigate\" severity=\"high\"/><Flow>", with: "<Flow>")
                .replacingOccurrences(
                    of: "</Flow></EventData>", with: #"</Flow><Expectation action="investigate" severity="high"/></EventData>"#))
            let report = try await cases.importIODEF(document, to: node.collectionID, by: node.cert)
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            let opened = try await cases.list(for: node.cert)
            #expect(opened.count == 1)
            let record = try #require(opened.first?.record)
            #expect(record.reference == "I-1" && record.imported && record.severity == .high && record.tlp == .green)
            #expect(record.title == "Scanning from a VPS")
            _ = try await cases.importIODEF(document, to: node.collectionID, by: node.cert)
            #expect(try await cases.list(for: node.cert).count == 1, "one case per incident")
            // A later document about it is noted on the case's timeline; the case keeps its status.
            let later = Array(
                String(decoding: document, as: UTF8.self).replacingOccurrences(
                    of: "2026-05-01T10:00:00Z", with: "2026-05-02T10:00:00Z"
                )
                .replacingOccurrences(of: #"status="new""#, with: #"status="resolved""#).utf8)
            _ = try await cases.importIODEF(later, to: node.collectionID, by: node.cert)
            #expect(try await cases.view(id: record.id, for: node.cert).record.status == .new)
            #expect(try await cases.timeline(id: record.id, for: node.cert).last?.detail.contains("status resolved") == true)

            clock.advance(by: .seconds(60))
            _ = try await cases.change(id: record.id, [.status(.triaged), .classification(.ddos)], by: node.cert)
            let versions = try await Self.versions(node, record.incidentID)
            #expect(versions.count == 3, "imported, updated by the later document, then the case's change")
            #expect(Set(versions.compactMap { $0["created"]?.stringValue }).count == 1, "versions keep created")
            let xml = try await node.service.iodef(of: node.collectionID, for: node.partner, issuer: "x")
            let incident = try IODEFDocument.read(xml).incidents[0]
            #expect(incident.attribute("status") == "in-progress")
            let text = String(decoding: xml, as: UTF8.self)
            #expect(text.contains("198.51.100.77") && text.contains("rsit:availability") && text.contains(">I-1</IncidentID>"))
        }
    }

    @Test(arguments: Backend.enabled)
    func aConstituentsReportIsHandledByTheOrganisationItBelongsTo(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let administration = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "test")
            _ = try await administration.addOrganisation(name: "branch", parent: "cert")
            _ = try await administration.addUser(
                username: "bea", organisation: "branch", role: .contributor, password: "a long password")
            let user = try #require(try await store.user(named: "bea"))
            let bea = Principal(user: user, organisation: try #require(try await store.organisation(id: user.organisationID)))
            let cases = Self.service(node, SettableWallClock(Self.start))
            var draft = CaseService.Draft(
                collectionID: node.collectionID, title: "Our mail server sends spam", tlp: .red, recipients: ["cert"])
            draft.report = true
            let reported = try await cases.create(draft, by: bea)
            #expect(reported.record.ownerID == node.cert.organisation.id && reported.reporterName == "branch")
            #expect(!reported.full && !reported.canChange, "the reporter sees its report, cert handles it")
            #expect(reported.record.recipients.contains("branch"))
            let handled = try await cases.view(id: reported.record.id, for: node.cert)
            #expect(handled.full && handled.canChange)
            _ = try await cases.change(id: reported.record.id, [.status(.triaged)], by: node.cert)
            #expect(try await cases.view(id: reported.record.id, for: bea).record.status == .triaged)
            await #expect(throws: EngineError.self) { try await cases.view(id: reported.record.id, for: node.partner) }
            // An organisation that is nobody's constituent has nobody to report to.
            var orphan = CaseService.Draft(collectionID: node.collectionID, title: "x")
            orphan.report = true
            await #expect(throws: EngineError.self) { try await cases.create(orphan, by: node.isp) }
        }
    }
}
