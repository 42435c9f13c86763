import CybexCore
import Foundation
import Testing

@testable import CybexFormats

/// CSAF 2.0 documents written for Cybex (the OASIS test files are checked by `Tests/interop/test_csaf.py`):
/// a VEX document read, checked and mapped to STIX; the refusals name the test and the JSON pointer; the
/// pieces the tests rest on (versions, language tags, CVSS v2, the file name rule).
@Suite struct CSAFTests {
    static let vex = """
        {
          "document": {
            "category": "csaf_vex", "csaf_version": "2.0", "title": "Widget Server and left-pad",
            "publisher": {"category": "coordinator", "name": "Example CERT", "namespace": "https://cert.example"},
            "distribution": {"tlp": {"label": "GREEN"}}, "lang": "en",
            "notes": [{"category": "summary", "text": "Who is affected by CVE-2026-50005."}],
            "tracking": {
              "id": "CERT-2026:0005", "status": "final", "version": "2",
              "initial_release_date": "2026-11-01T10:00:00Z", "current_release_date": "2026-11-03T10:00:00Z",
              "revision_history": [
                {"date": "2026-11-01T10:00:00Z", "number": "1", "summary": "First"},
                {"date": "2026-11-03T10:00:00Z", "number": "2", "summary": "Widget Server added"}
              ]
            }
          },
          "product_tree": {
            "branches": [{"category": "vendor", "name": "Example Widgets", "branches": [
              {"category": "product_name", "name": "Widget Server", "branches": [
                {"category": "product_version", "name": "2.6.0", "product": {
                  "name": "Widget Server 2.6.0", "product_id": "CSAFPID-0002",
                  "product_identification_helper": {"cpe": "cpe:2.3:a:example_widgets:widget_server:2.6.0:*:*:*:*:*:*:*"}}}]}]}],
            "full_product_names": [
              {"name": "left-pad 1.1.0", "product_id": "CSAFPID-0001",
               "product_identification_helper": {"purl": "pkg:npm/left-pad@1.1.0"}}
            ]
          },
          "vulnerabilities": [{
            "cve": "CVE-2026-50005", "cwe": {"id": "CWE-79", "name": "any"},
            "notes": [{"category": "description", "text": "A flaw in left-pad."}],
            "product_status": {"known_affected": ["CSAFPID-0001"], "known_not_affected": ["CSAFPID-0002"]},
            "flags": [{"label": "component_not_present", "product_ids": ["CSAFPID-0002"]}],
            "remediations": [{"category": "vendor_fix", "details": "Upgrade to 1.3.0", "product_ids": ["CSAFPID-0001"]}],
            "scores": [{"products": ["CSAFPID-0001"], "cvss_v3": {"version": "3.1",
              "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]
          }]
        }
        """

    static func problems(_ text: String, reference: CSAFReference = CSAFReference()) -> [CSAFProblem] {
        do {
            _ = try CSAFDocument(bytes: Array(text.utf8), reference: reference)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aVEXDocumentIsValidAndBecomesAReportVulnerabilitiesAndVEXStatements() throws {
        let document = try CSAFDocument(bytes: Array(Self.vex.utf8))
        #expect(document.fileName == "cert-2026_0005.json")
        let objects = CSAFSTIX.objects(for: document)
        #expect(objects.map { $0["type"]?.stringValue ?? "" } == ["report", "vulnerability", "note"])
        let green = TLPLevel.green.markingDefinitionID
        for object in objects { #expect(object["object_marking_refs"] == .array([.string(green)])) }
        #expect(objects[0]["created"]?.stringValue == "2026-11-01T10:00:00.000Z")
        #expect(objects[0]["modified"]?.stringValue == "2026-11-03T10:00:00.000Z")
        #expect(objects[0]["description"]?.stringValue == "Who is affected by CVE-2026-50005.")
        #expect(objects[1]["name"]?.stringValue == "CVE-2026-50005")
        // Valid STIX, through the validator every document goes through.
        let decoded = ParsedDocument(objects: objects).decode(0..<3)
        #expect(decoded.allSatisfy { if case .valid = $0 { true } else { false } }, "\(decoded)")
        let statements = VEXStatement.statements(of: objects[2])
        #expect(statements.map(\.status) == ["affected", "not_affected"])
        #expect(statements[0].products == ["pkg:npm/left-pad@1.1.0"] && statements[0].detail == "vendor_fix: Upgrade to 1.3.0")
        #expect(statements[1].justification == "component_not_present")
        #expect(statements[0].vulnerabilityID == CVERecord.stixID(cveID: "CVE-2026-50005"))
        let widget = try #require(
            InventoryProduct(try InventoryEntries.item(cpe: "cpe:2.3:a:example_widgets:widget_server:2.6.0:*:*:*:*:*:*:*")))
        #expect(statements[1].covers(widget) && !statements[0].covers(widget))
    }

    @Test func refusalsNameTheTestAndThePointer() {
        let cases: [(String, String, String)] = [
            (#""known_affected": ["CSAFPID-0001"]"#, #""known_affected": ["CSAFPID-0009"]"#, "6.1.1"),
            (#""known_not_affected": ["CSAFPID-0002"]"#, #""known_not_affected": ["CSAFPID-0001"]"#, "6.1.6"),
            (#""baseScore": 9.8"#, #""baseScore": 7.5"#, "6.1.9"),
            (#""baseSeverity": "CRITICAL""#, #""baseSeverity": "SEVERE""#, "6.1.8"),
            (#""version": "2","#, #""version": "3","#, "6.1.16"),
            (#""name": "2.6.0", "product""#, #""name": "2.6.0 and later", "product""#, "6.1.31"),
            (#""category": "csaf_vex""#, #""category": "Security Advisory""#, "6.1.26"),
            (
                #""remediations": [{"category": "vendor_fix", "details": "Upgrade to 1.3.0", "product_ids": ["CSAFPID-0001"]}],"#,
                "", "6.1.27.10"
            ),
            (#""purl": "pkg:npm/left-pad@1.1.0""#, #""purl": "pkg:npm/@1.1.0""#, "6.1.13"),
            (#""csaf_version": "2.0""#, #""csaf_version": "2.1""#, "schema"),
            (#""status": "final""#, #""status": "done""#, "schema"),
            (#""lang": "en""#, #""lang": "en-""#, "schema"),
        ]
        for (from, to, test) in cases {
            let changed = Self.vex.replacingOccurrences(of: from, with: to)
            #expect(changed != Self.vex, "\(from) not found")
            #expect(Self.problems(changed).contains { $0.test == test }, "\(test): \(Self.problems(changed))")
        }
        // "after-eight" is a version's name, not a range (the TC's own test file).
        #expect(!CSAFMandatoryTests.isVersionRange("after-eight") && CSAFMandatoryTests.isVersionRange("prior to 4.2"))
        #expect(CSAFMandatoryTests.isVersionRange("<4.2") && CSAFMandatoryTests.isVersionRange("3.X versions"))
        // A document that is not JSON, or nests too deep, is refused before any test.
        #expect(Self.problems("{").first?.test == "json")
        #expect(Self.problems(String(repeating: "[", count: 10_000)).first?.test == "json")
    }

    @Test func catalogueTestsUseTheLoadedCatalogues() throws {
        let names = try CSAFReference.cweNames(csv: Array("CWE-ID,Name\n79,Cross-site Scripting\n".utf8))
        let subtags = try CSAFReference.languageSubtags(
            registry: Array(
                "File-Date: 2026-01-01\n%%\nType: language\nSubtag: en\n%%\nType: region\nSubtag: US\n%%\nType: language\nSubtag: qaa..qtz\n"
                    .utf8))
        #expect(subtags.contains("language:qtz") && subtags.contains("region:us"))
        let reference = CSAFReference(cweNames: names, languageSubtags: subtags)
        #expect(Self.problems(Self.vex, reference: reference).map(\.test) == ["6.1.11"])
        let named = Self.vex.replacingOccurrences(of: #""name": "any""#, with: #""name": "Cross-site Scripting""#)
        #expect(Self.problems(named, reference: reference).isEmpty)
        #expect(
            Self.problems(named.replacingOccurrences(of: #""lang": "en""#, with: #""lang": "ez""#), reference: reference).map(
                \.test) == ["6.1.12"])
        #expect(
            Self.problems(named.replacingOccurrences(of: #""lang": "en""#, with: #""lang": "en-US""#), reference: reference)
                .isEmpty)
        #expect(throws: CSAFReferenceError.self) { try CSAFReference.cweNames(csv: Array("a,b\n1,2\n".utf8)) }
    }

    @Test func versionsLanguageTagsAndCVSS2() {
        for valid in ["0", "12", "1.0.0", "1.0.0-alpha.1", "2.1.3+build.5"] {
            #expect(CSAFChecks.version.accepts(valid), "\(valid)")
        }
        for invalid in ["01", "1.0", "1.0.0-", "1.0.0-01", "v1.0.0", ""] {
            #expect(!CSAFChecks.version.accepts(invalid), "\(invalid)")
        }
        for valid in ["en", "de-AT", "zh-Hant-TW", "sl-rozaj-biske", "x-private", "i-default", "en-a-bbb-x-ccc"] {
            #expect(CSAFChecks.isLanguageTag(valid), "\(valid)")
        }
        for invalid in ["", "e", "en-", "toolongtag1", "en--US"] { #expect(!CSAFChecks.isLanguageTag(invalid), "\(invalid)") }
        #expect(CSAFVersion.less("1.9.0", "1.10.0") && CSAFVersion.less("9", "10") && !CSAFVersion.less("2", "1"))
        #expect(CVSS2.score("AV:N/AC:L/Au:N/C:C/I:C/A:C")?.base == 100)
        #expect(CVSS2.score("AV:N/AC:M/Au:N/C:P/I:P/A:P")?.base == 68)
        #expect(CVSS2.score("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C")?.temporal == 64)
        #expect(CVSS2.score("AV:N/AC:L/Au:N") == nil)
        #expect(CSAFDocument.fileName(trackingID: "RHBA-2019:0024") == "rhba-2019_0024.json")
    }
}
