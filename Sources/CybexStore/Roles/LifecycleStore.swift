public import CybexCore

/// Retention and redaction policies, and the removals they and erasures make (`…+Lifecycle.swift`).
public protocol LifecycleStore: Sendable {
    // MARK: Data lifecycle

    /// Creates a retention policy; `.conflict` when the name is taken.
    func createRetentionPolicy(_ policy: RetentionPolicy) async throws
    /// Every retention policy, by name.
    func retentionPolicies() async throws -> [RetentionPolicy]
    /// Deletes the retention policy named `name`; false when there is none.
    func deleteRetentionPolicy(named name: String) async throws -> Bool
    /// Removes from collection `collectionID` the versions `selection` selects, in one transaction,
    /// and the object rows no collection holds any more; with `dryRun`, only reports them.
    func removeObjects(in collectionID: String, matching selection: RemovalSelection, dryRun: Bool) async throws
        -> [RemovedVersion]
    /// Removes, from every collection, every version of every object tied to `identifier`: one of
    /// its versions has an observable with that value, or the text anywhere in it
    /// (case-insensitive); with `dryRun`, only reports them.
    func eraseObjects(containing identifier: String, dryRun: Bool) async throws -> [RemovedVersion]

    /// Stores a redaction policy with its key; `.conflict` when the name is taken.
    func createRedactionPolicy(_ policy: StoredRedactionPolicy) async throws
    /// Every redaction policy, by name.
    func redactionPolicies() async throws -> [StoredRedactionPolicy]
    /// Deletes the redaction policy named `name`; false when there is none.
    func deleteRedactionPolicy(named name: String) async throws -> Bool
}
