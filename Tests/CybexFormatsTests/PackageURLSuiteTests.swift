import CybexFormats
import Foundation
import Testing

/// The purl specification's own test suite, when a checkout of it is at hand: set `CYBEX_PURL_SPEC_DIR`
/// to a clone of github.com/package-url/purl-spec and every case of `tests/spec` and `tests/types` is run
/// (parse, build, and validate as a round trip to the canonical form). The suite is not part of the
/// repository (Cybex's own cases are in `Fixtures/purl-cases.json` and `purl-build-cases.json`); this is
/// how a maintainer checks a new edition of it. The cases where the suite contradicts itself are listed
/// in docs/VULNERABILITIES.md, "Package URLs", and named here by their input.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CYBEX_PURL_SPEC_DIR"] != nil))
struct PackageURLSuiteTests {
    /// Inputs on which Cybex takes the other side of a contradiction within the suite.
    static let contradictions: Set<String> = [
        "pkg:gem/jruby-launcher@1.1.2?Platform=java",
        "pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
        "pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
    ]

    @Test func theSpecificationsSuiteAgrees() throws {
        let root = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CYBEX_PURL_SPEC_DIR"] ?? "")
        var files: [URL] = []
        for folder in ["tests/spec", "tests/types"] {
            let directory = root.appendingPathComponent(folder)
            files += try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
                .sorted().map { directory.appendingPathComponent($0) }
        }
        var count = 0
        var disagreements: [String] = []
        for file in files {
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
            for test in document?["tests"] as? [[String: Any]] ?? [] {
                count += 1
                if let problem = Self.run(test) {
                    let input = test["input"] as? String ?? ""
                    if !Self.contradictions.contains(input) { disagreements.append("\(file.lastPathComponent): \(problem)") }
                }
            }
        }
        #expect(count > 500)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }

    /// Runs one case; nil when Cybex agrees, else what differs.
    static func run(_ test: [String: Any]) -> String? {
        let kind = test["test_type"] as? String ?? ""
        let failure = test["expected_failure"] as? Bool ?? false
        let expected = test["expected_output"]
        switch kind {
        case "parse", "validate":
            let input = test["input"] as? String ?? ""
            guard let purl = try? PackageURL(parsing: input) else { return failure ? nil : "\(input) refused" }
            if failure { return "\(input) read as \(purl.canonical), the suite refuses it" }
            if kind == "validate" {
                return purl.canonical == expected as? String ? nil : "\(input) → \(purl.canonical)"
            }
            let parts = expected as? [String: Any] ?? [:]
            let qualifiers = (parts["qualifiers"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            let same =
                purl.type == parts["type"] as? String
                && (purl.namespace.isEmpty ? nil : purl.namespace.joined(separator: "/")) == parts["namespace"] as? String
                && purl.name == parts["name"] as? String && purl.version == parts["version"] as? String
                && purl.qualifiers.map { "\($0.key)=\($0.value)" } == qualifiers.map { "\($0.key)=\($0.value)" }
                && (purl.subpath.isEmpty ? nil : purl.subpath.joined(separator: "/")) == parts["subpath"] as? String
            return same ? nil : "\(input) read as \(purl.canonical) with other components"
        case "build":
            let parts = test["input"] as? [String: Any] ?? [:]
            let built = try? PackageURL(
                type: parts["type"] as? String ?? "", namespace: parts["namespace"] as? String,
                name: parts["name"] as? String ?? "", version: parts["version"] as? String,
                qualifiers: (parts["qualifiers"] as? [String: String] ?? [:]).map { (key: $0.key, value: $0.value) },
                subpath: parts["subpath"] as? String)
            guard let built else { return failure ? nil : "\(parts) refused" }
            if failure { return "\(parts) built as \(built.canonical), the suite refuses it" }
            return built.canonical == expected as? String ? nil : "built \(built.canonical)"
        default:
            return "test type \(kind) unknown"
        }
    }
}
