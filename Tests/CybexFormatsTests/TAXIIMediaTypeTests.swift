import CybexFormats
import Testing

/// TAXII 2.1 content negotiation (section 1.6.8): which `Accept` and `Content-Type` headers let a
/// request through.
@Suite("TAXII media types")
struct TAXIIMediaTypeTests {
    @Test(arguments: [
        nil, "", "  ", "application/taxii+json;version=2.1", "application/taxii+json; version=2.1",
        "APPLICATION/TAXII+JSON;VERSION=2.1", "application/taxii+json", "application/taxii+json;version=\"2.1\"",
        "*/*", "application/*", "text/html, application/taxii+json;version=2.1;q=0.5",
        "application/taxii+json;version=2.0, application/taxii+json;version=2.1",
    ])
    func acceptsTAXII21(header: String?) {
        #expect(TAXIIMediaType.accepts(header))
    }

    @Test(arguments: [
        "application/json", "text/html", "application/taxii+json;version=2.0", "application/stix+json;version=2.1",
        "application/taxii+json;version=2.1;q=0", "*/*;q=0", "application/taxii+json;version",
    ])
    func refusesEverythingElse(header: String) {
        #expect(!TAXIIMediaType.accepts(header))
    }

    @Test func contentTypeIsTAXII21Only() {
        #expect(TAXIIMediaType.isTAXIIContent("application/taxii+json;version=2.1"))
        #expect(TAXIIMediaType.isTAXIIContent("application/taxii+json"))
        #expect(!TAXIIMediaType.isTAXIIContent("application/json"))
        #expect(!TAXIIMediaType.isTAXIIContent(nil))
        #expect(!TAXIIMediaType.isTAXIIContent("application/taxii+json;version=2.0"))
    }
}
