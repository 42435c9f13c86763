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
///   its poster's organisation may see that compare one of its values and were stored before the
///   ingest: those it wrote (or a later ingest) are hunted as new indicators against it, so a post
///   of an indicator with its observations gives the sighting a post of the indicator after them
///   would, and no match is worked out twice.
///
/// The written objects are hunted 500 at a time, and each chunk reads what it needs in a few
/// searches, whatever its size: one for the SCOs that carry any of its indicators' values (with the
/// observed-data that reference them), one for the indicators that compare any of its observations'
/// values, and reads by id, 100 at a time, of the observed-data and SCOs those name. A chunk whose
/// search finds more than ``maximumCandidates`` hunts each of its objects with a search of its own.
///
/// A match becomes one sighting per indicator and organisation (its id derived from both), owned by
/// the organisation that posted the new object and stored in its collection, through the one
/// ingest entry. The sightings of an ingest's chunks are gathered and stored in one transaction
/// (every ``sightingsPerRecord`` indicators or ``matchesPerRecord`` matches, and at the end; each
/// batch beside the hunt of the next chunks, one after the other), so an
/// indicator that several chunks match gets one new version per ingest; a later match makes a new version with
/// the observations added (`count`, `observed_data_refs`, `first_seen`/`last_seen` over them).
/// Nothing is matched that the poster may not see, TLP:RED objects (new or stored, indicators or
/// observations, each at the level the sharing policy gives it) are left out, and the
/// sighting is marked at the highest level of what it joins — or TLP:RED (its owner alone sees it)
/// when it joins objects of another collection, whose readers may differ: a reader of the
/// collection never learns, through a sighting, the id of an object it may not read. Patterns that
/// compare no value the index holds (only `LIKE`, `MATCHES`, `!=` …) are not hunted: there is
/// nothing to find candidates by. Each search reads at most ``maximumCandidates`` candidates.
public struct RetroHunt: IngestSubscriber {
    let store: any Store
    let collections: CollectionService
    /// How far back new indicators look, by date added.
    public var window: Duration
    let clock: any WallClock

    public static let maximumCandidates = 1_000
    /// The indicators, and the matches, whose sightings one ingest's hunt gathers before it records
    /// them (one transaction): what bounds the memory of a hunt over a large import.
    public var sightingsPerRecord = 5_000
    public var matchesPerRecord = 50_000

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
    /// revoked (what the candidate searches need), so that after the commit only the objects those
    /// searches leave are read again. An observed-data is noted as the marker
    /// ``observedDataMarker``, the ids its `object_refs` name (its SCOs, whose values are its
    /// values), then its own observables.
    public func recordNoter(for ingest: IngestContext) async throws -> RecordNoter? {
        return { record in
            guard !record.revoked else { return nil }
            let observables = record.observables.map { $0.kind.rawValue + "\u{1}" + $0.value }
            if record.type == "observed-data" {
                let refs = record.edges.lazy.filter { $0.type == ReferenceEdges.objectRef && $0.sourceRef == record.id }
                    .map(\.targetRef).prefix(SearchRequest.maximumListValues)
                return [Self.observedDataMarker] + refs + observables
            }
            guard record.type == "indicator" || Self.observationTypes.contains(record.type), !observables.isEmpty
            else { return nil }
            return observables
        }
    }

    static let observedDataMarker = "observed-data"

    public func committed(_ ingest: CommittedIngest) async throws {
        guard ingest.committed.count > 0, let owner = try await store.organisation(id: ingest.owner),
            let collection = try await store.collection(id: ingest.collectionID)
        else { return }
        // What the poster's organisation may read: with nothing, no match can be found.
        let readable = Dictionary(
            try await collections.readable(as: owner.name, actor: "retro-hunt"), uniquingKeysWith: { a, _ in a })
        guard !readable.isEmpty else { return }
        // The indicators this ingest wrote are hunted as indicators, against every observation
        // their poster may see, this ingest's included: its observations are not matched against
        // them a second time.
        let written: Set<String>
        if let noted = ingest.notes[name] {
            written = Set(noted.indices.lazy.map { noted.id(at: $0) }.filter { $0.hasPrefix("indicator--") })
        } else {
            written = Set(ingest.committed.ids(where: { $0 == "indicator" }))
        }
        let context = Context(
            ingest: ingest, readable: readable,
            posted: try await collections.scope(of: collection, for: .organisation(owner.id)), writtenIndicators: written)
        // The sightings of the chunks hunted so far, recorded together: an indicator that several
        // chunks match gets one new version, not one a chunk. Chunks are hunted side by side, as
        // many as there are cores (each waits on its reads part of the time), and their sightings
        // gathered in document order. A gathered batch is recorded beside the hunt of the next
        // chunks (its own ingest, on the writer), one batch after the other and in order: the next
        // batch waits for the one before it, so at most one is held while another is gathered.
        var sightings = Sightings()
        var recording: Task<Void, any Error>?
        func recordBeside(_ batch: Sightings) async throws {
            try await recording?.value
            recording = Task { try await record(batch, owner: ingest.owner, collectionID: ingest.collectionID) }
        }
        do {
            try await hunt(ingest, in: context, gathering: &sightings, recordBeside)
            try await recordBeside(sightings)
            try await recording?.value
        } catch {
            // What was gathered before the failure is recorded, as when the hunt recorded in line.
            _ = try? await recording?.value
            throw error
        }
    }

    /// Hunts the written objects of `ingest` in chunks side by side, gathering their sightings in
    /// document order into `sightings` and handing each full batch to `record`.
    func hunt(
        _ ingest: CommittedIngest, in context: Context, gathering sightings: inout Sightings,
        _ record: (Sightings) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: (Int, Sightings).self) { group in
            var started = 0
            var gathered = 0
            var finished: [Int: Sightings] = [:]
            func gatherNext() async throws {
                while finished[gathered] == nil, let (index, found) = try await group.next() { finished[index] = found }
                guard let found = finished.removeValue(forKey: gathered) else { return }
                gathered += 1
                sightings.merge(found)
                guard sightings.order.count >= sightingsPerRecord || sightings.matchedCount >= matchesPerRecord
                else { return }
                try await record(sightings)
                sightings = Sightings()
            }
            func hunted(_ chunk: [Pending]) async throws {
                guard !chunk.isEmpty else { return }
                let index = started
                started += 1
                group.addTask { (index, try await hunt(chunk, in: context)) }
                try await gather(downTo: Self.chunksAtOnce - 1)
            }
            func gather(downTo running: Int) async throws {
                while started - gathered > running { try await gatherNext() }
            }
            if let noted = ingest.notes[name] {
                // The values of the SCOs the ingest's observed-data reference, as the ingest noted
                // them: an observed-data's values without reading its SCOs back.
                let referencedAnywhere = Set(noted.lazy.filter { $0.values.first == Self.observedDataMarker }.flatMap(Self.refs))
                var scoValues: [String: Set<Observable>] = [:]
                if !referencedAnywhere.isEmpty {
                    for index in noted.indices where referencedAnywhere.contains(noted.id(at: index)) {
                        let object = noted[index]
                        guard object.values.first != Self.observedDataMarker else { continue }
                        scoValues[object.id] = Set(object.values.compactMap(Self.observable(noted:)))
                    }
                }
                var start = 0
                while start < noted.count {
                    let objects = noted[start..<min(start + 500, noted.count)]
                    start += 500
                    // An SCO an observed-data of the same chunk references is hunted as part of it, not twice.
                    let referenced = Set(objects.lazy.filter { $0.values.first == Self.observedDataMarker }.flatMap(Self.refs))
                    let chunk = objects.filter { !referenced.contains($0.id) }.map { object in
                        var pending = Pending(
                            id: object.id, isIndicator: STIXIdentifier(object.id)?.type == "indicator",
                            values: Set(object.values.compactMap(Self.observable(noted:))))
                        if object.values.first == Self.observedDataMarker {
                            let refs = Self.refs(of: object)
                            pending.refs = refs
                            pending.unresolvedRefs = refs.filter { scoValues[$0] == nil }
                            for ref in refs { pending.values.formUnion(scoValues[ref] ?? []) }
                        }
                        return pending
                    }
                    try await hunted(chunk)
                }
            } else {
                let huntable = { (type: String) -> Bool in type == "indicator" || Self.observationTypes.contains(type) }
                try await ingest.committed.forEachChunkOfObjects(of: 500, where: huntable) { entries in
                    let objects = try await ingest.objects(of: entries, from: store)
                    guard !objects.isEmpty else { return }
                    // An SCO an observed-data of the same chunk references is hunted as part of it, not twice.
                    let referenced = Set(
                        objects.filter { $0.1["type"]?.stringValue == "observed-data" }
                            .flatMap { ($0.1["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue) })
                    var chunk: [Pending] = []
                    for (id, object) in objects where !referenced.contains(id) {
                        guard let type = object["type"]?.stringValue, !(object["revoked"]?.boolValue ?? false) else {
                            continue
                        }
                        chunk.append(
                            Pending(
                                id: id, isIndicator: type == "indicator",
                                values: Set(ObservableExtractor.observables(of: object, type: type)),
                                refs: type == "observed-data" ? Self.refs(of: object) : nil,
                                unresolvedRefs: type == "observed-data" ? Self.refs(of: object) : nil, object: object))
                    }
                    try await hunted(chunk)
                }
            }
            try await gather(downTo: 0)
        }
    }

    /// How many chunks of one ingest are hunted side by side.
    static let chunksAtOnce = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// The ids a noted observed-data references: its values after the marker that are no
    /// observables (a STIX id holds no U+0001).
    static func refs(of noted: NotedObject) -> [String] {
        noted.values.dropFirst().filter { !$0.utf8.contains(1) }
    }

    /// An observable as a ``recordNoter(for:)`` noted it (kind, U+0001, value).
    static func observable(noted text: String) -> Observable? {
        let parts = text.split(separator: "\u{1}", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = Observable.Kind(rawValue: String(parts[0])) else { return nil }
        return Observable(kind: kind, value: String(parts[1]))
    }

    // MARK: A chunk

    /// What the hunt of each chunk of one ingest needs to know.
    struct Context {
        var ingest: CommittedIngest
        /// What the poster's organisation may read, by collection.
        var readable: [String: ReadScope?]
        /// What it may see of the collection posted to: the levels of the new objects.
        var posted: ReadScope
        /// The indicators the ingest wrote (hunted as indicators, so not candidates of its
        /// observations; those stored after the ingest's first date added are left out by the search).
        var writtenIndicators: Set<String>
    }

    /// A written object to hunt: its values, the ids an observed-data references (nil for other
    /// objects) and those of them whose values are not among `values` yet (SCOs the ingest did not
    /// note: read back for their values), and the object when the ingest had it parsed (nil: it is
    /// read back from the store if it has candidates).
    struct Pending {
        var id: String
        var isIndicator: Bool
        var values: Set<Observable>
        var refs: [String]? = nil
        var unresolvedRefs: [String]? = nil
        var object: JSONValue? = nil
    }

    /// Hunts a chunk of written objects: the candidate searches on all their values at once, then
    /// only the objects with candidates are read back (as committed) and matched, their matches
    /// added to `sightings`.
    func hunt(_ chunk: [Pending], in context: Context) async throws -> Sightings {
        var sightings = Sightings()
        guard !chunk.isEmpty else { return sightings }
        let (ingest, readable) = (context.ingest, context.readable)
        var cache = ObjectCache()
        var chunk = chunk
        // An observed-data's values are its SCOs' (as the poster may see them): those the ingest
        // did not note are read for them.
        try await cache.load(Array(Set(chunk.compactMap(\.unresolvedRefs).joined())), hunt: self, in: readable)
        for index in chunk.indices {
            guard let refs = chunk[index].unresolvedRefs else { continue }
            for ref in refs {
                guard let sco = cache.objects[ref]?.object else { continue }
                chunk[index].values.formUnion(ObservableExtractor.observables(of: sco, type: sco["type"]?.stringValue ?? ""))
            }
        }
        let since = clock.nowMicroseconds() - window.microseconds
        let indicators = chunk.filter { $0.isIndicator && !$0.values.isEmpty }
        let observations = chunk.filter { !$0.isIndicator && !$0.values.isEmpty }
        let scos = try await scoCandidates(carrying: Set(indicators.flatMap(\.values)), since: since, in: readable)
        let stored = try await indicatorCandidates(
            comparing: Set(observations.flatMap(\.values)), addedBefore: ingest.committed.firstDateAdded,
            excluding: context.writtenIndicators, in: readable)
        let indicatorsHunted = indicators.filter { pending in scos?.carry(any: pending.values) ?? true }
        let observationsHunted = observations.filter { pending in stored?.carry(any: pending.values) ?? true }
        let ids = indicatorsHunted.map(\.id) + observationsHunted.map(\.id)
        guard !ids.isEmpty else { return sightings }
        // The SCOs of the observed-data hunted, for their matching.
        try await cache.load(Array(Set(observationsHunted.compactMap(\.refs).joined())), hunt: self, in: readable)
        // The stored versions of those hunted (their level and when they were added, their content
        // when the ingest did not keep them parsed). TLP:RED ones are never joined.
        let withContent = (indicatorsHunted + observationsHunted).contains { $0.object == nil }
        let page = try await store.objects(
            in: ingest.collectionID,
            matching: ObjectQuery(
                ids: ids, versions: .last, limit: ids.count + 1, withContent: withContent, scope: context.posted))
        let records = Dictionary(
            page.records.lazy.filter { ($0.level ?? .red) < .red }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // A new indicator: the observed-data that reference its SCOs, and their other SCOs, read
        // for the whole chunk first.
        var perIndicator: [(Pending, JSONValue, StoredObjectVersion, SCOCandidates)] = []
        for pending in indicatorsHunted {
            guard let record = records[pending.id], let object = pending.object ?? (try? JSONReader.parse(record.json))
            else { continue }
            let candidates =
                if let scos { scos.restricted(to: pending.values) } else {
                    try await scoCandidates(carrying: pending.values, since: since, in: readable, partial: true) ?? .init()
                }
            perIndicator.append((pending, object, record, candidates))
        }
        for (_, _, _, candidates) in perIndicator { cache.insert(candidates) }
        let referencing = Set(perIndicator.flatMap { $0.3.referencing })
        try await cache.load(Array(referencing), hunt: self, in: readable)
        let referencedSCOs = referencing.compactMap { cache.objects[$0]?.object }.flatMap { Self.refs(of: $0) }
        try await cache.load(Array(Set(referencedSCOs)), hunt: self, in: readable)
        for (_, object, record, candidates) in perIndicator {
            hunt(indicator: object, record: record, candidates: candidates, cache: cache, ingest: ingest, into: &sightings)
        }
        // A new observation.
        for pending in observationsHunted {
            guard let record = records[pending.id], let object = pending.object ?? (try? JSONReader.parse(record.json))
            else { continue }
            let candidates =
                if let stored { stored.restricted(to: pending.values) } else {
                    try await indicatorCandidates(
                        comparing: pending.values, addedBefore: ingest.committed.firstDateAdded,
                        excluding: context.writtenIndicators, in: readable, partial: true) ?? .init()
                }
            hunt(
                observation: object, values: pending.values, record: record, candidates: candidates, cache: cache,
                ingest: ingest, into: &sightings)
        }
        return sightings
    }

    /// The ids an observed-data references (the first ``SearchRequest/maximumListValues``).
    static func refs(of observedData: JSONValue) -> [String] {
        Array((observedData["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(SearchRequest.maximumListValues))
    }

    // MARK: A new indicator

    /// Matches a new indicator against its candidate SCOs and the observed-data that reference them
    /// (read into `cache` beforehand).
    func hunt(
        indicator: JSONValue, record: StoredObjectVersion, candidates: SCOCandidates, cache: ObjectCache,
        ingest: CommittedIngest, into sightings: inout Sightings
    ) {
        guard indicator["pattern_type"]?.stringValue == "stix", !(indicator["revoked"]?.boolValue ?? false),
            let text = indicator["pattern"]?.stringValue, let matcher = try? STIXPatternMatcher(parsing: text),
            !candidates.scos.isEmpty
        else { return }
        var observations: [Matched] = []
        var covered: Set<String> = []
        for dataID in candidates.referencing.sorted() {
            guard let data = cache.objects[dataID], data.object["type"]?.stringValue == "observed-data",
                (data.record.level ?? .clear) < .red
            else { continue }
            let refs = (data.object["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
            var related: [String: JSONValue] = [:]
            for ref in refs {
                if let object = candidates.scos[ref]?.object ?? cache.objects[ref]?.object { related[ref] = object }
            }
            guard let observation = try? STIXObservation(observedData: data.object, objects: related) else { continue }
            observations.append(
                Matched(observation: observation, id: dataID, level: data.record.level, collectionID: data.collectionID))
            covered.formUnion(refs)
        }
        // SCOs no visible observed-data references are observations of their own, when they were added.
        for (id, sco) in candidates.scos.sorted(by: { $0.key < $1.key }) where !covered.contains(id) {
            guard
                let observation = try? STIXObservation(
                    object: sco.object, firstObserved: STIXTimestamp(microseconds: sco.record.dateAdded))
            else { continue }
            observations.append(
                Matched(observation: observation, id: id, level: sco.record.level, collectionID: sco.collectionID))
        }
        guard let match = try? matcher.firstMatch(observations.map(\.observation)) else { return }
        sightings.add(
            indicator: record.id, level: record.level, collectionID: ingest.collectionID,
            matched: match.observations.map { observations[$0] })
    }

    // MARK: A new observation

    /// Matches a new observation (observed-data, its SCOs read into `cache` beforehand, or an SCO)
    /// against its candidate indicators.
    func hunt(
        observation object: JSONValue, values: Set<Observable>, record: StoredObjectVersion,
        candidates: IndicatorCandidates, cache: ObjectCache, ingest: CommittedIngest, into sightings: inout Sightings
    ) {
        let observation: STIXObservation
        if object["type"]?.stringValue == "observed-data" {
            var related: [String: JSONValue] = [:]
            for ref in Self.refs(of: object) { if let sco = cache.objects[ref]?.object { related[ref] = sco } }
            guard let made = try? STIXObservation(observedData: object, objects: related) else { return }
            observation = made
        } else {
            guard let made = try? STIXObservation(object: object, firstObserved: STIXTimestamp(microseconds: record.dateAdded))
            else { return }
            observation = made
        }
        for (id, candidate) in candidates.indicators.sorted(by: { $0.key < $1.key }) {
            guard (try? candidate.matcher.matches(observation)) == true else { continue }
            sightings.add(
                indicator: id, level: candidate.record.level, collectionID: candidate.collectionID,
                matched: [
                    Matched(observation: observation, id: record.id, level: record.level, collectionID: ingest.collectionID)
                ])
        }
    }
}
