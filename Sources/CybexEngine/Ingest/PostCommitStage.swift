public import CybexCore
public import Logging
import Metrics
import Synchronization

/// What one ingest committed: the collection, the posting organisation, and the report on every
/// object of the document (ids, versions, outcomes).
public struct CommittedIngest: Sendable {
    public var collectionID: String
    /// The posting organisation (the owner of the new versions).
    public var owner: String
    public var report: IngestReport

    public init(collectionID: String, owner: String, report: IngestReport) {
        self.collectionID = collectionID
        self.owner = owner
        self.report = report
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
