public import CybexCore
public import CybexFormats
import CybexStore

/// The node operator's import (`cybex import`): documents read from files into one collection,
/// owned by one organisation, through the same `Ingestor` entry (marking resolution, validation,
/// the batch queue) as every post. Each document's objects commit with their `objects.import`
/// audit entry; ``finish(imported:of:)`` records the run.
public struct OperatorImport: Sendable {
    let ingestor: Ingestor
    let store: any Store
    public let collection: CollectionRecord
    /// The organisation recorded as owner of the new objects.
    public let owner: Organisation
    let actor: String

    /// Stores `document` (named `label` in the audit log and in errors), reporting progress as a
    /// count of objects written. The report is summarised: counts and the rejected objects.
    public func importDocument(
        _ document: ParsedDocument, label: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestReport {
        let collectionID = collection.id
        let actor = actor
        return try await ingestor.store(
            document, into: collection, owner: owner.id, itemized: false, progress: progress,
            commit: { report in
                AddCommit(audit: [
                    AuditEvent(
                        time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.import", target: collectionID,
                        detail: "\(label): " + CollectionService.summary(of: report))
                ])
            })
    }

    /// Records the run: how many of the documents were imported.
    public func finish(imported: Int, of total: Int) async throws {
        try await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.import", target: collection.id,
                detail: "\(imported) of \(total) files imported"))
    }
}

extension Engine {
    /// An import into collection `collectionID` (`notFound` when there is none) owned by the
    /// organisation named `ownerName` (`notFound` when there is none); without a name, by the
    /// node's own `admin` organisation, created when missing. Audited as `actor`.
    public func operatorImport(into collectionID: String, ownerName: String?, actor: String) async throws -> OperatorImport {
        let collection = try await directory.collection(id: collectionID)
        let owner: Organisation
        if let ownerName {
            guard let named = try await store.organisation(named: ownerName) else {
                throw EngineError(.notFound, "no organisation named '\(ownerName)' (see --owner)")
            }
            owner = named
        } else if let node = try await store.organisation(named: "admin") {
            owner = node
        } else {
            owner = try await administration(actor: actor).addOrganisation(name: "admin")
        }
        return OperatorImport(ingestor: collections.ingestor, store: store, collection: collection, owner: owner, actor: actor)
    }

    /// The schema version the store is at.
    public func schemaVersion() async throws -> Int {
        try await store.schemaVersion()
    }

    /// The scheduled jobs' records: last run, outcome, lease.
    public func jobHistory() -> JobHistory {
        JobHistory(store: store)
    }
}
