import CybexCore
import Testing

@testable import CybexFormats

/// TLP 2.0 marking-definition ids (OASIS common objects).
enum TLP2 {
    static let clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    static let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    /// Not a TLP marking.
    static let other = "marking-definition--0b5ba3e9-4a80-4cbf-9f4b-5c9a3a2e7a11"
}

func parse(_ bytes: [UInt8]) throws -> JSONValue { try JSONReader.parse(bytes) }
func bytes(_ json: String) throws -> [UInt8] { JSONWriter.bytes(try JSONReader.parse(Array(json.utf8))) }

/// Expects `bytes` to be one valid STIX object and returns it parsed.
@discardableResult
func expectValid(_ bytes: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
    let object = try #require(try bytes.map(parse), sourceLocation: sourceLocation)
    #expect(STIXValidator.violations(of: object) == [], sourceLocation: sourceLocation)
    return object
}

@Suite struct GranularRedactionTests {
    let indicator = """
        {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Phishing sender",
         "description":"Seen against the finance department of a named hospital.",
         "labels":["phishing","internal"],
         "pattern":"[email-addr:value = 'a@evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",
         "external_references":[{"source_name":"internal-ticket","url":"https://tickets.example/secret/1"},
                                {"source_name":"blog","url":"https://blog.example/a"},
                                {"source_name":"vendor","url":"https://vendor.example/b"}],
         "granular_markings":[
           {"marking_ref":"\(TLP2.red)","selectors":["description","external_references.[0]"]},
           {"marking_ref":"\(TLP2.amber)","selectors":["external_references.[1].url"]},
           {"marking_ref":"\(TLP2.green)","selectors":["name","external_references.[2].url"]},
           {"marking_ref":"\(TLP2.other)","selectors":["labels.[1]"]}]}
        """

    @Test func removesPropertiesAboveTheViewersLevel() throws {
        let input = try bytes(indicator)
        let object = try expectValid(GranularRedaction.redact(input) { $0 <= .amber })
        #expect(object["description"] == nil)
        let references = try #require(object["external_references"]?.arrayValue)
        #expect(references.count == 2)
        #expect(references[0]["source_name"]?.stringValue == "blog")
        #expect(references[0]["url"]?.stringValue == "https://blog.example/a")
        // The red marking is gone; the others now select the renumbered elements.
        let markings = try #require(object["granular_markings"]?.arrayValue)
        #expect(markings.count == 3)
        #expect(markings[0]["selectors"] == .array([.string("external_references.[0].url")]))
        #expect(markings[1]["selectors"] == .array([.string("name"), .string("external_references.[1].url")]))
        // A non-TLP marking is not a reason to remove.
        #expect(object["labels"]?.arrayValue?.count == 2)
    }

    @Test func removesListElementsAndTheirMarkingsForAGreenViewer() throws {
        let object = try expectValid(GranularRedaction.redact(try bytes(indicator)) { $0 <= .green })
        let references = try #require(object["external_references"]?.arrayValue)
        // Element 0 (red) gone; element 1 lost its amber url, its only locator, so it goes whole.
        #expect(references.count == 1)
        #expect(references[0]["url"]?.stringValue == "https://vendor.example/b")
        let markings = try #require(object["granular_markings"]?.arrayValue)
        #expect(markings.count == 2)
        #expect(markings[0]["selectors"] == .array([.string("name"), .string("external_references.[0].url")]))
    }

    @Test func withholdsWhenARequiredPropertyWouldGo() throws {
        let json = """
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",
             "pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",
             "granular_markings":[{"marking_ref":"\(TLP2.red)","selectors":["pattern"]}]}
            """
        #expect(GranularRedaction.redact(try bytes(json)) { $0 <= .amber } == nil)
        #expect(GranularRedaction.redact(try bytes(json)) { _ in true } == (try bytes(json)))
    }

    @Test func withholdsRatherThanStripTheObjectsOwnMarkings() throws {
        let json = """
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",
             "pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",
             "object_marking_refs":["\(TLP2.green)","\(TLP2.other)"],
             "granular_markings":[{"marking_ref":"\(TLP2.red)","selectors":["object_marking_refs.[1]"]}]}
            """
        #expect(GranularRedaction.redact(try bytes(json)) { $0 <= .amber } == nil)
        let redactor = try Redactor(
            policy: RedactionPolicy(name: "p", destination: .peer, rules: []), key: Array(repeating: 7, count: 16))
        #expect(redactor.redact(try bytes(json), allowed: { $0 <= .amber }) == nil)
    }

    @Test func objectsWithoutGranularMarkingsAreTheSameBytes() throws {
        // Not even parsed: white space and escapes stay as they were.
        let raw = Array(#"{"type":"x-thing", "name":"caf\u00e9"}"#.utf8)
        #expect(GranularRedaction.redact(raw) { _ in false } == raw)
        // Parsed, but nothing the viewer lacks: the same bytes too.
        let marked = Array(indicator.utf8)
        #expect(GranularRedaction.redact(marked) { _ in true } == marked)
        let onlyOther = try bytes(
            """
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",
             "pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",
             "granular_markings":[{"marking_ref":"\(TLP2.other)","selectors":["pattern"]},
                                  {"lang":"de","selectors":["pattern_type"]}]}
            """)
        #expect(GranularRedaction.redact(onlyOther) { _ in false } == onlyOther)
    }

    @Test func notJSONIsWithheld() {
        #expect(GranularRedaction.redact(Array(#"{"granular_markings":"#.utf8)) { _ in true } == nil)
    }

    @Test func selectorPathsRoundTrip() throws {
        for selector in ["description", "external_references.[0].url", "extensions.x-ext.list.[12]"] {
            #expect(PropertyPath(selector: selector)?.description == selector)
        }
        #expect(PropertyPath(selector: "[0]") == nil)
        #expect(PropertyPath(selector: "a..b") == nil)
    }
}

@Test("the granular-marking check finds the key wherever it is, and only the key")
func granularMarkingCheckFindsTheKeyAnywhere() {
    let key = #""granular_markings""#
    for text in [key, "{" + key + ":[]}", #"{"spec_version":"2.1","x":1,"# + key + ":[]}", #"{"a_b":"kk","# + key, "k" + key] {
        #expect(GranularRedaction.mayHoldGranularMarkings(Array(text.utf8)), "\(text)")
    }
    for text in ["", "_", "granular_markings", #""granular_marking""#, #"{"spec_version":"2.1","created_by_ref":"x_y"}"#,
        #""granular_markings"#, #"_granular_markings""#]
    {
        #expect(!GranularRedaction.mayHoldGranularMarkings(Array(text.utf8)), "\(text)")
    }
}
