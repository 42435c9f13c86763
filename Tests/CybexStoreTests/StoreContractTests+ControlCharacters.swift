import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Text with a NUL is kept whole or refused, never cut short (issue 13, finding 1): SQLite's C
/// interface stops at a NUL when text is bound or read as a C string, PostgreSQL refuses one. And
/// the audit chain hashes exactly what is stored, and reports every broken entry.
extension StoreContractTests {
    static func newID() -> String { UUID().uuidString.lowercased() }

    /// Whether `attempt` refused the text (a ``StoreError``) rather than storing it.
    static func refused(_ attempt: () async throws -> Void) async -> Bool {
        do {
            try await attempt()
            return false
        } catch let error as StoreError {
            #expect(error.code == .invalidArgument, "\(error)")
            return true
        } catch {
            Issue.record("unexpected error \(error)")
            return true
        }
    }

    @Test(arguments: Backend.enabled)
    func textWithANulIsKeptWholeOrRefusedNeverTruncated(backend: Backend) async throws {
        try await backend.withStore { store in
            let isp = Fixture.organisation("ISP One")
            try await store.createOrganisation(isp)
            // A lookup never matches what a C string would make of the name.
            #expect(try await store.organisation(named: "ISP One\u{0}XYZ") == nil)
            #expect(try await store.organisation(id: isp.id + "\u{0}x") == nil)

            let nulled = Fixture.organisation("CERT\u{0}evil")
            if !(await Self.refused { try await store.createOrganisation(nulled) }) {
                #expect(try await store.organisation(id: nulled.id)?.name == "CERT\u{0}evil")
            }
            #expect(try await store.organisation(named: "CERT") == nil, "never stored as its prefix")

            let user = User(
                id: Self.newID(), username: "u1\u{0}x", organisationID: isp.id, role: .analyst, passwordHash: "h",
                createdAt: 1)
            if !(await Self.refused { try await store.createUser(user) }) {
                #expect(try await store.user(id: user.id)?.username == "u1\u{0}x")
            }
            #expect(try await store.user(named: "u1") == nil)
            let ana = User(
                id: Self.newID(), username: "ana", organisationID: isp.id, role: .analyst, passwordHash: "h", createdAt: 1)
            try await store.createUser(ana)
            #expect(try await store.user(named: "ana\u{0}x") == nil)
            #expect(try await store.userWithOrganisation(named: "ana\u{0}x") == nil)

            let group = SharingGroup(id: Self.newID(), name: "region\u{0}x", createdAt: 1)
            if !(await Self.refused { try await store.createSharingGroup(group) }) {
                #expect(try await store.sharingGroups().map(\.name) == ["region\u{0}x"])
            }
            #expect(!(try await store.sharingGroups().contains { $0.name == "region" }))

            var collection = Fixture.collection()
            collection.title = "Feed\u{0}hidden"
            if !(await Self.refused { try await store.createCollection(collection) }) {
                #expect(try await store.collection(id: collection.id)?.title == "Feed\u{0}hidden")
            }
            #expect(!(try await store.collections().contains { $0.title == "Feed" }))

            let policy = RetentionPolicy(id: Self.newID(), name: "old\u{0}x", purgeAfterDays: 1, createdAt: 1)
            if !(await Self.refused { try await store.createRetentionPolicy(policy) }) {
                #expect(try await store.retentionPolicies().map(\.name) == ["old\u{0}x"])
            }
            try await store.createRetentionPolicy(RetentionPolicy(id: Self.newID(), name: "old", purgeAfterDays: 1, createdAt: 1))
            #expect(try await store.deleteRetentionPolicy(named: "old\u{0}x") == false)
            #expect(try await store.retentionPolicies().contains { $0.name == "old" })

            let key = "account:u1\u{0}x"
            if !(await Self.refused {
                try await store.updateAuthFailureCounter(key: key) { _ in
                    AuthFailureCounter(key: key, failures: 1, windowStart: 1, lastFailure: 1, blockedUntil: nil)
                }
            }) {
                #expect(try await store.authFailureCounters(keys: [key]).map(\.key) == [key])
            }
            #expect(try await store.authFailureCounters(keys: ["account:u1"]).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func auditTextWithControlCharactersIsStoredAsHashed(backend: Backend) async throws {
        try await backend.withStore { store in
            let event = AuditEvent(
                time: Fixture.base, actor: "u1\u{0}x", action: "auth.login", target: "password",
                detail: "from 127.0.0.1\u{1B}[2J\u{85}; tab\tkept")
            try await store.appendAudit(event)
            try await store.appendAudit(AuditEvent(time: Fixture.base + 1, actor: "cli", action: "after", target: "t"))
            let verification = try await store.verifyAuditChain()
            #expect(verification.isIntact, "\(String(describing: verification.failure))")
            #expect(verification.entries == 2)
            let stored = try #require(try await store.auditEntries(after: 0, limit: 10).first)
            #expect(stored.event.actor == "u1\\u0000x", "the NUL is written out, never cut at")
            #expect(stored.event.detail == "from 127.0.0.1\\u001B[2J\\u0085; tab\tkept")
            #expect(stored.hash == AuditChain.hash(previous: AuditChain.genesis, seq: 1, event: stored.event))
            #expect(try await store.auditEntries(matching: AuditQuery(actor: "u1", limit: -1)).isEmpty)
            #expect(try await store.auditEntries(matching: AuditQuery(actor: "u1\u{0}x", limit: -1)).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func verificationReportsEveryBrokenEntry(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let events = Self.auditEvents(6)
            try await database.withStore { store in
                for event in events { try await store.appendAudit(event) }
            }
            try await database.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
            try await database.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 5")
            try await database.withStore { store in
                let result = try await store.verifyAuditChain()
                #expect(result.failure == AuditChainBreak(seq: 2, reason: .hashMismatch))
                #expect(result.entries == 1)
                #expect(
                    result.failures == [
                        AuditChainBreak(seq: 2, reason: .hashMismatch), AuditChainBreak(seq: 5, reason: .hashMismatch),
                    ])
            }
            // A gap and an edit after it.
            try await database.execute("UPDATE audit_log SET actor = 'user-2' WHERE seq = 2")
            try await database.execute("DELETE FROM audit_log WHERE seq = 3")
            try await database.withStore { store in
                let result = try await store.verifyAuditChain()
                #expect(
                    result.failures == [
                        AuditChainBreak(seq: 3, reason: .gap(found: 4)), AuditChainBreak(seq: 5, reason: .hashMismatch),
                    ])
            }
        }
    }
}
