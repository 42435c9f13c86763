public import CybexCore

/// Cybex's distribution marking: a marking definition that names the organisations a TLP:RED
/// object is addressed to (SECURITY.md, "Recipients of TLP:RED"). It is a STIX 2.1 marking
/// definition carrying a property extension of Cybex's extension definition:
///
/// ```json
/// {"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--…",
///  "created": "2026-11-25T10:00:00.000Z", "name": "Distribution: CERT-A, ISP-B",
///  "extensions": {"extension-definition--25b68b3b-f3c1-407d-99a2-dadbcff17b84": {
///      "extension_type": "property-extension", "recipients": ["CERT-A", "ISP-B"]}}}
/// ```
///
/// Recipients are organisation names or ids on the receiving node. An object that references the
/// marking in `object_marking_refs` is visible, at TLP:RED, to those organisations and its owner only.
public enum DistributionMarking {
    /// The id of Cybex's distribution extension definition.
    public static let extensionID = "extension-definition--25b68b3b-f3c1-407d-99a2-dadbcff17b84"
    /// The most recipients one marking may name.
    public static let maximumRecipients = 1000

    /// The recipients `value` names when it is a distribution marking definition; nil when it is
    /// not one. Appends a violation and returns an empty list when the extension is malformed.
    static func recipients(of value: JSONValue, into v: inout STIXViolations) -> [String]? {
        guard value["type"]?.stringValue == "marking-definition", let body = value["extensions"]?[extensionID] else {
            return nil
        }
        let path = "extensions.\(extensionID)"
        guard body["extension_type"]?.stringValue == "property-extension" else {
            v.add(path + ".extension_type", "distribution-marking", "a distribution marking is a 'property-extension'")
            return []
        }
        guard let list = body["recipients"]?.arrayValue, !list.isEmpty, list.count <= maximumRecipients else {
            v.add(
                path + ".recipients", "distribution-marking",
                "a distribution marking needs 'recipients': a list of 1 to \(maximumRecipients) organisation names or ids")
            return []
        }
        var recipients: [String] = []
        for (index, entry) in list.enumerated() {
            guard let name = entry.stringValue, !name.isEmpty, name.count <= 200 else {
                v.add("\(path).recipients.[\(index)]", "distribution-marking", "each recipient must be a non-empty name or id")
                return []
            }
            recipients.append(name)
        }
        return recipients
    }
}

extension DistributionMarking {
    /// `object` with `markingID` added to its `object_marking_refs` when it is TLP:RED (by its
    /// TLP marking, else `defaultLevel`); nil when it is not, or is not an object that can be
    /// marked (the validator then judges it as posted).
    public static func addressing(_ object: JSONValue, to markingID: String, defaultLevel: TLPLevel) -> JSONValue? {
        guard case .object(var members) = object, object["type"]?.stringValue != "marking-definition" else { return nil }
        let index = members.firstIndex { $0.key == "object_marking_refs" }
        var refs: [JSONValue] = []
        if let index {
            guard case .array(let list) = members[index].value else { return nil }
            refs = list
        }
        let level = TLPLevel.strictest(of: refs.compactMap(\.stringValue)) ?? defaultLevel
        guard level == .red else { return nil }
        refs.append(.string(markingID))
        if let index { members[index].value = .array(refs) } else { members.append(("object_marking_refs", .array(refs))) }
        return .object(members)
    }

    /// Cybex's distribution marking definition naming `recipients` (created at `created`, microseconds).
    public static func definition(id: String, recipients: [String], created: Int64) -> JSONValue {
        .object([
            ("type", .string("marking-definition")),
            ("spec_version", .string("2.1")),
            ("id", .string(id)),
            ("created", .string(STIXTimestamp.format(microseconds: created, fractionDigits: 3))),
            ("name", .string("Distribution: " + recipients.joined(separator: ", "))),
            (
                "extensions",
                .object([
                    (
                        extensionID,
                        .object([
                            ("extension_type", .string("property-extension")),
                            ("recipients", .array(recipients.map(JSONValue.string))),
                        ])
                    )
                ])
            ),
        ])
    }
}
