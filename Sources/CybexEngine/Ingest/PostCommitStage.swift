public import CybexCore
public import CybexFormats
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

    public init(collectionID: String, owner: String, report: IngestReport, committed: CommittedObjects) {
        self.collectionID = collectionID
        self.owner = owner
        self.report = report
        self.committed = committed
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
    /// One written object of a document: where it is, whether it was a new version, when it was added.
    struct Written: Sendable {
        var position: Int32
        var newVersion: Bool
        var dateAdded: Int64
    }

    enum Source: Sendable {
        case items([IngestItem])
        case document(ParsedDocument, [Written])
    }

    let source: Source

    public init(items: [IngestItem]) { source = .items(items) }

    /// The objects an itemized report says were added or new versions.
    public init(writtenIn report: IngestReport) {
        self.init(items: report.items.filter { $0.outcome == .added || $0.outcome == .newVersion })
    }

    init(document: ParsedDocument, written: [Written]) { source = .document(document, written) }

    /// How many objects were written.
    public var count: Int {
        switch source {
        case .items(let items): items.count
        case .document(_, let written): written.count
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
        case .document(let document, let written):
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
    /// As ``forEachChunk(of:_:)``, with each written object as the document holds it, parsed once
    /// (nil when the ingest kept entries, not the document: a subscriber then reads the store).
    public func forEachChunkOfObjects(of size: Int = 500, _ body: ([(item: IngestItem, object: JSONValue?)]) async throws -> Void)
        async rethrows
    {
        switch source {
        case .items(let items):
            var start = 0
            while start < items.count {
                try await body(items[start..<min(start + size, items.count)].map { ($0, nil) })
                start += size
            }
        case .document(let document, let written):
            var start = 0
            while start < written.count {
                let chunk = written[start..<min(start + size, written.count)]
                let objects = document.objects(at: chunk.map { Int($0.position) })
                let entries = zip(chunk, objects).map { written, object -> (item: IngestItem, object: JSONValue?) in
                    let version = object?["modified"]?.stringValue ?? object?["created"]?.stringValue
                    return (
                        IngestItem(
                            id: object?["id"]?.stringValue,
                            version: version ?? STIXTimestamp.format(microseconds: written.dateAdded),
                            outcome: written.newVersion ? .newVersion : .added),
                        object
                    )
                }
                try await body(entries)
                start += size
            }
        }
    }
}

/// A step that runs after an ingest has committed: correlation, notification and sync subscribe
/// here. It is given what was committed; its failure never undoes the commit.
public protocol IngestSubscriber: Sendable {
    /// For logs and the failure counter.
    var name: String { get }
    func committed(_ ingest: CommittedIngest) async throws
}

/// The ordered subscribers every ingest hands its committed objects to, whatever the format and
/// the path (TAXII, REST, `cybex import`, later feeds). Each runs after the one before it has
/// finished; a subscriber that throws is logged and counted (`cybex_ingest_subscriber_failures_total`,
/// by subscriber) and the next one runs.
public final class PostCommitStage: Sendable {
    public let subscribers: [any IngestSubscriber]
    let logger: Logger
    private let failures = Mutex<[String: Int]>([:])

    public init(subscribers: [any IngestSubscriber] = [], logger: Logger = Logger(label: "cybex.ingest")) {
        self.subscribers = subscribers
        self.logger = logger
    }

    /// Hands `ingest` to every subscriber in order.
    public func run(_ ingest: CommittedIngest) async {
        for subscriber in subscribers {
            do {
                try await subscriber.committed(ingest)
            } catch {
                failures.withLock { $0[subscriber.name, default: 0] += 1 }
                Counter(label: "cybex_ingest_subscriber_failures_total", dimensions: [("subscriber", subscriber.name)])
                    .increment()
                logger.error(
                    "post-commit subscriber failed; the objects stay committed",
                    metadata: [
                        "subscriber": "\(subscriber.name)", "collection": "\(ingest.collectionID)", "error": "\(error)",
                    ])
            }
        }
    }

    /// How many times each subscriber has failed since the process started.
    public var failureCounts: [String: Int] { failures.withLock { $0 } }
}
