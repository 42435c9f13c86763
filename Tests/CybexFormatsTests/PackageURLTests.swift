import CybexFormats
import Foundation
import Testing

/// Package URLs against `Fixtures/purl-cases.json` and `Fixtures/purl-build-cases.json`: cases written for
/// Cybex from the purl specification, its type definitions and its test suite's kinds of case (parsing,
/// canonical form, building from components, the rules of every registered type, and what must be
/// refused). Each valid string: it parses to the components, its canonical form is the expected one, the
/// canonical form parses to itself, and building from the components gives it too. Each build case: the
/// components (not necessarily canonical) build the expected canonical form, or are refused.
@Suite struct PackageURLTests {
    /// A package URL's components as a fixture gives them (`null` or absent: none).
    struct Components: Sendable {
        let type: String?
        let namespace: String?
        let name: String?
        let version: String?
        let qualifiers: [(String, String)]
        let subpath: String?

        init(_ item: [String: Any]) {
            type = item["type"] as? String
            namespace = item["namespace"] as? String
            name = item["name"] as? String
            version = item["version"] as? String
            qualifiers = ((item["qualifiers"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map {
                ($0.key, $0.value)
            }
            subpath = item["subpath"] as? String
        }

        func build() throws(PackageURLError) -> PackageURL {
            try PackageURL(
                type: type ?? "", namespace: namespace, name: name ?? "", version: version,
                qualifiers: qualifiers.map { (key: $0.0, value: $0.1) }, subpath: subpath)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let description: String
        /// The string read (absent in a build case).
        let purl: String?
        let components: Components
        /// The canonical form; nil when the case must be refused.
        let canonical: String?

        var testDescription: String { description }
    }

    static func load(_ file: String) -> [Case] {
        let url = Fixtures.directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url),
            let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        else { return [] }
        return list.map { item in
            Case(
                description: item["description"] as? String ?? "", purl: item["purl"] as? String,
                components: Components(item["components"] as? [String: Any] ?? item),
                canonical: (item["invalid"] as? Bool ?? false) ? nil : item["canonical"] as? String)
        }
    }

    static let cases = load("purl-cases.json")
    static let buildCases = load("purl-build-cases.json")

    @Test func theFixturesAreThere() {
        #expect(Self.cases.count >= 140)
        #expect(Self.cases.filter { $0.canonical == nil }.count >= 55)
        #expect(Self.buildCases.count >= 40)
        #expect(Self.buildCases.filter { $0.canonical == nil }.count >= 20)
    }

    @Test(arguments: cases.filter { $0.canonical != nil })
    func validCases(_ item: Case) throws {
        let parsed = try PackageURL(parsing: item.purl ?? "")
        let expected = item.components
        #expect(parsed.type == expected.type)
        #expect((parsed.namespace.isEmpty ? nil : parsed.namespace.joined(separator: "/")) == expected.namespace)
        #expect(parsed.name == expected.name)
        #expect(parsed.version == expected.version)
        #expect(parsed.qualifiers.map { "\($0.key)=\($0.value)" } == expected.qualifiers.map { "\($0.0)=\($0.1)" })
        #expect((parsed.subpath.isEmpty ? nil : parsed.subpath.joined(separator: "/")) == expected.subpath)
        #expect(parsed.canonical == item.canonical)
        #expect(try PackageURL(parsing: parsed.canonical).canonical == item.canonical)
        #expect(try expected.build().canonical == item.canonical)
    }

    @Test(arguments: cases.filter { $0.canonical == nil })
    func invalidCases(_ item: Case) {
        #expect(throws: PackageURLError.self) { try PackageURL(parsing: item.purl ?? "") }
    }

    /// Building from components gives the canonical form (which parses back to itself), or is refused.
    @Test(arguments: buildCases)
    func buildingFromComponents(_ item: Case) throws {
        guard let canonical = item.canonical else {
            #expect(throws: PackageURLError.self) { try item.components.build() }
            return
        }
        let built = try item.components.build()
        #expect(built.canonical == canonical)
        #expect(try PackageURL(parsing: canonical).canonical == canonical)
        #expect(try PackageURL(parsing: canonical) == built)
    }

    @Test func packageKeyLeavesOutVersionQualifiersAndSubpath() throws {
        let purl = try PackageURL(parsing: "pkg:deb/debian/openssl@3.0.11-1?arch=amd64#doc")
        #expect(purl.packageKey == "pkg:deb/debian/openssl")
        let git = try PackageURL(parsing: "pkg:git/gitlab.com/gitlab-org/gitaly@v16.11.1#ruby")
        #expect(git.packageKey == "pkg:git/gitlab.com/gitlab-org/gitaly")
    }
}
