import CybexFormats
import Foundation
import Testing

/// Package URLs against `Fixtures/purl-cases.json`: cases written for Cybex from the purl specification's
/// rules and its test suite's kinds of case (parsing, canonical form, building from components, the rules
/// of the registered types, and what must be refused). Each valid case: the string parses to the
/// components, its canonical form is the expected one, the canonical form parses to itself, and building
/// from the components gives it too.
@Suite struct PackageURLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let description: String
        let purl: String
        let invalid: Bool
        let canonical: String?
        let type: String?
        let namespace: String?
        let name: String?
        let version: String?
        let qualifiers: [(String, String)]
        let subpath: String?

        var testDescription: String { description }
    }

    static let cases: [Case] = {
        let url = Fixtures.directory.appendingPathComponent("purl-cases.json")
        guard let data = try? Data(contentsOf: url),
            let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        else { return [] }
        return list.map { item in
            Case(
                description: item["description"] as? String ?? "", purl: item["purl"] as? String ?? "",
                invalid: item["invalid"] as? Bool ?? false, canonical: item["canonical"] as? String,
                type: item["type"] as? String, namespace: item["namespace"] as? String, name: item["name"] as? String,
                version: item["version"] as? String,
                qualifiers: ((item["qualifiers"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map {
                    ($0.key, $0.value)
                },
                subpath: item["subpath"] as? String)
        }
    }()

    @Test func theFixturesAreThere() {
        #expect(Self.cases.count >= 50)
        #expect(Self.cases.filter(\.invalid).count >= 15)
    }

    @Test(arguments: cases.filter { !$0.invalid })
    func validCases(_ item: Case) throws {
        let parsed = try PackageURL(parsing: item.purl)
        #expect(parsed.type == item.type)
        #expect((parsed.namespace.isEmpty ? nil : parsed.namespace.joined(separator: "/")) == item.namespace)
        #expect(parsed.name == item.name)
        #expect(parsed.version == item.version)
        #expect(parsed.qualifiers.map { "\($0.key)=\($0.value)" } == item.qualifiers.map { "\($0.0)=\($0.1)" })
        #expect((parsed.subpath.isEmpty ? nil : parsed.subpath.joined(separator: "/")) == item.subpath)
        #expect(parsed.canonical == item.canonical)
        #expect(try PackageURL(parsing: parsed.canonical).canonical == item.canonical)
        let built = try PackageURL(
            type: item.type ?? "", namespace: item.namespace, name: item.name ?? "", version: item.version,
            qualifiers: item.qualifiers.map { (key: $0.0, value: $0.1) }, subpath: item.subpath)
        #expect(built.canonical == item.canonical)
    }

    @Test(arguments: cases.filter(\.invalid))
    func invalidCases(_ item: Case) {
        #expect(throws: PackageURLError.self) { try PackageURL(parsing: item.purl) }
    }

    @Test func buildingRefusesWhatParsingRefuses() {
        #expect(throws: PackageURLError.self) { try PackageURL(type: "maven", name: "parser") }
        #expect(throws: PackageURLError.self) { try PackageURL(type: "pypi", namespace: "x", name: "requests") }
        #expect(throws: PackageURLError.self) { try PackageURL(type: "npm", name: "") }
        #expect(throws: PackageURLError.self) { try PackageURL(type: "npm", name: "x", qualifiers: [("in use", "1")]) }
        #expect(throws: PackageURLError.self) { try PackageURL(type: "1x", name: "x") }
    }

    @Test func packageKeyLeavesOutVersionQualifiersAndSubpath() throws {
        let purl = try PackageURL(parsing: "pkg:deb/debian/openssl@3.0.11-1?arch=amd64#doc")
        #expect(purl.packageKey == "pkg:deb/debian/openssl")
    }
}
