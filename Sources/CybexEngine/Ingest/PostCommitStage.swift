public import CybexCore
public import CybexFormats
import CybexStore
public import Logging
import Metrics
import Synchronization

/// What one ingest committed: the collection, the posting organisation, the report, and the
/// objects written (added or new versions).
public struct CommittedIngest: Sendable {
    public var collectionID: String
    /// The posting organisation (the owner of the new versions).
    public var owner: String
    /// The report on the document (itemized, or summarised for a node operator's import).
    public var report: IngestReport
    /// The objects the transaction wrote, whatever the report lists.
    public var committed: CommittedObjects
    /// What each subscriber noted of the written objects while they were decoded (its
    /// ``IngestSubscriber/recordNoter(for:)``), by subscriber name, in document order; no entry for
    /// a subscriber that asked for no look, or noted more than ``PostCommitStage/maximumNotedObjects``
    /// (it then reads the committed objects instead).
    public var notes: [String: NotedObjects]

    public init(
        collectionID: String, owner: String, report: IngestReport, committed: CommittedObjects,
        notes: [String: NotedObjects] = [:]
    ) {
        self.collectionID = collectionID
        self.owner = owner
        self.report = report
        self.committed = committed
        self.notes = notes
    }

    /// What an itemized report committed.
    public init(collectionID: String, owner: String, report: IngestReport) {
        self.init(collectionID: collectionID, owner: owner, report: report, committed: CommittedObjects(writtenIn: report))
    }
}

/// The objects an ingest wrote (added or new versions), in document order. For a large import they
/// are not kept as entries: their positions in the document are, and their ids and versions are
/// read again from it, a chunk at a time, when a subscriber asks.
public struct CommittedObjects: Sendable {
    /// One written object of a document: where it is, whether it was a new version, when it was
    /// added, and its type (an index into the ingest's ``TypeTable``).
    struct Written: Sendable {
        var position: Int32
        var newVersion: Bool
        var type: UInt16
        var dateAdded: Int64
    }

    /// The types of a document's objects, each kept once: a written object keeps two bytes for its
    /// type, so a subscriber can pass over objects of types it has no use for without parsing them.
    /// A document with more distinct types than two bytes can number (custom types) gives the rest
    /// ``unknown``, which every filter lets through.
    struct TypeTable: Sendable {
        static let unknown = UInt16.max
        private(set) var names: [String] = []
        private var numbers: [String: UInt16] = [:]

        mutating func number(of type: String) -> UInt16 {
            if let known = numbers[type] { return known }
            guard names.count < Int(Self.unknown) else { return Self.unknown }
            let number = UInt16(names.count)
            names.append(type)
            numbers[type] = number
            return number
        }

        func name(of number: UInt16) -> String? { number == Self.unknown ? nil : names[Int(number)] }
    }

    enum Source: Sendable {
        case items([IngestItem])
        case document(ParsedDocument, [Written], TypeTable)
    }

    let source: Source
    /// When the first of the written objects was added (microseconds), when known. Adds take
    /// their dates in turn, each after the last of the adds committed before it, so what is stored
    /// with an earlier date was committed before this ingest.
    public internal(set) var firstDateAdded: Int64?

    public init(items: [IngestItem]) { source = .items(items) }

    /// The objects an itemized report says were added or new versions.
    public init(writtenIn report: IngestReport) {
        self.init(items: report.items.filter { $0.outcome == .added || $0.outcome == .newVersion })
    }

    init(document: ParsedDocument, written: [Written], types: TypeTable) { source = .document(document, written, types) }

    /// How many objects were written.
    public var count: Int {
        switch source {
        case .items(let items): items.count
        case .document(_, let written, _): written.count
        }
    }

    /// Calls `body` with the written objects' entries (id, version, `added` or `newVersion`), at
    /// most `size` at a time, in document order.
    public func forEachChunk(of size: Int = 500, _ body: ([IngestItem]) async throws -> Void) async rethrows {
        switch source {
        case .items(let items):
            var start = 0
            while start < items.count {
                try await body(Array(items[start..<min(start + size, items.count)]))
                start += size
            }
        case .document(let document, let written, _):
            var start = 0
            while start < written.count {
                let chunk = written[start..<min(start + size, written.count)]
                // One read of the chunk's span, each object parsed, none validated again.
                let identities = document.identities(at: chunk.map { Int($0.position) })
                let items = zip(chunk, identities).map { object, identity in
                    IngestItem(
                        id: identity.id, version: identity.version ?? STIXTimestamp.format(microseconds: object.dateAdded),
                        outcome: object.newVersion ? .newVersion : .added)
                }
                try await body(items)
                start += size
            }
        }
    }
}

extension CommittedObjects {
    /// The ids of the written objects whose type `wanted` accepts (or is not known), in document
    /// order; a document's objects are read again in spans of at most `size` consecutive objects.
    public func ids(where wanted: (String) -> Bool, size: Int = 500) -> [String] {
        switch source {
        case .items(let items):
            return items.compactMap { item in
                guard let id = item.id, STIXIdentifier(id).map({ wanted($0.type) }) ?? true else { return nil }
                return id
            }
        case .document(let document, let written, let types):
            let positions = written.filter { types.name(of: $0.type).map(wanted) ?? true }.map { Int($0.position) }
            var ids: [String] = []
            var start = 0
            while start < positions.count {
                var end = start + 1
                while end < positions.count, positions[end] - positions[start] < size { end += 1 }
                ids += document.identities(at: Array(positions[start..<end])).compactMap(\.id)
                start = end
            }
            return ids
        }
    }

    /// As ``forEachChunk(of:_:)``, with each written object as the document holds it, parsed once
    /// (nil when the ingest kept entries, not the document: a subscriber then reads the store).
    /// Only objects whose type `wanted` accepts are handed on (and parsed), at most `size` at a
    /// time, in document order.
    public func forEachChunkOfObjects(
        of size: Int = 500, where wanted: (String) -> Bool = { _ in true },
        _ body: ([(item: IngestItem, object: JSONValue?)]) async throws -> Void
    ) async rethrows {
        switch source {
        case .items(let items):
            var chunk: [IngestItem] = []
            for item in items where item.id.flatMap(STIXIdentifier.init).map({ wanted($0.type) }) ?? true {
                chunk.append(item)
                if chunk.count == size {
                    try await body(chunk.map { ($0, nil) })
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try await body(chunk.map { ($0, nil) }) }
        case .document(let document, let written, let types):
            var chunk: [Written] = []
            // Each object parsed, none validated again, from reads of spans of at most `size`
            // consecutive objects (as many as an unfiltered chunk covers: wanted objects far apart
            // in a file are not read with everything between them).
            func hand(_ chunk: [Written]) async throws {
                var objects: [JSONValue?] = []
                objects.reserveCapacity(chunk.count)
                var start = 0
                while start < chunk.count {
                    var end = start + 1
                    while end < chunk.count, Int(chunk[end].position) - Int(chunk[start].position) < size { end += 1 }
                    objects += document.objects(at: chunk[start..<end].map { Int($0.position) })
                    start = end
                }
                try await body(
                    zip(chunk, objects).map { written, object -> (item: IngestItem, object: JSONValue?) in
                        let version = object?["modified"]?.stringValue ?? object?["created"]?.stringValue
                        return (
                            IngestItem(
                                id: object?["id"]?.stringValue,
                                version: version ?? STIXTimestamp.format(microseconds: written.dateAdded),
                                outcome: written.newVersion ? .newVersion : .added),
                            object
                        )
                    })
            }
            for object in written where types.name(of: object.type).map(wanted) ?? true {
                chunk.append(object)
                if chunk.count == size {
                    try await hand(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try await hand(chunk) }
        }
    }
}

extension CommittedIngest {
    /// The objects of a chunk that ``CommittedObjects/forEachChunkOfObjects(of:where:_:)`` handed
    /// on, by id: those parsed from the document, and the rest (an ingest that kept entries) read
    /// back from the store, their last versions in the collection.
    func objects(of entries: [(item: IngestItem, object: JSONValue?)], from store: any Store) async throws
        -> [(String, JSONValue)]
    {
        var objects = entries.compactMap { entry in entry.object.map { (entry.item.id ?? "", $0) } }
        let missing = Array(Set(entries.filter { $0.object == nil }.compactMap(\.item.id)))
        if !missing.isEmpty {
            let page = try await store.objects(
                in: collectionID, matching: ObjectQuery(ids: missing, versions: .last, limit: missing.count + 1))
            objects += page.records.compactMap { record in (try? JSONReader.parse(record.json)).map { (record.id, $0) } }
        }
        return objects
    }
}

/// What an ingest is about, before its objects are decoded.
public struct IngestContext: Sendable {
    public var collectionID: String
    /// The posting organisation.
    public var owner: String

    public init(collectionID: String, owner: String) {
        self.collectionID = collectionID
        self.owner = owner
    }
}

/// A look at each valid object of an ingest while it is decoded (on the decoding thread, beside
/// the store's writer, with the observables the ingest extracted): what it returns for an object
/// (nil: nothing) is kept and handed back after the commit if the object was written.
public typealias RecordNoter = @Sendable (STIXObjectRecord) -> [String]?

/// A step that runs after an ingest has committed: correlation, notification and sync subscribe
/// here. It is given what was committed; its failure never undoes the commit.
public protocol IngestSubscriber: Sendable {
    /// For logs and the failure counter.
    var name: String { get }
    /// Called before an ingest's objects are decoded: a function to look at each valid object as
    /// it is decoded, so that what the subscriber needs of it is known at the commit without
    /// reading the object again (``CommittedIngest/notes``). nil (the default): no look.
    func recordNoter(for ingest: IngestContext) async throws -> RecordNoter?
    func committed(_ ingest: CommittedIngest) async throws
}

extension IngestSubscriber {
    public func recordNoter(for ingest: IngestContext) async throws -> RecordNoter? { nil }
}

/// The subscribers every ingest hands its committed objects to, whatever the format and the path
/// (TAXII, REST, `cybex import`, feeds). They run side by side, each on the whole of what was
/// committed (none depends on another: each reads the committed objects and writes rows of its
/// own), and the ingest returns when all have finished; a subscriber that throws is logged and
/// counted (`cybex_ingest_subscriber_failures_total`, by subscriber) and the others carry on.
public final class PostCommitStage: Sendable {
    public let subscribers: [any IngestSubscriber]
    let logger: Logger
    private let failures = Mutex<[String: Int]>([:])

    /// How many written objects one subscriber may note in one ingest; beyond it, its notes are
    /// let go (so an import of millions keeps no note per object) and it reads the objects again.
    public let maximumNotedObjects: Int

    public init(
        subscribers: [any IngestSubscriber] = [], maximumNotedObjects: Int = 200_000,
        logger: Logger = Logger(label: "cybex.ingest")
    ) {
        self.subscribers = subscribers
        self.maximumNotedObjects = maximumNotedObjects
        self.logger = logger
    }

    /// The subscribers' looks at the records of the ingest about to be decoded, by name. A
    /// subscriber whose look fails is logged and counted as a failure, and notes nothing.
    func noters(for context: IngestContext) async -> [(name: String, noter: RecordNoter)] {
        var noters: [(name: String, noter: RecordNoter)] = []
        for subscriber in subscribers {
            do {
                if let noter = try await subscriber.recordNoter(for: context) { noters.append((subscriber.name, noter)) }
            } catch {
                failed(subscriber, collectionID: context.collectionID, error)
            }
        }
        return noters
    }

    /// Hands `ingest` to every subscriber, side by side, and returns when all have finished.
    public func run(_ ingest: CommittedIngest) async {
        if subscribers.count == 1 {
            await run(subscribers[0], ingest)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for subscriber in subscribers {
                group.addTask { await self.run(subscriber, ingest) }
            }
        }
    }

    private func run(_ subscriber: any IngestSubscriber, _ ingest: CommittedIngest) async {
        do {
            try await subscriber.committed(ingest)
        } catch {
            failed(subscriber, collectionID: ingest.collectionID, error)
        }
    }

    private func failed(_ subscriber: any IngestSubscriber, collectionID: String, _ error: any Error) {
        failures.withLock { $0[subscriber.name, default: 0] += 1 }
        Counter(label: "cybex_ingest_subscriber_failures_total", dimensions: [("subscriber", subscriber.name)])
            .increment()
        logger.error(
            "post-commit subscriber failed; the objects stay committed",
            metadata: ["subscriber": "\(subscriber.name)", "collection": "\(collectionID)", "error": "\(error)"])
    }

    /// How many times each subscriber has failed since the process started.
    public var failureCounts: [String: Int] { failures.withLock { $0 } }
}
