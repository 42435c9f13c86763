import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Token scopes, failed-authentication counters shared by several processes, audit export reads,
/// and migration 5 on a database that skipped a step number.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func tokenScopesRoundTrip(backend: Backend) async throws {
        try await backend.withStore { store in
            let org = Fixture.organisation("CIRT")
            try await store.createOrganisation(org)
            let user = User(
                id: UUID().uuidString.lowercased(), username: "ana", organisationID: org.id, role: .analyst,
                passwordHash: "h", createdAt: Fixture.base)
            try await store.createUser(user)
            let scoped = APIToken(
                id: "t1", userID: user.id, secretHash: "hash-1", createdAt: 1, expiresAt: nil, revokedAt: nil,
                scopes: [.taxiiRead, .apiWrite])
            let unscoped = APIToken(id: "t2", userID: user.id, secretHash: "hash-2", createdAt: 2, expiresAt: nil, revokedAt: nil)
            try await store.createToken(scoped)
            try await store.createToken(unscoped)
            #expect(try await store.token(secretHash: "hash-1") == scoped)
            #expect(try await store.token(secretHash: "hash-2")?.scopes == [])
            #expect(try await store.tokens(userID: user.id).map(\.scopes) == [[.taxiiRead, .apiWrite], []])
        }
    }

    @Test(arguments: Backend.enabled)
    func authFailureCountersUpdateReadAndRemove(backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.authFailureCounters(keys: ["account:ana"]).isEmpty)
            #expect(try await store.authFailureCounters(keys: []).isEmpty)
            let first = try await store.updateAuthFailureCounter(key: "account:ana") { current in
                #expect(current == nil)
                return AuthFailureCounter(key: "ignored", failures: 1, windowStart: 10, lastFailure: 10)
            }
            #expect(first == AuthFailureCounter(key: "account:ana", failures: 1, windowStart: 10, lastFailure: 10))
            try await store.updateAuthFailureCounter(key: "account:ana") { current in
                var next = current!
                next.failures += 1
                next.lastFailure = 20
                next.blockedUntil = 99
                return next
            }
            try await store.updateAuthFailureCounter(key: "address:192.0.2.1") { _ in
                AuthFailureCounter(key: "", failures: 3, windowStart: 5, lastFailure: 6)
            }
            let both = try await store.authFailureCounters(keys: ["address:192.0.2.1", "account:ana", "account:bob"])
            #expect(
                both == [
                    AuthFailureCounter(key: "account:ana", failures: 2, windowStart: 10, lastFailure: 20, blockedUntil: 99),
                    AuthFailureCounter(key: "address:192.0.2.1", failures: 3, windowStart: 5, lastFailure: 6),
                ])
            #expect(try await store.updateAuthFailureCounter(key: "account:ana") { _ in nil } == nil)
            #expect(try await store.authFailureCounters(keys: ["account:ana"]).isEmpty)
            // Counters quiet since a time go; one with a later failure or a lockout running stays.
            try await store.updateAuthFailureCounter(key: "account:old") { _ in
                AuthFailureCounter(key: "", failures: 1, windowStart: 1, lastFailure: 1)
            }
            try await store.updateAuthFailureCounter(key: "account:locked") { _ in
                AuthFailureCounter(key: "", failures: 5, windowStart: 1, lastFailure: 2, blockedUntil: 500)
            }
            #expect(try await store.removeAuthFailureCounters(quietSince: 100) == 2)
            let left = try await store.authFailureCounters(keys: ["account:old", "account:locked", "address:192.0.2.1"])
            #expect(left.map(\.key) == ["account:locked"])
            #expect(try await store.removeAuthFailureCounters(quietSince: 1_000) == 1)
            // Removing an absent counter is not an error, and leaves nothing behind.
            try await store.updateAuthFailureCounter(key: "account:nobody") { _ in nil }
            #expect(try await store.authFailureCounters(keys: ["account:nobody"]).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func authFailuresFromSeveralProcessesAreAllCounted(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let stores = [try await database.open(), try await database.open()]
            do {
                try await stores[0].migrate()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<30 {
                        let store = stores[index % 2]
                        group.addTask {
                            try await store.updateAuthFailureCounter(key: "address:198.51.100.9") { current in
                                var next = current ?? AuthFailureCounter(key: "", failures: 0, windowStart: 1, lastFailure: 1)
                                next.failures += 1
                                return next
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await stores[1].authFailureCounters(keys: ["address:198.51.100.9"]).first?.failures == 30)
            } catch {
                for store in stores { try? await store.close() }
                throw error
            }
            for store in stores { try await store.close() }
        }
    }

    @Test(arguments: Backend.enabled)
    func auditEntriesAreReadInPagesWithTheirHashes(backend: Backend) async throws {
        try await backend.withStore { store in
            let events = Self.auditEvents(7)
            for event in events { try await store.appendAudit(event) }
            let hashes = Self.expectedHashes(events)
            let first = try await store.auditEntries(after: 0, limit: 3)
            #expect(first.map(\.seq) == [1, 2, 3])
            #expect(first.map(\.hash) == Array(hashes[0..<3]))
            #expect(first[0].prevHash == AuditChain.genesis && first[1].prevHash == hashes[0])
            #expect(first.map(\.event) == Array(events[0..<3]))
            #expect(try await store.auditEntries(after: 3, limit: 100).map(\.seq) == [4, 5, 6, 7])
            #expect(try await store.auditEntries(after: 7, limit: 100).isEmpty)
        }
    }

    /// Step numbers may have gaps, and a step numbered below the newest applied one still runs
    /// (as when branches that each added a step are merged): here 1, 2 and 5 are applied, and
    /// migrating applies 3, 4 and 6.
    @Test(arguments: Backend.enabled)
    func migrationAppliesEveryStepNotYetRecorded(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let steps = database.migrationSteps
            #expect([3, 4, 5, 6].allSatisfy(steps.map(\.version).contains))
            try await database.applyMigrations { [1, 2, 5].contains($0) }
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == steps.last!.version)
                let org = Fixture.organisation("cert")
                try await store.createOrganisation(org)
                try await store.createSharingGroup(SharingGroup(id: "g1", name: "region", members: [org.id], createdAt: 1))
                #expect(try await store.sharingGroups().map(\.name) == ["region"])
                var collection = Fixture.collection()
                collection.defaultTLP = .green
                try await store.createCollection(collection)
                #expect(try await store.collection(id: collection.id)?.defaultTLP == .green)
                #expect(try await store.retentionPolicies().isEmpty)
                try await store.migrate()
            }
        }
    }
}
