import CybexCore

/// Checks one STIX 2.1 object against the specification's MUST rules: common properties,
/// identifiers, timestamps, naming, markings, and the rules of its type (``STIXTypeRules``).
///
/// Unknown (custom) properties and extensions are allowed and left as they are.
public enum STIXValidator {
    /// Every violation of `object`; empty when it is valid.
    public static func violations(of object: JSONValue) -> [STIXViolation] {
        guard let members = object.objectMembers else {
            return [STIXViolation(objectID: nil, property: nil, rule: "object", message: "a STIX object must be a JSON object, not \(object.kindName)")]
        }
        let id = object["id"]?.stringValue
        var v = STIXViolations(objectID: id)
        check(members: members, object: object, into: &v)
        return v.list
    }

    static func check(members: [(key: String, value: JSONValue)], object: JSONValue, into v: inout STIXViolations) {
        guard let type = object["type"]?.stringValue else {
            v.add("type", "required-property", "'type' is required and must be a string")
            return
        }
        guard STIXIdentifier.isValidTypeName(type.utf8), type != "action" else {
            v.add("type", "type-name", "'\(type)' is not a valid STIX type name (3-250 characters of a-z, 0-9 and '-')")
            return
        }
        if type == "bundle" {
            v.add("type", "nested-bundle", "a bundle cannot be an object of a bundle or envelope")
            return
        }
        let kind = STIXObjectKind(type: type)
        checkIdentifier(object, type: type, kind: kind, into: &v)
        checkPropertyNames(members, into: &v)
        checkSpecVersion(object, kind: kind, into: &v)
        checkCommonTimestamps(object, type: type, kind: kind, into: &v)
        checkCommonProperties(object, kind: kind, into: &v)
        STIXTypeRules.check(type: type, object: object, into: &v)
    }

    static func checkIdentifier(_ object: JSONValue, type: String, kind: STIXObjectKind, into v: inout STIXViolations) {
        guard let idValue = object["id"] else {
            v.add("id", "required-property", "'id' is required")
            return
        }
        guard let idText = idValue.stringValue, let id = STIXIdentifier(idText) else {
            v.add("id", "identifier-format", "'id' must be '<type>--<RFC 4122 UUID>'")
            return
        }
        if id.type != type {
            v.add("id", "identifier-type", "the id prefix '\(id.type)' must equal the object's type '\(type)'")
        }
    }

    static func checkPropertyNames(_ members: [(key: String, value: JSONValue)], into v: inout STIXViolations) {
        for (key, value) in members {
            if key != "id" {
                let bytes = key.utf8
                let validChars = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
                if !validChars || bytes.count < 3 || bytes.count > 250 {
                    v.add(key, "property-name", "property names must be 3-250 characters of a-z, 0-9 and '_'")
                }
            }
            checkNoNullsOrEmptyLists(value, path: key, into: &v)
        }
    }

    static func checkNoNullsOrEmptyLists(_ value: JSONValue, path: String, depth: Int = 0, into v: inout STIXViolations) {
        switch value {
        case .null:
            v.add(path, "null-value", "null values are not allowed; omit the property instead")
        case .array(let elements):
            if elements.isEmpty && depth == 0 { v.add(path, "empty-list", "lists must not be empty; omit the property instead") }
            for (i, element) in elements.enumerated() {
                checkNoNullsOrEmptyLists(element, path: "\(path).[\(i)]", depth: depth + 1, into: &v)
            }
        case .object(let members):
            for (key, member) in members {
                checkNoNullsOrEmptyLists(member, path: "\(path).\(key)", depth: depth + 1, into: &v)
            }
        default:
            break
        }
    }

    static func checkSpecVersion(_ object: JSONValue, kind: STIXObjectKind, into v: inout STIXViolations) {
        switch object["spec_version"] {
        case nil:
            if kind != .observable && kind != .custom {
                v.add("spec_version", "required-property", "'spec_version' is required")
            }
        case .string("2.1")?:
            break
        case .string(let other)?:
            v.add("spec_version", "spec-version", "'spec_version' must be \"2.1\", not \"\(other)\" (this server stores STIX 2.1)")
        case let other?:
            v.add("spec_version", "property-type", "'spec_version' must be a string, not \(other.kindName)")
        }
    }

    /// created/modified rules. SDOs, SROs, language-content and extension-definition need both;
    /// marking-definition has created only; SCOs have neither (custom objects: optional).
    static func checkCommonTimestamps(_ object: JSONValue, type: String, kind: STIXObjectKind, into v: inout STIXViolations) {
        let created = timestamp(object, "created", millisecondPrecision: true, into: &v)
        let modified = timestamp(object, "modified", millisecondPrecision: true, into: &v)
        switch kind {
        case .domain, .relationship, .meta:
            if object["created"] == nil { v.add("created", "required-property", "'created' is required") }
            if type == "marking-definition" {
                if object["modified"] != nil {
                    v.add("modified", "not-versionable", "marking definitions are not versioned and have no 'modified'")
                }
            } else if object["modified"] == nil {
                v.add("modified", "required-property", "'modified' is required")
            }
        case .observable:
            break
        case .custom:
            if object["modified"] != nil && object["created"] == nil {
                v.add("created", "required-property", "'created' is required when 'modified' is present")
            }
        }
        if let created, let modified, modified < created {
            v.add("modified", "modified-before-created", "'modified' must not be earlier than 'created'")
        }
    }

    /// The timestamp at `key`, reporting a violation when it is present but malformed.
    @discardableResult
    static func timestamp(
        _ object: JSONValue, _ key: String, millisecondPrecision: Bool = false, into v: inout STIXViolations
    ) -> STIXTimestamp? {
        guard let value = object[key] else { return nil }
        guard let text = value.stringValue, let ts = STIXTimestamp(parsing: text) else {
            v.add(key, "timestamp-format", "'\(key)' must be an RFC 3339 UTC timestamp such as 2016-01-01T00:00:00.000Z")
            return nil
        }
        if millisecondPrecision && ts.fractionDigits < 3 {
            v.add(key, "timestamp-precision", "'\(key)' must be precise to at least the millisecond (e.g. .000Z)")
        }
        return ts
    }

    static func checkCommonProperties(_ object: JSONValue, kind: STIXObjectKind, into v: inout STIXViolations) {
        if let revoked = object["revoked"], revoked.boolValue == nil {
            v.add("revoked", "property-type", "'revoked' must be a boolean")
        }
        if let ref = object["created_by_ref"] {
            checkReference(ref, property: "created_by_ref", allowedTypes: ["identity"], into: &v)
        }
        if let labels = object["labels"] {
            checkStringList(labels, property: "labels", into: &v)
        }
        if let confidence = object["confidence"] {
            if let n = confidence.integerValue {
                if n < 0 || n > 100 { v.add("confidence", "value-range", "'confidence' must be an integer from 0 to 100") }
            } else {
                v.add("confidence", "property-type", "'confidence' must be an integer from 0 to 100")
            }
        }
        if let lang = object["lang"], lang.stringValue == nil {
            v.add("lang", "property-type", "'lang' must be a string (an RFC 5646 language code)")
        }
        if let defanged = object["defanged"], defanged.boolValue == nil {
            v.add("defanged", "property-type", "'defanged' must be a boolean")
        }
        if let refs = object["object_marking_refs"] {
            if let list = refs.arrayValue {
                for (i, ref) in list.enumerated() {
                    checkReference(ref, property: "object_marking_refs.[\(i)]", allowedTypes: ["marking-definition"], into: &v)
                }
            } else {
                v.add("object_marking_refs", "property-type", "'object_marking_refs' must be a list of marking-definition ids")
            }
        }
        if let granular = object["granular_markings"] {
            GranularMarkingRules.check(granular, in: object, into: &v)
        }
        if let references = object["external_references"] {
            ExternalReferenceRules.check(references, into: &v)
        }
        if let extensions = object["extensions"] {
            ExtensionRules.check(extensions, into: &v)
        }
    }

    /// Checks that `value` is a STIX identifier whose type is one of `allowedTypes` (any type when nil).
    static func checkReference(_ value: JSONValue, property: String, allowedTypes: Set<String>?, into v: inout STIXViolations) {
        guard let text = value.stringValue, let id = STIXIdentifier(text) else {
            v.add(property, "identifier-format", "'\(property)' must be a STIX identifier ('<type>--<uuid>')")
            return
        }
        if let allowedTypes, !allowedTypes.contains(id.type) {
            let allowed = allowedTypes.sorted().joined(separator: ", ")
            v.add(property, "reference-type", "'\(property)' must refer to an object of type \(allowed), not \(id.type)")
        }
    }

    static func checkStringList(_ value: JSONValue, property: String, into v: inout STIXViolations) {
        guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            v.add(property, "property-type", "'\(property)' must be a list of strings")
            return
        }
    }
}
