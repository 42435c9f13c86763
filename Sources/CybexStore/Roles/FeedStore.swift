public import CybexCore

/// Feeds, their health and the sightings of their values (`SQLiteStore+Feeds.swift`,
/// `PostgresStore+Feeds.swift`): what a pull starts from and what it leaves.
public protocol FeedStore: Sendable {
    /// Adds a feed with its first state, in one transaction with `audit`; `.conflict` when the name is taken.
    func createFeed(_ feed: Feed, state: FeedState, audit: [AuditEvent]) async throws
    /// Every feed with its state, by name.
    func feeds() async throws -> [(Feed, FeedState)]
    /// Removes a feed, its state and its sightings' counts (not the objects it made); false when there was none.
    func removeFeed(id: String, audit: [AuditEvent]) async throws -> Bool
    /// Replaces a feed's state, with `sightings` (each value's sighting as it now stands) and
    /// `audit`, in one transaction.
    func recordFeedPull(id: String, state: FeedState, sightings: [FeedSighting], audit: [AuditEvent]) async throws
    /// The sightings the feed has made, by indicator id.
    func feedSightings(id: String) async throws -> [String: FeedSighting]
}
