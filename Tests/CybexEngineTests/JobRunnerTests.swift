import CybexCore
import CybexEngine
import CybexStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// ``JobRunner`` on SQLite with a ``SettableWallClock``: the clock decides when jobs are due and
/// when leases expire, real time only paces the runner's ticks (10 ms here).
@Suite struct JobRunnerTests {
    static let start: Int64 = 1_700_000_000_000_000

    /// A migrated SQLite store in a fresh folder, closed and removed afterwards.
    func withStore(_ body: (any Store) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("cybex.sqlite").path)
        try await store.migrate()
        do {
            try await body(store)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Runs `runner` in a ServiceGroup while `body` runs, then shuts the group down gracefully.
    func running(_ runner: JobRunner, _ body: (ServiceGroup) async throws -> Void) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [runner], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(group)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Waits (up to 10 s) until `condition` holds; false if it never does.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// A count shared with a job's action.
    final class Count: Sendable {
        private let value = Mutex(0)
        var current: Int { value.withLock { $0 } }
        @discardableResult func increment() -> Int {
            value.withLock {
                $0 += 1
                return $0
            }
        }
    }

    @Test func theRetentionJobRunsOncePerPeriodAndAuditsEveryRun() async throws {
        try await withStore { store in
            let clock = SettableWallClock(Self.start)
            let job = ScheduledJob.retention(
                DataLifecycle(store: store, actor: "retention"), every: .seconds(60), logger: Logger(label: "test"))
            let runner = JobRunner(store: store, jobs: [job], holder: "test:1:a", tick: .milliseconds(10), clock: clock)
            func runs() async throws -> [AuditEvent] {
                try await store.auditEvents(limit: -1).filter { $0.action == "retention.run" }
            }
            try await running(runner) { (_) async throws in
                // Not before one period after the runner started.
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await runs().isEmpty)
                clock.advance(by: .seconds(60))
                #expect(try await eventually { try await runs().count == 1 })
                #expect(try await runs().first?.detail == "run 1 by test:1:a: 0 object versions removed")
                clock.advance(by: .seconds(59))
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await runs().count == 1)
                clock.advance(by: .seconds(1))
                #expect(try await eventually { try await runs().count == 2 })
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await runs().count == 2)
            }
            let record = try #require(try await JobHistory(store: store).records().first)
            #expect(record.name == "retention" && record.runs == 2 && record.lastOutcome == .succeeded)
            #expect(record.holder == nil && record.lastStarted == Self.start + 120_000_000)
        }
    }

    @Test func aFailingJobIsRecordedAsFailedRunsAgainNextPeriodAndDoesNotStopTheOthers() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        try await withStore { store in
            let clock = SettableWallClock(Self.start)
            let failing = Count()
            let steady = Count()
            let jobs = [
                ScheduledJob(name: "failing", period: .seconds(60)) { _ in
                    if failing.increment() == 1 { throw Boom() }
                },
                ScheduledJob(name: "steady", period: .seconds(60)) { _ in steady.increment() },
            ]
            let runner = JobRunner(store: store, jobs: jobs, holder: "test:1:a", tick: .milliseconds(10), clock: clock)
            func record(_ name: String) async throws -> JobRecord? {
                try await store.jobRecords().first { $0.name == name }
            }
            try await running(runner) { (_) async throws in
                clock.advance(by: .seconds(60))
                #expect(try await eventually { try await record("failing")?.lastOutcome == .failed })
                #expect(try await eventually { try await record("steady")?.lastOutcome == .succeeded })
                let failed = try #require(try await record("failing"))
                #expect(failed.lastError == "boom" && failed.holder == nil && failed.runs == 1)
                clock.advance(by: .seconds(60))
                #expect(try await eventually { try await record("failing")?.lastOutcome == .succeeded })
                #expect(try await eventually { steady.current == 2 })
            }
            let failing2 = try #require(try await record("failing"))
            #expect(failing2.runs == 2 && failing2.lastError == nil)
        }
    }

    @Test func gracefulShutdownLetsTheRunningJobFinishAndRecordIt() async throws {
        try await withStore { store in
            let clock = SettableWallClock(Self.start)
            let started = Count()
            let finished = Count()
            let job = ScheduledJob(name: "slow", period: .seconds(60)) { _ in
                started.increment()
                try await Task.sleep(for: .milliseconds(300))
                finished.increment()
            }
            let runner = JobRunner(
                store: store, jobs: [job], holder: "test:1:a", lease: .seconds(30), tick: .milliseconds(10), clock: clock)
            try await running(runner) { (_) async throws in
                clock.advance(by: .seconds(60))
                #expect(try await eventually { started.current == 1 })
                #expect(try await store.jobRecords().first?.holder == "test:1:a")
            }
            // `running` returned once the group had stopped: the job ran to its end, and no other started.
            #expect(finished.current == 1 && started.current == 1)
            let record = try #require(try await store.jobRecords().first)
            #expect(record.lastOutcome == .succeeded && record.holder == nil && record.runs == 1)
        }
    }

    @Test func aLongJobRenewsItsLeaseSoNoOtherProcessTakesItOver() async throws {
        try await withStore { store in
            let clock = SettableWallClock(Self.start)
            let started = Count()
            let released = Count()
            // Runs until the test has seen its lease renewed (at most 10 s), however loaded the machine.
            let job = ScheduledJob(name: "long", period: .seconds(60)) { _ in
                started.increment()
                var waited = 0
                while released.current == 0 && waited < 500 {
                    try await Task.sleep(for: .milliseconds(20))
                    waited += 1
                }
            }
            // Renewed every third of the lease: every 200 ms of real time.
            let runner = JobRunner(
                store: store, jobs: [job], holder: "test:1:a", lease: .milliseconds(600), tick: .milliseconds(10),
                clock: clock)
            try await running(runner) { (_) async throws in
                clock.advance(by: .seconds(60))
                #expect(try await eventually { started.current == 1 })
                // Past the first lease by the clock: the next renewal extends it from now on.
                clock.advance(by: .seconds(1))
                let now = clock.nowMicroseconds()
                #expect(try await eventually { (try await store.jobRecords().first?.leaseExpiresAt ?? 0) > now })
                #expect(
                    try await store.acquireJobLease(
                        name: "long", holder: "other", period: 60_000_000, lease: 600_000, now: now) == nil)
                released.increment()
                #expect(try await eventually { try await store.jobRecords().first?.lastOutcome == .succeeded })
            }
            #expect(try await store.jobRecords().first?.runs == 1)
        }
    }
}
