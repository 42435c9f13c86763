public import CybexCore
public import CybexStore
import Foundation

/// The data lifecycle of SECURITY.md ("Data lifecycle"): retention policies that remove object
/// versions after a time, and erasure of everything tied to one person's identifier. Every change
/// is written to the audit log.
public struct DataLifecycle: Sendable {
    public let store: any Store
    /// Who acts, as recorded in the audit log (a username, or `cli`).
    public let actor: String

    public init(store: any Store, actor: String) {
        self.store = store
        self.actor = actor
    }

    static let day: Int64 = 86_400_000_000

    /// Adds a retention policy. `types` are STIX type names (empty: every type), `levels` TLP
    /// levels (empty: every level); at least one of `purgeAfterDays` (≥ 1) and `expireGraceDays`
    /// (≥ 0) is needed.
    public func addPolicy(
        name: String, types: [String], levels: [TLPLevel], purgeAfterDays: Int?, expireGraceDays: Int?
    ) async throws -> RetentionPolicy {
        try Administration.requireNoControlCharacters(name, "name")
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else {
            throw EngineError(.invalidArgument, "a retention policy name must be 1 to 100 characters")
        }
        guard purgeAfterDays != nil || expireGraceDays != nil else {
            throw EngineError(.invalidArgument, "say when objects go: a purge age in days, an expiry grace in days, or both")
        }
        if let days = purgeAfterDays, !(1...36_500).contains(days) {
            throw EngineError(.invalidArgument, "the purge age must be 1 to 36500 days")
        }
        if let days = expireGraceDays, !(0...36_500).contains(days) {
            throw EngineError(.invalidArgument, "the expiry grace must be 0 to 36500 days")
        }
        for type in types where !Self.isTypeName(type) {
            throw EngineError(.invalidArgument, "'\(type)' is not a STIX type name (3 to 250 of a-z, 0-9 and '-')")
        }
        let policy = RetentionPolicy(
            id: Secrets.uuid(), name: name, types: Array(Set(types)).sorted(), levels: Array(Set(levels)).sorted(),
            purgeAfterDays: purgeAfterDays, expireGraceDays: expireGraceDays, createdAt: SystemWallClock.nowMicroseconds())
        do {
            try await store.createRetentionPolicy(policy)
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, "a retention policy named '\(name)' exists")
        }
        try await audit("retention.create", target: policy.id, detail: Self.describe(policy))
        return policy
    }

    /// Removes the retention policy named `name`.
    public func removePolicy(named name: String) async throws {
        try Administration.requireNoControlCharacters(name, "name")
        guard try await store.deleteRetentionPolicy(named: name) else {
            throw EngineError(.notFound, "no retention policy named '\(name)'")
        }
        try await audit("retention.delete", target: name, detail: "")
    }

    /// What one policy removed (or would remove) from one collection.
    public struct Outcome: Sendable, Hashable {
        public var policy: RetentionPolicy
        public var collectionID: String
        public var removed: [RemovedVersion]
    }

    /// Applies every retention policy to every collection as of `now`; with `dryRun`, only reports.
    /// A version goes when it is older than the purge age or its `valid_until` is past by more than
    /// the grace, and its type and level match.
    public func applyRetention(now: Int64 = SystemWallClock.nowMicroseconds(), dryRun: Bool) async throws -> [Outcome] {
        let directory = try await store.sharingDirectory()
        var outcomes: [Outcome] = []
        let collections = try await store.collections()
        for policy in try await store.retentionPolicies() {
            for collection in collections {
                let levels =
                    policy.levels.isEmpty
                    ? nil
                    : ReadScope(
                        viewer: nil, levels: Set(policy.levels), recipientLevels: [], collectionDefault: collection.defaultTLP,
                        ownerDefaults: directory.defaultLevels)
                var selections: [RemovalSelection] = []
                let types = policy.types.isEmpty ? nil : policy.types
                if let days = policy.purgeAfterDays {
                    selections.append(RemovalSelection(types: types, levels: levels, addedBefore: now - Int64(days) * Self.day))
                }
                if let days = policy.expireGraceDays {
                    selections.append(
                        RemovalSelection(types: types, levels: levels, validUntilBefore: now - Int64(days) * Self.day))
                }
                var removed: [RemovedVersion] = []
                for selection in selections {
                    let batch = try await store.removeObjects(in: collection.id, matching: selection, dryRun: dryRun)
                    removed += batch.filter { !removed.contains($0) }
                }
                guard !removed.isEmpty else { continue }
                outcomes.append(Outcome(policy: policy, collectionID: collection.id, removed: removed))
                if !dryRun {
                    try await audit(
                        "retention.apply", target: collection.id,
                        detail: "\(policy.name): \(removed.count) object versions removed")
                }
            }
        }
        return outcomes
    }

    /// One scheduled run of the retention policies (the `retention` job): applies them as of the
    /// run's start and writes one `retention.run` audit entry for the run, whatever it removed, so
    /// that the audit log shows every run (and, with several processes, that each period had one).
    /// What each policy removed is audited as `retention.apply`, as ``applyRetention(now:dryRun:)`` does.
    public func runRetention(_ lease: JobLease) async throws -> [Outcome] {
        let outcomes = try await applyRetention(now: lease.startedAt, dryRun: false)
        let removed = outcomes.reduce(0) { $0 + $1.removed.count }
        try await audit(
            "retention.run", target: "retention",
            detail: "run \(lease.run) by \(lease.holder): \(removed) object versions removed")
        return outcomes
    }

    /// Erases, from every collection, every version of the objects tied to `identifier` (one of
    /// their versions has an observable with that value, or the text anywhere, case-insensitive); with
    /// `dryRun`, only reports them. The audit log records a SHA-256 of the identifier, not the
    /// identifier, for a dry run too (`data.erase.dry-run`): looking a person up across every
    /// collection is itself a read to account for.
    public func erase(identifier: String, dryRun: Bool) async throws -> [RemovedVersion] {
        try Administration.requireNoControlCharacters(identifier, "identifier")
        let identifier = identifier.trimmingCharacters(in: .whitespacesAndNewlines)
        guard identifier.count >= 3, identifier.count <= 1000 else {
            throw EngineError(.invalidArgument, "an identifier to erase must be 3 to 1000 characters")
        }
        let removed = try await store.eraseObjects(containing: identifier, dryRun: dryRun)
        let collections = Set(removed.map(\.collectionID)).count
        try await audit(
            dryRun ? "data.erase.dry-run" : "data.erase", target: "sha256:" + Secrets.sha256Hex(identifier.lowercased()),
            detail: "\(removed.count) object versions \(dryRun ? "would be removed" : "removed") from \(collections) collections")
        return removed
    }

    /// One line describing a policy, as `retention list` prints it and the audit log records it.
    public static func describe(_ policy: RetentionPolicy) -> String {
        let types = policy.types.isEmpty ? "any type" : policy.types.joined(separator: ",")
        let levels = policy.levels.isEmpty ? "any level" : policy.levels.map(\.label).joined(separator: ",")
        var when: [String] = []
        if let days = policy.purgeAfterDays { when.append("purge after \(days) days") }
        if let days = policy.expireGraceDays { when.append("expire \(days) days after valid_until") }
        return "\(policy.name): \(types); \(levels); " + when.joined(separator: ", ")
    }

    static func isTypeName(_ name: String) -> Bool {
        (3...250).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    func audit(_ action: String, target: String, detail: String) async throws {
        try await store.appendAudit(
            AuditEvent(time: SystemWallClock.nowMicroseconds(), actor: actor, action: action, target: target, detail: detail))
    }
}
