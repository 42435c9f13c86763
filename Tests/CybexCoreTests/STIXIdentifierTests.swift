import CybexCore
import Testing

@Suite struct STIXIdentifierTests {
    @Test(arguments: [
        ("indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836", "indicator", 4),
        ("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "ipv4-addr", 5),
        ("x-acme-widget--2b3a0f4e-1c1d-11ee-be56-0242ac120002", "x-acme-widget", 1),
        ("marking-definition--613F2E26-407D-48C7-9ECA-B8E91DF99DC9", "marking-definition", 4),
        ("abc--00000000-0000-3000-8000-000000000000", "abc", 3),
        ("ab1--00000000-0000-2000-b000-000000000000", "ab1", 2),
    ])
    func parsesIdentifiers(text: String, type: String, version: Int) throws {
        let id = try #require(STIXIdentifier(text))
        #expect(id.type == type)
        #expect(id.uuidVersion == version)
        #expect(id.rawValue == text)
        #expect(id.description == text)
        #expect(id.uuid == String(text.suffix(36)).lowercased())
    }

    @Test(arguments: [
        "",
        "indicator",
        "indicator--",
        "indicator-e2e1a340-4415-4ba8-9671-f7343fbf0836",  // one hyphen
        "Indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836",  // upper-case type
        "ab--e2e1a340-4415-4ba8-9671-f7343fbf0836",  // type shorter than 3
        "1abc--e2e1a340-4415-4ba8-9671-f7343fbf0836",  // type starts with a digit
        "x--y--e2e1a340-4415-4ba8-9671-f7343fbf0836",  // double hyphen inside the type
        "abc---e2e1a340-4415-4ba8-9671-f7343fbf0836",  // type ends with a hyphen
        "indicator--e2e1a340-4415-0ba8-9671-f7343fbf0836",  // version 0
        "indicator--e2e1a340-4415-6ba8-9671-f7343fbf0836",  // version 6
        "indicator--e2e1a340-4415-4ba8-c671-f7343fbf0836",  // variant 110x
        "indicator--e2e1a340-4415-4ba8-7671-f7343fbf0836",  // variant 0xxx
        "indicator--e2e1a340x4415-4ba8-9671-f7343fbf0836",
        "indicator--e2e1a340-4415-4ba8-9671-f7343fbf083g",
        "indicator--e2e1a340-4415-4ba8-9671-f7343fbf08366",
        "indicator--{e2e1a340-4415-4ba8-9671-f7343fbf083}",
    ])
    func rejectsMalformedIdentifiers(text: String) {
        #expect(STIXIdentifier(text) == nil)
    }

    @Test func typeNameLengthLimits() {
        let uuid = "e2e1a340-4415-4ba8-9671-f7343fbf0836"
        #expect(STIXIdentifier(String(repeating: "a", count: 250) + "--" + uuid) != nil)
        #expect(STIXIdentifier(String(repeating: "a", count: 251) + "--" + uuid) == nil)
        #expect(STIXIdentifier("abc--" + uuid) != nil)
    }

    @Test(arguments: [
        ("indicator", true), ("x-foo", true), ("ipv4-addr", true), ("abc", true), ("a1b", true),
        ("ab", false), ("-abc", false), ("abc-", false), ("a--b", false), ("Abc", false), ("a_b", false),
        ("1ab", false), ("ab c", false), ("é-ab", false),
    ])
    func typeNames(name: String, valid: Bool) {
        #expect(STIXIdentifier.isValidTypeName(name.utf8) == valid)
    }

    @Test func identifiersAreHashableByRawValue() {
        let a = STIXIdentifier("indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836")
        let b = STIXIdentifier("indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836")
        let c = STIXIdentifier("indicator--E2E1A340-4415-4BA8-9671-F7343FBF0836")
        #expect(a == b)
        #expect(a != c)  // the raw text differs, even if the UUID is the same
        #expect(a?.uuid == c?.uuid)
    }
}
