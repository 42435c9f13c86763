import Crypto
public import CybexCore
import Dispatch
import Foundation
import Synchronization

/// The STIX objects a pull of a value feed makes (issue 15 item 6): one `identity` for the feed,
/// one `indicator` a value — made once, its id derived from the feed and the value, so that a value
/// listed again is never a second object — and one `sighting` a value and feed, versioned at each
/// pull that lists it again (`count` and `last_seen` grow), never copied. Objects carry the feed's
/// TLP marking, its indicators its confidence and labels.
public struct FeedObjects: Sendable {
    public let feed: Feed
    /// The time of the pull (microseconds).
    public let now: Int64
    /// The feed's identity: who `created_by_ref` names on what it makes.
    public let identityID: String
    let marking: String?

    public init(feed: Feed, now: Int64) {
        self.feed = feed
        self.now = now
        identityID = "identity--" + Self.uuid("cybex-feed-identity|\(feed.id)")
        marking = MarkingDefinitionRules.tlp2IDs[feed.settings.tlp.rawValue]
    }

    /// The property extension (STIX 2.1 section 7.3) that carries what the enrichment tables say of
    /// an indicator's address: `network` (the range), `asn` (`routed: false` for AS 0), `country`,
    /// `holder`, `registry`, each from the first source that says it.
    public static let enrichmentExtensionID = "extension-definition--410be858-439d-4dd5-a94e-0028e8694b61"

    /// The indicator of `observable` in this feed.
    public func indicatorID(_ observable: Observable) -> String {
        "indicator--" + Self.uuid("cybex-feed-indicator|\(feed.id)|\(observable.kind.rawValue)|\(observable.value)")
    }

    public func sightingID(of indicatorID: String) -> String {
        "sighting--" + Self.uuid("cybex-feed-sighting|\(feed.id)|\(indicatorID)")
    }

    /// Values a part of the document holds at least, when it is made in parts side by side.
    static let valuesPerPart = 10_000

    /// The document of a pull that lists `values`: the identity, the indicators not yet made
    /// (`known` holds the sightings of those already made), and a new version of every value's
    /// sighting. Returns the objects as JSON Lines (for the ingest entry) and each value's
    /// sighting as it now stands. A long list is made in parts on every core, joined in order.
    public func document(
        values: [FeedValue], known: [String: FeedSighting], enrichment: [Observable: [EnrichmentFact]] = [:]
    ) -> (lines: ParsedDocument.Lines, sightings: [FeedSighting]) {
        let stamp = STIXTimestamp.format(microseconds: now)
        var lines = ParsedDocument.Lines(reservingBytes: values.count * 1_000)
        lines.appendObject { identity(created: STIXTimestamp.format(microseconds: feed.created), into: &$0) }
        let partCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, values.count / Self.valuesPerPart))
        let partSize = (values.count + partCount - 1) / max(partCount, 1)
        let parts = Mutex([(ParsedDocument.Lines, [FeedSighting])?](repeating: nil, count: partCount))
        DispatchQueue.concurrentPerform(iterations: partCount) { part in
            let range = min(values.count, part * partSize)..<min(values.count, (part + 1) * partSize)
            let made = self.part(values[range], known: known, enrichment: enrichment, stamp: stamp)
            parts.withLock { $0[part] = made }
        }
        var sightings: [FeedSighting] = []
        sightings.reserveCapacity(values.count)
        for case (let part, let partSightings)? in parts.withLock({ $0 }) {
            lines.append(contentsOf: part)
            sightings += partSightings
        }
        return (lines, sightings)
    }

    /// The indicators and sightings of `values`, as ``document(values:known:enrichment:)`` makes them.
    func part(
        _ values: ArraySlice<FeedValue>, known: [String: FeedSighting], enrichment: [Observable: [EnrichmentFact]],
        stamp: String
    ) -> (ParsedDocument.Lines, [FeedSighting]) {
        var lines = ParsedDocument.Lines(reservingBytes: values.count * 1_000)
        var sightings: [FeedSighting] = []
        sightings.reserveCapacity(values.count)
        for value in values {
            let indicator = indicatorID(value.observable)
            let old = known[indicator]
            var sighting = old ?? FeedSighting(indicatorID: indicator, firstSeen: now, lastSeen: now, count: 0)
            if old == nil {
                lines.appendObject {
                    self.indicator(
                        indicator, value.observable, created: stamp, enrichment: enrichment[value.observable] ?? [], into: &$0)
                }
            }
            sighting.count += 1
            sighting.lastSeen = now
            lines.appendObject { self.sighting(sighting, modified: stamp, into: &$0) }
            sightings.append(sighting)
        }
        return (lines, sightings)
    }

    /// The members every object made starts with, in this order.
    func common(_ type: String, _ id: String, created: String, modified: String, into object: inout JSONObjectWriter) {
        object.string("type", type)
        object.string("spec_version", "2.1")
        object.string("id", id)
        object.string("created", created)
        object.string("modified", modified)
        if type != "identity" { object.string("created_by_ref", identityID) }
        if let marking { object.strings("object_marking_refs", [marking]) }
    }

    func identity(created: String, into object: inout JSONObjectWriter) {
        common("identity", identityID, created: created, modified: created, into: &object)
        object.string("name", "Feed: \(feed.name)")
        object.string("identity_class", "system")
        object.string("description", "Objects made by Cybex from the feed at \(feed.url)")
    }

    func indicator(
        _ id: String, _ observable: Observable, created: String, enrichment: [EnrichmentFact] = [],
        into object: inout JSONObjectWriter
    ) {
        common("indicator", id, created: created, modified: created, into: &object)
        object.string("name", observable.value.count > 200 ? String(observable.value.prefix(200)) + "…" : observable.value)
        object.string("pattern", Self.pattern(observable))
        object.string("pattern_type", "stix")
        object.string("valid_from", created)
        if let confidence = feed.settings.confidence { object.integer("confidence", Int64(confidence)) }
        if !feed.settings.labels.isEmpty { object.strings("labels", feed.settings.labels) }
        if let extensionBody = Self.enrichmentExtension(enrichment) {
            object.value("extensions", .object([(Self.enrichmentExtensionID, extensionBody)]))
        }
    }

    /// The body of the enrichment extension for `facts` (nil when they say nothing).
    static func enrichmentExtension(_ facts: [EnrichmentFact]) -> JSONValue? {
        guard let first = facts.first else { return nil }
        var members: [(String, JSONValue)] = [
            ("extension_type", .string("property-extension")), ("network", .string(first.range)),
        ]
        if let asn = facts.compactMap(\.asn).first {
            members.append(("asn", .number(String(asn))))
            if asn == 0 { members.append(("routed", .bool(false))) }
        }
        if let country = facts.compactMap(\.country).first { members.append(("country", .string(country))) }
        if let holder = facts.compactMap({ $0.owner ?? $0.holder }).first { members.append(("holder", .string(holder))) }
        if let registry = facts.compactMap(\.registry).first { members.append(("registry", .string(registry))) }
        return .object(members)
    }

    func sighting(_ sighting: FeedSighting, modified: String, into object: inout JSONObjectWriter) {
        let first = sighting.firstSeen == now ? modified : STIXTimestamp.format(microseconds: sighting.firstSeen)
        common("sighting", sightingID(of: sighting.indicatorID), created: first, modified: modified, into: &object)
        let last = sighting.lastSeen == now ? modified : STIXTimestamp.format(microseconds: sighting.lastSeen)
        object.string("sighting_of_ref", sighting.indicatorID)
        object.integer("count", Int64(sighting.count))
        object.string("first_seen", first)
        object.string("last_seen", last)
        object.strings("where_sighted_refs", [identityID])
    }

    /// The STIX pattern that matches `observable`.
    public static func pattern(_ observable: Observable) -> String {
        let literal = STIXPatternText.quoted(observable.value)
        switch observable.kind {
        case .ipv4: return "[ipv4-addr:value = \(literal)]"
        case .ipv6: return "[ipv6-addr:value = \(literal)]"
        case .domain: return "[domain-name:value = \(literal)]"
        case .url: return "[url:value = \(literal)]"
        case .email: return "[email-addr:value = \(literal)]"
        case .md5: return "[file:hashes.MD5 = \(literal)]"
        case .sha1: return "[file:hashes.'SHA-1' = \(literal)]"
        case .sha256: return "[file:hashes.'SHA-256' = \(literal)]"
        case .sha512: return "[file:hashes.'SHA-512' = \(literal)]"
        case .autonomousSystem: return "[autonomous-system:number = \(observable.value)]"
        case .mac: return "[mac-addr:value = \(literal)]"
        default: return "[\(observable.kind.rawValue):value = \(literal)]"
        }
    }

    /// A name-based UUID (``NameBasedUUID``), as text.
    static func uuid(_ name: String) -> String { NameBasedUUID.make(name) }
}
