public import CybexCore
public import CybexFormats
public import CybexStore
import Dispatch
import Synchronization

/// What became of one object of an ingested document.
public struct IngestItem: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case added
        case newVersion
        case duplicate
        case rejected(String)
    }

    /// The object's id, when it had one.
    public var id: String?
    /// The object's version (`modified`, else `created`, else the date it was added).
    public var version: String?
    public var outcome: Outcome

    public init(id: String?, version: String?, outcome: Outcome) {
        self.id = id
        self.version = version
        self.outcome = outcome
    }

    public var succeeded: Bool {
        if case .rejected = outcome { return false }
        return true
    }
}

/// The outcome of ingesting one bundle or envelope.
public struct IngestReport: Sendable {
    public var items: [IngestItem]

    public init(items: [IngestItem]) {
        self.items = items
    }

    public var added: Int { items.count { $0.outcome == .added } }
    public var newVersions: Int { items.count { $0.outcome == .newVersion } }
    public var duplicates: Int { items.count { $0.outcome == .duplicate } }
    public var rejected: [IngestItem] { items.filter { !$0.succeeded } }
}

/// The inbound flow for STIX documents: decode, validate each object, store the valid ones of a
/// document in one transaction, and report on every object.
public struct Ingestor: Sendable {
    public let store: any Store
    public let limits: STIXBundleDecoder.Limits

    public init(store: any Store, limits: STIXBundleDecoder.Limits = .init()) {
        self.store = store
        self.limits = limits
    }

    /// Ingests `bytes` into `collection` on behalf of `owner` (the organisation id recorded as the
    /// owner of objects new to the store). Throws only when the document as a whole is unusable.
    public func ingest(
        _ bytes: [UInt8], as container: STIXBundleDecoder.Container, into collection: CollectionRecord, owner: String
    ) async throws -> IngestReport {
        let document = try STIXBundleDecoder.parse(bytes, as: container, limits: limits)
        return try await store(document, into: collection, owner: owner)
    }

    /// Validates and stores a parsed document. Objects are validated in chunks on a separate
    /// thread while the store writes the chunks before them, all in one transaction.
    public func store(
        _ document: ParsedDocument, into collection: CollectionRecord, owner: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestReport {
        let chunkSize = 500
        let markings = try await MarkingResolver(document: document, store: store)
        if document.count <= chunkSize {
            return try await store(
                document.decode(0..<document.count).map(markings.resolve), into: collection, owner: owner)
        }
        let queue = ObjectBatchQueue()
        // Only what the report needs of each object is kept, not the records (their JSON,
        // observables and edges go to the store and are let go).
        let items = Mutex<[IngestItem]>([])
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
        let outcomes = try await store.addObjects(from: queue, to: collection.id, owner: owner)
        return report(items.withLock { $0 }, outcomes)
    }

    /// Stores already decoded objects (see ``STIXBundleDecoder``) and reports on each.
    public func store(_ decoded: [DecodedObject], into collection: CollectionRecord, owner: String) async throws -> IngestReport {
        var records: [STIXObjectRecord] = []
        records.reserveCapacity(decoded.count)
        for case .valid(let record) in decoded { records.append(record) }
        let outcomes = records.isEmpty ? [] : try await store.addObjects(records, to: collection.id, owner: owner)
        return report(decoded.map(Self.item), outcomes)
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
    func report(_ decoded: [IngestItem], _ outcomes: [AddOutcome]) -> IngestReport {
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
