public import CybexCore
public import CybexFormats
public import CybexStore
import Foundation

/// Retro-hunt (issue 15 item 3): the post-commit step that matches new indicators against stored
/// observations and new observations against stored indicators, with the STIX patterning semantics
/// of ``STIXPatternMatcher`` (observation operators and qualifiers included), and records each match
/// as a `sighting`, which correlation and trace then count.
///
/// - **A new indicator** (`pattern_type` stix) is matched against the observations its poster's
///   organisation may see that were added in the last ``window`` (90 days): the SCOs that carry one
///   of its pattern's compared values (found through the index of distinct observables) and the
///   observed-data that reference them (`object_refs`, their other SCOs resolved), as one set, so
///   `AND`, `OR`, `FOLLOWEDBY`, `WITHIN`, `REPEATS` and `START … STOP` across observations apply.
/// - **A new observation** (observed-data, or an SCO on its own) is matched against the indicators
///   its poster's organisation may see that compare one of its values.
///
/// A match becomes one sighting per indicator and organisation (its id derived from both), owned by
/// the organisation that posted the new object and stored in its collection, through the one
/// ingest entry; a later match makes a new version with the observations added (`count`,
/// `observed_data_refs`, `first_seen`/`last_seen` over them). Nothing is matched that the poster
/// may not see, TLP:RED observations are left out, and the sighting is marked at the highest level
/// of what it joins — or TLP:RED (its owner alone sees it) when it joins objects of another
/// collection, whose readers may differ: a reader of the collection never learns, through a
/// sighting, the id of an object it may not read. Patterns that compare no value the index holds (only `LIKE`, `MATCHES`, `!=`
/// …) are not hunted: there is nothing to find candidates by. Each hunt reads at most
/// ``maximumCandidates`` candidates.
public struct RetroHunt: IngestSubscriber {
    let store: any Store
    let collections: CollectionService
    /// How far back new indicators look, by date added.
    public var window: Duration
    let clock: any WallClock

    public static let maximumCandidates = 1_000

    public init(
        store: any Store, limits: STIXBundleDecoder.Limits = .init(), window: Duration = .seconds(90 * 86_400),
        clock: any WallClock = SystemWallClock()
    ) {
        self.store = store
        // Reads of its own (no post-commit stage: the sightings it stores are not hunted again).
        self.collections = CollectionService(store: store, limits: limits)
        self.window = window
        self.clock = clock
    }

    public var name: String { "retro-hunt" }

    /// The SCO types observations are made of: what a new indicator's candidates are searched among.
    static let scoTypes = observationTypes.subtracting(["observed-data"]).sorted()

    static let observationTypes: Set<String> = [
        "observed-data", "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file", "mac-addr",
        "autonomous-system", "network-traffic", "user-account", "windows-registry-key", "x509-certificate", "mutex", "process",
        "software", "directory", "email-message", "artifact",
    ]

    /// Notes, while the ingest decodes, the observables of each indicator and SCO that is not
    /// revoked (what the pre-filtering searches need), so that after the commit only the objects
    /// those searches leave are read again. An observed-data is noted with the marker
    /// ``observedDataMarker``: an ingest that has one is hunted from the document as a whole (its
    /// SCOs are resolved among the objects beside it).
    public func recordNoter(for ingest: IngestContext) async throws -> RecordNoter? {
        return { record in
            guard !record.revoked else { return nil }
            if record.type == "observed-data" { return [Self.observedDataMarker] }
            guard record.type == "indicator" || Self.observationTypes.contains(record.type), !record.observables.isEmpty
            else { return nil }
            return record.observables.map { $0.kind.rawValue + "\u{1}" + $0.value }
        }
    }

    static let observedDataMarker = "observed-data"

    public func committed(_ ingest: CommittedIngest) async throws {
        guard ingest.committed.count > 0 else { return }
        if let noted = ingest.notes[name], !noted.contains(where: { $0.values == [Self.observedDataMarker] }) {
            try await hunt(noted, ingest: ingest)
            return
        }
        var readable: [String: ReadScope?]?
        let huntable = { (type: String) -> Bool in type == "indicator" || Self.observationTypes.contains(type) }
        try await ingest.committed.forEachChunkOfObjects(of: 500, where: huntable) { entries in
            let objects = try await ingest.objects(of: entries, from: store)
            guard !objects.isEmpty else { return }
            if readable == nil {
                guard let owner = try await store.organisation(id: ingest.owner) else { return }
                readable = Dictionary(
                    try await collections.readable(as: owner.name, actor: "retro-hunt"), uniquingKeysWith: { a, _ in a })
            }
            guard let scopes = readable else { return }
            // An SCO an observed-data of the same chunk references is hunted as part of it, not twice.
            let referenced = Set(
                objects.filter { $0.1["type"]?.stringValue == "observed-data" }
                    .flatMap { ($0.1["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue) })
            let inChunk = Dictionary(objects, uniquingKeysWith: { a, _ in a })
            var indicators: [(String, JSONValue, Set<Observable>)] = []
            var observations: [(String, JSONValue, Set<Observable>?)] = []
            for (id, object) in objects where !referenced.contains(id) {
                guard let type = object["type"]?.stringValue, !(object["revoked"]?.boolValue ?? false) else { continue }
                if type == "indicator" {
                    indicators.append((id, object, Set(ObservableExtractor.observables(of: object, type: type))))
                } else {
                    observations.append((id, object, Self.values(of: object, resolving: inChunk)))
                }
            }
            // One search a side tells which values have a counterpart at all: most objects of a
            // large import have none, and are not hunted one by one.
            let withIndicators = try await present(
                Set(observations.flatMap { $0.2 ?? [] }), types: ["indicator"], since: nil, in: scopes)
            let withObservations = try await present(
                Set(indicators.flatMap(\.2)), types: Self.scoTypes, since: clock.nowMicroseconds() - window.microseconds,
                in: scopes)
            let indicatorsHunted = indicators.filter { entry in
                guard let present = withObservations else { return true }
                return !entry.2.isDisjoint(with: present)
            }
            // An observed-data whose SCOs are stored, not posted with it, is always hunted.
            let observationsHunted = observations.filter { entry in
                guard let values = entry.2, let present = withIndicators else { return true }
                return !values.isDisjoint(with: present)
            }
            let ids = indicatorsHunted.map(\.0) + observationsHunted.map(\.0)
            guard !ids.isEmpty else { return }
            // The stored versions of those hunted (their level and when they were added).
            let page = try await store.objects(
                in: ingest.collectionID,
                matching: ObjectQuery(ids: ids, versions: .last, limit: ids.count + 1, withContent: false))
            let records = Dictionary(page.records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for (id, object, _) in indicatorsHunted {
                guard let record = records[id] else { continue }
                try await hunt(indicator: object, record: record, ingest: ingest, in: scopes)
            }
            for (id, object, _) in observationsHunted {
                guard let record = records[id] else { continue }
                try await hunt(observation: object, record: record, ingest: ingest, in: scopes)
            }
        }
    }

    /// Hunts the indicators and SCOs noted while the ingest decoded them: the same pre-filtering
    /// searches as ``committed(_:)`` on their noted values, 500 objects at a time, and only the
    /// objects left are read back (from the store, as committed) and hunted.
    func hunt(_ noted: [NotedObject], ingest: CommittedIngest) async throws {
        guard !noted.isEmpty, let owner = try await store.organisation(id: ingest.owner) else { return }
        let scopes = Dictionary(
            try await collections.readable(as: owner.name, actor: "retro-hunt"), uniquingKeysWith: { a, _ in a })
        var start = 0
        while start < noted.count {
            let chunk = noted[start..<min(start + 500, noted.count)]
            start += 500
            var indicators: [(String, Set<Observable>)] = []
            var observations: [(String, Set<Observable>)] = []
            for object in chunk {
                let values = Set(
                    object.values.compactMap { text -> Observable? in
                        let parts = text.split(separator: "\u{1}", maxSplits: 1, omittingEmptySubsequences: false)
                        guard parts.count == 2, let kind = Observable.Kind(rawValue: String(parts[0])) else { return nil }
                        return Observable(kind: kind, value: String(parts[1]))
                    })
                if STIXIdentifier(object.id)?.type == "indicator" {
                    indicators.append((object.id, values))
                } else {
                    observations.append((object.id, values))
                }
            }
            let withIndicators = try await present(
                Set(observations.flatMap(\.1)), types: ["indicator"], since: nil, in: scopes)
            let withObservations = try await present(
                Set(indicators.flatMap(\.1)), types: Self.scoTypes,
                since: clock.nowMicroseconds() - window.microseconds, in: scopes)
            let indicatorsHunted = indicators.filter { entry in
                withObservations.map { !entry.1.isDisjoint(with: $0) } ?? true
            }.map(\.0)
            let observationsHunted = observations.filter { entry in
                withIndicators.map { !entry.1.isDisjoint(with: $0) } ?? true
            }.map(\.0)
            let ids = indicatorsHunted + observationsHunted
            guard !ids.isEmpty else { continue }
            let page = try await store.objects(
                in: ingest.collectionID, matching: ObjectQuery(ids: ids, versions: .last, limit: ids.count + 1))
            let records = Dictionary(page.records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for id in indicatorsHunted {
                guard let record = records[id], let object = try? JSONReader.parse(record.json) else { continue }
                try await hunt(indicator: object, record: record, ingest: ingest, in: scopes)
            }
            for id in observationsHunted {
                guard let record = records[id], let object = try? JSONReader.parse(record.json) else { continue }
                try await hunt(observation: object, record: record, ingest: ingest, in: scopes)
            }
        }
    }

    /// The values an observation carries when they can be told from the chunk alone: an SCO's, or an
    /// observed-data's and those of the SCOs it references among `chunk`; nil when it references
    /// one that is not there.
    static func values(of object: JSONValue, resolving chunk: [String: JSONValue]) -> Set<Observable>? {
        let type = object["type"]?.stringValue ?? ""
        var values = Set(ObservableExtractor.observables(of: object, type: type))
        guard type == "observed-data" else { return values }
        for ref in (object["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue) {
            guard let sco = chunk[ref] else { return nil }
            values.formUnion(ObservableExtractor.observables(of: sco, type: sco["type"]?.stringValue ?? ""))
        }
        return values
    }

    /// Which of `values` the visible objects (of `types`, added after `since`) carry; nil when more
    /// objects than one search reads carry them (then every object is hunted).
    func present(_ values: Set<Observable>, types: [String], since: Int64?, in readable: [String: ReadScope?]) async throws
        -> Set<Observable>?
    {
        guard !values.isEmpty else { return [] }
        var request = SearchRequest(types: types, versions: .last, addedAfter: since, limit: Self.maximumCandidates)
        request.observables = Array(values)
        let page = try await collections.search(request, in: readable)
        if page.more { return nil }
        var found: Set<Observable> = []
        for hit in page.hits {
            guard let object = try? JSONReader.parse(hit.record.json), let type = object["type"]?.stringValue else { continue }
            found.formUnion(ObservableExtractor.observables(of: object, type: type).filter { values.contains($0) })
        }
        return found
    }

    // MARK: A new indicator

    func hunt(indicator: JSONValue, record: StoredObjectVersion, ingest: CommittedIngest, in readable: [String: ReadScope?])
        async throws
    {
        guard indicator["pattern_type"]?.stringValue == "stix", !(indicator["revoked"]?.boolValue ?? false),
            let text = indicator["pattern"]?.stringValue, let matcher = try? STIXPatternMatcher(parsing: text)
        else { return }
        let values = ObservableExtractor.observables(of: indicator, type: "indicator")
        guard !values.isEmpty else { return }
        let since = clock.nowMicroseconds() - window.microseconds
        // SCOs only: other indicators carrying the same values are no candidates.
        var request = SearchRequest(types: Self.scoTypes, versions: .last, addedAfter: since, limit: Self.maximumCandidates)
        request.observables = values
        request.edgeSourcesOfType = ReferenceEdges.objectRef
        let page = try await collections.search(request, in: readable)
        var scos: [String: (JSONValue, StoredObjectVersion, String)] = [:]
        for hit in page.hits where hit.record.id != record.id && (hit.record.level ?? .clear) < .red {
            guard let type = STIXIdentifier(hit.record.id)?.type, type != "indicator", type != "observed-data",
                let object = try? JSONReader.parse(hit.record.json)
            else { continue }
            scos[hit.record.id] = (object, hit.record, hit.collectionID)
        }
        guard !scos.isEmpty else { return }
        // The observed-data that reference them, as the poster may see them, with their other SCOs.
        let referencing = Array(Set(page.edgeSources.filter { scos[$0.key] != nil }.values.flatMap { $0 })).sorted()
        var observations: [Matched] = []
        var covered: Set<String> = []
        for data in try await visible(referencing, in: readable) where (data.1.level ?? .clear) < .red {
            let refs = (data.0["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
            var related: [String: JSONValue] = [:]
            for ref in refs { if let known = scos[ref] { related[ref] = known.0 } }
            let missing = refs.filter { related[$0] == nil }
            for (object, _, _) in try await visible(Array(missing.prefix(SearchRequest.maximumListValues)), in: readable) {
                if let id = object["id"]?.stringValue { related[id] = object }
            }
            guard let observation = try? STIXObservation(observedData: data.0, objects: related) else { continue }
            observations.append(Matched(observation: observation, id: data.1.id, level: data.1.level, collectionID: data.2))
            covered.formUnion(refs)
        }
        // SCOs no visible observed-data references are observations of their own, when they were added.
        for (id, (object, stored, collectionID)) in scos where !covered.contains(id) {
            guard
                let observation = try? STIXObservation(
                    object: object, firstObserved: STIXTimestamp(microseconds: stored.dateAdded))
            else { continue }
            observations.append(Matched(observation: observation, id: id, level: stored.level, collectionID: collectionID))
        }
        guard let match = try? matcher.firstMatch(observations.map(\.observation)) else { return }
        let matched = match.observations.map { observations[$0] }
        try await self.record(
            indicator: record.id, indicatorLevel: record.level, indicatorCollection: ingest.collectionID, matched: matched,
            owner: ingest.owner, collectionID: ingest.collectionID)
    }

    // MARK: A new observation

    func hunt(
        observation object: JSONValue, record: StoredObjectVersion, ingest: CommittedIngest, in readable: [String: ReadScope?]
    )
        async throws
    {
        let observation: STIXObservation
        var values: [Observable]
        if object["type"]?.stringValue == "observed-data" {
            let refs = (object["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
            var related: [String: JSONValue] = [:]
            for (sco, _, _) in try await visible(Array(refs.prefix(SearchRequest.maximumListValues)), in: readable) {
                if let id = sco["id"]?.stringValue { related[id] = sco }
            }
            guard let made = try? STIXObservation(observedData: object, objects: related) else { return }
            observation = made
            values = made.objects.flatMap { ObservableExtractor.observables(of: $0, type: $0["type"]?.stringValue ?? "") }
            values += ObservableExtractor.observables(of: object, type: "observed-data")
        } else {
            guard let made = try? STIXObservation(object: object, firstObserved: STIXTimestamp(microseconds: record.dateAdded))
            else { return }
            observation = made
            values = ObservableExtractor.observables(of: object, type: object["type"]?.stringValue ?? "")
        }
        guard !values.isEmpty else { return }
        var request = SearchRequest(types: ["indicator"], versions: .last, limit: Self.maximumCandidates)
        request.observables = Array(Set(values))
        let page = try await collections.search(request, in: readable)
        for hit in page.hits where (hit.record.level ?? .clear) < .red {
            guard let indicator = try? JSONReader.parse(hit.record.json), !(indicator["revoked"]?.boolValue ?? false),
                indicator["pattern_type"]?.stringValue == "stix", let text = indicator["pattern"]?.stringValue,
                let matcher = try? STIXPatternMatcher(parsing: text), (try? matcher.matches(observation)) == true
            else { continue }
            try await self.record(
                indicator: hit.record.id, indicatorLevel: hit.record.level, indicatorCollection: hit.collectionID,
                matched: [
                    Matched(observation: observation, id: record.id, level: record.level, collectionID: ingest.collectionID)
                ],
                owner: ingest.owner, collectionID: ingest.collectionID)
        }
    }

    // MARK: Sightings

    /// One observation a match used: where it is and how it is marked.
    struct Matched {
        var observation: STIXObservation
        var id: String
        var level: TLPLevel?
        var collectionID: String
    }

    /// The objects with these ids the poster may see (newest versions), parsed.
    func visible(_ ids: [String], in readable: [String: ReadScope?]) async throws -> [(JSONValue, StoredObjectVersion, String)] {
        var found: [(JSONValue, StoredObjectVersion, String)] = []
        for start in stride(from: 0, to: ids.count, by: SearchRequest.maximumListValues) {
            let chunk = Array(ids[start..<min(start + SearchRequest.maximumListValues, ids.count)])
            let page = try await collections.search(SearchRequest(ids: chunk, versions: .last, limit: 1_000), in: readable)
            for hit in page.hits {
                if let object = try? JSONReader.parse(hit.record.json) { found.append((object, hit.record, hit.collectionID)) }
            }
        }
        return found
    }

    /// The sighting id of `indicator` for organisation `owner`.
    public static func sightingID(indicator: String, owner: String) -> String {
        "sighting--" + NameBasedUUID.make("cybex-retro-hunt|\(indicator)|\(owner)")
    }

    func record(
        indicator: String, indicatorLevel: TLPLevel?, indicatorCollection: String, matched: [Matched], owner: String,
        collectionID: String
    ) async throws {
        guard !matched.isEmpty, let collection = try await store.collection(id: collectionID) else { return }
        let id = Self.sightingID(indicator: indicator, owner: owner)
        // What an earlier match recorded, in this collection.
        var previous: JSONValue?
        if let stored = try await store.objects(in: collectionID, matching: ObjectQuery(ids: [id], versions: .last, limit: 1))
            .records.first
        {
            previous = try? JSONReader.parse(stored.json)
        }
        var observedData = Set((previous?["observed_data_refs"]?.arrayValue ?? []).compactMap(\.stringValue))
        var others = Set((previous?["description"]?.stringValue).map(Self.listedIDs) ?? [])
        var first = previous?["first_seen"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds ?? .max
        var last = previous?["last_seen"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds ?? .min
        for entry in matched {
            if entry.id.hasPrefix("observed-data--") { observedData.insert(entry.id) } else { others.insert(entry.id) }
            first = min(first, entry.observation.firstObserved.microseconds)
            last = max(last, entry.observation.lastObserved.microseconds)
        }
        let count = min(observedData.count + others.count, 999_999_999)
        if let previous, previous["count"]?.integerValue == Int64(count) { return }
        // Joined across collections, the sighting would tell the target collection's readers of
        // objects they may not read: it is then TLP:RED, for the organisation that posted alone.
        let crossing = indicatorCollection != collectionID || matched.contains { $0.collectionID != collectionID }
        let level = crossing ? .red : ([indicatorLevel] + matched.map(\.level)).compactMap { $0 }.max() ?? .green
        let now = STIXTimestamp.format(microseconds: clock.nowMicroseconds())
        var members: [(String, JSONValue)] = [
            ("type", .string("sighting")), ("spec_version", .string("2.1")), ("id", .string(id)),
            ("created", .string(previous?["created"]?.stringValue ?? now)), ("modified", .string(now)),
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
        if !observedData.isEmpty { members.append(("observed_data_refs", .array(observedData.sorted().map(JSONValue.string)))) }
        var bytes = JSONWriter.bytes(.object(members))
        bytes.append(UInt8(ascii: "\n"))
        let ingestor = Ingestor(store: store, limits: collections.ingestor.limits)
        _ = try await ingestor.ingest(
            bytes, as: .jsonLines, into: collection, owner: owner,
            commit: { report in
                AddCommit(audit: [
                    AuditEvent(
                        time: SystemWallClock.nowMicroseconds(), actor: "retro-hunt", action: "objects.retro-hunt",
                        target: collectionID,
                        detail: "\(id) of \(indicator): \(count) observations; \(report.added + report.newVersions) stored")
                ])
            })
    }

    /// The ids a sighting's description lists after its colon.
    static func listedIDs(_ description: String) -> [String] {
        guard let colon = description.firstIndex(of: ":") else { return [] }
        return description[description.index(after: colon)...].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { $0.contains("--") }
    }
}
