import CybexCore
import CybexFormats
import CybexStore

/// The sightings a hunt records: the matches of an ingest's chunks gathered by indicator, and
/// stored as one sighting per indicator and organisation through the one ingest entry.
extension RetroHunt {
    /// One observation a match used: where it is and how it is marked.
    struct Matched {
        var observation: STIXObservation
        var id: String
        var level: TLPLevel?
        var collectionID: String
    }

    /// A chunk's matches, by indicator, in the order they were found.
    struct Sightings {
        struct Entry {
            var level: TLPLevel?
            var collectionID: String
            var matched: [Matched]
        }

        private(set) var order: [String] = []
        private(set) var entries: [String: Entry] = [:]
        /// How many matches the entries hold.
        private(set) var matchedCount = 0

        /// Adds the matches of `other` after these.
        mutating func merge(_ other: Sightings) {
            for indicator in other.order {
                guard let entry = other.entries[indicator] else { continue }
                add(indicator: indicator, level: entry.level, collectionID: entry.collectionID, matched: entry.matched)
            }
        }

        mutating func add(indicator: String, level: TLPLevel?, collectionID: String, matched: [Matched]) {
            guard !matched.isEmpty else { return }
            if entries[indicator] == nil {
                order.append(indicator)
                entries[indicator] = Entry(level: level, collectionID: collectionID, matched: [])
            }
            entries[indicator]?.matched += matched
            matchedCount += matched.count
        }
    }

    /// The sighting id of `indicator` for organisation `owner`.
    public static func sightingID(indicator: String, owner: String) -> String {
        "sighting--" + NameBasedUUID.make("cybex-retro-hunt|\(indicator)|\(owner)")
    }

    /// Stores gathered sightings in one ingest (one transaction, one audit entry each): each one
    /// new, or a new version of what an earlier match recorded with the observations added. A
    /// sighting whose count would not change is left as it is.
    func record(_ sightings: Sightings, owner: String, collectionID: String) async throws {
        guard !sightings.order.isEmpty, let collection = try await store.collection(id: collectionID) else { return }
        let ids = sightings.order.map { Self.sightingID(indicator: $0, owner: owner) }
        // What earlier matches recorded, in this collection.
        var previous: [String: JSONValue] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let page = try await store.objects(
                in: collectionID, matching: ObjectQuery(ids: chunk, versions: .last, limit: chunk.count + 1))
            for stored in page.records { previous[stored.id] = try? JSONReader.parse(stored.json) }
        }
        var lines: [UInt8] = []
        var described: [String: String] = [:]
        let now = STIXTimestamp.format(microseconds: clock.nowMicroseconds())
        for (indicator, id) in zip(sightings.order, ids) {
            guard let entry = sightings.entries[indicator] else { continue }
            let earlier = previous[id]
            var observedData = Set((earlier?["observed_data_refs"]?.arrayValue ?? []).compactMap(\.stringValue))
            var others = Set((earlier?["description"]?.stringValue).map(Self.listedIDs) ?? [])
            var first = earlier?["first_seen"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds ?? .max
            var last = earlier?["last_seen"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds ?? .min
            for matched in entry.matched {
                if matched.id.hasPrefix("observed-data--") { observedData.insert(matched.id) } else { others.insert(matched.id) }
                first = min(first, matched.observation.firstObserved.microseconds)
                last = max(last, matched.observation.lastObserved.microseconds)
            }
            let count = min(observedData.count + others.count, 999_999_999)
            if let earlier, earlier["count"]?.integerValue == Int64(count) { continue }
            // Joined across collections, the sighting would tell the target collection's readers of
            // objects they may not read: it is then TLP:RED, for the organisation that posted alone.
            let crossing = entry.collectionID != collectionID || entry.matched.contains { $0.collectionID != collectionID }
            let level = crossing ? .red : ([entry.level] + entry.matched.map(\.level)).compactMap { $0 }.max() ?? .green
            var members: [(String, JSONValue)] = [
                ("type", .string("sighting")), ("spec_version", .string("2.1")), ("id", .string(id)),
                ("created", .string(earlier?["created"]?.stringValue ?? now)), ("modified", .string(now)),
                ("sighting_of_ref", .string(indicator)), ("count", .number(String(count))),
                ("first_seen", .string(STIXTimestamp.format(microseconds: first))),
                ("last_seen", .string(STIXTimestamp.format(microseconds: max(first, last)))),
                (
                    "description",
                    .string(
                        "Cybex retro-hunt: the indicator's pattern matches \(count) stored observations"
                            + (others.isEmpty ? "" : ": " + others.sorted().joined(separator: ", ")))
                ),
                ("object_marking_refs", .array([.string(level.markingDefinitionID)])),
            ]
            if !observedData.isEmpty {
                members.append(("observed_data_refs", .array(observedData.sorted().map(JSONValue.string))))
            }
            lines += JSONWriter.bytes(.object(members))
            lines.append(UInt8(ascii: "\n"))
            described[id] = "\(id) of \(indicator): \(count) observations"
        }
        guard !lines.isEmpty else { return }
        let descriptions = described
        let ingestor = Ingestor(store: store, limits: collections.ingestor.limits)
        _ = try await ingestor.ingest(
            lines, as: .jsonLines, into: collection, owner: owner,
            commit: { report in
                let time = SystemWallClock.nowMicroseconds()
                return AddCommit(
                    audit: report.items.compactMap { item -> AuditEvent? in
                        guard let id = item.id, let detail = descriptions[id] else { return nil }
                        let stored = item.outcome == .added || item.outcome == .newVersion ? 1 : 0
                        return AuditEvent(
                            time: time, actor: "retro-hunt", action: "objects.retro-hunt", target: collectionID,
                            detail: "\(detail); \(stored) stored")
                    })
            })
    }

    /// The ids a sighting's description lists after its last colon (an id holds none; the
    /// description's own text holds one before the list). Reads characters, not Foundation's
    /// `NSString`: an update of a sighting lists many.
    static func listedIDs(_ description: String) -> [String] {
        guard let colon = description.lastIndex(of: ":") else { return [] }
        return description[description.index(after: colon)...].split(separator: ",").compactMap { part in
            var id = part
            while id.first?.isWhitespace == true { id.removeFirst() }
            while id.last?.isWhitespace == true { id.removeLast() }
            var previous: UInt8 = 0
            for byte in id.utf8 {
                if byte == UInt8(ascii: "-") && previous == UInt8(ascii: "-") { return String(id) }
                previous = byte
            }
            return nil
        }
    }
}
