import CybexCore
import Foundation

/// Settings and states kept as JSON text (feeds, notification channels), on both backends.
enum JSONColumns {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.backend, "a stored feed column is not readable: \(error)")
        }
    }

    static func feed(
        id: String, name: String, format: String, url: String, owner: String, collection: String, settings: String,
        enabled: Bool, created: Int64
    ) throws -> Feed {
        guard let format = Feed.Format(rawValue: format) else { throw StoreError(.backend, "unknown feed format \(format)") }
        return Feed(
            id: id, name: name, format: format, url: url, ownerID: owner, collectionID: collection,
            settings: try decode(FeedSettings.self, settings), enabled: enabled, created: created)
    }

    static func requireStorable(_ feed: Feed) throws {
        try StoredText.require([
            (feed.id, "feed id"), (feed.name, "feed name"), (feed.url, "feed url"), (feed.ownerID, "owner"),
            (feed.collectionID, "collection"),
        ])
    }
}
