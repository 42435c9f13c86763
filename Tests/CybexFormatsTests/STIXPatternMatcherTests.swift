import CybexCore
import CybexFormats
import Foundation
import Testing

/// Observations written compactly for the matcher's tests.
enum Observed {
    struct BadTimestamp: Error { var text: String }

    static func timestamp(_ text: String) throws -> STIXTimestamp {
        guard let value = STIXTimestamp(parsing: text.count == 8 ? "2020-01-01T\(text)Z" : text) else {
            throw BadTimestamp(text: text)
        }
        return value
    }

    static func json(_ text: String) throws -> JSONValue { try JSONReader.parse(Array(text.utf8)) }

    /// An observation at `first` (`HH:MM:SS` on 2020-01-01, or a whole timestamp) to `last`.
    static func at(_ first: String, to last: String? = nil, n: Int = 1, _ objects: String...) throws -> STIXObservation {
        try STIXObservation(
            firstObserved: try timestamp(first), lastObserved: try timestamp(last ?? first), numberObserved: n,
            objects: objects.map(json))
    }

    static func file(_ name: String, id: Int = 1) -> String {
        #"{"type": "file", "id": "file--\#(id)", "name": "\#(name)"}"#
    }

    static func matches(_ pattern: String, _ observations: STIXObservation...) throws -> Bool {
        try STIXPatternMatcher(parsing: pattern).matches(observations)
    }
}

@Suite struct STIXPatternComparisonTests {
    static let file = #"""
        {"type": "file", "id": "file--1", "name": "report.exe", "size": 3, "ratio": 3.5, "big": 1e3,
         "hashes": {"SHA-256": "ab", "MD5": "cd"}, "created": "2014-01-13T07:03:17.000Z", "flag": true,
         "nothing": null, "tags": ["a", "b", "c"], "combining": "e\u0301", "composed": "\u00e9",
         "magic_number_hex": "ffd8", "parent_directory_ref": "directory--1", "path": "C:\\Windows\\x\\foo"}
        """#
    static let directory = #"{"type": "directory", "id": "directory--1", "path": "C:\\Windows\\System32"}"#

    static func check(_ comparison: String) throws -> Bool {
        try Observed.matches("[\(comparison)]", Observed.at("00:00:00", file, directory))
    }

    @Test(arguments: [
        // = and != : exact, by code point (no normalisation, section 9.6.2), across number kinds
        ("file:name = 'report.exe'", true), ("file:name = 'Report.exe'", false), ("file:name != 'x'", true),
        ("file:combining = '\u{e9}'", false), ("file:composed = '\u{e9}'", true), ("file:size = 3", true),
        ("file:size = 3.0", true), ("file:ratio = 3", false), ("file:ratio = 3.5", true), ("file:big = 1000", true),
        ("file:size = '3'", false), ("file:size != '3'", true), ("file:flag = true", true), ("file:flag = 1", false),
        ("file:nothing = 'x'", false), ("file:nothing != 'x'", true), ("file:hashes != 'x'", true),
        ("file:absent != 'x'", false), ("file:absent = 'x'", false),
        // NOT negates each value's test; a missing path is never true
        ("file:name NOT = 'x'", true), ("file:name NOT = 'report.exe'", false), ("file:absent NOT = 'x'", false),
        // ordering: numbers by value, strings by code point ('o' < 'oz' < 'ò' decomposed < 'z' < 'ò')
        ("file:size < 3.5", true), ("file:size <= 3", true), ("file:ratio > 3", true), ("file:size >= 4", false),
        ("file:combining < 'f'", true), ("file:composed > 'z'", true), ("file:name < 'report.exf'", true),
        ("file:name > 'report.ex'", true), ("file:size > 'a'", false), ("file:size NOT > 'a'", true),
        // timestamps compare as instants
        ("file:created = t'2014-01-13T07:03:17Z'", true), ("file:created < t'2014-01-13T07:03:17.001Z'", true),
        ("file:name = t'2014-01-13T07:03:17Z'", false),
        // hex and binary against a _hex property and against strings (sections 9.2, 9.6.4)
        ("file:magic_number_hex = h'ffd8'", true), ("file:magic_number_hex = h'FFD8'", true),
        ("file:magic_number_hex = b'/9g='", true), ("file:magic_number_hex = 'ffd8'", false),
        ("file:magic_number_hex = '\u{ff}\u{d8}'", true), ("file:magic_number_hex < h'ffd9'", true),
        ("file:magic_number_hex > h'ff'", true), ("file:magic_number_hex != '\u{100}'", true),
        ("file:name = h'7265706f72742e657865'", true),
        // IN
        ("file:name IN ('a', 'report.exe')", true), ("file:size IN (1, 3.0)", true), ("file:name IN ()", false),
        ("file:name NOT IN ()", true), ("file:name NOT IN ('report.exe')", false),
        // LIKE: % any run, _ one code point, anchored, NFC on both sides
        ("file:name LIKE 'report%'", true), ("file:name LIKE '%.exe'", true), ("file:name LIKE 'r_port.exe'", true),
        ("file:name LIKE 'report'", false), ("file:name LIKE '%port%e%'", true), ("file:name LIKE '%x'", false),
        ("file:path LIKE 'C:\\\\Windows\\\\%\\\\foo'", true), ("file:combining LIKE '_'", true),
        ("file:combining LIKE '\u{e9}'", true), ("file:size LIKE '3'", false), ("file:size NOT LIKE '3'", true),
        // MATCHES: search, not anchored unless the expression is
        ("file:name MATCHES 'port'", true), ("file:name MATCHES '^port'", false), ("file:name MATCHES '\\\\.exe$'", true),
        ("file:combining MATCHES '^\u{e9}$'", true), ("file:name NOT MATCHES 'z'", true),
        // EXISTS
        ("EXISTS file:hashes.MD5", true), ("EXISTS file:hashes.md5", false), ("NOT EXISTS file:hashes.md5", true),
        ("NOT EXISTS file:name", false), ("EXISTS file:nothing", true),
        // dictionaries, lists, references
        ("file:hashes.'SHA-256' = 'ab'", true), ("file:tags[1] = 'b'", true), ("file:tags[3] = 'b'", false),
        ("file:tags[-1] = 'c'", false), ("file:tags[*] = 'c'", true), ("file:tags[*] NOT = 'a'", true),
        ("file:tags[*] = 'd'", false), ("file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32'", true),
        ("file:parent_directory_ref.type = 'directory'", true), ("file:parent_directory_ref = 'directory--1'", false),
        // several comparisons start from one object; a comparison of another type needs OR
        ("file:name = 'report.exe' AND file:size = 3", true), ("file:name = 'report.exe' AND directory:path LIKE '%'", false),
        ("file:name = 'x' OR directory:path LIKE 'C:%'", true), ("(file:size = 4 OR file:size = 3) AND file:flag = true", true),
        ("file:size = 4 OR file:size = 3 AND file:flag = false", false),
        // an SDO type is never an observation's root
        ("observed-data:id = 'x' OR indicator:name != 'x'", false),
    ])
    func comparison(text: String, expected: Bool) throws {
        #expect(try Self.check(text) == expected, "\(text)")
    }

    /// Section 9.6.4's example: `payload_bin` holds base64; strings compare as their octets.
    @Test func binaryPayload() throws {
        let artifact = try Observed.at(
            "00:00:00",
            #"{"type": "artifact", "id": "artifact--1", "mime_type": "application/octet-stream", "payload_bin": "dGhpcyBpcyBhIHRlc3Q="}"#
        )
        func check(_ text: String) throws -> Bool { try Observed.matches("[\(text)]", artifact) }
        #expect(try !check("artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q='"))
        #expect(try check("artifact:payload_bin = 'this is a test'"))
        #expect(try check("artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q='"))
        #expect(try check("artifact:payload_bin = h'7468697320697320612074657374'"))
        #expect(try check("artifact:payload_bin MATCHES '^this\\\\s'"))
        #expect(try check("artifact:payload_bin LIKE 'this%test'"))
        #expect(try !check("artifact:payload_bin LIKE 'this%test\u{100}'"))
        let pcap = try Observed.at(
            "00:00:00", #"{"type": "artifact", "id": "artifact--2", "payload_bin": "1MOyoQIABAA="}"#)
        #expect(
            try Observed.matches(
                "[artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']", pcap))
    }

    @Test func regularExpressionsMatchAcrossLines() throws {
        let note = try Observed.at("00:00:00", #"{"type": "x-note", "id": "x-note--1", "text": "a\nb"}"#)
        #expect(try Observed.matches("[x-note:text MATCHES '^a.b$']", note))
        #expect(try Observed.matches("[x-note:text LIKE 'a_b']", note))
    }

    @Test(arguments: [
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "198.51.100.0/27", true),
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "198.51.100.7", true),
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "198.51.0.0/16", false),
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "198.51.100.0/24", true),
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "198.51.101.1", false),
        ("ipv4-addr:value NOT ISSUBSET '198.51.100.0/24'", "198.51.101.1", true),
        ("ipv4-addr:value ISSUPERSET '198.51.100.0/27'", "198.51.100.0/24", true),
        ("ipv4-addr:value ISSUPERSET '198.51.100.7'", "198.51.100.0/24", true),
        ("ipv4-addr:value ISSUPERSET '198.51.0.0/16'", "198.51.100.0/24", false),
        ("ipv4-addr:value ISSUPERSET '198.51.100.7'", "198.51.100.7", true),
        ("ipv4-addr:value ISSUBSET '::ffff:0:0/96'", "198.51.100.7", false),
        ("ipv4-addr:value ISSUBSET 'not an address'", "198.51.100.7", false),
        ("ipv4-addr:value ISSUBSET '198.51.100.0/24'", "not an address", false),
        ("ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64'", "2001:db8:dead:beef::1", true),
        ("ipv6-addr:value ISSUBSET '2001:db8::/32'", "2001:db9::1", false),
    ])
    func addressRanges(comparison: String, value: String, expected: Bool) throws {
        let type = comparison.hasPrefix("ipv6") ? "ipv6-addr" : "ipv4-addr"
        let address = try Observed.at("00:00:00", #"{"type": "\#(type)", "id": "\#(type)--1", "value": "\#(value)"}"#)
        #expect(try Observed.matches("[\(comparison)]", address) == expected, "\(comparison) on \(value)")
    }

    /// Section 9.5: both addresses are in the observation, but no one network-traffic references both.
    @Test func comparisonsStartFromOneObject() throws {
        let traffic = try Observed.at(
            "00:00:00",
            #"{"type": "network-traffic", "id": "network-traffic--1", "src_ref": "ipv4-addr--1"}"#,
            #"{"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.10"}"#,
            #"{"type": "network-traffic", "id": "network-traffic--2", "dst_ref": "ipv4-addr--2"}"#,
            #"{"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "198.51.100.58"}"#)
        let both = "[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']"
        #expect(try !Observed.matches(both, traffic))
        #expect(try Observed.matches("[network-traffic:dst_ref.value = '198.51.100.58']", traffic))
    }

    @Test func referencesResolveWithinTheObservationOnly() throws {
        let scos: [String: JSONValue] = [
            "domain-name--1": try Observed.json(
                #"{"type": "domain-name", "id": "domain-name--1", "value": "www.5z8.info", "resolves_to_refs": ["ipv4-addr--1", "ipv4-addr--2"]}"#
            ),
            "ipv4-addr--1": try Observed.json(#"{"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.1"}"#),
            "ipv4-addr--2": try Observed.json(#"{"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "198.51.100.2"}"#),
        ]
        let observedData = try Observed.json(
            #"""
            {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:00Z",
             "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1, "object_refs": ["domain-name--1", "ipv4-addr--2"]}
            """#)
        let observation = try STIXObservation(observedData: observedData, objects: scos)
        #expect(observation.objects.count == 2)
        let matcher = { (text: String) in try STIXPatternMatcher(parsing: text).matches(observation) }
        // ipv4-addr--1 is not among object_refs: it is not followed (section 9.7.4)
        #expect(try !matcher("[domain-name:resolves_to_refs[*].value = '198.51.100.1']"))
        #expect(try matcher("[domain-name:resolves_to_refs[*].value = '198.51.100.2']"))
        #expect(
            try matcher(
                "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value ISSUBSET '198.51.100.0/24']"))
        // nor is it a root: ipv4-addr--2 is
        #expect(try !matcher("[ipv4-addr:value = '198.51.100.1']"))
        #expect(try matcher("[ipv4-addr:value = '198.51.100.2']"))
    }

    @Test func deprecatedEmbeddedObjects() throws {
        let observedData = try Observed.json(
            #"""
            {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:00Z",
             "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1,
             "objects": {"0": {"type": "email-message", "from_ref": "1", "subject": "Conference Info"},
                         "1": {"type": "email-addr", "value": "jdoe@example.com"}}}
            """#)
        let observation = try STIXObservation(observedData: observedData, objects: [:])
        let pattern =
            "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:subject = 'Conference Info']"
        #expect(try STIXPatternMatcher(parsing: pattern).matches(observation))
    }

    @Test func oneObjectAlone() throws {
        let matcher = try STIXPatternMatcher(
            parsing: "[ipv4-addr:value = '198.51.100.1'] START t'2020-01-01T00:00:00Z' STOP t'2020-02-01T00:00:00Z'")
        let address = try Observed.json(#"{"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.1"}"#)
        #expect(try matcher.matches(object: address, observed: Observed.timestamp("2020-01-05T00:00:00Z")))
        #expect(try !matcher.matches(object: address, observed: Observed.timestamp("2020-02-01T00:00:00Z")))
        // Only the object itself is a root: a network-traffic referencing the address is not the address.
        let traffic = try Observed.json(#"{"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1"}"#)
        let related = ["ipv4-addr--1": address]
        let dst = try STIXPatternMatcher(parsing: "[network-traffic:dst_ref.value = '198.51.100.1']")
        #expect(try dst.matches(object: traffic, related: related, observed: Observed.timestamp("2020-01-05T00:00:00Z")))
        #expect(try !matcher.matches(object: traffic, related: related, observed: Observed.timestamp("2020-01-05T00:00:00Z")))
    }
}

@Suite struct STIXPatternObservationTests {
    typealias O = Observed

    @Test func observationAndNeedsDifferentObservations() throws {
        let both = try O.at("00:00:00", O.file("a"), O.file("b", id: 2))
        let pattern = "[file:name = 'a'] AND [file:name = 'b']"
        #expect(try !O.matches(pattern, both))
        #expect(try O.matches(pattern, O.at("00:00:00", n: 2, O.file("a"), O.file("b", id: 2))))
        #expect(try O.matches(pattern, O.at("00:00:00", O.file("a")), O.at("00:00:05", O.file("b"))))
        #expect(try !O.matches("[file:name = 'a'] AND [file:name = 'a']", O.at("00:00:00", O.file("a"))))
        #expect(try O.matches("[file:name = 'a'] OR [file:name = 'c']", both))
        #expect(try !O.matches("[file:name = 'c'] OR [file:name = 'd']", both))
    }

    @Test func followedByOrdersTheObservations() throws {
        let a = try O.at("00:00:10", O.file("a"))
        let b = try O.at("00:00:20", O.file("b"))
        #expect(try O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']", a, b))
        #expect(try !O.matches("[file:name = 'b'] FOLLOWEDBY [file:name = 'a']", a, b))
        // Overlapping spans: times can be chosen so that b is not earlier than a.
        let early = try O.at("00:00:00", to: "00:01:00", O.file("b"))
        #expect(try O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']", a, early))
        // Equal times are "greater than or equal".
        #expect(try O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']", a, O.at("00:00:10", O.file("b"))))
        // One observed-data counted twice can follow itself.
        #expect(try O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'a']", O.at("00:00:00", n: 2, O.file("a"))))
        // A chain orders every observation.
        let c = try O.at("00:00:15", O.file("c"))
        #expect(try !O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] FOLLOWEDBY [file:name = 'c']", a, b, c))
        #expect(try O.matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'c'] FOLLOWEDBY [file:name = 'b']", a, b, c))
        #expect(try !O.matches("[file:name = 'c'] FOLLOWEDBY ([file:name = 'a'] FOLLOWEDBY [file:name = 'b'])", a, b, c))
    }

    @Test func withinIsAStrictWindow() throws {
        let a = try O.at("00:00:00", O.file("a"))
        let b = try O.at("00:00:10", O.file("b"))
        let pattern = { (seconds: String) in "([file:name = 'a'] AND [file:name = 'b']) WITHIN \(seconds) SECONDS" }
        // Section 9.5.1: the latest MUST be before the earliest plus the window.
        #expect(try !O.matches(pattern("10"), a, b))
        #expect(try O.matches(pattern("10.5"), a, b))
        #expect(try !O.matches(pattern("9.999999"), a, b))
        // Spans: a window touching both intervals is enough.
        let long = try O.at("00:00:00", to: "00:00:08", O.file("a"))
        #expect(try O.matches(pattern("3"), long, b))
        #expect(try !O.matches(pattern("2"), long, b))
        // Qualifiers bind to their left: only the b's are within the window.
        #expect(try O.matches("[file:name = 'a'] AND [file:name = 'b'] WITHIN 1 SECONDS", a, b))
    }

    @Test func repeatsCountsNumberObserved() throws {
        let threeTimes = try O.at("00:00:00", n: 3, O.file("a"))
        #expect(try O.matches("[file:name = 'a'] REPEATS 3 TIMES", threeTimes))
        #expect(try !O.matches("[file:name = 'a'] REPEATS 4 TIMES", threeTimes))
        #expect(try O.matches("[file:name = 'a'] REPEATS 4 TIMES", threeTimes, O.at("00:00:01", O.file("a"))))
        let both = try O.at("00:00:00", n: 2, O.file("a"), O.file("b", id: 2))
        // Each (a, b) pair takes two observations: two pairs need four.
        #expect(try O.matches("([file:name = 'a'] AND [file:name = 'b']) REPEATS 1 TIMES", both))
        #expect(try !O.matches("([file:name = 'a'] AND [file:name = 'b']) REPEATS 2 TIMES", both))
        #expect(
            try O.matches(
                "([file:name = 'a'] AND [file:name = 'b']) REPEATS 2 TIMES",
                O.at("00:00:00", n: 4, O.file("a"), O.file("b", id: 2))))
        // [b] FOLLOWEDBY [c] REPEATS 5 TIMES: b, then five c's (section 9.5.1).
        let b = try O.at("00:00:00", O.file("b"))
        let c = try O.at("00:00:05", n: 5, O.file("c"))
        #expect(try O.matches("[file:name = 'b'] FOLLOWEDBY [file:name = 'c'] REPEATS 5 TIMES", b, c))
        #expect(try !O.matches("([file:name = 'b'] FOLLOWEDBY [file:name = 'c']) REPEATS 5 TIMES", b, c))
        // Large counts cost their logarithm.
        let many = try O.at("00:00:00", n: STIXObservation.maxNumberObserved, O.file("a"))
        #expect(try O.matches("[file:name = 'a'] REPEATS 999999999 TIMES", many))
        #expect(try !O.matches("[file:name = 'a'] REPEATS 1000000000 TIMES", many))
        #expect(try !O.matches("[file:name = 'a'] REPEATS 2147483647 TIMES", threeTimes))
    }

    @Test func startStopIsHalfOpen() throws {
        let pattern = "[file:name = 'a'] START t'2020-01-01T00:00:10Z' STOP t'2020-01-01T00:00:20Z'"
        #expect(try O.matches(pattern, O.at("00:00:10", O.file("a"))))
        #expect(try O.matches(pattern, O.at("00:00:19", O.file("a"))))
        #expect(try !O.matches(pattern, O.at("00:00:20", O.file("a"))))
        #expect(try O.matches(pattern, O.at("00:00:00", to: "00:00:10", O.file("a"))))
        #expect(try !O.matches(pattern, O.at("00:00:00", to: "00:00:09", O.file("a"))))
        #expect(try O.matches(pattern, O.at("00:00:15", to: "00:00:30", O.file("a"))))
        #expect(
            try !O.matches(
                "[file:name = 'a'] START t'2020-01-01T00:00:10Z' STOP t'2020-01-01T00:00:10Z'", O.at("00:00:10", O.file("a"))))
        // On a compound expression, every observation of the binding must fall in.
        let compound = "([file:name = 'a'] AND [file:name = 'b']) START t'2020-01-01T00:00:10Z' STOP t'2020-01-01T00:00:20Z'"
        #expect(try O.matches(compound, O.at("00:00:11", O.file("a")), O.at("00:00:12", O.file("b"))))
        #expect(try !O.matches(compound, O.at("00:00:11", O.file("a")), O.at("00:00:22", O.file("b"))))
    }

    @Test func firstMatchNamesTheObservations() throws {
        let matcher = try STIXPatternMatcher(parsing: "[file:name = 'b'] AND [file:name = 'd']")
        let observations = try [
            O.at("00:00:00", O.file("a")), O.at("00:00:01", O.file("b")), O.at("00:00:02", O.file("c")),
            O.at("00:00:03", O.file("d")),
        ]
        #expect(try matcher.firstMatch(observations)?.observations == [1, 3])
        #expect(try matcher.firstMatch(Array(observations.prefix(3))) == nil)
        #expect(matcher.objectTypes == ["file"])
    }

    @Test func invalidPatternsAndObservationsAreRefused() throws {
        let comparison = STIXPattern.ComparisonExpression.comparison(
            .init(path: .init(objectType: "file", steps: [.key("name")]), op: .equal, operands: [.string("a")]))
        #expect(throws: STIXPatternError.self) {
            try STIXPatternMatcher(STIXPattern(.qualified(.observation(comparison), [.repeats(times: 0)])))
        }
        #expect(throws: STIXPatternError.self) {
            try STIXPatternMatcher(STIXPattern(.qualified(.observation(comparison), [.within(seconds: 0)])))
        }
        let mixed = STIXPattern.ComparisonExpression.comparison(
            .init(path: .init(objectType: "file", steps: [.key("name")]), op: .in, operands: [.string("a"), .integer(1)]))
        #expect(throws: STIXPatternError.self) { try STIXPatternMatcher(STIXPattern(.observation(mixed))) }
        var deep = STIXPattern.ObservationExpression.observation(comparison)
        for _ in 0..<1_000 { deep = .and([deep, .observation(comparison)]) }
        #expect(throws: STIXPatternError.self) { try STIXPatternMatcher(STIXPattern(deep)) }
        #expect(throws: STIXPatternError.self) { try O.at("00:00:10", to: "00:00:00", O.file("a")) }
        #expect(throws: STIXPatternError.self) { try O.at("00:00:00", n: 0, O.file("a")) }
        let noTimes = try O.json(#"{"type": "observed-data", "id": "observed-data--1", "number_observed": 1, "object_refs": []}"#)
        #expect(throws: STIXPatternError.self) { try STIXObservation(observedData: noTimes, objects: [:]) }
    }

    /// Hostile patterns and data fail in bounded time instead of running away.
    @Test func workIsBounded() throws {
        let clock = ContinuousClock()
        let observations = try (0..<40).map { try O.at("00:00:" + ($0 < 10 ? "0" : "") + String($0), O.file("a")) }
        let elapsed = try clock.measure {
            do {
                _ = try STIXPatternMatcher(parsing: "[file:name = 'a'] REPEATS 20 TIMES").matches(observations)
                Issue.record("C(40, 20) bindings were enumerated")
            } catch let error as STIXPatternError {
                #expect(error.code == .tooComplex)
            }
            // Catastrophic backtracking stops at the budget.
            let text = try O.at(
                "00:00:00", #"{"type": "x-text", "id": "x-text--1", "text": "\#(String(repeating: "a", count: 40))b"}"#)
            do {
                _ = try O.matches("[x-text:text MATCHES '^(a+)+$']", text)
                Issue.record("(a+)+ ran to the end")
            } catch let error as STIXPatternError {
                #expect(error.code == .tooComplex)
            }
            #expect(try O.matches("[x-text:text MATCHES '^(a+)+b$']", text))
            // References in a cycle: each step keeps each object once.
            let cycle = try O.at(
                "00:00:00", #"{"type": "x-node", "id": "x-node--1", "next_refs": ["x-node--1", "x-node--2"], "size": 1}"#,
                #"{"type": "x-node", "id": "x-node--2", "next_refs": ["x-node--1", "x-node--2"], "size": 2}"#)
            let path = "x-node:" + Array(repeating: "next_refs[*]", count: 200).joined(separator: ".") + ".size"
            #expect(try !O.matches("[\(path) > 5]", cycle))
            #expect(try O.matches("[\(path) = 2]", cycle))
        }
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }
}
