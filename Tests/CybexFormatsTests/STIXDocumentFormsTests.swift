import CybexCore
import CybexFormats
import Foundation
import Testing

/// The document forms the inbound flow reads besides bundles and envelopes: one object alone, JSON
/// Lines, and the automatic choice between a bundle, an envelope and one object.
@Suite("STIX document forms")
struct STIXDocumentFormsTests {
    static let indicator = """
        {"type":"indicator","spec_version":"2.1","id":"indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c8",\
        "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']",\
        "pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}
        """

    static func ids(_ decoded: [DecodedObject]) -> [String] {
        decoded.compactMap { if case .valid(let record) = $0 { record.id } else { nil } }
    }

    @Test func oneObjectAlone() throws {
        let pretty = "\n  " + Self.indicator.replacingOccurrences(of: ",", with: ",\n   ") + "\n"
        for container in [STIXBundleDecoder.Container.object, .automatic] {
            let decoded = try STIXBundleDecoder.decode(Array(pretty.utf8), as: container)
            #expect(Self.ids(decoded) == ["indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c8"])
        }
        // Stored compact, as every object is.
        guard case .valid(let record)? = try STIXBundleDecoder.decode(Array(pretty.utf8), as: .object).first else {
            Issue.record("not decoded")
            return
        }
        #expect(!record.json.contains(UInt8(ascii: "\n")))
        // A bundle is no single object; a single object is no bundle.
        let bundle = #"{"type":"bundle","id":"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8","objects":[\#(Self.indicator)]}"#
        #expect(throws: STIXDocumentError.self) { try STIXBundleDecoder.parse(Array(bundle.utf8), as: .object) }
        #expect(throws: STIXDocumentError.self) { try STIXBundleDecoder.parse(Array(Self.indicator.utf8), as: .bundle) }
    }

    @Test func automaticTellsTheFormsApart() throws {
        let bundle = #"{"type":"bundle","id":"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8","objects":[\#(Self.indicator)]}"#
        let envelope = #"{"objects":[\#(Self.indicator),\#(Self.indicator.replacingOccurrences(of: "00c04fd430c8", with: "00c04fd430c9"))]}"#
        #expect(try STIXBundleDecoder.decode(Array(bundle.utf8), as: .automatic).count == 1)
        #expect(try STIXBundleDecoder.decode(Array(envelope.utf8), as: .automatic).count == 2)
        #expect(throws: STIXDocumentError.self) { try STIXBundleDecoder.parse(Array(#"{"name":"x"}"#.utf8), as: .automatic) }
        #expect(throws: STIXDocumentError.self) { try STIXBundleDecoder.parse(Array("[1]".utf8), as: .automatic) }
    }

    @Test func jsonLines() throws {
        let second = Self.indicator.replacingOccurrences(of: "00c04fd430c8", with: "00c04fd430c9")
        let text = "\(Self.indicator)\r\n\n   \n\(second)\n"
        let document = try STIXBundleDecoder.parse(Array(text.utf8), as: .jsonLines)
        #expect(document.count == 2)
        #expect(Self.ids(document.decode(0..<2)).count == 2)
        #expect(try STIXBundleDecoder.parse([], as: .jsonLines).count == 0)
    }

    @Test(arguments: [
        ("{\"type\":\"indicator\",\n", 1, STIXDocumentError.Code.invalidJSON),
        ("\(STIXDocumentFormsTests.indicator)\n\n[1,2]\n", 3, .notAnObject),
        ("\(STIXDocumentFormsTests.indicator)\n{\"name\":\"no type\"}\n", 2, .notAnObject),
        ("\(STIXDocumentFormsTests.indicator)\n{\"type\":\"bundle\",\"id\":\"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8\"}\n", 2,
            .notAnObject),
        ("\(STIXDocumentFormsTests.indicator)\n\(STIXDocumentFormsTests.indicator) trailing\n", 2, .invalidJSON),
    ])
    func anInvalidLineRefusesTheDocumentNamingIt(text: String, line: Int, code: STIXDocumentError.Code) {
        do {
            _ = try STIXBundleDecoder.parse(Array(text.utf8), as: .jsonLines)
            Issue.record("accepted")
        } catch {
            #expect(error.code == code)
            #expect(error.message.hasPrefix("line \(line):"), "\(error.message)")
        }
    }
}
