public import CybexCore
import CybexFormats
public import CybexStore

/// The post-commit step that queues new objects for the digests of the organisations whose
/// constituency they touch (issue 15 item 7): each committed object's observables (an address or
/// range in one of its networks, a domain at or under one of its domains, its AS number) matched
/// against every constituency held in memory (``ConstituencyIndex``, read once an ingest). The
/// matching is done while the ingest decodes the objects (``recordNoter(for:)``), on the thread
/// beside the store's writer; after the commit, the queue rows are written. The organisation that
/// posted an object is not told of it. What a digest then sends is decided at
/// delivery, through the sharing policy (``NotificationService``).
public struct ConstituencyNotifier: IngestSubscriber {
    let store: any Store
    let clock: any WallClock

    public init(store: any Store, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
    }

    public var name: String { "notification" }

    /// The types whose observables can touch a constituency (an address, a range, a domain, an AS
    /// number, a URL's host, an e-mail address's domain): objects of other types are not parsed.
    static let touchingTypes: Set<String> = [
        "indicator", "observed-data", "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "autonomous-system",
    ]

    /// How many queued objects are gathered before they are written: one transaction per batch,
    /// not per chunk of the document.
    static let batchSize = 25_000

    /// Matches each valid object against the constituencies while the ingest decodes it, with the
    /// observables the ingest extracted: the organisations it touches (other than the poster's),
    /// so that after the commit only the queue rows are left to write.
    public func recordNoter(for ingest: IngestContext) async throws -> RecordNoter? {
        let index = ConstituencyIndex(try await store.allConstituencyEntries())
        // No constituency: nothing is noted, and nothing is read again after the commit.
        guard !index.isEmpty else { return { _ in nil } }
        let owner = ingest.owner
        return { record in
            guard Self.touchingTypes.contains(record.type) else { return nil }
            var touched = index.organisations(touchedBy: record.observables)
            touched.remove(owner)
            return touched.isEmpty ? nil : touched.sorted()
        }
    }

    public func committed(_ ingest: CommittedIngest) async throws {
        // Each queued object gets a time of its own (one microsecond apart): a digest resumes after
        // the last time it sent, so no two objects of one ingest may share one.
        var now = clock.nowMicroseconds()
        var queued: [QueuedNotification] = []
        if let noted = ingest.notes[name] {
            for object in noted {
                for organisation in object.values {
                    queued.append(
                        QueuedNotification(
                            organisationID: organisation, objectID: object.id, collectionID: ingest.collectionID, queued: now))
                    now += 1
                }
                if queued.count >= Self.batchSize {
                    try await store.enqueueNotifications(queued)
                    queued.removeAll(keepingCapacity: true)
                }
            }
            try await store.enqueueNotifications(queued)
            return
        }
        // Not noted while decoded (too many objects to keep notes of): the objects are read again.
        let index = ConstituencyIndex(try await store.allConstituencyEntries())
        guard !index.isEmpty, ingest.committed.count > 0 else { return }
        try await ingest.committed.forEachChunkOfObjects(of: 500, where: Self.touchingTypes.contains) { entries in
            let objects = try await ingest.objects(of: entries, from: store)
            for (id, object) in objects {
                guard let type = object["type"]?.stringValue, !id.isEmpty else { continue }
                let touched = index.organisations(touchedBy: ObservableExtractor.observables(of: object, type: type))
                for organisation in touched where organisation != ingest.owner {
                    queued.append(
                        QueuedNotification(
                            organisationID: organisation, objectID: id, collectionID: ingest.collectionID, queued: now))
                    now += 1
                }
            }
            if queued.count >= Self.batchSize {
                try await store.enqueueNotifications(queued)
                queued.removeAll(keepingCapacity: true)
            }
        }
        try await store.enqueueNotifications(queued)
    }
}
