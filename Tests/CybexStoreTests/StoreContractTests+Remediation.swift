import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Inventories and remediation duties (schema step 22) on each backend: changes with their audit entry in
/// one transaction, replaced whole or added to, bounded; duties written only from the revision they were
/// read at, one per (organisation, vulnerability).
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func inventoriesAreAddedToAndReplaced(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["isp", "bank"], in: store)
            let (isp, bank) = (orgs["isp"]!.id, orgs["bank"]!.id)
            #expect(try await store.inventory(of: isp) == [])
            #expect(try await store.inventory(of: "no-such-org") == nil)
            let audit: @Sendable (InventoryChange) -> [AuditEvent] = { change in
                [AuditEvent(time: 1, actor: "test", action: "organisation.add-inventory", target: isp, detail: "\(change.total)")]
            }
            let widget = InventoryItem(kind: .cpe, value: "cpe:2.3:a:example:widget:2.4.1:*:*:*:*:*:*:*", note: "mail")
            let pad = InventoryItem(kind: .purl, value: "pkg:npm/left-pad@1.1.0")
            let portal = InventoryItem(kind: .cpe, value: "cpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*")
            #expect(
                try await store.updateInventory(of: isp, with: [pad, widget], replacing: false, audit: audit)
                    == InventoryChange(added: 2, removed: 0, total: 2))
            #expect(try await store.inventory(of: isp) == [widget, pad], "CPE names first")
            // Adding again: the note changes, nothing is added.
            var renamed = widget
            renamed.note = "relay"
            #expect(
                try await store.updateInventory(of: isp, with: [renamed], replacing: false, audit: audit)
                    == InventoryChange(added: 0, removed: 0, total: 2))
            #expect(try await store.inventory(of: isp)?.first?.note == "relay")
            // Replacing: what is not given goes.
            #expect(
                try await store.updateInventory(of: isp, with: [portal, pad], replacing: true, audit: audit)
                    == InventoryChange(added: 1, removed: 1, total: 2))
            #expect(try await store.inventory(of: isp) == [portal, pad])
            #expect(try await store.organisationsWithInventory() == [isp])
            #expect(try await store.inventory(of: bank) == [])
            await #expect(throws: StoreError.self) {
                try await store.updateInventory(of: "no-such-org", with: [pad], replacing: false, audit: audit)
            }
            let audited = try await store.auditEvents(limit: 10).filter { $0.action == "organisation.add-inventory" }
            #expect(audited.count == 3)
        }
    }

    @Test(arguments: Backend.enabled)
    func remediationDutiesAreWrittenFromTheirRevision(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = try await Self.organisations(["isp", "bank"], in: store)
            let (isp, bank) = (orgs["isp"]!.id, orgs["bank"]!.id)
            let vulnerability = Fixture.id("vulnerability")
            func duty(_ id: String, _ organisation: String, due: Int64) -> RemediationRecord {
                RemediationRecord(
                    id: id, organisationID: organisation, vulnerabilityID: vulnerability, cve: "CVE-2026-50001",
                    title: "CVE-2026-50001", role: .serviceProvider, status: .affected, score: 98,
                    products: [RemediationProduct(item: "pkg:npm/left-pad@1.1.0", status: "affected", reason: "range")],
                    created: due)
            }
            let a = duty("remediation--a", isp, due: Fixture.base)
            let b = duty("remediation--b", bank, due: Fixture.base - 1_000_000)
            try await store.saveRemediations(
                created: [a, b], updated: [],
                audit: [AuditEvent(time: 1, actor: "test", action: "remediation.refresh", target: isp)])
            #expect(try await store.remediation(id: "remediation--a") == a)
            #expect(try await store.remediations(organisationID: isp) == [a])
            #expect(
                try await store.remediations(organisationID: nil).map(\.id) == ["remediation--b", "remediation--a"], "by due date"
            )
            // One duty per organisation and vulnerability.
            await #expect(throws: StoreError.self) {
                try await store.saveRemediations(created: [duty("remediation--c", isp, due: 1)], updated: [], audit: [])
            }
            var changed = a
            changed.status = .patched
            changed.revision = 2
            try await store.saveRemediations(created: [], updated: [changed], audit: [])
            #expect(try await store.remediation(id: "remediation--a")?.status == .patched)
            // From a stale revision: refused, nothing written (the created one of the same call either).
            var stale = a
            stale.status = .willNotFix
            stale.revision = 2
            do {
                try await store.saveRemediations(
                    created: [duty("remediation--d", bank, due: 1)].map {
                        var d = $0
                        d.vulnerabilityID = "vulnerability--other"
                        return d
                    },
                    updated: [stale], audit: [])
                Issue.record("a stale revision was written")
            } catch let error as StoreError {
                #expect(error.code == .conflict)
            }
            #expect(try await store.remediation(id: "remediation--a")?.status == .patched)
            #expect(try await store.remediation(id: "remediation--d") == nil)
            var missing = a
            missing.id = "remediation--missing"
            missing.revision = 2
            do {
                try await store.saveRemediations(created: [], updated: [missing], audit: [])
                Issue.record("an unknown duty was written")
            } catch let error as StoreError {
                #expect(error.code == .notFound)
            }
        }
    }
}
