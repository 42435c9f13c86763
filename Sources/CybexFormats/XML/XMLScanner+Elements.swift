/// Elements, attributes, references and text: the part of the reader below the prolog.
extension XMLScanner {
    /// An element whose end tag has not been read yet.
    struct OpenElement {
        var element: XMLTree.Element
        var qualifiedName: Range<Int>
        var bindingCount: Int
    }

    /// The root element and everything in it, read without recursion (the depth bound holds
    /// whatever the limits say).
    mutating func readElementTree() throws(XMLError) -> XMLTree.Element {
        var stack: [OpenElement] = []
        var text: [UInt8] = []
        var textStart = index
        let first = try readStartTag(depth: 1)
        if first.selfClosing {
            bindings.removeLast(bindings.count - first.open.bindingCount)
            return first.open.element
        }
        stack.append(first.open)
        while true {
            guard index < buffer.count else {
                let open = stack[stack.count - 1]
                throw fail(.unexpectedEnd, "the element <\(string(open.qualifiedName))> is not closed", at: open.element.offset)
            }
            let byte = buffer[index]
            if byte == UInt8(ascii: "<") {
                if hasPrefix("</") {
                    try flush(&text, into: &stack[stack.count - 1], at: textStart)
                    let closed = try readEndTag(of: stack[stack.count - 1])
                    stack.removeLast()
                    bindings.removeLast(bindings.count - closed.bindingCount)
                    if stack.isEmpty { return closed.element }
                    stack[stack.count - 1].element.children.append(.element(closed.element))
                } else if hasPrefix("<!--") {
                    try skipComment()
                } else if hasPrefix("<![CDATA[") {
                    if text.isEmpty { textStart = index }
                    try readCDATA(into: &text)
                } else if hasPrefix("<?") {
                    try skipProcessingInstruction()
                } else if hasPrefix("<!") {
                    throw refusedMarkup()
                } else {
                    try flush(&text, into: &stack[stack.count - 1], at: textStart)
                    let depth = stack.count + 1
                    let child = try readStartTag(depth: depth)
                    if child.selfClosing {
                        bindings.removeLast(bindings.count - child.open.bindingCount)
                        stack[stack.count - 1].element.children.append(.element(child.open.element))
                    } else {
                        stack.append(child.open)
                    }
                }
            } else {
                if text.isEmpty { textStart = index }
                if byte == UInt8(ascii: "&") {
                    try readReference(into: &text)
                } else {
                    try readCharacterData(into: &text)
                }
                if text.count > limits.maxTextBytes {
                    throw fail(.tooLarge, "a text node longer than \(limits.maxTextBytes) bytes", at: textStart)
                }
            }
        }
    }

    /// Ends a run of text: it becomes one text node of `open`.
    mutating func flush(_ text: inout [UInt8], into open: inout OpenElement, at offset: Int) throws(XMLError) {
        guard !text.isEmpty else { return }
        try countNode(at: offset)
        open.element.children.append(.text(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }

    /// Characters up to the next `<` or `&`, with line ends normalised (CR LF and CR become LF).
    mutating func readCharacterData(into text: inout [UInt8]) throws(XMLError) {
        while index < buffer.count {
            // A run of plain characters is copied at once.
            let start = index
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") || byte == 0x0D || byte == UInt8(ascii: ">") { break }
                index += 1
            }
            if index > start {
                text.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                if text.count > limits.maxTextBytes { return }
            }
            guard index < buffer.count else { return }
            let byte = buffer[index]
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") { return }
            if byte == 0x0D {
                text.append(0x0A)
                index += 1
                if index < buffer.count && buffer[index] == 0x0A { index += 1 }
                continue
            }
            if byte == UInt8(ascii: ">") && index >= 2 && buffer[index - 1] == UInt8(ascii: "]")
                && buffer[index - 2] == UInt8(ascii: "]")
            {
                throw fail(.malformed, "']]>' is not allowed in text outside a CDATA section", at: index - 2)
            }
            text.append(byte)
            index += 1
            if text.count > limits.maxTextBytes { return }
        }
    }

    mutating func readCDATA(into text: inout [UInt8]) throws(XMLError) {
        let start = index
        index += 9
        while index + 2 < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "]") && buffer[index + 1] == UInt8(ascii: "]") && buffer[index + 2] == UInt8(ascii: ">") {
                index += 3
                return
            }
            if byte == 0x0D {
                text.append(0x0A)
                index += 1
                if buffer[index] == 0x0A { index += 1 }
            } else {
                text.append(byte)
                index += 1
            }
            if text.count > limits.maxTextBytes {
                throw fail(.tooLarge, "a text node longer than \(limits.maxTextBytes) bytes", at: start)
            }
        }
        throw fail(.unexpectedEnd, "the CDATA section is not closed", at: start)
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and character references; any other entity is undeclared.
    mutating func readReference(into text: inout [UInt8]) throws(XMLError) {
        let start = index
        index += 1
        if index < buffer.count && buffer[index] == UInt8(ascii: "#") {
            index += 1
            var radix: UInt32 = 10
            if index < buffer.count && buffer[index] == UInt8(ascii: "x") {
                radix = 16
                index += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while index < buffer.count, let digit = digitValue(buffer[index], radix: radix) {
                value = value &* radix &+ digit
                digits += 1
                index += 1
                if digits > 8 { throw fail(.invalidCharacter, "a character reference out of range", at: start) }
            }
            guard digits > 0, index < buffer.count, buffer[index] == UInt8(ascii: ";") else {
                throw fail(.malformed, "a character reference must be &#digits; or &#xhex;", at: start)
            }
            index += 1
            guard Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else {
                throw fail(.invalidCharacter, "character reference to U+\(hex(value)), which XML does not allow", at: start)
            }
            text.append(contentsOf: scalar.utf8)
            return
        }
        let name = try readName()
        guard index < buffer.count, buffer[index] == UInt8(ascii: ";") else {
            throw fail(.malformed, "an entity reference must end with ';'", at: start)
        }
        index += 1
        switch string(name) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        case let other:
            throw fail(
                .undeclaredEntity,
                "the entity '&\(other);' is not declared: Cybex reads no DTD, so only &lt; &gt; &amp; &quot; and &apos; exist",
                at: start)
        }
    }

    func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// XML 1.0's Char production.
    static func isXMLCharacter(_ value: UInt32) -> Bool {
        value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF)
            || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF)
    }

    /// A quoted attribute value with references replaced and white space normalised (XML 1.0 §3.3.3).
    mutating func readAttributeValue() throws(XMLError) -> String {
        let start = index
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected a quoted value, found the end of the document") }
        let quote = buffer[index]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw fail(.malformed, "an attribute value must be in quotes")
        }
        index += 1
        var value: [UInt8] = []
        while true {
            let run = index
            while index < buffer.count {
                let byte = buffer[index]
                if byte == quote || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") || byte < 0x20 { break }
                index += 1
            }
            if index > run { value.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[run..<index])) }
            if value.count > limits.maxTextBytes {
                throw fail(.tooLarge, "an attribute value longer than \(limits.maxTextBytes) bytes", at: start)
            }
            guard index < buffer.count else { throw fail(.unexpectedEnd, "the attribute value is not closed", at: start) }
            let byte = buffer[index]
            if byte == quote {
                index += 1
                break
            }
            switch byte {
            case UInt8(ascii: "<"):
                throw fail(.malformed, "'<' is not allowed in an attribute value")
            case UInt8(ascii: "&"):
                try readReference(into: &value)
            case 0x0D:
                value.append(0x20)
                index += 1
                if index < buffer.count && buffer[index] == 0x0A { index += 1 }
            case 0x0A, 0x09:
                value.append(0x20)
                index += 1
            default:
                value.append(byte)
                index += 1
            }
            if value.count > limits.maxTextBytes {
                throw fail(.tooLarge, "an attribute value longer than \(limits.maxTextBytes) bytes", at: start)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// A start tag at `<`, with its namespace declarations pushed onto `bindings`.
    mutating func readStartTag(depth: Int) throws(XMLError) -> (open: OpenElement, selfClosing: Bool) {
        let start = index
        if depth > limits.maxDepth {
            throw fail(.tooDeep, "elements nested deeper than \(limits.maxDepth) levels")
        }
        try countNode(at: start)
        index += 1
        let qualifiedName = try readName()
        let bindingCount = bindings.count
        var raw: [(name: Range<Int>, value: String)] = []
        var selfClosing = false
        while true {
            let spaced = skipWhitespace()
            guard index < buffer.count else {
                throw fail(.unexpectedEnd, "the start tag <\(string(qualifiedName))> is not closed", at: start)
            }
            if buffer[index] == UInt8(ascii: ">") {
                index += 1
                break
            }
            if buffer[index] == UInt8(ascii: "/") {
                index += 1
                try expect(UInt8(ascii: ">"), "'>' after '/'")
                selfClosing = true
                break
            }
            guard spaced else { throw fail(.malformed, "expected white space before an attribute") }
            let name = try readName()
            skipWhitespace()
            try expect(UInt8(ascii: "="), "'=' after the attribute name")
            skipWhitespace()
            let value = try readAttributeValue()
            for earlier in raw where sameBytes(earlier.name, name) {
                throw fail(.duplicateAttribute, "the attribute '\(string(name))' appears twice", at: name.lowerBound)
            }
            if raw.count >= limits.maxAttributes {
                throw fail(.tooManyAttributes, "more than \(limits.maxAttributes) attributes on one element", at: name.lowerBound)
            }
            raw.append((name, value))
        }
        // Namespace declarations first: they apply to the element's own name and attributes.
        var attributes: [(name: Range<Int>, value: String)] = []
        for (name, value) in raw {
            if hasBytes(name, "xmlns") {
                bindings.append(([], value))
            } else if name.count > 6 && hasBytes(name.lowerBound..<(name.lowerBound + 6), "xmlns:") {
                let prefix = Array(buffer[(name.lowerBound + 6)..<name.upperBound])
                let shown = string((name.lowerBound + 6)..<name.upperBound)
                if value.isEmpty { throw fail(.malformed, "the prefix '\(shown)' cannot be undeclared", at: name.lowerBound) }
                if shown == "xmlns" || (shown == "xml") != (value == XMLReader.xmlNamespace) {
                    throw fail(.malformed, "the prefix '\(shown)' cannot be bound to '\(value)'", at: name.lowerBound)
                }
                bindings.append((prefix, value))
            } else {
                attributes.append((name, value))
            }
        }
        let elementName = try resolve(qualifiedName, isAttribute: false)
        var resolved: [XMLTree.Attribute] = []
        resolved.reserveCapacity(attributes.count)
        for (name, value) in attributes {
            let attributeName = try resolve(name, isAttribute: true)
            if resolved.contains(where: { $0.name == attributeName }) {
                throw fail(.duplicateAttribute, "the attribute \(attributeName) appears twice", at: name.lowerBound)
            }
            resolved.append(XMLTree.Attribute(attributeName, value))
        }
        let element = XMLTree.Element(elementName, attributes: resolved, offset: start)
        return (OpenElement(element: element, qualifiedName: qualifiedName, bindingCount: bindingCount), selfClosing)
    }

    mutating func readEndTag(of open: OpenElement) throws(XMLError) -> OpenElement {
        let start = index
        index += 2
        let name = try readName()
        guard sameBytes(name, open.qualifiedName) else {
            let opened = XMLBytes.location(of: open.element.offset, lineStarts: lineStarts, bytes: buffer)
            throw fail(
                .mismatchedTag,
                "</\(string(name))> does not close <\(string(open.qualifiedName))> (opened at line \(opened.line))", at: start)
        }
        skipWhitespace()
        try expect(UInt8(ascii: ">"), "'>' to end the end tag")
        return open
    }

    /// The namespace-resolved name of a qualified name: a prefix must be bound; an unprefixed
    /// element is in the default namespace, an unprefixed attribute in none.
    func resolve(_ qualified: Range<Int>, isAttribute: Bool) throws(XMLError) -> XMLTree.Name {
        var colon: Int?
        for position in qualified where buffer[position] == UInt8(ascii: ":") {
            if colon != nil { throw fail(.malformed, "a name with more than one ':'", at: qualified.lowerBound) }
            colon = position
        }
        guard let colon else {
            let local = string(qualified)
            if isAttribute { return XMLTree.Name(local) }
            return XMLTree.Name(local, namespace: namespace(for: []))
        }
        guard colon > qualified.lowerBound, colon + 1 < qualified.upperBound else {
            throw fail(.malformed, "a name cannot start or end with ':'", at: qualified.lowerBound)
        }
        let prefix = Array(buffer[qualified.lowerBound..<colon])
        let local = string((colon + 1)..<qualified.upperBound)
        if prefix == Array("xml".utf8) { return XMLTree.Name(local, namespace: XMLReader.xmlNamespace) }
        guard let uri = namespace(for: prefix) else {
            throw fail(
                .unboundPrefix, "the prefix '\(string(qualified.lowerBound..<colon))' is not declared", at: qualified.lowerBound)
        }
        return XMLTree.Name(local, namespace: uri)
    }

    /// The URI `prefix` is bound to in scope (nil when unbound, or for the default namespace when
    /// none is declared or it was undeclared).
    func namespace(for prefix: [UInt8]) -> String? {
        for binding in bindings.reversed() where binding.prefix == prefix {
            return binding.uri.isEmpty ? nil : binding.uri
        }
        return nil
    }

    func sameBytes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where buffer[a.lowerBound + k] != buffer[b.lowerBound + k] { return false }
        return true
    }

    func hasBytes(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let start = text.utf8Start
        for k in 0..<range.count where buffer[range.lowerBound + k] != start[k] { return false }
        return true
    }
}
