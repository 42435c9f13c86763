import CybexCore
import CybexFormats
import Testing

@Suite struct STIXBundleDecoderTests {
    static let indicator = """
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836",
         "created": "2021-06-10T12:00:00.000Z", "modified": "2021-06-11T12:00:00.000Z",
         "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": "2021-06-10T00:00:00Z",
         "valid_until": "2022-01-01T00:00:00.5Z",
         "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                                 "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}
        """
    static let invalidIndicator = """
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--0f0b5c49-6a3f-4b8e-9a3e-6a4f2b1c9d7e",
         "created": "2021-06-10T12:00:00.000Z", "modified": "2021-06-10T13:00:00.000Z",
         "pattern_type": "stix", "valid_from": "2021-06-10T00:00:00Z"}
        """
    static let ipv4 =
        #"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3"}"#
    static let bundleID = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"

    func bundle(_ objects: [String], id: String = bundleID) -> [UInt8] {
        Array(#"{"type": "bundle", "id": "\#(id)", "objects": [\#(objects.joined(separator: ",\n"))]}"#.utf8)
    }

    func documentError(_ bytes: [UInt8], as container: STIXBundleDecoder.Container) -> STIXDocumentError.Code? {
        do {
            _ = try STIXBundleDecoder.decode(bytes, as: container)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func invalidObjectBesideValidOnes() throws {
        let decoded = try STIXBundleDecoder.decode(
            bundle([Self.indicator, Self.invalidIndicator, Self.ipv4]), as: .bundle)
        #expect(decoded.count == 3)
        guard case .valid(let first) = decoded[0], case .invalid(let id, let version, let violations) = decoded[1],
            case .valid(let third) = decoded[2]
        else {
            Issue.record("expected valid, invalid, valid; got \(decoded)")
            return
        }
        #expect(first.id == "indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836")
        #expect(third.type == "ipv4-addr")
        #expect(id == "indicator--0f0b5c49-6a3f-4b8e-9a3e-6a4f2b1c9d7e")
        #expect(version == "2021-06-10T13:00:00.000Z")
        let violation = try #require(violations.first)
        #expect(violations.count == 1)
        #expect(violation.objectID == id)
        #expect(violation.property == "pattern")
        #expect(violation.rule == "required-property")
        #expect(
            violation.description
                == "indicator--0f0b5c49-6a3f-4b8e-9a3e-6a4f2b1c9d7e: property 'pattern': 'pattern' is required in an indicator [required-property]"
        )
    }

    @Test func recordOfAValidObject() throws {
        let decoded = try STIXBundleDecoder.decode(bundle([Self.indicator]), as: .bundle)
        guard case .valid(let record) = try #require(decoded.first) else {
            Issue.record("not valid: \(decoded)")
            return
        }
        #expect(record.type == "indicator")
        #expect(record.specVersion == "2.1")
        #expect(record.created == STIXTimestamp(parsing: "2021-06-10T12:00:00.000Z")?.microseconds)
        #expect(record.modified == STIXTimestamp(parsing: "2021-06-11T12:00:00.000Z")?.microseconds)
        #expect(record.versionText == "2021-06-11T12:00:00.000Z")
        #expect(record.validUntil == STIXTimestamp(parsing: "2022-01-01T00:00:00.5Z")?.microseconds)
        #expect(record.tlp == .red)
        #expect(record.objectMarkingRefs.count == 2)
        #expect(record.observables == [Observable(kind: .ipv4, value: "198.51.100.1")])
        // The stored bytes are the object as received, only without white space between tokens.
        let json = String(decoding: record.json, as: UTF8.self)
        #expect(json.hasPrefix(#"{"type":"indicator","spec_version":"2.1","id":"indicator--e2e1a340"#))
        #expect(json.contains(#""pattern":"[ipv4-addr:value = '198.51.100.1']""#))
        #expect(!json.contains("\n"))
    }

    @Test func envelopeAndBundle() throws {
        let envelope = Array(#"{"more": false, "objects": [\#(Self.ipv4)]}"#.utf8)
        let fromEnvelope = try STIXBundleDecoder.decode(envelope, as: .envelope)
        #expect(fromEnvelope.count == 1)
        // A bundle posted where an envelope is expected is read the same way.
        #expect(try STIXBundleDecoder.decode(bundle([Self.ipv4]), as: .envelope).count == 1)
        // An envelope is not a bundle.
        #expect(documentError(envelope, as: .bundle) == .notABundle)
        // An empty envelope or bundle holds nothing.
        #expect(try STIXBundleDecoder.decode(Array("{}".utf8), as: .envelope).isEmpty)
        #expect(try STIXBundleDecoder.decode(bundle([]), as: .bundle).isEmpty)
    }

    @Test func documentErrors() {
        #expect(documentError(Array("{".utf8), as: .bundle) == .invalidJSON)
        #expect(documentError(Array("[]".utf8), as: .envelope) == .invalidJSON)
        #expect(documentError(bundle([Self.ipv4], id: "bundle--nope"), as: .bundle) == .notABundle)
        #expect(
            documentError(bundle([Self.ipv4], id: "report--5d0092c5-5f74-4287-9642-33f4c354e56d"), as: .bundle)
                == .notABundle)
        let objectsNotAList = Array(#"{"type":"bundle","id":"\#(Self.bundleID)","objects":{}}"#.utf8)
        #expect(documentError(objectsNotAList, as: .bundle) == .notABundle)
        #expect(documentError(Array(#"{"objects":"x"}"#.utf8), as: .envelope) == .notAnEnvelope)
        let tooMany =
            (try? STIXBundleDecoder.decode(bundle([Self.ipv4, Self.ipv4]), as: .bundle, limits: .init(maxObjects: 1)))
        #expect(tooMany == nil)
        do {
            _ = try STIXBundleDecoder.decode(bundle([Self.ipv4, Self.ipv4]), as: .bundle, limits: .init(maxObjects: 1))
        } catch {
            #expect(error.code == .tooManyObjects)
        }
    }

    @Test func nonObjectsAndNestedBundlesAreInvalidObjects() throws {
        let nested = #"{"type":"bundle","id":"bundle--6d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}"#
        let decoded = try STIXBundleDecoder.decode(bundle(["42", nested, Self.ipv4]), as: .bundle)
        guard case .invalid(nil, nil, let notObject) = decoded[0],
            case .invalid(_, _, let bundleViolations) = decoded[1],
            case .valid = decoded[2]
        else {
            Issue.record("unexpected: \(decoded)")
            return
        }
        #expect(notObject.map(\.rule) == ["object"])
        #expect(bundleViolations.map(\.rule) == ["nested-bundle"])
    }

    @Test func everyViolationOfAnObjectIsReported() throws {
        let broken = """
            {"type": "sighting", "spec_version": "2.1", "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
             "created": "2021-06-10T12:00:00Z", "modified": "2021-06-09T12:00:00.000Z",
             "sighting_of_ref": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "count": -3,
             "where_sighted_refs": ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"], "severity": "high"}
            """
        let decoded = try STIXBundleDecoder.decode(bundle([broken]), as: .bundle)
        guard case .invalid(let id, _, let violations) = try #require(decoded.first) else {
            Issue.record("expected an invalid object")
            return
        }
        #expect(id == "sighting--ee20065d-2555-424f-ad9e-0f8428623c75")
        let found = Set(violations.map { "\($0.property ?? "-") \($0.rule)" })
        #expect(
            found == [
                "created timestamp-precision", "modified modified-before-created", "sighting_of_ref reference-type",
                "count value-range", "where_sighted_refs.[0] reference-type", "severity reserved-property",
            ])
    }
}
