import CybexCore
import CybexFormats
import CybexStore
import Foundation

/// MISP feeds and TAXII collections.
extension FeedService {
    /// A MISP feed: `manifest.json` lists the events with their `timestamp`; each event newer than
    /// the one last imported is fetched (`<uuid>.json`) and mapped (``MISPFeed``); every event of
    /// the pull is read and mapped before any is stored, then stored in one transaction.
    func pullMISP(_ feed: Feed, state: inout FeedState, now: Int64, actor: String) async throws -> FeedPullReport {
        let base = feed.url.hasSuffix("/") ? feed.url : feed.url + "/"
        var fetched = state
        guard let manifestBytes = try await fetch(base + "manifest.json", state: &fetched) else {
            succeeded(feed, &state, now: now)
            try await store.recordFeedPull(
                id: feed.id, state: state, sightings: [], audit: [audit(feed, actor: actor, time: now, detail: "not modified")])
            return FeedPullReport(feed: feed.name, outcome: .notModified, values: 0, added: 0)
        }
        let manifest: [MISPFeed.ManifestEntry]
        do {
            manifest = try MISPFeed.manifest(manifestBytes)
        } catch {
            throw EngineError(.invalidArgument, "manifest.json: \(error.message)")
        }
        var objects: [JSONValue] = []
        var events = state.events
        for entry in manifest where (state.events[entry.uuid] ?? .min) < entry.timestamp {
            var none = FeedState()
            guard let bytes = try await fetch(base + entry.uuid + ".json", state: &none) else { continue }
            do {
                objects += try MISPFeed.objects(ofEvent: bytes, feed: feed)
            } catch {
                throw EngineError(.invalidArgument, "\(entry.uuid).json: \(error.message)")
            }
            events[entry.uuid] = entry.timestamp
        }
        let added = try await ingestMade(objects, feed: feed, actor: actor, now: now)
        state = fetched
        state.lastPull = now
        state.events = events
        succeeded(feed, &state, now: now)
        state.lastValues = objects.count
        state.lastAdded = added
        try await store.recordFeedPull(
            id: feed.id, state: state, sightings: [],
            audit: objects.isEmpty ? [audit(feed, actor: actor, time: now, detail: "no new events")] : [])
        return FeedPullReport(feed: feed.name, outcome: .stored, values: objects.count, added: added)
    }

    /// A TAXII 2.1 collection, by `added_after` from the last page's `X-TAXII-Date-Added-Last`,
    /// following `next`; each page is stored as it comes and the cursor saved after it, so that a
    /// pull that fails part-way resumes after the last page stored.
    func pullTAXII(_ feed: Feed, state: inout FeedState, now: Int64, actor: String) async throws -> FeedPullReport {
        var credential = TAXIIClient.Credential.none
        if let pair = feed.settings.credentials, let colon = pair.firstIndex(of: ":") {
            credential = .basic(username: String(pair[..<colon]), password: String(pair[pair.index(after: colon)...]))
        }
        let client = TAXIIClient(transport: transport, credential: credential, maxResponseBytes: Self.maxResponseBytes)
        var received = 0
        var added = 0
        var progress = state
        let last: String?
        do {
            last = try await client.pollObjects(
                apiRoot: feed.url, collectionID: feed.settings.taxiiCollection ?? "", addedAfter: state.cursor, limit: 1_000
            ) { page in
                guard !page.objects.isEmpty else { return }
                let document = try STIXBundleDecoder.parse(page.envelope, as: .envelope, limits: ingestor.limits)
                let ingested = try await ingest(document, feed: feed, actor: actor, now: now, read: page.objects.count)
                received += page.objects.count
                added += ingested.added
                if let cursor = page.dateAddedLast {
                    progress.cursor = cursor
                    try await store.recordFeedPull(id: feed.id, state: progress, sightings: [], audit: [])
                }
            }
        } catch {
            // A pull that fails part-way resumes after the last page stored: the caller records the
            // failure with the state as this function leaves it.
            state.cursor = progress.cursor
            throw error
        }
        state = progress
        state.cursor = last ?? state.cursor
        state.lastPull = now
        succeeded(feed, &state, now: now)
        state.lastValues = received
        state.lastAdded = added
        try await store.recordFeedPull(
            id: feed.id, state: state, sightings: [],
            audit: received == 0 ? [audit(feed, actor: actor, time: now, detail: "nothing new")] : [])
        return FeedPullReport(feed: feed.name, outcome: .stored, values: received, added: added)
    }
}
