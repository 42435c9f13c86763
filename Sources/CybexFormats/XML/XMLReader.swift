/// A strict, bounded, namespace-aware XML 1.0 reader over UTF-8 bytes, in two phases as every
/// Cybex parser: bytes to an ``XMLTree`` within ``XMLLimits``, then a typed reading (IODEF, RID)
/// above it.
///
/// It has no DTD support by construction: a document type declaration is refused (so are the
/// external entities and entity expansions only a DTD can declare), and a reference to any entity
/// but the five predefined ones is an error. The size is checked before parsing; depth, node count,
/// attribute count, names and text are bounded as it reads, so a hostile document costs at most a
/// pass over `maxBytes`. Errors carry the line and column.
///
/// ```swift
/// let document = try XMLReader.parse(Array(xml.utf8))
/// let incidents = document.root.elements("Incident", namespace: IODEF.namespace)
/// ```
public enum XMLReader {
    /// The namespace the `xml` prefix is bound to, always.
    public static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    /// Reads one complete document.
    public static func parse(_ bytes: [UInt8], limits: XMLLimits = .default) throws(XMLError) -> XMLTree.Document {
        guard bytes.count <= limits.maxBytes else {
            throw XMLError(
                code: .tooLarge, line: 1, column: 1,
                message: "the document is \(bytes.count) bytes; at most \(limits.maxBytes) are accepted")
        }
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var scanner = XMLScanner(buffer: buffer, limits: limits)
                try scanner.checkCharacters()
                let root = try scanner.readDocument()
                return XMLTree.Document(root: root, lineStarts: scanner.lineStarts, bytes: bytes)
            }
        } catch let error as XMLError {
            throw error
        } catch {
            // Only the scanner throws, and it throws XMLError.
            throw XMLError(code: .malformed, line: 1, column: 1, message: String(describing: error))
        }
    }
}

/// The reader's state over one document.
struct XMLScanner {
    let buffer: UnsafeBufferPointer<UInt8>
    let limits: XMLLimits
    var index = 0
    var nodes = 0
    /// The byte offset at which each line after the first starts (filled by `checkCharacters`).
    var lineStarts: [Int] = []
    /// In-scope namespace declarations, innermost last; the prefix "" is the default namespace,
    /// and an empty URI undeclares it.
    var bindings: [(prefix: [UInt8], uri: String)] = []

    init(buffer: UnsafeBufferPointer<UInt8>, limits: XMLLimits) {
        self.buffer = buffer
        self.limits = limits
    }

    func fail(_ code: XMLError.Code, _ message: String, at offset: Int? = nil) -> XMLError {
        let location = XMLBytes.location(of: offset ?? index, lineStarts: lineStarts, bytes: buffer)
        return XMLError(code: code, line: location.line, column: location.column, message: message)
    }

    // MARK: Characters

    /// One pass over the bytes before any markup is read: valid UTF-8, only characters XML 1.0
    /// allows, and where lines start.
    mutating func checkCharacters() throws(XMLError) {
        let count = buffer.count
        if count >= 2, (buffer[0] == 0xFE && buffer[1] == 0xFF) || (buffer[0] == 0xFF && buffer[1] == 0xFE) {
            throw fail(.unsupportedEncoding, "the document is UTF-16; Cybex reads UTF-8 only", at: 0)
        }
        var i = 0
        while i < count {
            let byte = buffer[i]
            if byte < 0x80 {
                if byte < 0x20 {
                    if byte == 0x0A {
                        lineStarts.append(i + 1)
                    } else if byte != 0x09 && byte != 0x0D {
                        throw fail(.invalidCharacter, "control character U+\(hex(UInt32(byte))) is not allowed in XML", at: i)
                    }
                }
                i += 1
                continue
            }
            let length: Int
            if byte >= 0xC2 && byte < 0xE0 {
                length = 2
            } else if byte >= 0xE0 && byte < 0xF0 {
                length = 3
            } else if byte >= 0xF0 && byte < 0xF5 {
                length = 4
            } else {
                throw fail(.invalidUTF8, "byte 0x\(hex(UInt32(byte))) cannot start a UTF-8 character", at: i)
            }
            guard i + length <= count else { throw fail(.invalidUTF8, "a UTF-8 character is cut off by the end", at: i) }
            for k in 1..<length where buffer[i + k] & 0xC0 != 0x80 {
                throw fail(.invalidUTF8, "invalid UTF-8 sequence", at: i)
            }
            let second = buffer[i + 1]
            if (byte == 0xE0 && second < 0xA0) || (byte == 0xF0 && second < 0x90) {
                throw fail(.invalidUTF8, "overlong UTF-8 sequence", at: i)
            }
            if byte == 0xED && second >= 0xA0 { throw fail(.invalidUTF8, "UTF-8 encoded surrogate", at: i) }
            if byte == 0xF4 && second >= 0x90 { throw fail(.invalidUTF8, "code point above U+10FFFF", at: i) }
            if byte == 0xEF && second == 0xBF && (buffer[i + 2] == 0xBE || buffer[i + 2] == 0xBF) {
                throw fail(.invalidCharacter, "U+FFFE and U+FFFF are not allowed in XML", at: i)
            }
            i += length
        }
    }

    func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count < 4 ? String(repeating: "0", count: 4 - digits.count) + digits : digits
    }

    // MARK: Document

    mutating func readDocument() throws(XMLError) -> XMLTree.Element {
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { index = 3 }
        if hasPrefix("<?xml"), index + 5 < buffer.count, XMLBytes.isWhitespace(buffer[index + 5]) {
            try readDeclaration()
        }
        try readMisc()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "<") else {
            throw fail(.noRootElement, index < buffer.count ? "expected the root element" : "the document has no root element")
        }
        let root = try readElementTree()
        try readMisc()
        if index < buffer.count { throw fail(.trailingContent, "content after the root element") }
        return root
    }

    func hasPrefix(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= buffer.count else { return false }
        let start = text.utf8Start
        for k in 0..<count where buffer[index + k] != start[k] { return false }
        return true
    }

    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < buffer.count && XMLBytes.isWhitespace(buffer[index]) { index += 1 }
        return index > start
    }

    /// White space, comments and processing instructions before or after the root; a DOCTYPE is refused.
    mutating func readMisc() throws(XMLError) {
        while true {
            skipWhitespace()
            if hasPrefix("<!--") {
                try skipComment()
            } else if hasPrefix("<?") {
                try skipProcessingInstruction()
            } else if hasPrefix("<!") {
                throw refusedMarkup()
            } else {
                return
            }
        }
    }

    /// The error for `<!` that is neither a comment nor CDATA: a DTD is refused by name.
    func refusedMarkup() -> XMLError {
        if hasPrefix("<!DOCTYPE") {
            return fail(
                .doctypeRefused, "a document type declaration (DOCTYPE) is not accepted: Cybex reads no DTD, and so no entity")
        }
        if hasPrefix("<!ENTITY") || hasPrefix("<!ELEMENT") || hasPrefix("<!ATTLIST") || hasPrefix("<!NOTATION") {
            return fail(.doctypeRefused, "a DTD declaration is not accepted: Cybex reads no DTD")
        }
        return fail(.malformed, "'<!' must start a comment or a CDATA section here")
    }

    mutating func readDeclaration() throws(XMLError) {
        let start = index
        index += 5
        var seen: [String: String] = [:]
        while true {
            let spaced = skipWhitespace()
            guard index < buffer.count else { throw fail(.unexpectedEnd, "the XML declaration is not closed", at: start) }
            if hasPrefix("?>") {
                index += 2
                break
            }
            guard spaced else { throw fail(.malformed, "expected white space in the XML declaration") }
            let nameRange = try readName()
            let name = string(nameRange)
            skipWhitespace()
            try expect(UInt8(ascii: "="), "'=' in the XML declaration")
            skipWhitespace()
            let value = try readAttributeValue()
            seen[name] = value
            switch name {
            case "version":
                guard value == "1.0" else {
                    throw fail(
                        .unsupportedEncoding, "XML version \(value) is not supported; Cybex reads XML 1.0",
                        at: nameRange.lowerBound)
                }
            case "encoding":
                guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(value.lowercased()) else {
                    throw fail(
                        .unsupportedEncoding, "encoding \(value) is not supported; Cybex reads UTF-8 only",
                        at: nameRange.lowerBound)
                }
            case "standalone":
                guard value == "yes" || value == "no" else {
                    throw fail(.malformed, "standalone must be yes or no", at: nameRange.lowerBound)
                }
            default:
                throw fail(.malformed, "unknown pseudo-attribute '\(name)' in the XML declaration", at: nameRange.lowerBound)
            }
        }
        if seen["version"] == nil { throw fail(.malformed, "the XML declaration has no version", at: start) }
    }

    mutating func skipComment() throws(XMLError) {
        let start = index
        index += 4
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "-") && buffer[index + 1] == UInt8(ascii: "-") {
                guard index + 2 < buffer.count, buffer[index + 2] == UInt8(ascii: ">") else {
                    throw fail(.malformed, "'--' is not allowed inside a comment")
                }
                index += 3
                return
            }
            index += 1
        }
        throw fail(.unexpectedEnd, "the comment is not closed", at: start)
    }

    mutating func skipProcessingInstruction() throws(XMLError) {
        let start = index
        index += 2
        let target = try readName()
        if target.count == 3, string(target).lowercased() == "xml" {
            throw fail(.malformed, "an XML declaration is allowed only at the very start of the document", at: start)
        }
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "?") && buffer[index + 1] == UInt8(ascii: ">") {
                index += 2
                return
            }
            index += 1
        }
        throw fail(.unexpectedEnd, "the processing instruction is not closed", at: start)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(XMLError) {
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected \(what), found the end of the document") }
        guard buffer[index] == byte else { throw fail(.malformed, "expected \(what)") }
        index += 1
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    mutating func readName() throws(XMLError) -> Range<Int> {
        let start = index
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected a name, found the end of the document") }
        guard XMLBytes.isNameStart(buffer[index]) else { throw fail(.malformed, "expected a name") }
        index += 1
        while index < buffer.count && XMLBytes.isName(buffer[index]) { index += 1 }
        if index - start > limits.maxNameBytes {
            throw fail(.tooLarge, "a name longer than \(limits.maxNameBytes) bytes", at: start)
        }
        return start..<index
    }

    mutating func countNode(at offset: Int) throws(XMLError) {
        nodes += 1
        if nodes > limits.maxNodes {
            throw fail(.tooManyNodes, "more than \(limits.maxNodes) elements and text nodes in one document", at: offset)
        }
    }
}
