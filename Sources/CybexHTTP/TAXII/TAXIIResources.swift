import CybexCore
import CybexEngine
import CybexFormats
import HTTPTypes
import Hummingbird

/// Builds the bodies of TAXII 2.1 responses. Small resources go through ``JSONValue``; envelopes
/// are written straight from the stored object bytes, never re-serialised.
enum TAXIIResources {
    static func collection(_ view: CollectionService.View) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(view.collection.id)),
            ("title", .string(view.collection.title)),
        ]
        if let description = view.collection.description { members.append(("description", .string(description))) }
        if let alias = view.collection.alias { members.append(("alias", .string(alias))) }
        members += [
            ("can_read", .bool(view.canRead)),
            ("can_write", .bool(view.canWrite)),
            ("media_types", .array([.string(TAXIIMediaType.stix)])),
        ]
        return .object(members)
    }

    /// The X-TAXII-Date-Added-First/Last headers of a page (none for an empty page).
    static func dateHeaders(_ page: ObjectPage) -> HTTPFields {
        var headers = HTTPFields()
        if let first = page.records.first, let last = page.records.last {
            headers[HTTPField.Name("X-TAXII-Date-Added-First")!] = STIXTimestamp.format(microseconds: first.dateAdded)
            headers[HTTPField.Name("X-TAXII-Date-Added-Last")!] = STIXTimestamp.format(microseconds: last.dateAdded)
        }
        return headers
    }
}
