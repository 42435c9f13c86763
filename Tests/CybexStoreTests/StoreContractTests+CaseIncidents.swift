import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Schema step 20: cases are found by the incident they share through a column beside the record,
/// filled for the cases stored before the step.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func casesStoredBeforeTheIncidentColumnAreFoundByTheirIncident(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 <= 19 }
            let record = CaseRecord(
                id: "case--1", ownerID: "org-1", collectionID: "c-1", incidentID: "incident--1", reference: "REF-1",
                title: "Old case", description: nil, severity: .high, classification: nil, tlp: nil, recipients: [],
                reporterID: nil, created: 10)
            let body = try JSONColumns.encode(record).replacingOccurrences(of: "'", with: "''")
            try await database.execute(
                """
                INSERT INTO cases (id, owner_id, collection_id, status, revision, created, body)
                VALUES ('case--1', 'org-1', 'c-1', 'new', 1, 10, '\(body)')
                """)
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == database.migrationSteps.last!.version)
                #expect(try await store.cases(incidentID: "incident--1").map(\.id) == ["case--1"])
                var newer = record
                newer.id = "case--2"
                newer.ownerID = "org-2"
                newer.created = 20
                try await store.createCase(newer, events: [], audit: [])
                #expect(try await store.cases(incidentID: "incident--1").map(\.id) == ["case--1", "case--2"])
                #expect(try await store.cases(incidentID: "incident--2").isEmpty)
            }
        }
    }
}
