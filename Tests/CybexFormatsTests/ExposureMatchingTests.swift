import CybexCore
import Foundation
import Testing

@testable import CybexFormats

/// What exposure is decided from: the CVE 5 version-status algorithm (the examples of CVEProject's
/// `docs/versions.md`), which affected entry names which inventory item, inventories as people write
/// them (CSV, CycloneDX), and OpenVEX documents read into notes and applied back.
@Suite struct ExposureMatchingTests {
    /// An affected entry of Cybex's CVE extension.
    static func entry(
        vendor: String? = "Example Widgets", product: String? = "Widget Server", package: String? = nil,
        collection: String? = nil, cpes: [String] = [], defaultStatus: String? = nil, versions: [JSONValue]
    ) -> AffectedProduct {
        var members: [(key: String, value: JSONValue)] = []
        if let vendor { members.append(("vendor", .string(vendor))) }
        if let product { members.append(("product", .string(product))) }
        if let package { members.append(("package_name", .string(package))) }
        if let collection { members.append(("collection_url", .string(collection))) }
        if !cpes.isEmpty { members.append(("cpes", .array(cpes.map(JSONValue.string)))) }
        if let defaultStatus { members.append(("default_status", .string(defaultStatus))) }
        members.append(("versions", .array(versions)))
        let vulnerability: JSONValue = .object([
            ("extensions", .object([(VulnerabilityFacts.cveExtensionID, .object([("affected", .array([.object(members)]))]))]))
        ])
        return AffectedProduct.of(vulnerability)[0]
    }

    static func range(
        _ version: String, _ status: String, type: String? = "semver", lessThan: String? = nil, orEqual: String? = nil,
        changes: [(String, String)] = []
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("version", .string(version)), ("status", .string(status))]
        if let type { members.append(("version_type", .string(type))) }
        if let lessThan { members.append(("less_than", .string(lessThan))) }
        if let orEqual { members.append(("less_than_or_equal", .string(orEqual))) }
        if !changes.isEmpty {
            members.append(
                ("changes", .array(changes.map { .object([("at", .string($0.0)), ("status", .string($0.1))]) })))
        }
        return .object(members)
    }

    @Test func theStatusOfAVersionFollowsTheFirstMatchingEntryThenTheDefault() {
        // 2.0.0 through 2.5.1 affected, 2.5.2 and later 2.x unaffected, everything else unknown.
        let product = Self.entry(versions: [
            Self.range("2.0.0", "affected", lessThan: "2.5.2"), Self.range("2.5.2", "unaffected", lessThan: "2.*"),
        ])
        let cases: [(String, String)] = [
            ("2.0.0", "affected"), ("2.5.1", "affected"), ("2.5.2", "unaffected"), ("2.9.9", "unaffected"),
            ("3.0.0", "unknown"), ("1.9.9", "unknown"),
        ]
        for (version, status) in cases { #expect(product.status(of: version).status == status, "\(version)") }
        // The same with defaultStatus unaffected, and lessThanOrEqual.
        let vendor = Self.entry(defaultStatus: "unaffected", versions: [Self.range("2.0.0", "affected", orEqual: "2.5.1")])
        #expect(vendor.status(of: "2.5.1").status == "affected")
        #expect(vendor.status(of: "2.5.2").status == "unaffected")
        #expect(vendor.status(of: "1.0.0").status == "unaffected")
        // 2.5.2 and later unaffected, everything else affected.
        let later = Self.entry(defaultStatus: "affected", versions: [Self.range("2.5.2", "unaffected", lessThan: "*")])
        #expect(later.status(of: "2.4.0").status == "affected")
        #expect(later.status(of: "7.0.0").status == "unaffected")
        // Single versions, without a range: only 2.4 and 2.5.
        let single = Self.entry(
            defaultStatus: "unaffected",
            versions: [Self.range("2.4", "affected", type: nil), Self.range("2.5", "affected", type: nil)])
        #expect(single.status(of: "2.4").status == "affected")
        #expect(single.status(of: "2.4.1").status == "unaffected")
        // "0" is no lower bound; "1.*" bounds the whole 1 series.
        let series = Self.entry(versions: [Self.range("0", "affected", lessThan: "1.*")])
        #expect(series.status(of: "0.1.0").status == "affected")
        #expect(series.status(of: "1.9.9").status == "affected")
        #expect(series.status(of: "2.0.0").status == "unknown")
    }

    @Test func statusChangesApplyInOrder() {
        // Affected from 2.0.0, fixed at 2.5.2, broken again at 2.6.0, fixed at 2.6.3 (the document's example).
        let product = Self.entry(versions: [
            Self.range(
                "2.0.0", "affected", lessThan: "2.*",
                changes: [("2.6.3", "unaffected"), ("2.5.2", "unaffected"), ("2.6.0", "affected")])
        ])
        let cases: [(String, String)] = [
            ("2.1.0", "affected"), ("2.5.2", "unaffected"), ("2.5.9", "unaffected"), ("2.6.0", "affected"),
            ("2.6.2", "affected"), ("2.6.3", "unaffected"), ("2.9.0", "unaffected"), ("3.0.0", "unknown"),
        ]
        for (version, status) in cases { #expect(product.status(of: version).status == status, "\(version)") }
    }

    @Test func ordersFollowTheVersionType() {
        let rpm = Self.entry(versions: [Self.range("0", "affected", type: "rpm", lessThan: "1.2-3.el9")])
        #expect(rpm.status(of: "1.2-2.el9").status == "affected")
        #expect(rpm.status(of: "1.2-10.el9").status == "unknown", "release 10 is after 3")
        let deb = Self.entry(versions: [Self.range("0", "affected", type: "deb", lessThan: "1.0~rc1")])
        #expect(deb.status(of: "1.0~beta").status == "affected")
        #expect(deb.status(of: "1.0").status == "unknown", "~ sorts before the release")
        // custom: compared segment by segment, numbers as numbers.
        let custom = Self.entry(versions: [Self.range("1.9", "affected", type: "custom", lessThan: "1.10")])
        #expect(custom.status(of: "1.9.5").status == "affected")
        #expect(custom.status(of: "1.10").status == "unknown")
        // git: an order Cybex does not have; only the range's own start is decided.
        let git = Self.entry(versions: [Self.range("abc123", "affected", type: "git", lessThan: "def456")])
        #expect(git.status(of: "abc123").status == "affected")
        #expect(git.status(of: "bcd234").status == "unknown")
    }

    @Test func anItemWithoutAVersionIsDecidedOnlyWhenEveryVersionAgrees() {
        let all = Self.entry(defaultStatus: "affected", versions: [])
        #expect(all.status(of: nil).status == "affected")
        let none = Self.entry(defaultStatus: "unaffected", versions: [Self.range("1.0", "unaffected", type: nil)])
        #expect(none.status(of: nil).status == "unaffected")
        let some = Self.entry(defaultStatus: "unaffected", versions: [Self.range("1.0", "affected", lessThan: "1.2")])
        #expect(some.status(of: nil).status == "unknown")
    }

    @Test func entriesNameItemsByVendorAndProductOrByPackage() throws {
        let widget = try #require(
            InventoryProduct(try InventoryEntries.item(vendor: "Example Widgets", product: "Widget Server", version: "2.4.1")))
        #expect(widget.item.value == "cpe:2.3:a:Example_Widgets:Widget_Server:2.4.1:*:*:*:*:*:*:*")
        #expect(widget.version == "2.4.1" && widget.terms == ["product:widget_server"])
        #expect(Self.entry(versions: []).names(widget))
        #expect(!Self.entry(vendor: "Other Vendor", versions: []).names(widget))
        // Through the entry's CPEs.
        let byCPE = Self.entry(
            vendor: "EW", product: "WS", cpes: ["cpe:2.3:a:example_widgets:widget_server:*:*:*:*:*:*:*:*"], versions: [])
        #expect(byCPE.names(widget))

        let leftPad = try #require(InventoryProduct(try InventoryEntries.item(purl: "pkg:npm/left-pad@1.1.0")))
        let npm = Self.entry(
            vendor: nil, product: nil, package: "left-pad", collection: "https://registry.npmjs.org", versions: [])
        #expect(npm.names(leftPad))
        let pypi = Self.entry(vendor: nil, product: nil, package: "left-pad", collection: "https://pypi.org/simple", versions: [])
        #expect(!pypi.names(leftPad), "another package collection")
        let scoped = try #require(InventoryProduct(try InventoryEntries.item(purl: "pkg:npm/%40angular/core@17.0.0")))
        let angular = Self.entry(
            vendor: nil, product: nil, package: "@angular/core", collection: "https://registry.npmjs.org", versions: [])
        #expect(angular.names(scoped) && !angular.names(leftPad))
        let maven = try #require(
            InventoryProduct(try InventoryEntries.item(purl: "pkg:maven/org.apache.logging.log4j/log4j-core", version: "2.14.1")))
        let log4j = Self.entry(
            vendor: "Apache Software Foundation", product: "Apache Log4j2", package: "org.apache.logging.log4j:log4j-core",
            collection: "https://repo.maven.apache.org/maven2", versions: [])
        #expect(log4j.names(maven) && maven.version == "2.14.1")
    }

    @Test func inventoriesAreReadFromCSVAndRefusedWithTheLine() throws {
        let csv = """
            # the mail platform
            vendor,product,version,note
            Example Widgets,Widget Server,2.4.1,mail relay
            ,,,
            """
        #expect(throws: InventoryEntries.EntryError.self) { try InventoryEntries.csv(Array(csv.utf8)) }
        let items = try InventoryEntries.csv(
            Array(
                """
                cpe,purl,version,note
                cpe:2.3:o:example:router_os:*:*:*:*:*:*:*:*,,12.1,edge
                ,pkg:deb/debian/openssl@3.0.11-1?arch=amd64,,
                cpe:/a:example:portal:4.0,,,
                cpe:2.3:o:example:router_os:12.1:*:*:*:*:*:*:*,,,core
                """.utf8))
        #expect(
            items == [
                InventoryItem(kind: .cpe, value: "cpe:2.3:o:example:router_os:12.1:*:*:*:*:*:*:*", note: "core"),
                InventoryItem(kind: .purl, value: "pkg:deb/debian/openssl@3.0.11-1?arch=amd64"),
                InventoryItem(kind: .cpe, value: "cpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*"),
            ])
        for (text, fragment) in [
            ("cpe,version\ncpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*,5.0\n", "line 2"),
            ("cpe\ncpe:2.3:a:*:portal:*:*:*:*:*:*:*:*\n", "names its vendor"),
            ("purl\npkg:npm\n", "not a package URL"),
            ("colour\nred\n", "unknown column"),
            ("cpe,purl\ncpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*,pkg:npm/x@1\n", "one of"),
        ] {
            do {
                _ = try InventoryEntries.csv(Array(text.utf8))
                Issue.record("\(text) was read")
            } catch {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
    }

    @Test func cycloneDXComponentsBecomeItems() throws {
        let sbom = """
            {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
             "metadata": {"component": {"type": "application", "name": "portal", "version": "4.0",
                                        "cpe": "cpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*"}},
             "components": [
               {"type": "library", "name": "left-pad", "version": "1.1.0", "purl": "pkg:npm/left-pad@1.1.0"},
               {"type": "library", "name": "bundle", "components": [
                  {"type": "library", "name": "core", "purl": "pkg:npm/%40angular/core@17.0.0"}]},
               {"type": "library", "name": "no identifier", "version": "1"}
             ]}
            """
        let (items, skipped) = try InventoryEntries.cycloneDX(Array(sbom.utf8))
        #expect(
            Set(items.map(\.value)) == [
                "cpe:2.3:a:example:portal:4.0:*:*:*:*:*:*:*", "pkg:npm/left-pad@1.1.0", "pkg:npm/%40angular/core@17.0.0",
            ])
        #expect(skipped == 2, "the bundle and the component without an identifier")
        #expect(throws: InventoryEntries.EntryError.self) {
            try InventoryEntries.cycloneDX(Array(#"{"bomFormat": "SPDX", "specVersion": "1.5"}"#.utf8))
        }
        #expect(throws: InventoryEntries.EntryError.self) {
            try InventoryEntries.cycloneDX(Array(String(repeating: "[", count: 100_000).utf8))
        }
    }

    static let vex = """
        {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://cert.example/vex/2026-001", "author": "CERT",
         "timestamp": "2026-12-01T10:00:00Z", "version": 1,
         "statements": [
           {"vulnerability": {"name": "cve-2026-50001"}, "products": [{"@id": "pkg:npm/left-pad@1.1.0"}],
            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
           {"vulnerability": {"name": "GHSA-xxxx-yyyy-zzzz"},
            "products": [{"identifiers": {"@cpe23": "cpe:2.3:a:example_widgets:widget_server:*:*:*:*:*:*:*:*"}}],
            "status": "affected", "action_statement": "Upgrade to 2.5.2", "timestamp": "2026-12-02T10:00:00Z"}
         ]}
        """

    @Test func openVEXDocumentsBecomeNotesAndApplyBack() throws {
        let note = try OpenVEX.note(from: Array(Self.vex.utf8))
        #expect(note["type"]?.stringValue == "note")
        #expect(note["created"]?.stringValue == "2026-12-01T10:00:00.000Z")
        let refs = note["object_refs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(refs.first == CVERecord.stixID(cveID: "CVE-2026-50001"), "a CVE id refers to its CVE record's object")
        #expect(refs.count == 2)
        let facts = try #require(VulnerabilityFacts.ofVEXNote(note))
        #expect(facts.terms == ["vex", "vex:CVE-2026-50001", "vex:GHSA-xxxx-yyyy-zzzz"] && facts.cve == nil)
        // The note is valid STIX.
        let decoded = ParsedDocument(objects: [note]).decode(0..<1)
        #expect(decoded.allSatisfy { if case .valid = $0 { true } else { false } }, "\(decoded)")

        let statements = VEXStatement.statements(of: note)
        #expect(statements.map(\.status) == ["not_affected", "affected"])
        let leftPad = try #require(InventoryProduct(try InventoryEntries.item(purl: "pkg:npm/left-pad@1.1.0")))
        let newer = try #require(InventoryProduct(try InventoryEntries.item(purl: "pkg:npm/left-pad@1.3.0")))
        let widget = try #require(
            InventoryProduct(try InventoryEntries.item(cpe: "cpe:2.3:a:example_widgets:widget_server:2.4.1:*:*:*:*:*:*:*")))
        #expect(statements[0].covers(leftPad) && !statements[0].covers(newer) && !statements[0].covers(widget))
        #expect(statements[1].covers(widget) && !statements[1].covers(leftPad))
    }

    @Test func invalidOpenVEXIsRefusedWithThePath() {
        let cases: [(String, String)] = [
            (
                Self.vex.replacingOccurrences(
                    of: #""justification": "vulnerable_code_not_in_execute_path""#, with: #""supplier": "x""#), "statements[0]"
            ),
            (
                Self.vex.replacingOccurrences(of: #""action_statement": "Upgrade to 2.5.2", "#, with: ""),
                "statements[1].action_statement"
            ),
            (
                Self.vex.replacingOccurrences(of: #""status": "not_affected""#, with: #""status": "maybe""#),
                "statements[0].status"
            ),
            (Self.vex.replacingOccurrences(of: "https://openvex.dev/ns/v0.2.0", with: "https://example.org"), "@context"),
            (
                Self.vex.replacingOccurrences(of: #""timestamp": "2026-12-01T10:00:00Z""#, with: #""timestamp": "yesterday""#),
                "timestamp"
            ),
            (Self.vex.replacingOccurrences(of: "pkg:npm/left-pad@1.1.0", with: "pkg:"), "statements[0].products[0].@id"),
        ]
        for (text, path) in cases {
            do {
                _ = try OpenVEX.note(from: Array(text.utf8))
                Issue.record("accepted, expected a refusal at \(path)")
            } catch {
                #expect(error.path == path, "\(error)")
            }
        }
    }
}
