/// Cybex's JSON form of IODEF elements: how an incident's IODEF content travels inside its STIX
/// object (`docs/IODEF.md`, "The JSON form"). Lossless for IODEF, and every key a valid STIX
/// dictionary key (lower case letters, digits, `_` and `-`), so that a granular marking can select
/// any part of it:
///
/// - an element of the IODEF namespace is a member named after it in snake case (`IncidentID` →
///   `incident_id`, `EmailX-Mailer` → `email_x-mailer`), each an array in document order, the
///   members in the order their first element came (which is the RFC's sequence);
/// - an attribute is a member `_name` (`_purpose`, `_ext-purpose`; `xml:lang` is `_xml_lang`;
///   an attribute of another namespace goes into `_nsattr`: `[{"namespace", "name", "value"}]`);
/// - an element of another namespace (`sci:`, `enum:`, `ds:`, the content of `AdditionalData`
///   of type xml) is kept as XML text in `_xml`;
/// - an element with only text and no attribute is that string; otherwise its text is `_text`;
/// - an element whose children cannot be grouped by name without changing their order (a repeated
///   choice such as `Node`'s addresses and domains), or that mixes text and elements, has instead
///   `_content`: its children in order, each element an object of one member, text a string.
///
/// ```json
/// {"_purpose": "reporting", "incident_id": [{"_name": "csirt.example.org", "_text": "2024-0042"}],
///  "generation_time": ["2024-05-01T10:15:00Z"]}
/// ```
public enum IODEFJSON {
    /// The JSON form of `element`.
    public static func value(of element: XMLTree.Element) -> JSONValue {
        let children = element.elements
        if element.attributes.isEmpty && children.isEmpty { return .string(element.text) }
        var members: [(key: String, value: JSONValue)] = []
        var foreignAttributes: [JSONValue] = []
        for attribute in element.attributes {
            if let key = attributeKey(attribute.name) {
                members.append((key, .string(attribute.value)))
            } else {
                foreignAttributes.append(
                    .object([
                        ("namespace", .string(attribute.name.namespace ?? "")), ("name", .string(attribute.name.local)),
                        ("value", .string(attribute.value)),
                    ]))
            }
        }
        if !foreignAttributes.isEmpty { members.append(("_nsattr", .array(foreignAttributes))) }
        if children.isEmpty {
            members.append(("_text", .string(element.text)))
            return .object(members)
        }
        if element.hasSignificantText || !keysAreContiguous(children) {
            // Mixed content, or a repeated choice (Node's addresses and domains, an indicator
            // expression's terms): the children in document order, text included.
            let content: [JSONValue] = element.children.map {
                switch $0 {
                case .element(let child): .object([(key(for: child), member(child))])
                case .text(let text): .string(text)
                }
            }
            members.append(("_content", .array(content)))
            return .object(members)
        }
        var groups: [String: Int] = [:]
        var arrays: [[JSONValue]] = []
        var order: [String] = []
        for child in children {
            let name = key(for: child)
            if let index = groups[name] {
                arrays[index].append(member(child))
            } else {
                groups[name] = arrays.count
                arrays.append([member(child)])
                order.append(name)
            }
        }
        for (name, values) in zip(order, arrays) { members.append((name, .array(values))) }
        return .object(members)
    }

    /// A child's value: its JSON form, or for an element of another namespace its XML text.
    static func member(_ child: XMLTree.Element) -> JSONValue {
        isIODEF(child.name) ? value(of: child) : .string(XMLWriter.fragment(child, prefixes: IODEF.prefixes))
    }

    /// Whether the children's keys come one after another (so grouping them keeps the order).
    static func keysAreContiguous(_ children: [XMLTree.Element]) -> Bool {
        var finished: Set<String> = []
        var current: String?
        for child in children {
            let key = key(for: child)
            guard key != current else { continue }
            if let current { finished.insert(current) }
            if finished.contains(key) { return false }
            current = key
        }
        return true
    }

    /// The element named `name` that `value` is the JSON form of, or why it is not one.
    public static func element(_ name: XMLTree.Name, from value: JSONValue, path: String = "") throws(IODEFJSONError)
        -> XMLTree.Element
    {
        var element = XMLTree.Element(name)
        switch value {
        case .string(let text):
            if !text.isEmpty { element.children = [.text(text)] }
            return element
        case .object(let members):
            var text: String?
            for (key, member) in members {
                switch key {
                case "_text":
                    guard let string = member.stringValue else { throw IODEFJSONError(path: path + key, "must be a string") }
                    text = string
                case "_content":
                    guard let list = member.arrayValue else { throw IODEFJSONError(path: path + key, "must be an array") }
                    for (index, item) in list.enumerated() {
                        let place = "\(path)_content.[\(index)]"
                        if let text = item.stringValue {
                            element.children.append(.text(text))
                            continue
                        }
                        guard case .object(let single) = item, single.count == 1 else {
                            throw IODEFJSONError(path: place, "must be a string or an object of one member")
                        }
                        element.append(try child(single[0].key, single[0].value, path: "\(place).\(single[0].key)."))
                    }
                case "_nsattr":
                    for (index, item) in (member.arrayValue ?? []).enumerated() {
                        guard let local = item["name"]?.stringValue, let value = item["value"]?.stringValue,
                            let namespace = item["namespace"]?.stringValue
                        else { throw IODEFJSONError(path: "\(path)_nsattr.[\(index)]", "needs namespace, name and value") }
                        element.attributes.append(XMLTree.Attribute(XMLTree.Name(local, namespace: namespace), value))
                    }
                case "_xml_lang":
                    guard let string = member.stringValue else { throw IODEFJSONError(path: path + key, "must be a string") }
                    element.attributes.append(XMLTree.Attribute(XMLTree.Name("lang", namespace: XMLReader.xmlNamespace), string))
                case let attribute where attribute.hasPrefix("_") && attribute != "_xml":
                    guard let string = member.stringValue else { throw IODEFJSONError(path: path + key, "must be a string") }
                    element.attributes.append(XMLTree.Attribute(XMLTree.Name(String(attribute.dropFirst())), string))
                default:
                    guard let list = member.arrayValue else { throw IODEFJSONError(path: path + key, "must be an array") }
                    for (index, item) in list.enumerated() {
                        element.append(try child(key, item, path: "\(path)\(key).[\(index)]."))
                    }
                }
            }
            if let text, !text.isEmpty { element.children.insert(.text(text), at: 0) }
            return element
        default:
            throw IODEFJSONError(path: path.isEmpty ? "(root)" : String(path.dropLast()), "must be a string or an object")
        }
    }

    /// The child element a member `key` with `value` stands for.
    static func child(_ key: String, _ value: JSONValue, path: String) throws(IODEFJSONError) -> XMLTree.Element {
        if key == "_xml" {
            guard let text = value.stringValue else { throw IODEFJSONError(path: path, "must be XML text") }
            do {
                return try XMLReader.parse(Array(text.utf8), limits: IODEF.limits).root
            } catch {
                throw IODEFJSONError(path: path, "is not XML: \(error.message)")
            }
        }
        guard let local = localNames[key] else { throw IODEFJSONError(path: path, "'\(key)' is not an IODEF v2 class") }
        return try element(IODEF.name(local), from: value, path: path)
    }

    static func isIODEF(_ name: XMLTree.Name) -> Bool {
        name.namespace == IODEF.namespace && IODEFRules.classes[name.local] != nil
    }

    static func key(for element: XMLTree.Element) -> String {
        isIODEF(element.name) ? snakeCase(element.name.local) : "_xml"
    }

    /// `_name` for an attribute in no namespace whose name is a valid key, `_xml_lang`; nil otherwise.
    static func attributeKey(_ name: XMLTree.Name) -> String? {
        if name.namespace == XMLReader.xmlNamespace && name.local == "lang" { return "_xml_lang" }
        guard name.namespace == nil, !name.local.isEmpty,
            name.local.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }),
            !["text", "content", "nsattr", "xml", "xml_lang"].contains(name.local)
        else { return nil }
        return "_" + name.local
    }

    /// `IncidentID` → `incident_id`, `IANAService` → `iana_service`, `EmailX-Mailer` → `email_x-mailer`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    result.append("_")
                }
            }
            result += character.lowercased()
        }
        return result
    }

    /// Every IODEF class by its key.
    static let localNames: [String: String] = Dictionary(
        IODEFRules.classes.keys.map { (snakeCase($0), $0) }, uniquingKeysWith: { first, _ in first })
}

/// Why a JSON value is not the JSON form of an IODEF element, and where in it.
public struct IODEFJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
