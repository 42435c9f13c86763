/// An IODEF v2 document: its incidents and additional data as XML trees that were checked
/// against the RFC's classes (``IODEFRules``), with its own attributes (`xml:lang`, `format-id`, …).
///
/// ```swift
/// let document = try IODEFDocument.read(bytes)
/// for incident in document.incidents { print(incident.attribute("purpose") ?? "") }
/// let xml = document.xml()
/// ```
public struct IODEFDocument: Sendable, Equatable {
    /// The attributes of `IODEF-Document` (with `version`).
    public var attributes: [XMLTree.Attribute]
    /// The `Incident` elements, one or more.
    public var incidents: [XMLTree.Element]
    /// The document-level `AdditionalData` elements.
    public var additionalData: [XMLTree.Element]

    public init(incidents: [XMLTree.Element], additionalData: [XMLTree.Element] = [], attributes: [XMLTree.Attribute] = []) {
        self.incidents = incidents
        self.additionalData = additionalData
        var attributes = attributes
        if !attributes.contains(where: { $0.name == XMLTree.Name("version") }) {
            attributes.insert(XMLTree.Attribute(XMLTree.Name("version"), IODEF.version), at: 0)
        }
        self.attributes = attributes
    }

    /// Reads and checks a document: well-formed XML within `limits` (no DTD, ever), an
    /// `IODEF-Document` of version 2.00, and every IODEF class in it valid.
    public static func read(_ bytes: [UInt8], limits: XMLLimits = IODEF.limits) throws(IODEFError) -> IODEFDocument {
        let tree: XMLTree.Document
        do {
            tree = try XMLReader.parse(bytes, limits: limits)
        } catch {
            throw IODEFError(error)
        }
        return try from(tree.root) { tree.location(of: $0) }
    }

    /// The document whose root is `root`, checked; `locate` turns an element's offset into a line
    /// and column.
    public static func from(
        _ root: XMLTree.Element, locate: @escaping (Int) -> (line: Int, column: Int) = { _ in (0, 0) }
    ) throws(IODEFError) -> IODEFDocument {
        guard root.name == IODEF.name("IODEF-Document") else {
            let place = root.offset >= 0 ? locate(root.offset) : (line: 0, column: 0)
            throw IODEFError([
                .init(
                    code: .notIODEF, line: place.line, column: place.column,
                    message: "the root element is \(root.name), not IODEF-Document in \(IODEF.namespace)")
            ])
        }
        if let version = root.attribute("version"), version != IODEF.version {
            let place = locate(root.offset)
            throw IODEFError([
                .init(
                    code: .notIODEF, line: place.line, column: place.column,
                    message: "IODEF version '\(version)' is not supported; Cybex reads IODEF v2 (version=\"2.00\")")
            ])
        }
        var validator = IODEFValidator(locate: locate)
        validator.check(root)
        if !validator.problems.isEmpty { throw IODEFError(validator.problems, count: validator.count) }
        return IODEFDocument(
            incidents: root.elements("Incident", namespace: IODEF.namespace),
            additionalData: root.elements("AdditionalData", namespace: IODEF.namespace), attributes: root.attributes)
    }

    /// The document as an element tree.
    public var root: XMLTree.Element {
        var root = XMLTree.Element(IODEF.name("IODEF-Document"), attributes: attributes)
        for incident in incidents { root.append(incident) }
        for data in additionalData { root.append(data) }
        return root
    }

    /// The document as UTF-8 XML, indented, IODEF the default namespace.
    public func xml() -> [UInt8] {
        XMLWriter.bytes(root, prefixes: IODEF.prefixes)
    }
}

/// Walks a tree and records every way it departs from the RFC's classes.
struct IODEFValidator {
    let locate: (Int) -> (line: Int, column: Int)
    var problems: [IODEFError.Problem] = []
    var count = 0

    init(locate: @escaping (Int) -> (line: Int, column: Int)) {
        self.locate = locate
    }

    mutating func add(_ code: IODEFError.Code, _ element: XMLTree.Element, _ message: String) {
        count += 1
        guard problems.count < 20 else { return }
        let place = element.offset >= 0 ? locate(element.offset) : (line: 0, column: 0)
        problems.append(.init(code: code, line: place.line, column: place.column, message: message))
    }

    mutating func check(_ element: XMLTree.Element) {
        // Elements of the imported namespaces (sci:, enum:, ds:) and of extensions are carried as they are.
        guard element.name.namespace == IODEF.namespace else { return }
        let name = element.name.local
        guard let rule = IODEFRules.classes[name] else {
            add(.unknownElement, element, "<\(name)> is not a class of IODEF v2 (RFC 7970)")
            return
        }
        for attribute in rule.required where element.attribute(attribute) == nil {
            add(.missingAttribute, element, "<\(name)> needs the attribute '\(attribute)'")
        }
        for attribute in element.attributes where attribute.name.namespace == nil {
            let allowed = attribute.name.local == "restriction" ? IODEFRules.restriction : rule.enumerations[attribute.name.local]
            if let allowed, !allowed.contains(attribute.value) {
                add(
                    .invalidValue, element,
                    "<\(name) \(attribute.name.local)=\"\(attribute.value)\">: not one of \(allowed.sorted().joined(separator: ", "))"
                )
            }
        }
        let children = element.elements
        let local = children.filter { $0.name.namespace == IODEF.namespace }.map(\.name.local)
        for required in rule.requiredChildren where !local.contains(required) {
            add(.missingElement, element, "<\(name)> needs a <\(required)>")
        }
        if !rule.oneOf.isEmpty && !local.contains(where: rule.oneOf.contains) {
            add(.missingElement, element, "<\(name)> needs at least one of <\(rule.oneOf.joined(separator: ">, <"))>")
        }
        if !rule.exactlyOne.isEmpty && local.filter(rule.exactlyOne.contains).count != 1 {
            add(.missingElement, element, "<\(name)> needs exactly one of <\(rule.exactlyOne.joined(separator: ">, <"))>")
        }
        if rule.open { return }
        if let text = rule.text {
            if !children.isEmpty {
                add(.invalidContent, element, "<\(name)> holds text only, not elements")
            } else if let problem = Self.problem(with: element.text, as: text) {
                add(.invalidValue, element, "<\(name)>: \(problem)")
            }
            return
        }
        if element.hasSignificantText { add(.invalidContent, element, "<\(name)> holds elements only, not text") }
        for child in children { check(child) }
    }

    /// Why `text` does not read as `kind`, or nil when it does.
    static func problem(with text: String, as kind: IODEFRules.Text) -> String? {
        let value = text.trimmingXMLWhitespace
        switch kind {
        case .string:
            return nil
        case .dateTime:
            return IODEFTime.isDateTime(value)
                ? nil : "'\(value)' is not a date and time (xs:dateTime, e.g. 2026-05-01T10:15:00Z)"
        case .integer:
            let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
            return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? nil : "'\(value)' is not an integer"
        case .float:
            return Double(value) != nil ? nil : "'\(value)' is not a number"
        case .positiveFloat:
            guard let number = Double(value), number > 0 else { return "'\(value)' is not a number above zero" }
            return nil
        case .portlist:
            let ranges = value.split(separator: ",", omittingEmptySubsequences: false)
            let valid = ranges.allSatisfy { range in
                let ends = range.split(separator: "-", omittingEmptySubsequences: false)
                return (1...2).contains(ends.count)
                    && ends.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            }
            return valid ? nil : "'\(value)' is not a port list (e.g. 22,80-88)"
        case .timezone:
            return IODEFTime.isTimezone(value) ? nil : "'\(value)' is not a time zone (Z or ±hh:mm)"
        }
    }
}

extension String {
    /// The string without leading and trailing XML white space (space, tab, CR, LF).
    var trimmingXMLWhitespace: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end && XMLBytes.isWhitespace(bytes[start]) { start += 1 }
        while end > start && XMLBytes.isWhitespace(bytes[end - 1]) { end -= 1 }
        return start == 0 && end == bytes.count ? self : String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

extension IODEF {
    /// `element` as its content compares, for telling whether two incidents say the same: no
    /// source offsets, no white space between elements, attributes in name order, and an
    /// `Incident` without `restriction` given the RFC's default, `private`.
    public static func content(_ element: XMLTree.Element) -> XMLTree.Element {
        var copy = element
        copy.offset = -1
        let elementOnly = !element.elements.isEmpty && !element.hasSignificantText
        copy.children = element.children.compactMap {
            switch $0 {
            case .element(let child): return .element(content(child))
            case .text(let text): return elementOnly ? nil : .text(text)
            }
        }
        if element.name == name("Incident") && element.attribute("restriction") == nil { copy.set("restriction", "private") }
        copy.attributes.sort { ($0.name.namespace ?? "", $0.name.local) < ($1.name.namespace ?? "", $1.name.local) }
        return copy
    }
}
