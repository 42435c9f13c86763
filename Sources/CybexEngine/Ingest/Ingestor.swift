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
    /// holds what `commit` returns for the report. An itemized report lists every object (what a
    /// TAXII status and a REST answer show); otherwise it holds the counts and the rejected objects
    /// only, so a file of millions of objects keeps no entry per object in memory.
    public func store(
        _ document: ParsedDocument, into collection: CollectionRecord, owner: String,
        scope: ReadScope? = nil, itemized: Bool = true, progress: (@Sendable (Int) -> Void)? = nil,
        commit: IngestCommitter? = nil
    ) async throws -> IngestReport {
        let noters = await postCommit.noters(for: IngestContext(collectionID: collection.id, owner: owner))
        let (report, committed, notes) = try await write(
            document, into: collection, owner: owner, scope: scope, itemized: itemized, noters: noters, progress: progress,
            commit: commit)
        if committed.count > 0 {
            await postCommit.run(
                CommittedIngest(collectionID: collection.id, owner: owner, report: report, committed: committed, notes: notes))
        }
        return report
    }

    /// Validates and writes a parsed document in one transaction (``store(_:into:owner:scope:itemized:progress:commit:)``
    /// without the post-commit stage).
    func write(
        _ document: ParsedDocument, into collection: CollectionRecord, owner: String,
        scope: ReadScope?, itemized: Bool, noters: [(name: String, noter: RecordNoter)] = [],
        progress: (@Sendable (Int) -> Void)?, commit: IngestCommitter?
    ) async throws -> (IngestReport, CommittedObjects, [String: NotedObjects]) {
        let chunkSize = 500
        let visibility = scope.map { MarkingVisibility(owner: owner, collectionID: collection.id, scope: $0) }
        let markings = try await MarkingResolver(document: document, store: store, visibility: visibility)
        // Only what the report needs of each object is kept, not the records (their JSON,
        // observables and edges go to the store and are let go).
        let entries = Mutex(ReportEntries(itemized: itemized))
        let notes = Mutex(NoteCollector(noters: noters, maximum: postCommit.maximumNotedObjects))
        let finished = Mutex<(IngestReport, CommittedObjects, [String: NotedObjects])?>(nil)
        // Called in the store's transaction once every batch is written: the decoding side has
        // noted every object by then.
        let committer: AddCommitter = { outcomes in
            let result = entries.withLock { $0.report(outcomes, document: document) }
            let written = notes.withLock { $0.written(outcomes) }
            finished.withLock { $0 = (result.0, result.1, written) }
            return commit?(result.0) ?? AddCommit(audit: [])
        }
        /// Validates the objects of `positions`, notes them for the report, and returns the valid records.
        @Sendable func records(_ positions: Range<Int>) -> [STIXObjectRecord] {
            let chunk = document.decode(positions).map(markings.resolve)
            entries.withLock { $0.note(chunk, from: positions.lowerBound) }
            var records: [STIXObjectRecord] = []
            records.reserveCapacity(chunk.count)
            for case .valid(let record) in chunk { records.append(record) }
            if !noters.isEmpty { notes.withLock { $0.note(records) } }
            return records
        }
        let nothing = (IngestReport(items: []), CommittedObjects(items: []), [String: NotedObjects]())
        if document.count <= chunkSize {
            _ = try await store.addObjects(
                records(0..<document.count), to: collection.id, owner: owner, scope: scope, commit: committer)
            return finished.withLock { $0 } ?? nothing
        }
        let queue = ObjectBatchQueue()
        DispatchQueue.global(qos: .userInitiated).async {
            var start = 0
            while start < document.count {
                let end = min(start + chunkSize, document.count)
                queue.push(records(start..<end))
                start = end
                progress?(end)
            }
            queue.finish()
        }
        _ = try await store.addObjects(from: queue, to: collection.id, owner: owner, scope: scope, commit: committer)
        return finished.withLock { $0 } ?? nothing
    }

    /// What the subscribers' looks noted of the valid objects, in document order, until the store's
    /// outcomes tell which were written. A subscriber that notes more than
    /// ``PostCommitStage/maximumNotedObjects`` objects keeps none.
    struct NoteCollector: Sendable {
        let noters: [(name: String, noter: RecordNoter)]
        let maximum: Int
        /// Valid objects seen so far: the next one's place among the store's outcomes.
        var ordinal: Int32 = 0
        var noted: [NotedObjects]
        /// Per subscriber, each note's place among the valid objects.
        var ordinals: [[Int32]]
        var overflowed: [Bool]

        init(noters: [(name: String, noter: RecordNoter)], maximum: Int) {
            self.noters = noters
            self.maximum = maximum
            noted = noters.map { _ in NotedObjects() }
            ordinals = noters.map { _ in [] }
            overflowed = noters.map { _ in false }
        }

        /// Looks at the next valid records, in document order.
        mutating func note(_ records: [STIXObjectRecord]) {
            for record in records {
                for (index, noter) in noters.enumerated() where !overflowed[index] {
                    guard let values = noter.noter(record) else { continue }
                    if noted[index].count >= maximum || !noted[index].canHold(record.id, values: values) {
                        overflowed[index] = true
                        noted[index] = NotedObjects()
                        ordinals[index] = []
                    } else {
                        noted[index].append(record.id, values: values)
                        ordinals[index].append(ordinal)
                    }
                }
                ordinal += 1
            }
        }

        /// The notes of the objects written (added or new versions), by subscriber.
        func written(_ outcomes: [AddOutcome]) -> [String: NotedObjects] {
            var result: [String: NotedObjects] = [:]
            for (index, noter) in noters.enumerated() where !overflowed[index] {
                let isWritten = ordinals[index].map { ordinal in
                    guard Int(ordinal) < outcomes.count, case .added = outcomes[Int(ordinal)] else { return false }
                    return true
                }
                // Usually every noted object was written: the notes as they are, not a copy.
                result[noter.name] =
                    isWritten.allSatisfy { $0 }
                    ? noted[index] : NotedObjects(zip(noted[index], isWritten).lazy.filter(\.1).map(\.0))
            }
            return result
        }
    }

    /// What the report keeps of each decoded object until the store's outcomes are known: every
    /// entry (itemized), or the rejected ones with their positions and the positions of the valid
    /// ones and their types (summarised: six bytes per object).
    struct ReportEntries: Sendable {
        let itemized: Bool
        var items: [IngestItem] = []
        var invalid: [(position: Int, item: IngestItem)] = []
        var validPositions: [Int32] = []
        var validTypes: [UInt16] = []
        var types = CommittedObjects.TypeTable()

        init(itemized: Bool) { self.itemized = itemized }

        mutating func note(_ chunk: [DecodedObject], from start: Int) {
            if itemized {
                items += chunk.map(Ingestor.item)
                return
            }
            for (offset, decoded) in chunk.enumerated() {
                if case .valid(let record) = decoded {
                    validPositions.append(Int32(truncatingIfNeeded: start + offset))
                    validTypes.append(types.number(of: record.type))
                } else {
                    invalid.append((start + offset, Ingestor.item(decoded)))
                }
            }
        }

        /// The report, and what was written.
        func report(_ outcomes: [AddOutcome], document: ParsedDocument) -> (IngestReport, CommittedObjects) {
            let first = outcomes.lazy.compactMap { outcome -> Int64? in
                guard case .added(let dateAdded, _) = outcome else { return nil }
                return dateAdded
            }.min()
            if itemized {
                let report = Ingestor.report(items, outcomes)
                var committed = CommittedObjects(writtenIn: report)
                committed.firstDateAdded = first
                return (report, committed)
            }
            var added = 0
            var newVersions = 0
            var duplicates = 0
            var rejected = invalid
            var written: [CommittedObjects.Written] = []
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .added(let dateAdded, let newVersion):
                    if newVersion { newVersions += 1 } else { added += 1 }
                    written.append(
                        .init(
                            position: validPositions[index], newVersion: newVersion, type: validTypes[index],
                            dateAdded: dateAdded))
                case .duplicate: duplicates += 1
                case .rejected(let reason):
                    // The store refused a valid object (rare): its id and version are read again.
                    let position = Int(validPositions[index])
                    let (id, version) = document.identities(at: [position])[0]
                    rejected.append((position, IngestItem(id: id, version: version, outcome: .rejected(reason))))
                }
            }
            rejected.sort { $0.position < $1.position }
            let report = IngestReport(
                total: document.count, added: added, newVersions: newVersions, duplicates: duplicates,
                rejected: rejected.map(\.item))
            var committed = CommittedObjects(document: document, written: written, types: types)
            committed.firstDateAdded = first
            return (report, committed)
        }
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
