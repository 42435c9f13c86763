import CybexCore
import CybexFormats
import Testing

/// Documents a converter makes in memory (``ParsedDocument/Lines``): what the ingest sees of them
/// must be what it sees of the same JSON Lines read from bytes.
@Suite struct ParsedDocumentLinesTests {
    static let amber = TLPLevel.amber.markingDefinitionID
    static let statement = "marking-definition--0b7a2e7e-7f5e-4b63-9d2d-3e3c6d8f1a01"

    static func indicator(_ number: Int, marking: String) -> JSONValue {
        .object([
            ("type", .string("indicator")), ("spec_version", .string("2.1")),
            ("id", .string("indicator--\(NameBasedUUID.make("lines-test|\(number)"))")),
            ("created", .string("2026-01-01T00:00:00.000Z")), ("modified", .string("2026-01-01T00:00:00.000Z")),
            ("pattern", .string("[ipv4-addr:value = '198.51.100.\(number % 250)']")), ("pattern_type", .string("stix")),
            ("valid_from", .string("2026-01-01T00:00:00Z")), ("object_marking_refs", .array([.string(marking)])),
        ])
    }

    static let definition: JSONValue = .object([
        ("type", .string("marking-definition")), ("spec_version", .string("2.1")), ("id", .string(statement)),
        ("created", .string("2026-01-01T00:00:00.000Z")), ("definition_type", .string("statement")),
        ("definition", .object([("statement", .string("Copyright 2026 the test"))])),
    ])

    static func ids(_ decoded: [DecodedObject]) -> [String] {
        decoded.map { object in
            switch object {
            case .valid(let record): record.id
            case .invalid(let id, _, _): "invalid \(id ?? "?")"
            }
        }
    }

    @Test func partsJoinedReadAsTheSameJSONLines() throws {
        var first = ParsedDocument.Lines()
        first.append(Self.indicator(1, marking: Self.amber))
        first.append(Self.definition)
        var second = ParsedDocument.Lines()
        second.append(Self.indicator(2, marking: Self.statement))
        second.append(Self.definition)  // defined twice: both places noted
        second.append(Self.indicator(3, marking: Self.amber))
        var joined = first
        joined.append(contentsOf: second)
        #expect(joined.count == 5)

        let made = try ParsedDocument(joined)
        let read = try STIXBundleDecoder.parse(joined.jsonLines, as: .jsonLines)
        #expect(made.count == read.count)
        #expect(made.markingIDs().referenced == read.markingIDs().referenced)
        #expect(made.markingIDs().defined == [Self.statement])
        #expect(made.markingIDs().referenced == [Self.amber, Self.statement])
        // The definitions at the places the reader finds them (1 and 3): both decode as the definition.
        #expect(Array(made.decodeMarkingDefinitions().keys) == [Self.statement])
        #expect(Self.ids(made.decode(0..<5)) == Self.ids(read.decode(0..<5)))
        #expect(Self.ids(made.decode(2..<4)) == ["indicator--\(NameBasedUUID.make("lines-test|2"))", Self.statement])
        #expect(made.objects(at: [4]).first??["id"] == Self.indicator(3, marking: Self.amber)["id"])
    }

    @Test func anObjectThatIsNotJSONIsRefusedWithTheReadersWords() throws {
        var lines = ParsedDocument.Lines()
        lines.append(Self.indicator(1, marking: Self.amber))
        // Two members of one name: written as given, refused when the ingest reads it.
        lines.append(.object([("type", .string("indicator")), ("type", .string("malware"))]))
        let decoded = try ParsedDocument(lines).decode(0..<2)
        guard case .valid = decoded[0], case .invalid(nil, nil, let violations) = decoded[1] else {
            Issue.record("expected one valid object and one refused: \(decoded)")
            return
        }
        #expect(violations.map(\.rule) == ["invalid-json"])
        #expect(violations.first?.message.contains("type") == true)
        #expect(violations.first?.message.contains("read again") == false)
    }

    @Test func moreObjectsThanTheLimitAreRefusedAsAWhole() throws {
        var lines = ParsedDocument.Lines()
        for number in 0..<4 { lines.append(Self.indicator(number, marking: Self.amber)) }
        #expect(throws: STIXDocumentError.self) {
            _ = try ParsedDocument(lines, limits: STIXBundleDecoder.Limits(maxObjects: 3))
        }
        do {
            _ = try ParsedDocument(lines, limits: STIXBundleDecoder.Limits(maxObjects: 3))
        } catch {
            #expect(error.code == .tooManyObjects)
        }
        #expect(try ParsedDocument(lines, limits: STIXBundleDecoder.Limits(maxObjects: 4)).count == 4)
    }

    /// An object written member by member (``JSONObjectWriter``) is the same line, byte for byte,
    /// as the same object appended as a tree, escapes included, and its markings are noted alike.
    @Test func anObjectWrittenMemberByMemberIsTheLineItsTreeWouldBe() throws {
        let awkward = "quote \" backslash \\ tab \t newline \n bell \u{7} caf\u{E9} \u{1F600}"
        let granular: JSONValue = .array([
            .object([("marking_ref", .string(Self.statement)), ("selectors", .array([.string("name")]))])
        ])
        var byMembers = ParsedDocument.Lines()
        var asTrees = ParsedDocument.Lines()
        asTrees.append(Self.definition)
        byMembers.append(Self.definition)
        for number in 0..<3 {
            let tree = JSONValue.object([
                ("type", .string("indicator")), ("spec_version", .string("2.1")),
                ("id", .string("indicator--\(NameBasedUUID.make("writer-test|\(number)"))")),
                ("name", .string(awkward)), ("confidence", .number(String(number * 40))),
                ("labels", .array([.string("a"), .string(awkward)])), ("object_marking_refs", .array([.string(Self.amber)])),
                ("granular_markings", granular), ("extensions", .object([("x", .object([("n", .number("-7"))]))])),
            ])
            asTrees.append(tree)
            byMembers.appendObject { object in
                object.string("type", "indicator")
                object.string("spec_version", "2.1")
                object.string("id", "indicator--\(NameBasedUUID.make("writer-test|\(number)"))")
                object.string("name", awkward)
                object.integer("confidence", Int64(number * 40))
                object.strings("labels", ["a", awkward])
                object.strings("object_marking_refs", [Self.amber])
                object.value("granular_markings", granular)
                object.value("extensions", .object([("x", .object([("n", .number("-7"))]))]))
            }
        }
        #expect(byMembers.jsonLines == asTrees.jsonLines)
        #expect(byMembers.count == 4)
        let members = try ParsedDocument(byMembers)
        let trees = try ParsedDocument(asTrees)
        #expect(members.markingIDs().referenced == [Self.amber, Self.statement])
        #expect(members.markingIDs().referenced == trees.markingIDs().referenced)
        #expect(members.markingIDs().defined == [Self.statement])
        #expect(Self.ids(members.decode(0..<members.count)) == Self.ids(trees.decode(0..<trees.count)))
        // Each line reads back as the object written.
        let first = String(decoding: byMembers.jsonLines, as: UTF8.self).split(separator: "\n")[1]
        #expect(try JSONReader.parse(Array(first.utf8))["name"]?.stringValue == awkward)
    }

    /// A long list is made in parts side by side: the parts join in the order of the values.
    @Test func aFeedDocumentMadeInPartsKeepsTheValuesOrder() throws {
        let feed = Feed(
            id: "feed-1", name: "c2", format: .csv, url: "file:///c2.csv", ownerID: "org-1", collectionID: "collection-1",
            settings: FeedSettings(tlp: .amber, labels: ["botnet"]), created: 0)
        let objects = FeedObjects(feed: feed, now: 1_000_000)
        let values = (0..<25_000).map { number in
            FeedValue(
                observable: Observable(kind: .ipv4, value: "10.\(number / 65_536).\(number / 256 % 256).\(number % 256)"),
                line: number + 1)
        }
        // The sighting of every other value is known: its indicator is not made again.
        var known: [String: FeedSighting] = [:]
        for value in values.enumerated() where value.offset % 2 == 1 {
            let id = objects.indicatorID(value.element.observable)
            known[id] = FeedSighting(indicatorID: id, firstSeen: 0, lastSeen: 0, count: 3)
        }
        let (lines, sightings) = objects.document(values: values, known: known)
        #expect(lines.count == 1 + 25_000 + 12_500)
        #expect(sightings.map(\.indicatorID) == values.map { objects.indicatorID($0.observable) })
        #expect(sightings.map(\.count) == values.indices.map { $0 % 2 == 1 ? 4 : 1 })

        let document = try ParsedDocument(lines)
        let decoded = document.decode(0..<document.count)
        var made: [String] = []
        for case .valid(let record) in decoded { made.append(record.id) }
        #expect(made.count == document.count)  // every object made is valid
        var expected = [objects.identityID]
        for (offset, value) in values.enumerated() {
            let indicator = objects.indicatorID(value.observable)
            if offset % 2 == 0 { expected.append(indicator) }
            expected.append(objects.sightingID(of: indicator))
        }
        #expect(made == expected)
        #expect(document.markingIDs().referenced == [TLPLevel.amber.markingDefinitionID])
    }
}
