import CybexCore

/// Checks one STIX 2.1 object against the specification's MUST rules: common properties,
/// identifiers, timestamps, naming, markings, extensions, and the rules of its type
/// (``STIXTypeRules``).
///
/// Unknown (custom) properties, custom objects and extensions are allowed and left as they are;
/// only their names and the general data-type rules (no nulls, no empty lists or dictionaries,
/// `*_bin` is base64, `*_hex` is hex) are checked. SHOULD-level rules (vocabularies, `x_` prefixes,
/// UUIDv4 for SDO ids, UUIDv5 for SCO ids) are not violations.
///
/// ```swift
/// let object = try JSONReader.parse(Array(json.utf8))
/// for violation in STIXValidator.violations(of: object) {
///     print(violation)
///     // indicator--…: property 'valid_until': 'valid_until' must be later than 'valid_from' [timestamp-order]
/// }
/// ```
public enum STIXValidator {
    /// Property names reserved by section 3.8 that must not appear in STIX content.
    static func isReservedPropertyName(_ name: String) -> Bool {
        // The reserved names are 6, 8 or 12 bytes long: other names need no comparison.
        switch name.utf8.count {
        case 6, 8, 12: break
        default: return false
        }
        return switch name {
        case "severity", "username", "phone_number", "action": true
        default: false
        }
    }

    /// Every violation of `object`; empty when it is valid.
    public static func violations(of object: JSONValue) -> [STIXViolation] {
        guard let members = object.objectMembers else {
            return [
                STIXViolation(
                    objectID: nil, property: nil, rule: "object",
                    message: "a STIX object must be a JSON object, not \(object.kindName)")
            ]
        }
        let id = object["id"]?.stringValue
        var v = STIXViolations(objectID: id)
        check(members: members, object: object, into: &v)
        // A property can break one rule through two checks (e.g. `payload_bin` as a defined binary
        // property and as a `*_bin` name): report it once.
        guard v.list.count > 1 else { return v.list }
        var seen: Set<String> = []
        return v.list.filter { seen.insert(($0.property ?? "") + "\u{0}" + $0.rule).inserted }
    }

    static func check(members: [(key: String, value: JSONValue)], object: JSONValue, into v: inout STIXViolations) {
        guard let type = object["type"]?.stringValue else {
            v.add("type", "required-property", "'type' is required and must be a string")
            return
        }
        guard STIXIdentifier.isValidTypeName(type.utf8), type != "action" else {
            v.add(
                "type", "type-name",
                "'\(type)' is not a valid STIX type name (3-250 characters of a-z, 0-9 and '-', starting with a letter)"
            )
            return
        }
        if type == "bundle" {
            v.add("type", "nested-bundle", "a bundle cannot be an object of a bundle or envelope")
            return
        }
        let kind = STIXObjectKind(type: type)
        checkIdentifier(object, type: type, into: &v)
        checkPropertyNames(members, into: &v)
        checkSpecVersion(object, kind: kind, into: &v)
        checkCommonTimestamps(object, type: type, kind: kind, into: &v)
        checkCommonProperties(object, type: type, kind: kind, into: &v)
        STIXTypeRules.check(type: type, object: object, into: &v)
    }

    static func checkIdentifier(_ object: JSONValue, type: String, into v: inout STIXViolations) {
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

    /// Section 3.1: property names are 3–250 characters of `a-z`, `0-9` and `_` and begin with a letter.
    static func isValidPropertyName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (3...250).contains(bytes.count), let first = bytes.first, (0x61...0x7A).contains(first) else {
            return false
        }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    static func checkPropertyNames(_ members: [(key: String, value: JSONValue)], into v: inout STIXViolations) {
        for (key, value) in members {
            if key != "id" && !isValidPropertyName(key) {
                v.add(
                    key, "property-name",
                    "property names must be 3-250 characters of a-z, 0-9 and '_', starting with a letter")
            }
            if isReservedPropertyName(key) {
                v.add(key, "reserved-property", "'\(key)' is reserved by STIX 2.1 and must not be used")
            }
            checkValueRules(value, path: key, into: &v)
            checkEncodedName(key, value, path: key, into: &v)
            if key == "extensions", let extensions = value.objectMembers {
                for (name, body) in extensions {
                    for (property, item) in body.objectMembers ?? [] {
                        checkEncodedName(property, item, path: "extensions.\(name).\(property)", into: &v)
                    }
                }
            }
        }
    }

    /// Sections 2.3 and 2.12 and the JSON serialisation: no nulls, no empty lists, no empty dictionaries,
    /// at any depth.
    static func checkValueRules(_ value: JSONValue, path: String, into v: inout STIXViolations) {
        // Paths are only built when there is something to report.
        guard holdsNullOrEmptyContainer(value) else { return }
        switch value {
        case .null:
            v.add(path, "null-value", "null values are not allowed; omit the property instead")
        case .array(let elements):
            if elements.isEmpty { v.add(path, "empty-list", "lists must not be empty; omit the property instead") }
            for (i, element) in elements.enumerated() {
                checkValueRules(element, path: "\(path).[\(i)]", into: &v)
            }
        case .object(let members):
            if members.isEmpty {
                v.add(path, "empty-dictionary", "dictionaries and objects must not be empty; omit the property instead")
            }
            for (key, member) in members {
                checkValueRules(member, path: "\(path).\(key)", into: &v)
            }
        default:
            break
        }
    }

    static func holdsNullOrEmptyContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .array(let elements): elements.isEmpty || elements.contains(where: holdsNullOrEmptyContainer)
        case .object(let members): members.isEmpty || members.contains { holdsNullOrEmptyContainer($0.value) }
        default: false
        }
    }

    /// Sections 2.1, 2.8 and 11.1: a property named `*_bin` holds base64 and one named `*_hex` holds hex.
    static func checkEncodedName(_ name: String, _ value: JSONValue, path: String, into v: inout STIXViolations) {
        // Bytes, not `hasSuffix`: its Unicode comparison was a tenth of checking the names.
        let tail = name.utf8.suffix(4)
        guard tail.count == 4, tail.first == UInt8(ascii: "_") else { return }
        if tail.elementsEqual("_bin".utf8) {
            PropertyChecker.check(value, as: .binary, at: path, scope: .identifiers, into: &v)
        } else if tail.elementsEqual("_hex".utf8) {
            PropertyChecker.check(value, as: .hex, at: path, scope: .identifiers, into: &v)
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
            v.add(
                "spec_version", "spec-version",
                "'spec_version' must be \"2.1\", not \"\(other)\" (this server stores STIX 2.1)")
        case let other?:
            v.add("spec_version", "property-type", "'spec_version' must be a string, not \(other.kindName)")
        }
    }

    /// created/modified rules. SDOs, SROs, language-content and extension-definition need both;
    /// marking-definition has created only; SCOs have neither (custom objects: optional).
    static func checkCommonTimestamps(
        _ object: JSONValue, type: String, kind: STIXObjectKind, into v: inout STIXViolations
    ) {
        guard kind != .observable else { return }
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
            v.add("modified", "modified-before-created", "'modified' must be later than or equal to 'created'")
        }
    }

    /// The timestamp at `key`, reporting a violation when it is present but malformed.
    @discardableResult
    static func timestamp(
        _ object: JSONValue, _ key: String, millisecondPrecision: Bool = false, into v: inout STIXViolations
    ) -> STIXTimestamp? {
        guard let value = object[key] else { return nil }
        guard let text = value.stringValue, let ts = STIXTimestamp(parsing: text) else {
            v.add(
                key, "timestamp-format", "'\(key)' must be an RFC 3339 UTC timestamp such as 2016-01-01T00:00:00.000Z")
            return nil
        }
        if millisecondPrecision && ts.fractionDigits < 3 {
            v.add(key, "timestamp-precision", "'\(key)' must be precise to at least the millisecond (e.g. .000Z)")
        }
        return ts
    }

    /// The common properties of section 3.2 whose values have a fixed type.
    static let commonProperties: [PropertySpec] = [
        PropertySpec("revoked", .boolean), PropertySpec("created_by_ref", .reference(.types(["identity"]))),
        PropertySpec("labels", .stringList), PropertySpec("confidence", .integer(0...100)),
        PropertySpec("lang", .languageTag), PropertySpec("defanged", .boolean),
        PropertySpec("object_marking_refs", .list(.reference(.types(["marking-definition"])))),
    ]

    static func checkCommonProperties(
        _ object: JSONValue, type: String, kind: STIXObjectKind, into v: inout STIXViolations
    ) {
        for property in commonProperties {
            if let value = object[property.name] {
                PropertyChecker.check(value, as: property.kind, at: property.name, scope: .identifiers, into: &v)
            }
        }
        if object["defanged"] != nil && kind != .observable && kind != .custom {
            v.add("defanged", "not-applicable", "'defanged' must only be used on cyber-observable objects")
        }
        if let granular = object["granular_markings"] {
            GranularMarkingRules.check(granular, in: object, into: &v)
        }
        if let references = object["external_references"] {
            ExternalReferenceRules.check(references, into: &v)
        }
        if let extensions = object["extensions"] {
            ExtensionRules.check(extensions, objectType: type, into: &v)
        }
    }

    /// Checks that `value` is a STIX identifier whose type is one of `allowedTypes` (any type when nil).
    static func checkReference(
        _ value: JSONValue, property: String, allowedTypes: Set<String>?, into v: inout STIXViolations
    ) {
        let target: ReferenceTarget = allowedTypes.map { .types($0) } ?? .any
        PropertyChecker.checkReference(value, at: property, target: target, scope: .identifiers, into: &v)
    }
}
