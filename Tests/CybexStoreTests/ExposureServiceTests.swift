import CybexCore
import CybexEngine
import Foundation
import Testing

@testable import CybexFormats
@testable import CybexStore

/// Exposure and remediation duties on both backends (docs/VULNERABILITIES.md): a fixture inventory, fixture
/// CVE records and VEX statements give exactly the expected affected constituents and duties; a VEX statement
/// counts only from the constituent itself or an organisation above it; a vulnerability a constituent may
/// not read makes no duty; an overdue duty escalates once (a settable clock); who reads and changes a duty.
@Suite("Exposure and remediation")
struct ExposureServiceTests {
    typealias Node = WriteSideTests.Node

    static let start: Int64 = 1_780_000_000_000_000
    static let day = Duration.seconds(86_400)

    /// A CVE JSON 5 record with one affected product.
    static func record(_ id: String, affected: String, vector: String) -> String {
        """
        {"dataType": "CVE_RECORD", "dataVersion": "5.1",
         "cveMetadata": {"cveId": "\(id)", "state": "PUBLISHED", "assignerOrgId": "0b8f1d3e-2c4a-4e5b-9a7d-1f2e3c4d5b6a",
                         "dateReserved": "2026-02-01T00:00:00Z", "datePublished": "2026-03-01T00:00:00Z"},
         "containers": {"cna": {"providerMetadata": {"orgId": "0b8f1d3e-2c4a-4e5b-9a7d-1f2e3c4d5b6a"},
           "descriptions": [{"lang": "en", "value": "A flaw in a product of the fixture."}],
           "affected": [\(affected)], "references": [{"url": "https://example.org/\(id)"}],
           "metrics": [{"cvssV3_1": {"version": "3.1", "vectorString": "\(vector)", "baseScore": 0, "baseSeverity": "NONE"}}]}}}
        """
    }

    static let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  // 9.8
    static let medium = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"  // 5.4

    static func vulnerability(_ record: String) throws -> String {
        JSONWriter.string(try CVERecord.vulnerability(from: try JSONReader.parse(Array(record.utf8))))
    }

    static func vex(_ id: String, author: String, _ statements: String) -> [UInt8] {
        Array(
            """
            {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "\(id)", "author": "\(author)",
             "timestamp": "2026-11-01T00:00:00Z", "version": 1, "statements": [\(statements)]}
            """.utf8)
    }

    @Test(arguments: Backend.enabled)
    func aFixtureGivesExactlyTheExpectedDutiesAndAnOverdueOneEscalates(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let engine = Engine(store: store, hasher: PasswordHasher(cost: 4))
            let clock = SettableWallClock(Self.start)
            let (cert, isp, partner) = (node.cert.organisation, node.isp.organisation, node.partner.organisation)
            // The ISP is a constituent of the CERT, and a service provider.
            try await store.setOrganisationParent(id: isp.id, parentID: cert.id)
            try await store.setOrganisationProfile(id: isp.id, OrganisationProfile(roles: [.serviceProvider]))
            let administration = engine.administration(actor: "test")
            _ = try await administration.addUser(
                username: "vic", organisation: "partner", role: .analyst, password: "a long password")
            let vic = Principal(user: try await store.user(named: "vic")!, organisation: partner)
            let vendorFeed = try await administration.addCollection(
                title: "vendor feed", description: nil, readers: ["cert", "isp", "partner"], writers: ["partner"])

            // CVE records: A (widget server 2.0.0 to 2.5.2), B (left-pad before 1.3.0), C (a router nobody runs),
            // D (a backup agent, every version).
            let a = "CVE-2026-50001"
            let records = [
                try Self.vulnerability(
                    Self.record(
                        a,
                        affected: """
                            {"vendor": "Example Widgets", "product": "Widget Server", "defaultStatus": "unaffected",
                             "versions": [{"version": "2.0.0", "lessThan": "2.5.2", "status": "affected", "versionType": "semver"}]}
                            """, vector: Self.critical)),
                try Self.vulnerability(
                    Self.record(
                        "CVE-2026-50002",
                        affected: """
                            {"collectionURL": "https://registry.npmjs.org", "packageName": "left-pad",
                             "versions": [{"version": "0", "lessThan": "1.3.0", "status": "affected", "versionType": "semver"}]}
                            """, vector: Self.critical)),
                try Self.vulnerability(
                    Self.record(
                        "CVE-2026-50003",
                        affected: """
                            {"vendor": "Acme Networks", "product": "Edge Router", "defaultStatus": "affected"}
                            """, vector: Self.critical)),
                try Self.vulnerability(
                    Self.record(
                        "CVE-2026-50004",
                        affected: """
                            {"vendor": "Hooli Cloud", "product": "Backup Agent", "defaultStatus": "affected"}
                            """, vector: Self.medium)),
            ]
            #expect(try await node.post(records, by: node.cert).added == 4)
            // R: a TLP:RED vulnerability of the portal the ISP runs, which only the CERT may read.
            let red = """
                {"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--7d1a0b52-3f4e-4c8a-9b6d-2e1f0a9c8b7d",
                 "created": "2026-04-01T00:00:00.000Z", "modified": "2026-04-01T00:00:00.000Z", "name": "embargoed flaw",
                 "object_marking_refs": ["\(WriteSideTests.red)"],
                 "extensions": {"\(VulnerabilityFacts.cveExtensionID)": {"extension_type": "property-extension",
                   "affected": [{"vendor": "Example", "product": "Portal", "default_status": "affected"}]}}}
                """
            #expect(try await node.post([red], by: node.cert).added == 1)

            // Inventories: the ISP's analyst writes its own; the operator writes the partner's.
            _ = try await engine.inventories.update(
                ofOrganisation: isp.id,
                with: try InventoryEntries.csv(
                    Array(
                        """
                        vendor,product,version,purl,cpe
                        Example Widgets,Widget Server,2.4.1,,
                        Example Widgets,Widget Server,2.6.0,,
                        ,,,pkg:npm/left-pad@1.1.0,
                        ,,,,cpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*
                        """.utf8)), replacing: true, by: node.isp)
            _ = try await engine.inventories.update(
                organisation: "partner",
                with: [
                    try InventoryEntries.item(vendor: "Hooli Cloud", product: "Backup Agent"),
                    try InventoryEntries.item(vendor: "Example Widgets", product: "Widget Server", version: "3.0.0"),
                ], replacing: true, actor: "test")
            await #expect(throws: EngineError.self, "a reader may not write its organisation's inventory") {
                try await engine.inventories.update(ofOrganisation: partner.id, with: [], replacing: true, by: node.partner)
            }

            // VEX: the CERT (above the ISP) says left-pad is not affected by B; the partner says the widget server
            // is not affected by A — the ISP may read it, but the partner is not above it.
            _ = try await node.service.addOpenVEX(
                Self.vex(
                    "https://cert.example/vex/1", author: "CERT",
                    """
                    {"vulnerability": {"name": "CVE-2026-50002"}, "products": [{"@id": "pkg:npm/left-pad@1.1.0"}],
                     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}
                    """), to: node.collectionID, by: node.cert)
            _ = try await node.service.addOpenVEX(
                Self.vex(
                    "https://partner.example/vex/1", author: "Partner",
                    """
                    {"vulnerability": {"name": "\(a)"},
                     "products": [{"identifiers": {"@cpe23": "cpe:2.3:a:example_widgets:widget_server:*:*:*:*:*:*:*:*"}}],
                     "status": "not_affected", "impact_statement": "not us"}
                    """), to: vendorFeed.id, by: vic)

            // A CSAF VEX advisory from the CERT: CVE-2026-50005, for which no CVE record is stored, affects
            // left-pad 1.1.0 and not the widget server 2.6.0 (both in the ISP's inventory).
            let advisory = """
                {"document": {"category": "csaf_vex", "csaf_version": "2.0", "title": "left-pad",
                  "publisher": {"category": "coordinator", "name": "CERT", "namespace": "https://cert.example"},
                  "distribution": {"tlp": {"label": "WHITE"}},
                  "tracking": {"id": "CERT-2026-0005", "status": "final", "version": "1",
                    "initial_release_date": "2026-11-01T10:00:00Z", "current_release_date": "2026-11-01T10:00:00Z",
                    "revision_history": [{"date": "2026-11-01T10:00:00Z", "number": "1", "summary": "First"}]}},
                 "product_tree": {"full_product_names": [
                   {"name": "left-pad 1.1.0", "product_id": "P1", "product_identification_helper": {"purl": "pkg:npm/left-pad@1.1.0"}},
                   {"name": "Widget Server 2.6.0", "product_id": "P2",
                    "product_identification_helper": {"cpe": "cpe:2.3:a:example_widgets:widget_server:2.6.0:*:*:*:*:*:*:*"}}]},
                 "vulnerabilities": [{"cve": "CVE-2026-50005", "notes": [{"category": "description", "text": "A flaw."}],
                   "product_status": {"known_affected": ["P1"], "known_not_affected": ["P2"]},
                   "flags": [{"label": "component_not_present", "product_ids": ["P2"]}],
                   "remediations": [{"category": "vendor_fix", "details": "Upgrade to 1.3.0", "product_ids": ["P1"]}]}]}
                """
            let csafReport = try await node.service.addCSAF(Array(advisory.utf8), to: node.collectionID, by: node.cert)
            #expect(csafReport.added == 3, "a report, a vulnerability and the VEX note")
            await #expect(throws: EngineError.self, "an invalid advisory is refused whole") {
                try await node.service.addCSAF(
                    Array(
                        advisory.replacingOccurrences(of: #""known_affected": ["P1"]"#, with: #""known_affected": ["P9"]"#).utf8),
                    to: node.collectionID, by: node.cert)
            }

            let exposure = engine.exposure(clock: clock)
            let (_, findings) = try await exposure.exposure(ofOrganisation: isp.id, for: node.isp)
            #expect(findings.map(\.name) == [a, "CVE-2026-50002", "CVE-2026-50005"])
            #expect(findings[2].status == "affected" && findings[2].products.map(\.item) == ["pkg:npm/left-pad@1.1.0"])
            #expect(
                findings[0].status == "affected"
                    && findings[0].products.map(\.item) == [
                        "cpe:2.3:a:Example_Widgets:Widget_Server:2.4.1:*:*:*:*:*:*:*"
                    ])
            #expect(findings[1].status == "not-affected" && findings[1].products[0].reason.contains("not_affected"))
            // The partner may not read the ISP's exposure.
            await #expect(throws: EngineError.self) { try await exposure.exposure(ofOrganisation: isp.id, for: node.partner) }

            let report = try await exposure.refresh(actor: "test")
            #expect(report.organisations == 2 && report.created == 3 && report.notified == 3)
            let remediation = engine.remediation(clock: clock)
            let duties = try await remediation.list(.init())
            #expect(
                Set(duties.map { "\($0.organisationID) \($0.cve ?? "") \($0.status.rawValue) \($0.role.rawValue)" }) == [
                    "\(isp.id) \(a) affected service-provider", "\(isp.id) CVE-2026-50005 affected service-provider",
                    "\(partner.id) CVE-2026-50004 affected end-user",
                ])
            let ispDuty = try #require(duties.first { $0.organisationID == isp.id && $0.cve == a })
            #expect(ispDuty.severity == .critical && ispDuty.due == Self.start + 15 * 86_400_000_000)
            #expect(duties.first { $0.organisationID == partner.id }?.severity == .medium)
            // Notified of the vulnerability, and of the CSAF advisory's VEX note for the finding only it makes.
            let queued = try await store.queuedNotifications(for: isp.id, after: 0, limit: 10).map(\.objectID)
            #expect(queued.count == 2 && queued.contains(ispDuty.vulnerabilityID))
            #expect(queued.contains { $0.hasPrefix("note--") })
            #expect(try await exposure.refresh(actor: "test").created == 0, "a second refresh makes nothing new")

            // Who reads and changes a duty.
            #expect(try await remediation.list(.init(), for: node.partner).map(\.organisationID) == [partner.id])
            #expect(
                Set(try await remediation.list(.init(), for: node.cert).map(\.organisationID)) == [isp.id],
                "the CERT above the ISP")
            await #expect(throws: EngineError.self) { try await remediation.record(id: ispDuty.id, for: node.partner) }
            do {
                _ = try await remediation.update(id: ispDuty.id, .init(status: .patched), by: node.cert)
                Issue.record("the CERT changed the ISP's duty")
            } catch let error as EngineError {
                #expect(error.code == .forbidden)
            }

            // Overdue: after 16 days the ISP's critical duty escalates, once; the partner's (90 days) does not.
            clock.advance(by: Self.day * 16)
            #expect(try await remediation.list(.init(overdue: true)).map(\.id) == [ispDuty.id])
            #expect(try await remediation.escalateOverdue() == 1)
            #expect(try await remediation.escalateOverdue() == 0)
            let escalated = try await remediation.record(id: ispDuty.id)
            #expect(escalated.escalated == clock.nowMicroseconds() && escalated.history.last?.kind == "escalated")
            #expect(
                try await store.queuedNotifications(for: cert.id, after: 0, limit: 10).map(\.objectID) == [
                    ispDuty.vulnerabilityID
                ])
            #expect(
                try await store.auditEvents(limit: 50).contains { $0.action == "remediation.escalate" && $0.target == ispDuty.id }
            )

            // The ISP patches; a refresh keeps what a person set; the duty is no longer overdue.
            let patched = try await remediation.update(
                id: ispDuty.id, .init(status: .patched, note: "2.5.2 deployed"), by: node.isp)
            #expect(patched.statusSetByPerson && patched.revision == escalated.revision + 1)
            _ = try await exposure.refresh(actor: "test")
            #expect(try await remediation.record(id: ispDuty.id).status == .patched)
            #expect(try await remediation.list(.init(overdue: true)).isEmpty)
            do {
                _ = try await remediation.update(id: ispDuty.id, .init(note: "late", revision: 1), by: node.isp)
                Issue.record("a change from an old revision was applied")
            } catch let error as EngineError {
                #expect(error.code == .conflict)
            }

            // The partner's product is replaced: its open duty closes as not affected.
            _ = try await engine.inventories.update(
                organisation: "partner",
                with: [try InventoryEntries.item(vendor: "Example Widgets", product: "Widget Server", version: "3.0.0")],
                replacing: true, actor: "test")
            _ = try await exposure.refresh(actor: "test")
            #expect(try await remediation.list(.init(organisationID: partner.id)).map(\.status) == [.notAffected])
        }
    }
}
