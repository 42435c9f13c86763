import CybexCore
import CybexFormats
import CybexStore

/// What a chunk's hunt matches against: the candidates of its searches, and the objects it reads by id.
extension RetroHunt {
    /// The stored SCOs (added after the window's start, the poster may see them, not TLP:RED) that
    /// carry some values, by value, with the observed-data that reference each.
    struct SCOCandidates {
        /// By id: the SCO parsed, its stored version and collection.
        var scos: [String: CachedObject] = [:]
        var byValue: [Observable: [String]] = [:]
        /// By SCO id, the ids of the stored objects whose `object_refs` name it.
        var edgeSources: [String: Set<String>] = [:]

        func carry(any values: Set<Observable>) -> Bool { values.contains { byValue[$0] != nil } }

        func restricted(to values: Set<Observable>) -> SCOCandidates {
            var restricted = SCOCandidates()
            for value in values {
                for id in byValue[value] ?? [] {
                    restricted.scos[id] = scos[id]
                    restricted.byValue[value, default: []].append(id)
                    if let sources = edgeSources[id] { restricted.edgeSources[id] = sources }
                }
            }
            return restricted
        }

        /// The ids of the objects that reference the candidates.
        var referencing: Set<String> { Set(edgeSources.values.joined()) }
    }

    /// The SCO candidates of `values`; nil when more than ``maximumCandidates`` carry them (unless
    /// `partial`: then the first of them).
    func scoCandidates(
        carrying values: Set<Observable>, since: Int64, in readable: [String: ReadScope?], partial: Bool = false
    ) async throws -> SCOCandidates? {
        var candidates = SCOCandidates()
        guard !values.isEmpty else { return candidates }
        // SCOs only: other indicators carrying the same values are no candidates.
        var request = SearchRequest(types: Self.scoTypes, versions: .last, addedAfter: since, limit: Self.maximumCandidates)
        request.observables = values.sorted { ($0.kind.rawValue, $0.value) < ($1.kind.rawValue, $1.value) }
        request.edgeSourcesOfType = ReferenceEdges.objectRef
        let page = try await collections.search(request, in: readable)
        if page.more && !partial { return nil }
        for hit in page.hits where (hit.record.level ?? .clear) < .red {
            guard let type = STIXIdentifier(hit.record.id)?.type, type != "indicator", type != "observed-data",
                let object = try? JSONReader.parse(hit.record.json)
            else { continue }
            candidates.scos[hit.record.id] = CachedObject(object: object, record: hit.record, collectionID: hit.collectionID)
            for value in ObservableExtractor.observables(of: object, type: type) where values.contains(value) {
                candidates.byValue[value, default: []].append(hit.record.id)
            }
        }
        candidates.edgeSources = page.edgeSources.filter { candidates.scos[$0.key] != nil }
        return candidates
    }

    /// The stored indicators (the poster may see them, not TLP:RED, not revoked, STIX patterns)
    /// that compare some values, by value, their patterns parsed once.
    struct IndicatorCandidates {
        var indicators: [String: (matcher: STIXPatternMatcher, record: StoredObjectVersion, collectionID: String)] = [:]
        var byValue: [Observable: [String]] = [:]

        func carry(any values: Set<Observable>) -> Bool { values.contains { byValue[$0] != nil } }

        func restricted(to values: Set<Observable>) -> IndicatorCandidates {
            var restricted = IndicatorCandidates()
            for value in values {
                for id in byValue[value] ?? [] {
                    restricted.indicators[id] = indicators[id]
                    restricted.byValue[value, default: []].append(id)
                }
            }
            return restricted
        }
    }

    /// The indicator candidates of `values` stored before `addedBefore` (nil: whenever), but for
    /// those `excluded`; nil when more than ``maximumCandidates`` compare them (unless `partial`:
    /// then the first of them).
    func indicatorCandidates(
        comparing values: Set<Observable>, addedBefore: Int64? = nil, excluding excluded: Set<String> = [],
        in readable: [String: ReadScope?], partial: Bool = false
    ) async throws -> IndicatorCandidates? {
        var candidates = IndicatorCandidates()
        guard !values.isEmpty else { return candidates }
        var request = SearchRequest(types: ["indicator"], versions: .last, limit: Self.maximumCandidates)
        request.addedBefore = addedBefore
        request.observables = values.sorted { ($0.kind.rawValue, $0.value) < ($1.kind.rawValue, $1.value) }
        let page = try await collections.search(request, in: readable)
        if page.more && !partial { return nil }
        for hit in page.hits where (hit.record.level ?? .clear) < .red && !excluded.contains(hit.record.id) {
            guard let indicator = try? JSONReader.parse(hit.record.json), !(indicator["revoked"]?.boolValue ?? false),
                indicator["pattern_type"]?.stringValue == "stix", let text = indicator["pattern"]?.stringValue,
                let matcher = try? STIXPatternMatcher(parsing: text)
            else { continue }
            candidates.indicators[hit.record.id] = (matcher, hit.record, hit.collectionID)
            for value in ObservableExtractor.observables(of: indicator, type: "indicator") where values.contains(value) {
                candidates.byValue[value, default: []].append(hit.record.id)
            }
        }
        return candidates
    }

    /// An object as the poster may see it: parsed, its newest stored version and its collection.
    struct CachedObject {
        var object: JSONValue
        var record: StoredObjectVersion
        var collectionID: String
    }

    /// The objects a chunk's hunts read by id, each read once.
    struct ObjectCache {
        var objects: [String: CachedObject] = [:]
        /// Ids read and not found (or not visible).
        var absent: Set<String> = []

        mutating func insert(_ candidates: SCOCandidates) {
            for (id, object) in candidates.scos where objects[id] == nil { objects[id] = object }
        }

        /// Reads the objects with these ids (newest versions) the poster may see, 100 at a time.
        mutating func load(_ ids: [String], hunt: RetroHunt, in readable: [String: ReadScope?]) async throws {
            let wanted = ids.filter { objects[$0] == nil && !absent.contains($0) }.sorted()
            for start in stride(from: 0, to: wanted.count, by: SearchRequest.maximumListValues) {
                let chunk = Array(wanted[start..<min(start + SearchRequest.maximumListValues, wanted.count)])
                let page = try await hunt.collections.search(
                    SearchRequest(ids: chunk, versions: .last, limit: 1_000), in: readable)
                for hit in page.hits where objects[hit.record.id] == nil {
                    if let object = try? JSONReader.parse(hit.record.json) {
                        objects[hit.record.id] = CachedObject(object: object, record: hit.record, collectionID: hit.collectionID)
                    }
                }
                absent.formUnion(chunk.filter { objects[$0] == nil })
            }
        }
    }
}
