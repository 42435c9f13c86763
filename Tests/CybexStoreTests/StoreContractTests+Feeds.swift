import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Feeds (schema step 16) on each backend: settings and state kept whole, pulls recorded with
/// their sightings in one transaction, names unique, removal taking the sightings along.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func feedsKeepTheirSettingsStateAndSightings(backend: Backend) async throws {
        try await backend.withStore { store in
            let settings = FeedSettings(
                tlp: .amber, confidence: 60, labels: ["botnet", "c2"], column: "ip", kind: "ipv4-addr", delimiter: ";",
                header: true, intervalSeconds: 900, taxiiCollection: nil, credentials: "u:p")
            let feed = Feed(
                id: "feed-1", name: "c2", format: .csv, url: "https://feeds.example/c2.csv", ownerID: "org-1",
                collectionID: "col-1", settings: settings, created: 42)
            try await store.createFeed(
                feed, state: FeedState(nextDue: 42),
                audit: [AuditEvent(time: 42, actor: "t", action: "feed.add", target: "feed-1")])
            #expect(try await store.auditEvents(limit: 1).first?.action == "feed.add")
            let listed = try await store.feeds()
            #expect(listed.count == 1 && listed[0].0 == feed && listed[0].1 == FeedState(nextDue: 42))
            await #expect(throws: StoreError.self) {
                var twin = feed
                twin.id = "feed-2"
                try await store.createFeed(twin, state: FeedState(), audit: [])
            }

            let state = FeedState(
                lastPull: 100, lastSuccess: 100, failures: 0, nextDue: 1_000, etag: "\"abc\"", lastModified: "Sat, 05 Dec 2026",
                cursor: "2026-12-05T00:00:00.000Z", events: ["e1": 7], lastValues: 2, lastAdded: 5, pulls: 1)
            try await store.recordFeedPull(
                id: "feed-1", state: state,
                sightings: [
                    FeedSighting(indicatorID: "indicator--a", firstSeen: 100, lastSeen: 100, count: 1),
                    FeedSighting(indicatorID: "indicator--b", firstSeen: 100, lastSeen: 100, count: 1),
                ], audit: [])
            #expect(try await store.feeds().first?.1 == state)
            try await store.recordFeedPull(
                id: "feed-1", state: state,
                sightings: [FeedSighting(indicatorID: "indicator--a", firstSeen: 999, lastSeen: 200, count: 2)], audit: [])
            let sightings = try await store.feedSightings(id: "feed-1")
            // The first sighting keeps when it was first seen; the count and last seen move on.
            #expect(
                sightings["indicator--a"] == FeedSighting(indicatorID: "indicator--a", firstSeen: 100, lastSeen: 200, count: 2))
            #expect(sightings["indicator--b"]?.count == 1)
            await #expect(throws: StoreError.self) {
                try await store.recordFeedPull(id: "no-such-feed", state: state, sightings: [], audit: [])
            }

            #expect(try await store.removeFeed(id: "feed-1", audit: []))
            #expect(try await !store.removeFeed(id: "feed-1", audit: []))
            #expect(try await store.feeds().isEmpty)
            #expect(try await store.feedSightings(id: "feed-1").isEmpty)
        }
    }
}
