import CybexCore
import CybexFormats
import Foundation
import Testing

/// The fixtures under `Fixtures/valid` (one valid object per file) and `Fixtures/invalid` (one
/// object per file, named `<rule>--<what it shows>.json` after the rule it breaks). The same files are
/// checked against the stix2-validator oracle by `Tests/interop/test_validator_agreement.py`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func names(in folder: String) -> [String] {
        let path = directory.appendingPathComponent(folder).path
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }

    static let valid = names(in: "valid")
    static let invalid = names(in: "invalid")

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(folder).appendingPathComponent(name)))
    }

    static func load(_ folder: String, _ name: String) throws -> JSONValue {
        try JSONReader.parse(try bytes(folder, name))
    }

    /// The rule an invalid fixture is named after: the part before `--`.
    static func rule(of name: String) -> String {
        guard let separator = name.range(of: "--") else { return name }
        return String(name[..<separator.lowerBound])
    }
}

@Suite struct STIXValidatorFixtureTests {
    @Test func fixturesArePresent() {
        #expect(Fixtures.valid.count >= 60)
        #expect(Fixtures.invalid.count >= 140)
    }

    @Test func everySpecificationTypeHasAValidFixture() throws {
        var types: Set<String> = []
        for name in Fixtures.valid {
            if let type = try Fixtures.load("valid", name)["type"]?.stringValue { types.insert(type) }
        }
        let expected = STIXObjectKind.domainTypes.union(STIXObjectKind.relationshipTypes)
            .union(STIXObjectKind.observableTypes).union(STIXObjectKind.metaTypes)
        #expect(expected.subtracting(types).isEmpty, "no valid fixture for \(expected.subtracting(types).sorted())")
    }

    @Test(arguments: Fixtures.valid)
    func validFixtureHasNoViolation(name: String) throws {
        let object = try Fixtures.load("valid", name)
        let violations = STIXValidator.violations(of: object)
        #expect(violations.isEmpty, "\(name): \(violations.map(\.description))")
    }

    @Test(arguments: Fixtures.invalid)
    func invalidFixtureBreaksTheRuleInItsName(name: String) throws {
        let rule = Fixtures.rule(of: name)
        let object = try Fixtures.load("invalid", name)
        let violations = STIXValidator.violations(of: object)
        #expect(
            violations.contains { $0.rule == rule },
            "\(name): expected rule \(rule), got \(violations.map(\.description))")
        // Every violation names the object and, except for whole-object rules, the property.
        let id = try #require(object["id"]?.stringValue)
        for violation in violations {
            #expect(violation.objectID == id)
            if violation.rule != "at-least-one-property" && violation.rule != "type-name" {
                #expect(violation.property != nil, "\(violation)")
            }
            #expect(violation.description.contains(id))
        }
    }

    @Test(arguments: Fixtures.valid)
    func validFixtureDecodesToARecord(name: String) throws {
        let bytes = try Fixtures.bytes("valid", name)
        let bundle =
            Array(#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":["#.utf8) + bytes
            + Array("]}".utf8)
        let decoded = try STIXBundleDecoder.decode(bundle, as: .bundle)
        #expect(decoded.count == 1)
        guard case .valid(let record) = decoded.first else {
            Issue.record("\(name) did not decode as valid")
            return
        }
        #expect(try JSONReader.parse(record.json) == (try JSONReader.parse(bytes)))
    }
}
