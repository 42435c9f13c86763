import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Job leases (``JobLeaseStore``) on each backend. Two stores opened on one database stand for two
/// server processes.
extension StoreContractTests {
    static let second: Int64 = 1_000_000
    static let minute: Int64 = 60_000_000

    /// Runs `body` with two migrated stores on one fresh database, closed afterwards.
    func withTwoProcesses(_ backend: Backend, _ body: (any Store, any Store) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            try await database.withStore { first in
                try await database.withStore { second in try await body(first, second) }
            }
        }
    }

    @Test(arguments: Backend.enabled)
    func exactlyOneOfManyContendingProcessesTakesTheLease(backend: Backend) async throws {
        try await withTwoProcesses(backend) { a, b in
            let now = Fixture.base
            let winners = try await withThrowingTaskGroup(of: JobLease?.self) { group in
                for attempt in 0..<8 {
                    let store = attempt.isMultiple(of: 2) ? a : b
                    group.addTask {
                        try await store.acquireJobLease(
                            name: "retention", holder: "host:\(attempt):r", period: Self.minute, lease: 10 * Self.second,
                            now: now)
                    }
                }
                return try await group.reduce(into: [JobLease]()) { if let lease = $1 { $0.append(lease) } }
            }
            #expect(winners.count == 1)
            let winner = try #require(winners.first)
            #expect(winner.run == 1 && winner.startedAt == now && winner.expiresAt == now + 10 * Self.second)
            let records = try await b.jobRecords()
            #expect(
                records == [
                    JobRecord(
                        name: "retention", period: Self.minute, holder: winner.holder, leaseExpiresAt: winner.expiresAt,
                        lastStarted: now, runs: 1)
                ])
            // Later attempts during the run, from either process, get nothing either.
            #expect(
                try await a.acquireJobLease(
                    name: "retention", holder: "other", period: Self.minute, lease: Self.second, now: now + 5 * Self.second)
                    == nil)
        }
    }

    @Test(arguments: Backend.enabled)
    func aCompletedJobIsNotDueAgainBeforeItsPeriod(backend: Backend) async throws {
        try await withTwoProcesses(backend) { a, b in
            let t0 = Fixture.base
            let lease = try #require(
                try await a.acquireJobLease(name: "retention", holder: "A", period: Self.minute, lease: 10 * Self.second, now: t0)
            )
            #expect(
                try await a.completeJob(
                    name: "retention", holder: "A", result: JobResult(outcome: .succeeded, duration: 2 * Self.second),
                    now: t0 + 2 * Self.second))
            let record = try #require(try await b.jobRecords().first)
            #expect(record.holder == nil && record.leaseExpiresAt == nil)
            #expect(record.lastStarted == t0 && record.lastFinished == t0 + 2 * Self.second)
            #expect(record.lastOutcome == .succeeded && record.lastDuration == 2 * Self.second && record.lastError == nil)
            #expect(record.runs == 1 && lease.run == 1)
            // The lease is free, but the job is not due until a period after the last start.
            for holder in ["A", "B"] {
                let store = holder == "A" ? a : b
                #expect(
                    try await store.acquireJobLease(
                        name: "retention", holder: holder, period: Self.minute, lease: 10 * Self.second,
                        now: t0 + Self.minute - 1) == nil)
            }
            let next = try #require(
                try await b.acquireJobLease(
                    name: "retention", holder: "B", period: Self.minute, lease: 10 * Self.second, now: t0 + Self.minute))
            #expect(next.run == 2 && next.holder == "B")
            // A shorter period asked for by another process applies to it.
            #expect(
                try await b.completeJob(
                    name: "retention", holder: "B", result: JobResult(outcome: .succeeded, duration: 1),
                    now: t0 + Self.minute + 1))
            #expect(
                try await a.acquireJobLease(
                    name: "retention", holder: "A", period: 30 * Self.second, lease: Self.second,
                    now: t0 + Self.minute + 30 * Self.second)?.run == 3)
        }
    }

    @Test(arguments: Backend.enabled)
    func anExpiredLeaseIsTakenOverAndItsFormerHolderCanNeitherRenewNorComplete(backend: Backend) async throws {
        try await withTwoProcesses(backend) { a, b in
            let t0 = Fixture.base
            _ = try #require(
                try await a.acquireJobLease(name: "retention", holder: "A", period: Self.minute, lease: 10 * Self.second, now: t0)
            )
            // A dies: it never renews nor completes. The job is due again once the lease has expired,
            // before its period is over.
            #expect(
                try await b.acquireJobLease(
                    name: "retention", holder: "B", period: Self.minute, lease: 10 * Self.second,
                    now: t0 + 10 * Self.second - 1) == nil)
            let taken = try #require(
                try await b.acquireJobLease(
                    name: "retention", holder: "B", period: Self.minute, lease: 10 * Self.second, now: t0 + 10 * Self.second))
            #expect(taken.run == 2 && taken.startedAt == t0 + 10 * Self.second)
            #expect(!(try await a.renewJobLease(name: "retention", holder: "A", lease: Self.minute, now: t0 + 11 * Self.second)))
            #expect(
                !(try await a.completeJob(
                    name: "retention", holder: "A", result: JobResult(outcome: .succeeded, duration: 11 * Self.second),
                    now: t0 + 11 * Self.second)))
            let record = try #require(try await a.jobRecords().first)
            #expect(record.holder == "B" && record.lastOutcome == nil && record.lastFinished == nil && record.runs == 2)
        }
    }

    @Test(arguments: Backend.enabled)
    func renewingExtendsTheHoldersLeaseOnlyAndANonHolderCannotRenew(backend: Backend) async throws {
        try await withTwoProcesses(backend) { a, b in
            let t0 = Fixture.base
            _ = try #require(
                try await a.acquireJobLease(name: "retention", holder: "A", period: Self.minute, lease: 10 * Self.second, now: t0)
            )
            #expect(!(try await b.renewJobLease(name: "retention", holder: "B", lease: Self.minute, now: t0 + Self.second)))
            #expect(!(try await b.renewJobLease(name: "unknown", holder: "A", lease: Self.minute, now: t0 + Self.second)))
            #expect(try await a.renewJobLease(name: "retention", holder: "A", lease: 10 * Self.second, now: t0 + 8 * Self.second))
            #expect(try await b.jobRecords().first?.leaseExpiresAt == t0 + 18 * Self.second)
            // The renewed lease holds past the first expiry.
            #expect(
                try await b.acquireJobLease(
                    name: "retention", holder: "B", period: Self.minute, lease: 10 * Self.second, now: t0 + 12 * Self.second)
                    == nil)
            #expect(
                try await b.acquireJobLease(
                    name: "retention", holder: "B", period: Self.minute, lease: 10 * Self.second, now: t0 + 18 * Self.second)
                    != nil)
            // Completing by a non-holder changes nothing.
            #expect(
                !(try await a.completeJob(
                    name: "retention", holder: "A", result: JobResult(outcome: .failed, duration: 1), now: t0 + 19 * Self.second))
            )
            #expect(try await a.jobRecords().first?.holder == "B")
        }
    }

    @Test(arguments: Backend.enabled)
    func aFailedRunIsRecordedWithItsErrorBoundedAndJobsAreIndependent(backend: Backend) async throws {
        try await backend.withStore { store in
            let t0 = Fixture.base
            _ = try #require(
                try await store.acquireJobLease(name: "sync", holder: "A", period: Self.minute, lease: Self.minute, now: t0))
            _ = try #require(
                try await store.acquireJobLease(name: "feeds", holder: "A", period: Self.minute, lease: Self.minute, now: t0))
            let message = "nul\u{0}" + String(repeating: "é", count: 5000)
            #expect(
                try await store.completeJob(
                    name: "sync", holder: "A", result: JobResult(outcome: .failed, duration: 42, error: message),
                    now: t0 + 42))
            let records = try await store.jobRecords()
            #expect(records.map(\.name) == ["feeds", "sync"])
            #expect(records[0].holder == "A" && records[0].lastOutcome == nil)
            let failed = records[1]
            #expect(failed.lastOutcome == .failed && failed.lastDuration == 42 && failed.holder == nil)
            let error = try #require(failed.lastError)
            #expect(error.count == JobRecord.maximumErrorLength && error.hasPrefix("nul\u{FFFD}é") && error.hasSuffix("…"))
            // A failed run is not retried before its period either.
            #expect(
                try await store.acquireJobLease(name: "sync", holder: "B", period: Self.minute, lease: Self.minute, now: t0 + 43)
                    == nil)
            // Arguments every backend refuses alike.
            let refused = try await #require(throws: StoreError.self) {
                try await store.acquireJobLease(name: "x", holder: "A", period: 0, lease: Self.minute, now: t0)
            }
            #expect(refused.code == .invalidArgument)
        }
    }
}
