public import CybexCore
import Foundation

/// The MISP feed format (the MISP core format's events as a feed serves them): `manifest.json`, an
/// object keyed by event UUID whose entries carry the event's `info`, `date` and `timestamp`
/// (seconds since 1970, as a string or a number), and one `<uuid>.json` a event,
/// `{"Event": {"uuid", "info", "date", "timestamp", "Attribute": […], "Object": [{"Attribute": […]}],
/// "Tag": [{"name"}]}}`.
///
/// An event becomes a STIX `report` (id from the event's UUID, `name` its `info`, `published` its
/// `date`, `labels` its tags but TLP ones) whose `object_refs` name what its attributes become: an
/// attribute flagged `to_ids` an `indicator` with a pattern, any other an `observed-data` with its
/// SCO — for the types that name an observable (`ip-src`, `ip-dst`, their `|port` forms, `domain`,
/// `hostname`, `url`, `link`, `email`, `email-src`, `email-dst`, `md5`, `sha1`, `sha256`, `sha512`,
/// `filename|<hash>`, `AS`); other attributes are left out. Ids come from the attributes' UUIDs, so a
/// changed event re-imported versions the same objects (their `modified` is the attribute's
/// timestamp). Objects carry the feed's TLP marking, or the event's `tlp:` tag when it is stricter.
public enum MISPFeed {
    public struct FeedError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    public struct ManifestEntry: Sendable, Hashable {
        public var uuid: String
        public var timestamp: Int64
        public var info: String
    }

    public static func manifest(_ bytes: [UInt8]) throws(FeedError) -> [ManifestEntry] {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            throw FeedError("not JSON: \(error.description)")
        }
        guard let members = value.objectMembers else { throw FeedError("the manifest is not a JSON object of events") }
        var entries: [ManifestEntry] = []
        for (uuid, entry) in members {
            guard UUID(uuidString: uuid) != nil else { throw FeedError("'\(clip(uuid))' is not an event UUID") }
            guard let timestamp = seconds(entry["timestamp"]) else {
                throw FeedError("event \(uuid) has no timestamp")
            }
            entries.append(ManifestEntry(uuid: uuid.lowercased(), timestamp: timestamp, info: entry["info"]?.stringValue ?? ""))
        }
        return entries.sorted { ($0.timestamp, $0.uuid) < ($1.timestamp, $1.uuid) }
    }

    /// The STIX objects of one event file.
    public static func objects(ofEvent bytes: [UInt8], feed: Feed) throws(FeedError) -> [JSONValue] {
        let root: JSONValue
        do {
            root = try JSONReader.parse(bytes)
        } catch {
            throw FeedError("not JSON: \(error.description)")
        }
        guard let event = root["Event"], event.objectMembers != nil else { throw FeedError("no 'Event' object") }
        guard let uuid = event["uuid"]?.stringValue, UUID(uuidString: uuid) != nil else {
            throw FeedError("the event has no UUID")
        }
        guard let eventTime = seconds(event["timestamp"]) else { throw FeedError("the event has no timestamp") }
        let tags = (event["Tag"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let tagLevel = tags.compactMap { tag -> TLPLevel? in
            let lowered = tag.lowercased()
            guard lowered.hasPrefix("tlp:") else { return nil }
            let name = String(lowered.dropFirst(4))
            return TLPLevel(rawValue: name == "white" ? "clear" : name)
        }.max()
        let level = max(feed.settings.tlp, tagLevel ?? feed.settings.tlp)
        let marking = MarkingDefinitionRules.tlp2IDs[level.rawValue].map { [JSONValue.string($0)] } ?? []

        var attributes = event["Attribute"]?.arrayValue ?? []
        for object in event["Object"]?.arrayValue ?? [] { attributes += object["Attribute"]?.arrayValue ?? [] }
        var objects: [JSONValue] = []
        var refs: [JSONValue] = []
        for attribute in attributes {
            guard let type = attribute["type"]?.stringValue, let value = attribute["value"]?.stringValue,
                let observable = observable(type: type, value: value)
            else { continue }
            guard let attributeUUID = attribute["uuid"]?.stringValue, UUID(uuidString: attributeUUID) != nil else {
                throw FeedError("an attribute of event \(uuid) has no UUID")
            }
            let stamp = STIXTimestamp.format(microseconds: (seconds(attribute["timestamp"]) ?? eventTime) * 1_000_000)
            let common: [(String, JSONValue)] = [
                ("spec_version", .string("2.1")), ("created", .string(stamp)), ("modified", .string(stamp)),
                ("object_marking_refs", .array(marking)),
            ]
            let toIDs = attribute["to_ids"]?.boolValue ?? (attribute["to_ids"]?.stringValue == "1")
            if toIDs {
                let id = "indicator--" + attributeUUID.lowercased()
                var members: [(String, JSONValue)] = [("type", .string("indicator")), ("id", .string(id))] + common
                members += [
                    ("name", .string(String(value.prefix(200)))), ("pattern", .string(FeedObjects.pattern(observable))),
                    ("pattern_type", .string("stix")), ("valid_from", .string(stamp)),
                ]
                if let comment = attribute["comment"]?.stringValue, !comment.isEmpty {
                    members.append(("description", .string(comment)))
                }
                if let confidence = feed.settings.confidence { members.append(("confidence", .number(String(confidence)))) }
                if !feed.settings.labels.isEmpty {
                    members.append(("labels", .array(feed.settings.labels.map(JSONValue.string))))
                }
                objects.append(.object(members))
                refs.append(.string(id))
            } else {
                guard let sco = sco(observable, marking: marking) else { continue }
                let id = "observed-data--" + attributeUUID.lowercased()
                objects.append(sco)
                objects.append(
                    .object(
                        [("type", .string("observed-data")), ("id", .string(id))] + common + [
                            ("first_observed", .string(stamp)), ("last_observed", .string(stamp)),
                            ("number_observed", .number("1")), ("object_refs", .array([sco["id"] ?? .null])),
                        ]))
                refs.append(.string(id))
            }
        }
        guard !refs.isEmpty else { return objects }
        let eventStamp = STIXTimestamp.format(microseconds: eventTime * 1_000_000)
        var published = eventStamp
        if let date = event["date"]?.stringValue, date.count == 10, STIXTimestamp(parsing: date + "T00:00:00Z") != nil {
            published = date + "T00:00:00Z"
        }
        var report: [(String, JSONValue)] = [
            ("type", .string("report")), ("spec_version", .string("2.1")), ("id", .string("report--" + uuid.lowercased())),
            ("created", .string(eventStamp)), ("modified", .string(eventStamp)),
            ("name", .string(event["info"]?.stringValue.map { String($0.prefix(500)) } ?? "MISP event \(uuid)")),
            ("published", .string(published)), ("object_refs", .array(refs)), ("object_marking_refs", .array(marking)),
        ]
        let labels = tags.filter { !$0.lowercased().hasPrefix("tlp:") }.prefix(50)
        if !labels.isEmpty { report.append(("labels", .array(labels.map { .string(String($0.prefix(200))) }))) }
        objects.append(.object(report))
        return objects
    }

    /// The observable a MISP attribute names, or nil for a type that names none Cybex indexes.
    static func observable(type: String, value: String) -> Observable? {
        var type = type
        var value = value
        if type.hasPrefix("filename|"), let bar = value.firstIndex(of: "|") {
            type = String(type.dropFirst("filename|".count))
            value = String(value[value.index(after: bar)...])
        } else if type == "ip-src|port" || type == "ip-dst|port", let bar = value.lastIndex(of: "|") {
            type = "ip-src"
            value = String(value[..<bar])
        }
        let kind: Observable.Kind
        switch type {
        case "ip-src", "ip-dst":
            guard let network = IPNetwork(value) else { return nil }
            kind = network.address.count == 4 ? .ipv4 : .ipv6
        case "domain", "hostname": kind = .domain
        case "url", "link": kind = .url
        case "email", "email-src", "email-dst": kind = .email
        case "md5": kind = .md5
        case "sha1": kind = .sha1
        case "sha256": kind = .sha256
        case "sha512": kind = .sha512
        case "AS": kind = .autonomousSystem
        default: return nil
        }
        let normalised = ObservableNormaliser.normalise(value, as: kind)
        if kind == .autonomousSystem, UInt32(normalised) == nil { return nil }
        return Observable(kind: kind, value: normalised)
    }

    /// The SCO of an observable, with its deterministic id.
    static func sco(_ observable: Observable, marking: [JSONValue]) -> JSONValue? {
        var members: [(String, JSONValue)]
        switch observable.kind {
        case .ipv4, .ipv6, .domain, .url, .email:
            let type = observable.kind == .url ? "url" : observable.kind.rawValue
            members = [("type", .string(type)), ("value", .string(observable.value))]
        case .md5, .sha1, .sha256, .sha512:
            let algorithm =
                ["hash:md5": "MD5", "hash:sha-1": "SHA-1", "hash:sha-256": "SHA-256", "hash:sha-512": "SHA-512"][
                    observable.kind.rawValue] ?? "MD5"
            members = [("type", .string("file")), ("hashes", .object([(algorithm, .string(observable.value))]))]
        case .autonomousSystem:
            members = [("type", .string("autonomous-system")), ("number", .number(observable.value))]
        default:
            return nil
        }
        guard let id = DeterministicID.identifier(for: .object(members.map { (key: $0.0, value: $0.1) })) else { return nil }
        members.insert(("spec_version", .string("2.1")), at: 1)
        members.insert(("id", .string(id)), at: 2)
        members.append(("object_marking_refs", .array(marking)))
        return .object(members)
    }

    static func seconds(_ value: JSONValue?) -> Int64? {
        switch value {
        case .string(let text)?: Int64(text)
        case .number(let text)?: Int64(text)
        default: nil
        }
    }

    static func clip(_ text: String) -> String { ControlCharacters.escaped(String(text.prefix(48))) }
}
