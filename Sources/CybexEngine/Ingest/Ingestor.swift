public import CybexCore
public import CybexFormats
public import CybexStore
import Dispatch
import Synchronization

/// What to write in the transaction that stores a document's objects, decided from its report.
public typealias IngestCommitter = @Sendable (IngestReport) -> AddCommit

/// The inbound flow for STIX documents: decode, validate each object, store the valid ones of a
/// document in one transaction, and report on every object.
public struct Ingestor: Sendable {
    public let store: any Store
    public let limits: STIXBundleDecoder.Limits
    /// What runs after each commit (``PostCommitStage``).
    public let postCommit: PostCommitStage

    public init(store: any Store, limits: STIXBundleDecoder.Limits = .init(), postCommit: PostCommitStage = PostCommitStage()) {
        self.store = store
        self.limits = limits
        self.postCommit = postCommit
    }

    /// The one entry for a document of any format: `decoder` reads it into STIX objects, then
    /// ``store(_:into:owner:scope:progress:commit:)`` resolves markings, validates, writes through
    /// the batch queue and hands what was committed to the post-commit stage.
    public func ingest(
        _ bytes: [UInt8], decoder: any DocumentDecoder, into collection: CollectionRecord, owner: String,
        scope: ReadScope? = nil, commit: IngestCommitter? = nil
    ) async throws -> IngestReport {
        try await store(try decoder.decode(bytes), into: collection, owner: owner, scope: scope, commit: commit)
    }

    /// Ingests `bytes` into `collection` on behalf of `owner`, the posting organisation. The
    /// outcomes depend only on what the poster may see: its own lineage of each id, and what
    /// `scope` (what it may see of the collection; nil: everything, the node's own imports) shows
    /// of other organisations' objects and marking definitions. `commit` says what to write in the
    /// objects' transaction (their audit entry, a status resource), from the report. Throws only
    /// when the document as a whole is unusable.
    public func ingest(
        _ bytes: [UInt8], as container: STIXBundleDecoder.Container, into collection: CollectionRecord, owner: String,
        scope: ReadScope? = nil, commit: IngestCommitter? = nil
    ) async throws -> IngestReport {
        try await ingest(
            bytes, decoder: STIXDocumentDecoder(container, limits: limits), into: collection, owner: owner, scope: scope,
            commit: commit)
    }

    /// Validates and stores a parsed document. Objects are validated in chunks on a separate
    /// thread while the store writes the chunks before them, all in one transaction, which also
    /// holds what `commit` returns for the report.
    public func store(
        _ document: ParsedDocument, into collection: CollectionRecord, owner: String,
        scope: ReadScope? = nil, progress: (@Sendable (Int) -> Void)? = nil, commit: IngestCommitter? = nil
    ) async throws -> IngestReport {
        let report = try await write(document, into: collection, owner: owner, scope: scope, progress: progress, commit: commit)
        if report.added + report.newVersions > 0 {
            await postCommit.run(CommittedIngest(collectionID: collection.id, owner: owner, report: report))
        }
        return report
    }

    /// Validates and writes a parsed document in one transaction (``store(_:into:owner:scope:progress:commit:)``
    /// without the post-commit stage).
    func write(
        _ document: ParsedDocument, into collection: CollectionRecord, owner: String,
        scope: ReadScope?, progress: (@Sendable (Int) -> Void)?, commit: IngestCommitter?
    ) async throws -> IngestReport {
        let chunkSize = 500
        let visibility = scope.map { MarkingVisibility(owner: owner, collectionID: collection.id, scope: $0) }
        let markings = try await MarkingResolver(document: document, store: store, visibility: visibility)
        // Only what the report needs of each object is kept, not the records (their JSON,
        // observables and edges go to the store and are let go).
        let items = Mutex<[IngestItem]>([])
        let finished = Mutex<IngestReport?>(nil)
        // Called in the store's transaction once every batch is written: the decoding side has
        // recorded every item by then.
        let committer: AddCommitter = { outcomes in
            let report = Self.report(items.withLock { $0 }, outcomes)
            finished.withLock { $0 = report }
            return commit?(report) ?? AddCommit(audit: [])
        }
        if document.count <= chunkSize {
            let decoded = document.decode(0..<document.count).map(markings.resolve)
            items.withLock { $0 = decoded.map(Self.item) }
            var records: [STIXObjectRecord] = []
            records.reserveCapacity(decoded.count)
            for case .valid(let record) in decoded { records.append(record) }
            _ = try await store.addObjects(records, to: collection.id, owner: owner, scope: scope, commit: committer)
            return finished.withLock { $0 } ?? IngestReport(items: [])
        }
        let queue = ObjectBatchQueue()
        DispatchQueue.global(qos: .userInitiated).async {
            var start = 0
            while start < document.count {
                let chunk = document.decode(start..<min(start + chunkSize, document.count)).map(markings.resolve)
                let chunkItems = chunk.map(Self.item)
                items.withLock { $0 += chunkItems }
                var records: [STIXObjectRecord] = []
                records.reserveCapacity(chunk.count)
                for case .valid(let record) in chunk { records.append(record) }
                queue.push(records)
                start += chunkSize
                progress?(min(start, document.count))
            }
            queue.finish()
        }
        _ = try await store.addObjects(from: queue, to: collection.id, owner: owner, scope: scope, commit: committer)
        return finished.withLock { $0 } ?? IngestReport(items: [])
    }

    /// The report's entry for a decoded object before it is stored: `added` for a valid one (the
    /// store's outcome replaces it), `rejected` with every violation for an invalid one.
    static func item(_ decoded: DecodedObject) -> IngestItem {
        switch decoded {
        case .valid(let record):
            return IngestItem(id: record.id, version: record.versionText, outcome: .added)
        case .invalid(let id, let version, let violations):
            return IngestItem(id: id, version: version, outcome: .rejected(violations.map(\.detail).joined(separator: "; ")))
        }
    }

    /// Completes the entries of decoded objects with the store's outcomes for the valid ones
    /// (same order: every entry still `added` is a valid object).
    static func report(_ decoded: [IngestItem], _ outcomes: [AddOutcome]) -> IngestReport {
        var items = decoded
        var recordPositions: [Int] = []
        recordPositions.reserveCapacity(outcomes.count)
        for (position, item) in items.enumerated() where item.outcome == .added { recordPositions.append(position) }
        for (index, outcome) in outcomes.enumerated() {
            let position = recordPositions[index]
            switch outcome {
            case .added(let dateAdded, let newVersion):
                items[position].outcome = newVersion ? .newVersion : .added
                if items[position].version == nil {
                    items[position].version = STIXTimestamp.format(microseconds: dateAdded)
                }
            case .duplicate:
                items[position].outcome = .duplicate
            case .rejected(let reason):
                items[position].outcome = .rejected(reason)
            }
        }
        return IngestReport(items: items)
    }
}
