public import CybexCore
import CybexFormats
public import CybexStore

/// The post-commit step that queues new objects for the digests of the organisations whose
/// constituency they touch (issue 15 item 7): each committed object's observables (an address or
/// range in one of its networks, a domain at or under one of its domains, its AS number) matched
/// against every constituency held in memory (``ConstituencyIndex``, read once an ingest). The
/// organisation that posted an object is not told of it. What a digest then sends is decided at
/// delivery, through the sharing policy (``NotificationService``).
public struct ConstituencyNotifier: IngestSubscriber {
    let store: any Store
    let clock: any WallClock

    public init(store: any Store, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
    }

    public var name: String { "notification" }

    public func committed(_ ingest: CommittedIngest) async throws {
        let index = ConstituencyIndex(try await store.allConstituencyEntries())
        guard !index.isEmpty, ingest.committed.count > 0 else { return }
        // Each queued object gets a time of its own (one microsecond apart): a digest resumes after
        // the last time it sent, so no two objects of one ingest may share one.
        var now = clock.nowMicroseconds()
        try await ingest.committed.forEachChunkOfObjects(of: 500) { entries in
            var objects = entries.compactMap { entry in entry.object.map { (entry.item.id ?? "", $0) } }
            // Entries without the document's object: read them back.
            let missing = Array(Set(entries.filter { $0.object == nil }.compactMap(\.item.id)))
            if !missing.isEmpty {
                let page = try await store.objects(
                    in: ingest.collectionID, matching: ObjectQuery(ids: missing, versions: .last, limit: missing.count + 1))
                objects += page.records.compactMap { record in (try? JSONReader.parse(record.json)).map { (record.id, $0) } }
            }
            var queued: [QueuedNotification] = []
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
            try await store.enqueueNotifications(queued)
        }
    }
}
