/// Cybex's JSON form of IODEF elements: how an incident's IODEF content travels inside its STIX
/// object (`docs/IODEF.md`, "The JSON form"). Lossless for IODEF, schema-free:
///
/// - an attribute is a member `"@name"` (`"@xml:lang"`; another namespace `"@{uri}name"`);
/// - child elements are members named after the element, each an array in document order, the
///   members in the order their first element came (which is the RFC's sequence); elements of the
///   imported namespaces are `"sci:…"`, `"enum:…"`, `"ds:…"`, any other `"{uri}name"`;
/// - an element with only text and no attribute is that string; otherwise its text is `"#text"`;
/// - an element whose children cannot be grouped by name without changing their order (a repeated
///   choice such as `Node`'s addresses and domains), or that mixes text and elements, has instead
///   `"#content"`: its children in order, each element an object of one member, text a string.
///
/// ```json
/// {"@purpose": "reporting", "IncidentID": [{"@name": "csirt.example.org", "#text": "2024-0042"}],
///  "GenerationTime": ["2024-05-01T10:15:00Z"]}
/// ```
public enum IODEFJSON {
    /// The JSON form of `element`.
    public static func value(of element: XMLTree.Element) -> JSONValue {
        let children = element.elements
        if element.attributes.isEmpty && children.isEmpty { return .string(element.text) }
        var members: [(key: String, value: JSONValue)] = []
        for attribute in element.attributes {
            members.append(("@" + key(for: attribute.name, attribute: true), .string(attribute.value)))
        }
        if children.isEmpty {
            members.append(("#text", .string(element.text)))
            return .object(members)
        }
        if element.hasSignificantText || !namesAreContiguous(children) {
            // Mixed content, or a repeated choice (Node's addresses and domains, an indicator
            // expression's terms): the children in document order, text included.
            let content: [JSONValue] = element.children.map {
                switch $0 {
                case .element(let child): .object([(key(for: child.name, attribute: false), value(of: child))])
                case .text(let text): .string(text)
                }
            }
            members.append(("#content", .array(content)))
            return .object(members)
        }
        var groups: [String: Int] = [:]
        var arrays: [[JSONValue]] = []
        var order: [String] = []
        for child in children {
            let name = key(for: child.name, attribute: false)
            if let index = groups[name] {
                arrays[index].append(value(of: child))
            } else {
                groups[name] = arrays.count
                arrays.append([value(of: child)])
                order.append(name)
            }
        }
        for (name, values) in zip(order, arrays) { members.append((name, .array(values))) }
        return .object(members)
    }

    /// Whether each name's elements come one after another (so grouping them by name keeps the order).
    static func namesAreContiguous(_ children: [XMLTree.Element]) -> Bool {
        var finished: Set<XMLTree.Name> = []
        var current: XMLTree.Name?
        for child in children where child.name != current {
            if let current { finished.insert(current) }
            if finished.contains(child.name) { return false }
            current = child.name
        }
        return true
    }

    /// The element named `name` that `value` is the JSON form of; nil with the reason when `value`
    /// is not one.
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
                if key == "#content" {
                    guard let list = member.arrayValue else { throw IODEFJSONError(path: path + key, "must be an array") }
                    for (index, item) in list.enumerated() {
                        if let text = item.stringValue {
                            element.children.append(.text(text))
                            continue
                        }
                        guard case .object(let single) = item, single.count == 1 else {
                            throw IODEFJSONError(
                                path: "\(path)#content.[\(index)]", "must be a string or an object of one member")
                        }
                        let childName = try self.name(for: single[0].key, attribute: false, path: "\(path)#content.[\(index)]")
                        element.append(
                            try self.element(
                                childName, from: single[0].value, path: "\(path)#content.[\(index)].\(single[0].key)."))
                    }
                } else if key == "#text" {
                    guard let string = member.stringValue else { throw IODEFJSONError(path: path + key, "must be a string") }
                    text = string
                } else if key.hasPrefix("@") {
                    guard let string = member.stringValue else { throw IODEFJSONError(path: path + key, "must be a string") }
                    let attributeName = try self.name(for: String(key.dropFirst()), attribute: true, path: path + key)
                    element.attributes.append(XMLTree.Attribute(attributeName, string))
                } else {
                    guard let list = member.arrayValue else { throw IODEFJSONError(path: path + key, "must be an array") }
                    let childName = try self.name(for: key, attribute: false, path: path + key)
                    for (index, item) in list.enumerated() {
                        element.append(try self.element(childName, from: item, path: "\(path)\(key).[\(index)]."))
                    }
                }
            }
            if let text, !text.isEmpty { element.children.insert(.text(text), at: 0) }
            return element
        default:
            throw IODEFJSONError(path: path.isEmpty ? "(root)" : String(path.dropLast()), "must be a string or an object")
        }
    }

    static func key(for name: XMLTree.Name, attribute: Bool) -> String {
        guard let namespace = name.namespace else { return name.local }
        if namespace == IODEF.namespace && !attribute { return name.local }
        if namespace == XMLReader.xmlNamespace { return "xml:" + name.local }
        if let prefix = IODEF.prefixes[namespace] { return prefix + ":" + name.local }
        return "{\(namespace)}\(name.local)"
    }

    static func name(for key: String, attribute: Bool, path: String) throws(IODEFJSONError) -> XMLTree.Name {
        if key.hasPrefix("{") {
            guard let close = key.firstIndex(of: "}"), key.index(after: close) < key.endIndex else {
                throw IODEFJSONError(path: path, "a '{uri}name' key needs a name after the '}'")
            }
            return XMLTree.Name(
                String(key[key.index(after: close)...]), namespace: String(key[key.index(after: key.startIndex)..<close]))
        }
        if let colon = key.firstIndex(of: ":") {
            let prefix = String(key[..<colon])
            let local = String(key[key.index(after: colon)...])
            if prefix == "xml" { return XMLTree.Name(local, namespace: XMLReader.xmlNamespace) }
            guard let namespace = IODEF.prefixes.first(where: { $0.value == prefix })?.key else {
                throw IODEFJSONError(path: path, "unknown prefix '\(prefix)' (sci, enum, ds, xml or '{uri}name')")
            }
            return XMLTree.Name(local, namespace: namespace)
        }
        guard !key.isEmpty, key.utf8.allSatisfy(XMLBytes.isName), let first = key.utf8.first, XMLBytes.isNameStart(first) else {
            throw IODEFJSONError(path: path, "'\(key)' is not an XML name")
        }
        return attribute ? XMLTree.Name(key) : IODEF.name(key)
    }
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
