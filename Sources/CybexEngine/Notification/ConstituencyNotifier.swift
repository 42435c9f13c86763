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
        let now = clock.nowMicroseconds()
        try await ingest.committed.forEachChunk(of: 500) { items in
            let ids = Array(Set(items.compactMap(\.id)))
            guard !ids.isEmpty else { return }
            let page = try await store.objects(
                in: ingest.collectionID, matching: ObjectQuery(ids: ids, versions: .last, limit: ids.count + 1))
            var queued: [QueuedNotification] = []
            for record in page.records {
                guard let object = try? JSONReader.parse(record.json), let type = object["type"]?.stringValue else { continue }
                let touched = index.organisations(touchedBy: ObservableExtractor.observables(of: object, type: type))
                for organisation in touched where organisation != ingest.owner {
                    queued.append(
                        QueuedNotification(
                            organisationID: organisation, objectID: record.id, collectionID: ingest.collectionID, queued: now))
                }
            }
            try await store.enqueueNotifications(queued)
        }
    }
}
