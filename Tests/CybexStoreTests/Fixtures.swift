import CybexCore
import CybexStore
import Foundation

/// STIX object records written for the store tests: the store only reads the extracted
/// properties, so the JSON is a small, true-to-form rendering of them.
enum Fixture {
    /// 2023-11-14T22:13:20Z, a base for versions.
    static let base: Int64 = 1_700_000_000_000_000
    static let creator = "identity--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    static let otherCreator = "identity--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

    /// A fresh STIX id of `type`.
    static func id(_ type: String) -> String { "\(type)--\(UUID().uuidString.lowercased())" }

    /// A versioned object (SDO/SRO): version key = `modified`.
    static func sdo(
        _ id: String, modified: Int64, created: Int64 = base, createdBy: String? = creator, revoked: Bool = false,
        specVersion: String = "2.1", observables: [Observable] = [], edges: [RelationshipEdge] = []
    ) -> STIXObjectRecord {
        let type = String(id.prefix(while: { $0 != "-" }))
        var json = #"{"type":"\#(type)","spec_version":"\#(specVersion)","id":"\#(escape(id))","#
        if let createdBy { json += #""created_by_ref":"\#(escape(createdBy))","# }
        json += #""created":"\#(STIXTimestamp.format(microseconds: created))","#
        json += #""modified":"\#(STIXTimestamp.format(microseconds: modified))""#
        if revoked { json += #","revoked":true"# }
        json += "}"
        return STIXObjectRecord(
            id: id, type: type, specVersion: specVersion, created: created, modified: modified,
            versionText: STIXTimestamp.format(microseconds: modified), revoked: revoked, createdByRef: createdBy,
            tlp: .green,
            validUntil: nil, objectMarkingRefs: [], json: Array(json.utf8), observables: observables, edges: edges)
    }

    /// An unversioned object (SCO): no created or modified, so unique by id alone.
    static func sco(_ id: String, value: String = "198.51.100.7", specVersion: String = "2.1") -> STIXObjectRecord {
        let type = String(id.prefix(while: { $0 != "-" }))
        let json =
            #"{"type":"\#(type)","spec_version":"\#(specVersion)","id":"\#(escape(id))","value":"\#(escape(value))"}"#
        return STIXObjectRecord(
            id: id, type: type, specVersion: specVersion, created: nil, modified: nil, versionText: nil, revoked: false,
            createdByRef: nil, tlp: nil, validUntil: nil, objectMarkingRefs: [], json: Array(json.utf8),
            observables: [Observable(kind: .ipv4, value: value)])
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An account of `organisation` (the password hash is a placeholder: the store never checks it).
    static func user(_ username: String, of organisation: Organisation, role: Role = .analyst) -> User {
        User(
            id: UUID().uuidString.lowercased(), username: username, organisationID: organisation.id, role: role,
            passwordHash: "h", createdAt: base)
    }

    static func organisation(_ name: String, createdAt: Int64 = base) -> Organisation {
        Organisation(id: UUID().uuidString.lowercased(), name: name, createdAt: createdAt)
    }

    static func collection(createdAt: Int64 = base, alias: String? = nil) -> CollectionRecord {
        CollectionRecord(id: UUID().uuidString.lowercased(), title: "Collection", alias: alias, createdAt: createdAt)
    }

    /// The `dateAdded` of an `.added` outcome.
    static func dateAdded(_ outcome: AddOutcome) -> Int64? {
        if case .added(let dateAdded, _) = outcome { return dateAdded }
        return nil
    }
}

/// What a collection holds, kept by the tests beside the store: the independent oracle that the
/// store's query results are compared with.
struct CollectionModel {
    struct Entry: Hashable {
        var record: STIXObjectRecord
        var dateAdded: Int64

        var key: Int64 { record.versionKey ?? unversionedKey }
        var taxiiVersion: Int64 { record.versionKey ?? dateAdded }
        var stored: StoredObjectVersion {
            StoredObjectVersion(
                id: record.id, dateAdded: dateAdded, version: taxiiVersion, specVersion: record.specVersion,
                json: record.json)
        }
    }

    private(set) var entries: [Entry] = []

    /// Records what the store said it added.
    mutating func apply(_ records: [STIXObjectRecord], _ outcomes: [AddOutcome]) {
        for (record, outcome) in zip(records, outcomes) {
            if let dateAdded = Fixture.dateAdded(outcome) {
                entries.append(Entry(record: record, dateAdded: dateAdded))
            }
        }
    }

    mutating func remove(where predicate: (Entry) -> Bool) {
        entries.removeAll(where: predicate)
    }

    /// The page a store must return for `query`, computed from the entries: `first`/`last` are
    /// the lowest/highest version of the id in the collection, whatever the other filters.
    func page(_ query: ObjectQuery) -> ObjectPage {
        var minimum: [String: Int64] = [:]
        var maximum: [String: Int64] = [:]
        for entry in entries {
            minimum[entry.record.id] = min(minimum[entry.record.id] ?? .max, entry.key)
            maximum[entry.record.id] = max(maximum[entry.record.id] ?? .min, entry.key)
        }
        let selector = query.versions
        let matching = entries.filter { entry in
            if let ids = query.ids, !ids.contains(entry.record.id) { return false }
            if let types = query.types, !types.contains(entry.record.type) { return false }
            if let specs = query.specVersions, !specs.contains(entry.record.specVersion) { return false }
            if let after = query.addedAfter, entry.dateAdded <= after { return false }
            if selector.all { return true }
            return (selector.last && entry.key == maximum[entry.record.id])
                || (selector.first && entry.key == minimum[entry.record.id])
                || selector.versions.contains(entry.taxiiVersion)
        }.sorted { $0.dateAdded < $1.dateAdded }
        let records = matching.prefix(max(query.limit, 0)).map { entry in
            var stored = entry.stored
            if !query.withContent { stored.json = [] }
            return stored
        }
        return ObjectPage(records: Array(records), more: matching.count > max(query.limit, 0))
    }
}
