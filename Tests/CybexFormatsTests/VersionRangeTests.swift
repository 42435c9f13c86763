import CybexFormats
import Testing

/// `vers` ranges: the specification's examples, its canonical-form rules, containment, and the version
/// orders Cybex implements (SemVer 2.0.0 section 11's chain, Debian's `~`, epochs and revisions, and the
/// pairs of rpm's own `rpmvercmp` tests).
@Suite struct VersionRangeTests {
    @Test(arguments: [
        "vers:npm/1.2.3|>=2.0.0|<5.0.0", "vers:gem/>=2.2.0|!=2.2.1|<2.3.0", "vers:npm/1.2.3", "vers:deb/*", "vers:all/*",
        "vers:pypi/0.0.0|0.0.1|0.0.2|0.0.3|1.0|2.0pre1", "vers:npm/1.0%7C0",
    ])
    func specificationExamplesRead(text: String) throws {
        #expect(try VersionRange(parsing: text).description == text)
    }

    @Test(arguments: [
        "vers:npm/ 1.2.3", "vers:npm/>=2.0.0|<1.0.0", "vers:npm/1.0.0|>=1.0.0", "vers:npm/", "vers:npm/|1.0.0",
        "vers:npm/1.0.0||2.0.0", "vers:npm/1.0.0|", "vers:npm/*|1.0.0", "VERS:npm/1.0.0", "vers:NPM/1.0.0", "vers:npm",
        "vers:npm/>=1.0.0|>=2.0.0", "vers:npm/<1.0.0|<2.0.0", "vers:npm/1.0.0|<2.0.0", "vers:npm/1.0%3a0", "vers:npm/1.0%3A0",
        "vers:npm/>=", "pkg:npm/1.0.0",
    ])
    func nonCanonicalRangesAreRefused(text: String) {
        #expect(throws: VersionRangeError.self) { try VersionRange(parsing: text) }
    }

    @Test func containment() throws {
        let range = try VersionRange(parsing: "vers:npm/1.2.3|>=2.0.0|<5.0.0")
        let cases: [(String, Bool)] = [
            ("1.2.3", true), ("1.2.4", false), ("0.1.0", false), ("2.0.0", true), ("4.9.9", true), ("5.0.0", false),
            ("5.0.0-rc.1", true), ("6.0.0", false),
        ]
        for (version, expected) in cases { #expect(range.contains(version) == expected, "\(version)") }
        #expect(try VersionRange(parsing: "vers:npm/>0.0.2").contains("0.0.3") == true)
        #expect(try VersionRange(parsing: "vers:npm/>0.0.2").contains("0.0.2") == false)
        #expect(try VersionRange(parsing: "vers:npm/<0.0.2").contains("0.0.1") == true)
        #expect(try VersionRange(parsing: "vers:npm/<=0.0.2").contains("0.0.2") == true)
        #expect(try VersionRange(parsing: "vers:npm/!=1.0.0").contains("1.0.1") == true)
        #expect(try VersionRange(parsing: "vers:npm/!=1.0.0").contains("1.0.0") == false)
        #expect(try VersionRange(parsing: "vers:npm/<1.0.0|>=2.0.0").contains("1.5.0") == false)
        #expect(try VersionRange(parsing: "vers:npm/<1.0.0|>=2.0.0").contains("3.0.0") == true)
        #expect(try VersionRange(parsing: "vers:npm/>=1.0.0|!=1.5.0|<2.0.0").contains("1.5.0") == false)
        #expect(try VersionRange(parsing: "vers:deb/*").contains("1:2.3-4") == true)
        #expect(try VersionRange(parsing: "vers:deb/>=1.0-1|<1.0-10").contains("1.0-2") == true)
        #expect(try VersionRange(parsing: "vers:pypi/>=1.0").contains("1.1") == nil)  // no order for pypi yet
    }

    @Test func semverPrecedence() {
        let chain = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
            "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0",
        ]
        let order = VersionOrder.semver
        for (a, b) in zip(chain, chain.dropFirst()) {
            #expect(order.compare(a, b) == .orderedAscending, "\(a) < \(b)")
            #expect(order.compare(b, a) == .orderedDescending, "\(b) > \(a)")
        }
        #expect(order.compare("1.0.0+build.7", "1.0.0") == .orderedSame)
        #expect(order.compare("v1.2.3", "1.2.3") == .orderedSame)
    }

    @Test func debianOrder() {
        let order = VersionOrder.debian
        // Letters sort before other characters, `~` before everything (`dpkg --compare-versions` agrees).
        let chain = ["1.0~rc1", "1.0", "1.0a", "1.0+b1", "1.1", "2:0.9"]
        for (a, b) in zip(chain, chain.dropFirst()) { #expect(order.compare(a, b) == .orderedAscending, "\(a) < \(b)") }
        #expect(order.compare("1.0-2", "1.0-10") == .orderedAscending)
        #expect(order.compare("1:1.0", "1.0") == .orderedDescending)
        #expect(order.compare("0:1.0", "1.0") == .orderedSame)
        #expect(order.compare("1.0~~", "1.0~") == .orderedAscending)
    }

    /// Pairs from rpm's `rpmvercmp.at`.
    @Test(arguments: [
        ("2.0.1a", "2.0.1", 1), ("5.5p1", "5.5p10", -1), ("10xyz", "10.1xyz", -1), ("xyz.4", "8", -1), ("6.0.rc1", "6.0", 1),
        ("10.0001", "10.1", 0), ("1.0a", "1.0aa", -1), ("1.0~rc1", "1.0", -1), ("1.0^", "1.0", 1), ("1.0^git1", "1.0.1", -1),
        ("1.0", "1.0", 0), ("1.0", "2.0", -1),
    ])
    func rpmOrder(a: String, b: String, expected: Int) {
        let ordering = VersionOrder.rpm.compare(a, b)
        let value = ordering == .orderedAscending ? -1 : ordering == .orderedSame ? 0 : 1
        #expect(value == expected)
    }

    @Test func intdotAndLexicographic() {
        #expect(VersionOrder.intdot.compare("10.234.5.12", "10.234.5.9") == .orderedDescending)
        #expect(VersionOrder.intdot.compare("1.01", "1.1") == .orderedSame)
        #expect(VersionOrder.lexicographic.compare("B", "a") == .orderedAscending)
    }
}
