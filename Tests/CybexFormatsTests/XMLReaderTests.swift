import CybexFormats
import Foundation
import Testing

@Suite struct XMLReaderTests {
    func parse(_ text: String, limits: XMLLimits = .default) throws(XMLError) -> XMLTree.Element {
        try XMLReader.parse(Array(text.utf8), limits: limits).root
    }

    func error(_ bytes: [UInt8], limits: XMLLimits = .default) -> XMLError? {
        do {
            _ = try XMLReader.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func error(_ text: String, limits: XMLLimits = .default) -> XMLError? { error(Array(text.utf8), limits: limits) }

    static let ns = "urn:example:a"

    // MARK: Well-formed documents

    @Test func resolvesDefaultAndPrefixedNamespaces() throws {
        let root = try parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <a:doc xmlns:a="urn:example:a" xmlns="urn:example:d" xml:lang="en" plain="1" a:qual="2">
              <child/>
              <a:child/>
              <inner xmlns=""><none/></inner>
            </a:doc>
            """)
        #expect(root.name == XMLTree.Name("doc", namespace: Self.ns))
        #expect(root.attribute("plain") == "1")
        #expect(root.attribute(XMLTree.Name("qual", namespace: Self.ns)) == "2")
        #expect(root.attribute(XMLTree.Name("lang", namespace: XMLReader.xmlNamespace)) == "en")
        #expect(root.attributes.count == 3, "namespace declarations are not attributes")
        #expect(
            root.elements.map(\.name) == [
                XMLTree.Name("child", namespace: "urn:example:d"), XMLTree.Name("child", namespace: Self.ns),
                XMLTree.Name("inner"),
            ])
        #expect(root.elements[2].elements[0].name == XMLTree.Name("none"), "xmlns=\"\" undeclares the default namespace")
    }

    @Test func replacesReferencesAndNormalisesLineEnds() throws {
        let root = try parse(
            "<t a=\"x&#9;y\r\nz&lt;&amp;&quot;&apos;&#x41;\" b='tab\there'>1 &lt; 2 &amp;&amp; &#233;&#x1F600;\r\nline<![CDATA[<raw> & ]]]>\rend</t>"
        )
        #expect(root.attribute("a") == "x\ty z<&\"'A", "a character reference keeps its tab; a literal line end becomes a space")
        #expect(root.attribute("b") == "tab here")
        #expect(root.text == "1 < 2 && é😀\nline<raw> & ]\nend")
        #expect(root.children.count == 1, "text, references and CDATA make one text node")
    }

    @Test func skipsCommentsProcessingInstructionsAndTheByteOrderMark() throws {
        let bytes: [UInt8] =
            [0xEF, 0xBB, 0xBF] + Array("<!-- before --><?style x?>\n<r><!-- in -->a<?pi?>b</r><!-- after -->\n".utf8)
        let root = try XMLReader.parse(bytes).root
        #expect(root.text == "ab")
    }

    @Test func keepsOffsetsThatBecomeLinesAndColumns() throws {
        let document = try XMLReader.parse(Array("<r>\n  <é/>\n    <b/></r>".utf8))
        let offsets = document.root.elements.map(\.offset)
        #expect(offsets.map { document.location(of: $0).line } == [2, 3])
        #expect(offsets.map { document.location(of: $0).column } == [3, 5])
    }

    // MARK: Hostile documents

    @Test func refusesADoctypeAndSoEveryEntityDeclaration() throws {
        let externalEntity = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <r>&xxe;</r>
            """
        let laughs =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
            + (1...9).map {
                "<!ENTITY lol\($0) \"" + String(repeating: "&lol\($0 == 1 ? "" : String($0 - 1));", count: 10) + "\">"
            }
            .joined() + "]>\n<lolz>&lol9;</lolz>"
        for document in [externalEntity, laughs, "<!DOCTYPE r SYSTEM \"http://example.org/r.dtd\"><r/>"] {
            let refused = try #require(error(document))
            #expect(refused.code == .doctypeRefused)
            #expect(refused.message.contains("DTD"))
        }
        #expect(error(externalEntity)?.line == 2)
        // An entity used without any declaration is an error too, not an empty string.
        let undeclared = try #require(error("<r>\n a &xxe; b</r>"))
        #expect(undeclared.code == .undeclaredEntity)
        #expect((undeclared.line, undeclared.column) == (2, 4))
        #expect(error("<!ENTITY x \"y\"><r/>")?.code == .doctypeRefused)
        #expect(error("<r><!ENTITY x \"y\"></r>")?.code == .doctypeRefused)
    }

    @Test func refusesDeepNestingAtTheLimitInBoundedTime() throws {
        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        let clock = ContinuousClock()
        let start = clock.now
        let refused = try #require(error(deep))
        #expect(clock.now - start < .seconds(1))
        #expect(refused.code == .tooDeep)
        #expect(refused.column == 64 * 3 + 1, "refused at the 65th start tag, not after reading them all")
        // Exactly at the limit is fine.
        let limit = XMLLimits.default.maxDepth
        _ = try parse(String(repeating: "<a>", count: limit) + String(repeating: "</a>", count: limit))
    }

    @Test func refusesLargeDocumentsTextAndAttributesBeforeTheyCostMemory() throws {
        let limits = XMLLimits(maxBytes: 1 << 20, maxTextBytes: 1 << 10)
        let huge = Array("<r a=\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 1) + Array("\"/>".utf8)
        let sized = try #require(error(huge, limits: limits))
        #expect(sized.code == .tooLarge)
        #expect(sized.message.contains("at most 1048576"))
        #expect(error("<r a=\"" + String(repeating: "x", count: 1025) + "\"/>", limits: limits)?.code == .tooLarge)
        #expect(error("<r>" + String(repeating: "x", count: 1025) + "</r>", limits: limits)?.code == .tooLarge)
        #expect(error("<r>" + String(repeating: "&amp;", count: 1025) + "</r>", limits: limits)?.code == .tooLarge)
        #expect(
            error("<r>" + String(repeating: "<a/>", count: 11) + "</r>", limits: XMLLimits(maxNodes: 10))?.code == .tooManyNodes)
        let attributes = (0..<65).map { " a\($0)=\"1\"" }.joined()
        #expect(error("<r\(attributes)/>")?.code == .tooManyAttributes)
        #expect(error("<" + String(repeating: "n", count: 513) + "/>")?.code == .tooLarge)
    }

    @Test func refusesAGigabyteFileFromItsSizeWithoutReadingIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-xml-\(UUID().uuidString).xml").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("<r>".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: XMLError.self) { try XMLReader.parse(fileAtPath: path) }
        do {
            _ = try XMLReader.parse(fileAtPath: path)
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("1073741824 bytes"))
        }
        #expect(clock.now - start < .seconds(1))
        #expect(throws: XMLError.self) { try XMLReader.parse(fileAtPath: path + ".missing") }
    }

    @Test(arguments: [
        ("<r>\u{01}</r>", XMLError.Code.invalidCharacter),
        ("<r>&#0;</r>", .invalidCharacter),
        ("<r>&#xFFFE;</r>", .invalidCharacter),
        ("<r>&#99999999999;</r>", .invalidCharacter),
        ("<r></s>", .mismatchedTag),
        ("<r a='1' a='2'/>", .duplicateAttribute),
        ("<r xmlns:p='urn:x' xmlns:q='urn:x' p:a='1' q:a='2'/>", .duplicateAttribute),
        ("<p:r/>", .unboundPrefix),
        ("<r p:a='1'/>", .unboundPrefix),
        ("<r/><r/>", .trailingContent),
        ("<r/>text", .trailingContent),
        ("  ", .noRootElement),
        ("<r><a></r>", .mismatchedTag),
        ("<r>", .unexpectedEnd),
        ("<r a='1", .unexpectedEnd),
        ("<r><!-- open </r>", .unexpectedEnd),
        ("<r><![CDATA[ x </r>", .unexpectedEnd),
        ("<r a=1/>", .malformed),
        ("<r a='<'/>", .malformed),
        ("<r>]]></r>", .malformed),
        ("<r><!-- a -- b --></r>", .malformed),
        ("<r a='1'b='2'/>", .malformed),
        ("<r>&amp</r>", .malformed),
        ("<?xml version='1.1'?><r/>", .unsupportedEncoding),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><r/>", .unsupportedEncoding),
        ("<r/><?xml version='1.0'?>", .malformed),
        ("<r xmlns:p=''/>", .malformed),
        ("<r xmlns:xml='urn:other'/>", .malformed),
        ("<a:b:c xmlns:a='urn:a'/>", .malformed),
    ])
    func refusesMalformedDocumentsWithTheirReason(document: String, code: XMLError.Code) {
        #expect(error(document)?.code == code, "\(document)")
    }

    @Test func refusesBadEncodings() {
        #expect(error([0xFF, 0xFE, 0x3C, 0x00])?.code == .unsupportedEncoding)
        #expect(error(Array("<r>".utf8) + [0xC3, 0x28] + Array("</r>".utf8))?.code == .invalidUTF8)
        #expect(error(Array("<r>".utf8) + [0xED, 0xA0, 0x80] + Array("</r>".utf8))?.code == .invalidUTF8)
        #expect(error(Array("<r>".utf8) + [0xC0, 0xAF] + Array("</r>".utf8))?.code == .invalidUTF8)
        #expect(error(Array("<r>".utf8) + [0xEF, 0xBF, 0xBF] + Array("</r>".utf8))?.code == .invalidCharacter)
        let located = error(Array("<r>\n\nab".utf8) + [0xE2, 0x28])
        #expect(located.map { [$0.line, $0.column] } == [3, 3])
    }

    // MARK: Writing

    @Test func writesWhatItReadsBack() throws {
        let other = "urn:example:other"
        var root = XMLTree.Element(
            XMLTree.Name("doc", namespace: Self.ns),
            attributes: [
                XMLTree.Attribute(XMLTree.Name("a"), "quote \" amp & lt < gt > tab\tnew\nline\r"),
                XMLTree.Attribute(XMLTree.Name("lang", namespace: XMLReader.xmlNamespace), "fr"),
                XMLTree.Attribute(XMLTree.Name("q", namespace: other), "in other"),
            ])
        root.append(XMLTree.Element(XMLTree.Name("text", namespace: Self.ns), children: [.text("a < b && c ]]> d\r\n\té")]))
        root.append(
            XMLTree.Element(
                XMLTree.Name("x", namespace: other),
                children: [
                    .element(XMLTree.Element(XMLTree.Name("y", namespace: other))),
                    .element(XMLTree.Element(XMLTree.Name("z", namespace: Self.ns))),
                    .element(XMLTree.Element(XMLTree.Name("none"))),
                ]))
        for indent in [true, false] {
            let bytes = XMLWriter.bytes(root, prefixes: [other: "o"], indent: indent)
            let read = try XMLReader.parse(bytes).root
            #expect(Self.withoutOffsets(read) == root, "\(String(decoding: bytes, as: UTF8.self))")
        }
        let written = XMLWriter.string(root, prefixes: [other: "o"])
        #expect(
            written.hasPrefix(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc xmlns=\"urn:example:a\" xmlns:o=\"urn:example:other\""))
        #expect(written.contains("\n  <o:x>\n    <o:y/>"))
    }

    static func withoutOffsets(_ element: XMLTree.Element) -> XMLTree.Element {
        var copy = element
        copy.offset = -1
        copy.children = element.children.compactMap {
            switch $0 {
            case .element(let child): return .element(withoutOffsets(child))
            case .text(let text): return element.hasSignificantText ? .text(text) : nil
            }
        }
        return copy
    }
}
