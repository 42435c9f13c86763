public import CybexCore
public import CybexStore

/// What the database records of the scheduled jobs, for `cybex jobs list`.
public struct JobHistory: Sendable {
    public let store: any JobLeaseStore

    public init(store: any JobLeaseStore) {
        self.store = store
    }

    /// Every job's record (name, last run, outcome, duration, runs, lease), by name.
    public func records() async throws -> [JobRecord] {
        try await store.jobRecords()
    }
}
