import Testing

@testable import CybexFormats

/// Every expectation here was checked against the reference pattern validator
/// (`stix2patterns.validator.run_validator(pattern, "2.1")`, stix2-patterns as installed with
/// stix2-validator 3.3.2); the few differences are noted.
@Suite struct STIXPatternSyntaxTests {
    @Test(arguments: [
        "[ipv4-addr:value = '198.51.100.1']",
        "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:size > 1024]",
        "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'evil.example']",
        "[email-message:from_ref.value MATCHES '.+@example\\\\.com$'] FOLLOWEDBY [file:name LIKE '%.exe'] WITHIN 300 SECONDS",
        "([process:name = 'x.exe'] REPEATS 5 TIMES) START t'2023-01-01T00:00:00Z' STOP t'2023-02-01T00:00:00Z'",
        "[windows-registry-key:values[*].name = 'Run']",
        "[file:name NOT = 'a'] AND [file:size NOT > 3]",
        "[NOT EXISTS file:name]",
        "[EXISTS file:name]",
        "[file:name IN ()]",
        "[file:name IN ('a', 'b', 3, true)]",
        "[file:name NOT IN ('a')]",
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
        "[ipv4-addr:value NOT ISSUPERSET '198.51.100.0/24']",
        "[artifact:payload_bin = b'VGhpcyBpcyBhIHRlc3Qu']",
        "[file:magic_number_hex = h'ffd8']",
        "[file:size >= -1]",
        "[file:size = +3]",
        "[x:y = 1.5]",
        "[x:y = .5]",
        "[x:y = -.5]",
        "[file:mtime < t'2020-01-01T00:00:00.5Z']",
        "[x509-certificate:is_self_signed = true]",
        "[a:b = 'c'] WITHIN 1.5 SECONDS",
        "[a:b = 'c'] WITHIN 0 SECONDS",
        "[a:b = 'c'] REPEATS 0 TIMES",
        "[a:b = 'c'] REPEATS 2 TIMES WITHIN 5 SECONDS START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
        "([a:b = 'c'] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
        "[a:b = 'c'] /* comment */ AND // line\n [a:b = 'd']",
        "[a:b[0] = 'c']",
        "[a:b[-1] = 'c']",  // the reference validator crashes on this one; the grammar allows it
        "[a:'quoted key' = 'c']",
        "[x_custom:x_prop = 'c']",
        "[a:b = 'it\\'s']",
        "[(a:b = 'c' OR a:b = 'd') AND a:e = 'f']",
        "(([a:b = 'c']))",
        "[a:b == 'c'] OR [a:b <> 'd'] OR [a:b != 'e']",
        "[a: b = 'c']",
        "[a :b = 'c']",
        "[a:b = 'c'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
        "\u{00A0}[a:b = 'c']\u{3000}",
    ])
    func acceptsValidPatterns(pattern: String) {
        #expect(STIXPatternSyntax.problem(in: pattern) == nil, "\(STIXPatternSyntax.problem(in: pattern) ?? "")")
    }

    @Test(arguments: [
        "[ipv4-addr:value = '198.51.100.1'",
        "ipv4-addr:value = '198.51.100.1'",
        "[ipv4-addr:value '198.51.100.1']",
        "[ipv4-addr:value = '198.51.100.1' and ipv4-addr:value = '1']",
        "[file:name = 'abc]",
        "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        "[file:name = 'a\\b']",
        "[x509-certificate:is_self_signed > true]",
        "[]",
        "",
        "   ",
        "[a:b = 'c'] WITHIN -1 SECONDS",
        "[a:b = 'c'] REPEATS 1.5 TIMES",
        "[a:b = 'c'] START t'2020-01-01T00:00:00' STOP t'2020-01-02T00:00:00Z'",
        "[a:b = h'abc']",
        "[a:b = b'abc']",
        "[a:b = 01]",
        "[a:b LIKE 3]",
        "[a:b = 'c'] AND",
        "[a:b = 'c'] [a:b = 'd']",
        "[a:b = 'c']]",
        "[[a:b = 'c']]",
        "[a:b = 'c' AND]",
        "[a:b.c- = 'd']",
        "[a:b = t'2020-13-01T00:00:00Z']",
        "[a:b = 'c'] followedby [a:b = 'd']",
        "[a:b = TRUE]",
        "[NOT a:b = 'c']",
        "[a:b NOT EXISTS]",
        "[a:b IN ('a',)]",
    ])
    func rejectsInvalidPatterns(pattern: String) {
        #expect(STIXPatternSyntax.problem(in: pattern) != nil)
    }

    @Test func boundsDepthAndLength() {
        let deep = String(repeating: "(", count: 200) + "[a:b = 'c']" + String(repeating: ")", count: 200)
        #expect(STIXPatternSyntax.problem(in: deep)?.contains("nested deeper") == true)
        let shallow = String(repeating: "(", count: 50) + "[a:b = 'c']" + String(repeating: ")", count: 50)
        #expect(STIXPatternSyntax.problem(in: shallow) == nil)
        let long = "[a:b = '" + String(repeating: "x", count: STIXPatternSyntax.maxLength) + "']"
        #expect(STIXPatternSyntax.problem(in: long) != nil)
    }

    @Test func collectsComparisons() throws {
        let comparisons = try #require(
            STIXPatternSyntax.comparisons(
                in:
                    "[file:hashes . 'SHA-256' = 'AB' AND file:name NOT = 'x'] OR [ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')] AND [EXISTS a:b[*].c]"
            ))
        #expect(
            comparisons == [
                .init(objectType: "file", path: "hashes.'SHA-256'", op: "=", negated: false, values: ["AB"]),
                .init(objectType: "file", path: "name", op: "=", negated: true, values: ["x"]),
                .init(
                    objectType: "ipv4-addr", path: "value", op: "IN", negated: false, values: ["1.2.3.4", "5.6.7.8"]),
                .init(objectType: "a", path: "b[*].c", op: "EXISTS", negated: false, values: []),
            ])
        #expect(STIXPatternSyntax.comparisons(in: "[a:b = ") == nil)
    }
}
