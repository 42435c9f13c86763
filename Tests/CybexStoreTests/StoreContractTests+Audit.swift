import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// The audit hash chain: intact under concurrent appends, and every kind of tampering found.
extension StoreContractTests {
    static func auditEvents(_ count: Int) -> [AuditEvent] {
        (1...count).map {
            AuditEvent(
                time: Fixture.base + Int64($0), actor: "user-\($0)", action: "objects.add",
                target: "collection-\($0 % 2)",
                detail: $0 == 2 ? "" : "n=\($0); naïve\ttab")
        }
    }

    /// The hashes the chain must hold for `events` appended in order to an empty log.
    static func expectedHashes(_ events: [AuditEvent]) -> [String] {
        var previous = AuditChain.genesis
        return events.enumerated().map { offset, event in
            previous = AuditChain.hash(previous: previous, seq: Int64(offset + 1), event: event)
            return previous
        }
    }

    @Test
    func auditHashFollowsTheDocumentedEncoding() {
        // Computed independently (Python hashlib, struct.pack('>q'/'>Q')) from the formula in AuditChain.
        let first = AuditEvent(
            time: 1_700_000_000_000_000, actor: "cli", action: "user.create", target: "ana", detail: "rôle: analyst")
        let h1 = AuditChain.hash(previous: AuditChain.genesis, seq: 1, event: first)
        #expect(h1 == "5a321bba75db909234c8e5a3d23907bdb528c95333e9a224bce91ea5a0c03f51")
        let h2 = AuditChain.hash(previous: h1, seq: 2, event: AuditEvent(time: -5, actor: "", action: "", target: ""))
        #expect(h2 == "e8c4fe5d6968d1c1378cc0dbd22845e93abefa5f5fdef5309477da879ad6ef7d")
        // Length prefixes: moving a character from one field to the next changes the hash.
        let shifted = AuditEvent(
            time: first.time, actor: "cl", action: "iuser.create", target: "ana", detail: first.detail)
        #expect(AuditChain.hash(previous: AuditChain.genesis, seq: 1, event: shifted) != h1)
    }

    @Test
    func verificationReadsInPagesAndFindsBreaksOnAPageBoundary() async throws {
        let events = Self.auditEvents(2500)
        let hashes = Self.expectedHashes(events)
        var entries = events.enumerated().map { offset, event in
            AuditEntry(
                seq: Int64(offset + 1), event: event, prevHash: offset == 0 ? AuditChain.genesis : hashes[offset - 1],
                hash: hashes[offset])
        }
        let head = AuditHead(seq: 2500, hash: hashes[2499])
        func verify(_ entries: [AuditEntry]) async throws -> (AuditVerification, pages: Int) {
            var pages = 0
            let result = try await AuditChain.verify(head: head, highestSeq: 2500) { after, through, limit in
                pages += 1
                #expect(limit <= AuditChain.pageSize)
                return Array(entries.filter { $0.seq > after && $0.seq <= through }.prefix(limit))
            }
            return (result, pages)
        }
        let (intact, pages) = try await verify(entries)
        #expect(intact == AuditVerification(entries: 2500, headHash: hashes[2499], failure: nil))
        #expect(pages == 3)
        entries[AuditChain.pageSize].event.target = "elsewhere"
        let (broken, _) = try await verify(entries)
        #expect(broken.failure == AuditChainBreak(seq: Int64(AuditChain.pageSize) + 1, reason: .hashMismatch))
    }

    @Test(arguments: Backend.enabled)
    func auditChainIsIntactAfterAppends(backend: Backend) async throws {
        try await backend.withStore { store in
            let empty = try await store.verifyAuditChain()
            #expect(empty.isIntact && empty.entries == 0 && empty.headHash == AuditChain.genesis)
            let events = Self.auditEvents(5)
            for event in events { try await store.appendAudit(event) }
            let result = try await store.verifyAuditChain()
            #expect(result == AuditVerification(entries: 5, headHash: Self.expectedHashes(events)[4], failure: nil))
            #expect(try await store.auditEvents(limit: -1) == events.reversed())
        }
    }

    @Test(arguments: Backend.enabled)
    func concurrentAppendsFromTwoStoresKeepOneChain(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.withStore { first in
                try await database.withStore { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for task in 0..<8 {
                            let store = task % 2 == 0 ? first : second
                            group.addTask {
                                for n in 0..<15 {
                                    let event = AuditEvent(
                                        time: Int64(n), actor: "task-\(task)", action: "test", target: "\(n)")
                                    try await store.appendAudit(event)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let result = try await second.verifyAuditChain()
                    #expect(result.isIntact && result.entries == 120, "\(String(describing: result.failure))")
                    #expect(try await first.auditEvents(limit: -1).count == 120)
                }
            }
        }
    }

    /// A way of tampering with a log of five entries, and what verification must report.
    enum AuditTampering: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case editedDetail, editedActor, deletedMiddle, deletedLast, rehashedEdit, rehashedLast, insertedAfterHead
        var testDescription: String { rawValue }

        func sql(_ hashes: [String], _ events: [AuditEvent]) -> [String] {
            switch self {
            case .editedDetail: return ["UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3"]
            case .editedActor: return ["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"]
            case .deletedMiddle: return ["DELETE FROM audit_log WHERE seq = 3"]
            case .deletedLast: return ["DELETE FROM audit_log WHERE seq = 5"]
            case .rehashedEdit:
                var edited = events[2]
                edited.detail = "nothing happened"
                let hash = AuditChain.hash(previous: hashes[1], seq: 3, event: edited)
                return ["UPDATE audit_log SET detail = 'nothing happened', hash = '\(hash)' WHERE seq = 3"]
            case .rehashedLast:
                var edited = events[4]
                edited.actor = "someone-else"
                let hash = AuditChain.hash(previous: hashes[3], seq: 5, event: edited)
                return ["UPDATE audit_log SET actor = 'someone-else', hash = '\(hash)' WHERE seq = 5"]
            case .insertedAfterHead:
                let event = AuditEvent(time: 1, actor: "x", action: "y", target: "z")
                let hash = AuditChain.hash(previous: hashes[4], seq: 6, event: event)
                return [
                    """
                    INSERT INTO audit_log (seq, time, actor, action, target, detail, prev_hash, hash)
                    VALUES (6, 1, 'x', 'y', 'z', '', '\(hashes[4])', '\(hash)')
                    """
                ]
            }
        }

        var expected: AuditChainBreak {
            switch self {
            case .editedDetail: AuditChainBreak(seq: 3, reason: .hashMismatch)
            case .editedActor: AuditChainBreak(seq: 2, reason: .hashMismatch)
            case .deletedMiddle: AuditChainBreak(seq: 3, reason: .gap(found: 4))
            // The chain alone cannot show a missing last entry; the head kept in audit_head does.
            case .deletedLast: AuditChainBreak(seq: 5, reason: .truncated(headSeq: 5))
            // The edited entry verifies on its own; the next one no longer points at it.
            case .rehashedEdit: AuditChainBreak(seq: 4, reason: .prevHashMismatch)
            // No next entry: the head kept in audit_head no longer matches.
            case .rehashedLast: AuditChainBreak(seq: 5, reason: .headMismatch)
            case .insertedAfterHead: AuditChainBreak(seq: 6, reason: .beyondHead)
            }
        }
    }

    @Test(arguments: Backend.enabled, AuditTampering.allCases)
    func auditTamperingIsDetected(backend: Backend, tampering: AuditTampering) async throws {
        try await backend.withDatabase { database in
            let events = Self.auditEvents(5)
            try await database.withStore { store in
                for event in events { try await store.appendAudit(event) }
                #expect(try await store.verifyAuditChain().isIntact)
            }
            for statement in tampering.sql(Self.expectedHashes(events), events) {
                try await database.execute(statement)
            }
            try await database.withStore { store in
                let result = try await store.verifyAuditChain()
                #expect(result.failure == tampering.expected)
                #expect(result.entries == Int(tampering.expected.seq) - 1)
            }
        }
    }

    /// The documented limit: whoever can write the database can also move the head, so removing
    /// the newest entries together with the head record goes unnoticed by the chain.
    @Test(arguments: Backend.enabled)
    func removingTheLastEntryAndTheHeadTogetherIsNotDetectable(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let events = Self.auditEvents(5)
            try await database.withStore { store in
                for event in events { try await store.appendAudit(event) }
            }
            let hashes = Self.expectedHashes(events)
            try await database.execute("DELETE FROM audit_log WHERE seq = 5")
            try await database.execute("UPDATE audit_head SET seq = 4, hash = '\(hashes[3])' WHERE id = 1")
            try await database.withStore { store in
                let result = try await store.verifyAuditChain()
                #expect(result.isIntact && result.entries == 4)
                #expect(result.headHash != hashes[4], "a head hash recorded elsewhere shows the loss")
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func migrationChainsEntriesWrittenBeforeTheChain(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.applyMigrations { $0 == 1 }
            // Version-1 rows, with the gaps a PostgreSQL identity sequence leaves after a rollback.
            let overriding = backend == .postgres ? "OVERRIDING SYSTEM VALUE" : ""
            let events = Self.auditEvents(3)
            for (seq, event) in zip([3, 7, 8], events) {
                try await database.execute(
                    """
                    INSERT INTO audit_log (seq, time, actor, action, target, detail) \(overriding)
                    VALUES (\(seq), \(event.time), '\(event.actor)', '\(event.action)', '\(event.target)',
                        '\(event.detail)')
                    """)
            }
            try await database.withStore { store in
                #expect(try await store.schemaVersion() == SQLiteSchema.migrations.last!.version)
                let chained = try await store.verifyAuditChain()
                let expected = AuditVerification(entries: 3, headHash: Self.expectedHashes(events)[2], failure: nil)
                #expect(chained == expected)
                let next = AuditEvent(time: 1, actor: "cli", action: "after", target: "migration")
                try await store.appendAudit(next)
                #expect(try await store.verifyAuditChain().entries == 4)
                #expect(try await store.auditEvents(limit: -1) == [next] + events.reversed())
            }
        }
    }

    /// Searching the audit log: each condition alone and together, action families, time bounds,
    /// and paging back with `before`, against the same filter applied in Swift.
    @Test(arguments: Backend.enabled)
    func auditSearchSelectsExactlyTheMatchingEntries(backend: Backend) async throws {
        try await backend.withStore { store in
            let actors = ["ana", "ben", "cli"]
            let actions = ["auth.login", "auth.failure", "objects.read", "objects.add", "authority.change"]
            let events = (0..<120).map { n in
                AuditEvent(
                    time: Fixture.base + Int64(n) * 1_000, actor: actors[n % 3], action: actions[n % 5],
                    target: "collection-\(n % 4)", detail: "event \(n)")
            }
            try await store.appendAudit(events)
            func expected(_ keep: (AuditEvent) -> Bool) -> [String] { events.filter(keep).reversed().map(\.detail) }
            func found(_ query: AuditQuery) async throws -> [String] {
                try await store.auditEntries(matching: query).map(\.event.detail)
            }
            #expect(try await found(AuditQuery(limit: -1)) == expected { _ in true })
            #expect(try await found(AuditQuery(actor: "ben", limit: -1)) == expected { $0.actor == "ben" })
            #expect(try await found(AuditQuery(action: "objects.read", limit: -1)) == expected { $0.action == "objects.read" })
            // A family: `auth.*` is auth.login and auth.failure, not authority.change.
            #expect(try await found(AuditQuery(action: "auth.*", limit: -1)) == expected { $0.action.hasPrefix("auth.") })
            #expect(try await found(AuditQuery(target: "collection-3", limit: -1)) == expected { $0.target == "collection-3" })
            let since = Fixture.base + 30_000
            let until = Fixture.base + 90_000
            #expect(
                try await found(AuditQuery(actor: "ana", action: "auth.*", since: since, until: until, limit: -1))
                    == expected { $0.actor == "ana" && $0.action.hasPrefix("auth.") && $0.time >= since && $0.time < until })
            #expect(try await found(AuditQuery(actor: "nobody", limit: -1)).isEmpty)
            // Paging back: pages of 7 with `before` the oldest seq of the page before, all of them once.
            var pages: [String] = []
            var before: Int64? = nil
            while true {
                let page = try await store.auditEntries(matching: AuditQuery(action: "objects.*", before: before, limit: 7))
                pages += page.map(\.event.detail)
                guard page.count == 7 else { break }
                before = page.last!.seq
            }
            #expect(pages == expected { $0.action.hasPrefix("objects.") })
            // Hostile text is a value, never SQL.
            #expect(try await found(AuditQuery(actor: "ana' OR '1'='1", action: "%.*", target: "x\\", limit: -1)).isEmpty)
        }
    }
}
