/// The tree an XML document is read into by ``XMLReader`` and written from by ``XMLWriter``:
/// elements with namespace-resolved names, attributes and text, nothing else. There are no DTD,
/// entity, comment or processing-instruction nodes: the reader refuses the first two and drops the
/// others.
public enum XMLTree {
    /// A namespace-resolved name: the namespace URI (nil when the name is in no namespace) and the
    /// local part.
    public struct Name: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String?
        public var local: String

        public init(_ local: String, namespace: String? = nil) {
            self.local = local
            self.namespace = namespace
        }

        public var description: String { namespace.map { "{\($0)}\(local)" } ?? local }
    }

    /// One attribute. Namespace declarations (`xmlns`, `xmlns:p`) are not attributes here: the
    /// reader resolves them, and the writer declares what the names it writes need.
    public struct Attribute: Sendable, Hashable {
        public var name: Name
        public var value: String

        public init(_ name: Name, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What an element holds, in document order.
    public enum Node: Sendable, Hashable {
        case element(Element)
        /// Character data: adjacent text, references and CDATA sections are one node.
        case text(String)
    }

    /// An element and everything under it.
    public struct Element: Sendable, Hashable {
        public var name: Name
        public var attributes: [Attribute]
        public var children: [Node]
        /// Where the element's start tag began in the input (byte offset), for errors that the
        /// typed reading above the tree finds; -1 for elements built in code.
        public var offset: Int

        public init(_ name: Name, attributes: [Attribute] = [], children: [Node] = [], offset: Int = -1) {
            self.name = name
            self.attributes = attributes
            self.children = children
            self.offset = offset
        }

        /// The value of the attribute named `local` in no namespace (how XML Schema's unqualified
        /// attributes are written), or nil.
        public func attribute(_ local: String) -> String? {
            for attribute in attributes where attribute.name.local == local && attribute.name.namespace == nil {
                return attribute.value
            }
            return nil
        }

        /// The value of the attribute with the namespace-resolved `name`, or nil.
        public func attribute(_ name: Name) -> String? {
            attributes.first { $0.name == name }?.value
        }

        /// The child elements, in order.
        public var elements: [Element] {
            children.compactMap { if case .element(let element) = $0 { element } else { nil } }
        }

        /// The child elements with local name `local` in namespace `namespace`.
        public func elements(_ local: String, namespace: String?) -> [Element] {
            elements.filter { $0.name.local == local && $0.name.namespace == namespace }
        }

        /// The text directly in this element (not in its children), concatenated.
        public var text: String {
            var result = ""
            for child in children { if case .text(let text) = child { result += text } }
            return result
        }

        /// Whether the element holds text that is not only white space (mixed or simple content).
        public var hasSignificantText: Bool {
            children.contains {
                if case .text(let text) = $0 { !text.utf8.allSatisfy(XMLBytes.isWhitespace) } else { false }
            }
        }

        /// Appends a child element.
        public mutating func append(_ element: Element) { children.append(.element(element)) }

        /// Sets (or replaces) the unqualified attribute `local`; a nil value removes it.
        public mutating func set(_ local: String, _ value: String?) {
            attributes.removeAll { $0.name.local == local && $0.name.namespace == nil }
            if let value { attributes.append(Attribute(Name(local), value)) }
        }
    }

    /// A document read from bytes: its root element and what is needed to turn an element's
    /// offset into a line and column.
    public struct Document: Sendable {
        public var root: Element
        /// The byte offset at which each line after the first starts.
        let lineStarts: [Int]
        let bytes: [UInt8]

        init(root: Element, lineStarts: [Int], bytes: [UInt8]) {
            self.root = root
            self.lineStarts = lineStarts
            self.bytes = bytes
        }

        /// The 1-based line and column (in characters) of byte `offset`.
        public func location(of offset: Int) -> (line: Int, column: Int) {
            XMLBytes.location(of: offset, lineStarts: lineStarts, bytes: bytes)
        }
    }
}

/// Byte classes and positions shared by the reader and the writer.
enum XMLBytes {
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    /// XML 1.0 NameStartChar, by byte: ASCII letters, `_`, `:`, and every byte of a multi-byte
    /// UTF-8 sequence (non-ASCII names are allowed; their exact classes are not checked).
    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte == 0x3A || byte >= 0x80
    }

    static func isName(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
    }

    /// Line and column (1-based, columns counted in characters) of `offset`, given where lines start.
    static func location(of offset: Int, lineStarts: [Int], bytes: some Collection<UInt8>) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count
        while low < high {
            let middle = (low + high) / 2
            if lineStarts[middle] <= offset { low = middle + 1 } else { high = middle }
        }
        let lineStart = low == 0 ? 0 : lineStarts[low - 1]
        var column = 1
        var index = bytes.index(bytes.startIndex, offsetBy: lineStart)
        let end = bytes.index(bytes.startIndex, offsetBy: min(offset, bytes.count))
        while index < end {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index = bytes.index(after: index)
        }
        return (low + 1, column)
    }
}
