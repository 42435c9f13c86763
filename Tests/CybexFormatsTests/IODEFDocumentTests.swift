import CybexCore
import Foundation
import Testing

@testable import CybexFormats

/// IODEF v2 documents written for these tests (`Fixtures/iodef`), read, checked against the RFC's
/// classes, turned into STIX and back, and written again.
@Suite struct IODEFDocumentTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("iodef")

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".xml") }.sorted()
    static let valid = files.filter { !$0.hasPrefix("invalid-") }
    static let invalid = files.filter { $0.hasPrefix("invalid-") }

    static func bytes(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static func content(_ element: XMLTree.Element) -> XMLTree.Element { IODEF.content(element) }

    /// Where two trees first differ, as a path; nil when they are equal.
    static func difference(_ a: XMLTree.Element, _ b: XMLTree.Element, path: String = "") -> String? {
        let here = path + "/" + a.name.local
        if a.name != b.name { return "\(here): \(a.name) against \(b.name)" }
        if a.attributes != b.attributes {
            return
                "\(here): attributes \(a.attributes.map { "\($0.name)=\($0.value)" }) against \(b.attributes.map { "\($0.name)=\($0.value)" })"
        }
        if a.children.count != b.children.count { return "\(here): \(a.children.count) children against \(b.children.count)" }
        for (index, (x, y)) in zip(a.children, b.children).enumerated() {
            switch (x, y) {
            case (.element(let p), .element(let q)):
                if let found = difference(p, q, path: here + "[\(index)]") { return found }
            case (.text(let p), .text(let q)):
                if p != q { return "\(here)[\(index)]: text \(p.debugDescription) against \(q.debugDescription)" }
            default:
                return "\(here)[\(index)]: \(x) against \(y)"
            }
        }
        return nil
    }

    @Test func thereAreAtLeastTwentyValidDocumentsAndSomeInvalidOnes() {
        #expect(Self.valid.count >= 20)
        #expect(Self.invalid.count >= 4)
    }

    @Test func theDocumentsTogetherCoverEveryClassOfTheRFC() throws {
        var seen: Set<String> = []
        func walk(_ element: XMLTree.Element) {
            if element.name.namespace == IODEF.namespace { seen.insert(element.name.local) }
            element.elements.forEach(walk)
        }
        for file in Self.valid { walk(try XMLReader.parse(try Self.bytes(file)).root) }
        let missing = Set(IODEFRules.classes.keys).subtracting(seen)
        #expect(missing.isEmpty, "classes no fixture shows: \(missing.sorted())")
    }

    @Test(arguments: valid)
    func aDocumentReadsWritesAndReadsBackEqual(file: String) throws {
        let document = try IODEFDocument.read(try Self.bytes(file))
        #expect(!document.incidents.isEmpty)
        let again = try IODEFDocument.read(document.xml())
        for (read, original) in zip(again.incidents, document.incidents) {
            #expect(Self.difference(Self.content(read), Self.content(original)) == nil)
        }
        #expect(again.incidents.count == document.incidents.count)
        #expect(again.additionalData.map(Self.content) == document.additionalData.map(Self.content))
    }

    @Test(arguments: valid)
    func everyIncidentGoesToSTIXAndBackEqualInContent(file: String) throws {
        let document = try IODEFDocument.read(try Self.bytes(file))
        for incident in document.incidents {
            let objects = try IODEFSTIX.objects(for: incident)
            // As stored: written and read again.
            let stored = try JSONReader.parse(JSONWriter.bytes(objects.incident))
            #expect(stored["type"]?.stringValue == "incident")
            #expect(stored["id"]?.stringValue == IODEFSTIX.stixID(of: incident))
            #expect(stored["name"]?.stringValue?.isEmpty == false)
            let back = try IODEFSTIX.incident(from: stored, issuer: "cybex.example.org", creator: "CERT")
            #expect(Self.difference(Self.content(back), Self.content(incident)) == nil, "\(file)")
            // Every SCO has its deterministic id and a relationship from the incident.
            let scos = objects.related.filter { $0["type"]?.stringValue != "relationship" }
            let targets = Set(objects.related.compactMap { $0["target_ref"]?.stringValue })
            for sco in scos {
                #expect(DeterministicID.identifier(for: sco) == sco["id"]?.stringValue)
                #expect(targets.contains(sco["id"]?.stringValue ?? ""))
            }
        }
    }

    @Test(arguments: invalid)
    func anInvalidDocumentIsRefusedWithWhereAndWhy(file: String) throws {
        #expect(throws: IODEFError.self) { try IODEFDocument.read(try Self.bytes(file)) }
        let bytes = try Self.bytes(file)
        do {
            _ = try IODEFDocument.read(bytes)
        } catch {
            #expect(error.problems.allSatisfy { $0.line > 0 && $0.column > 0 }, "\(error)")
            #expect(error.description.hasPrefix("invalid IODEF: line "))
        }
    }

    static let minimal = """
        <IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
          <Incident purpose="reporting" RESTRICTION>
            <IncidentID name="csirt.example.org">2026-7</IncidentID>
            <GenerationTime>2026-05-01T10:15:00+02:00</GenerationTime>
            <Contact role="creator" type="organization"><ContactName>CERT</ContactName></Contact>
            <Contact role="victim" type="organization"><ContactName>Bank &amp; Co</ContactName></Contact>
            <EventData><Flow><System category="source"><Node>
              <Address category="ipv4-addr">192.0.2.10</Address><Address category="asn">64500</Address>
              <Address category="e-mail">spam@example.net</Address><Address category="mac">00:1A:2B:3C:4D:5E</Address>
              <DomainData><Name>bad.example.net</Name></DomainData>
            </Node></System></Flow></EventData>
          </Incident>
        </IODEF-Document>
        """

    static func minimal(restriction: String?) -> [UInt8] {
        Array(minimal.replacingOccurrences(of: "RESTRICTION", with: restriction.map { "restriction=\"\($0)\"" } ?? "").utf8)
    }

    @Test(
        arguments: [
            ("public", [TLPLevel.clear.markingDefinitionID], false), ("white", [TLPLevel.clear.markingDefinitionID], false),
            ("partner", [TLPLevel.green.markingDefinitionID], false), ("green", [TLPLevel.green.markingDefinitionID], false),
            ("amber", [TLPLevel.amber.markingDefinitionID], false), ("need-to-know", [TLPLevel.red.markingDefinitionID], true),
            ("red", [TLPLevel.red.markingDefinitionID], true), ("private", [TLPLevel.red.markingDefinitionID], false),
            (nil, [TLPLevel.red.markingDefinitionID], false), ("default", [], false),
        ] as [(String?, [String], Bool)])
    func theRestrictionBecomesTLPAndRecipients(restriction: String?, tlp: [String], distributed: Bool) throws {
        let incident = try IODEFDocument.read(Self.minimal(restriction: restriction)).incidents[0]
        let objects = try IODEFSTIX.objects(for: incident)
        let refs = objects.incident["object_marking_refs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(refs.filter { TLPLevel(markingDefinitionID: $0) != nil } == tlp)
        #expect((objects.distribution != nil) == distributed)
        if let distribution = objects.distribution {
            #expect(refs.contains(distribution["id"]?.stringValue ?? "-"))
            #expect(
                distribution["extensions"]?[DistributionMarking.extensionID]?["recipients"]
                    == .array([.string("CERT"), .string("Bank & Co")]))
        }
        // Every related object carries the same markings.
        for object in objects.related {
            #expect(object["object_marking_refs"]?.arrayValue?.compactMap(\.stringValue) ?? [] == refs)
        }
        // And back: the markings write the restriction it came with (absent reads as private).
        let back = try IODEFSTIX.incident(from: objects.incident, issuer: "x", creator: "y")
        #expect(back.attribute("restriction") == (restriction ?? "private"))
    }

    @Test func onlyKnownPartiesBecomeRecipients() throws {
        let incident = try IODEFDocument.read(Self.minimal(restriction: "need-to-know")).incidents[0]
        #expect(IODEFSTIX.namedParties(of: incident) == ["CERT", "Bank & Co"])
        let objects = try IODEFSTIX.objects(for: incident, isKnownParty: { $0 == "CERT" })
        #expect(objects.distribution?["extensions"]?[DistributionMarking.extensionID]?["recipients"] == .array([.string("CERT")]))
        let none = try IODEFSTIX.objects(for: incident, isKnownParty: { _ in false })
        #expect(none.distribution == nil, "with no known party, only the owner sees it")
        #expect(none.incident["object_marking_refs"] == .array([.string(TLPLevel.red.markingDefinitionID)]))
    }

    @Test func addressesAndDomainsBecomeSCOsAndTheTimesUTC() throws {
        let incident = try IODEFDocument.read(Self.minimal(restriction: "green")).incidents[0]
        let objects = try IODEFSTIX.objects(for: incident)
        let scos = objects.related.filter { $0["type"]?.stringValue != "relationship" }
        #expect(
            scos.map { $0["type"]?.stringValue ?? "" } == [
                "ipv4-addr", "autonomous-system", "email-addr", "mac-addr", "domain-name",
            ])
        #expect(scos[1]["number"] == .number("64500"))
        #expect(scos[3]["value"]?.stringValue == "00:1a:2b:3c:4d:5e")
        #expect(objects.incident["modified"]?.stringValue == "2026-05-01T08:15:00.000Z")
        #expect(objects.incident["created"]?.stringValue == "2026-05-01T08:15:00.000Z")
        let carried = try IODEFSTIX.objects(for: incident, created: "2026-01-01T00:00:00.000Z")
        #expect(carried.incident["created"]?.stringValue == "2026-01-01T00:00:00.000Z")
        let body = objects.incident["extensions"]?[IODEFSTIX.extensionID]
        #expect(body?["incident_id"]?.stringValue == "2026-7")
        #expect(body?["issuer"]?.stringValue == "csirt.example.org")
        #expect(body?["purpose"]?.stringValue == "reporting")
        #expect(body?["restriction"]?.stringValue == "green")
    }

    @Test func aSTIXIncidentWithoutIODEFIsWrittenAsAValidIncident() throws {
        let object = try JSONReader.parse(
            Array(
                """
                {"type":"incident","spec_version":"2.1","id":"incident--0b9a1c7e-4d2f-4e8a-9b1c-2d3e4f5a6b7c",
                 "created":"2026-03-01T00:00:00.000Z","modified":"2026-03-02T00:00:00.000Z","name":"Defacement",
                 "description":"Home page replaced","object_marking_refs":["\(TLPLevel.amber.markingDefinitionID)"]}
                """.utf8))
        let incident = try IODEFSTIX.incident(from: object, issuer: "cybex.example.org", creator: "CERT")
        #expect(incident.attribute("restriction") == "amber")
        let xml = try #require(try IODEFSTIX.document(from: [object], issuer: "cybex.example.org", creator: { _ in "CERT" }))
            .xml()
        let read = try IODEFDocument.read(xml)
        #expect(
            read.incidents[0].elements("IncidentID", namespace: IODEF.namespace)[0].text
                == "incident--0b9a1c7e-4d2f-4e8a-9b1c-2d3e4f5a6b7c")
        #expect(try IODEFSTIX.document(from: [], issuer: "x", creator: { _ in "y" }) == nil)
    }

    @Test func theChecksNameEachProblemWithItsPlace() throws {
        let document = """
            <IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
              <Incident purpose="guessing" restriction="secret">
                <IncidentID>1</IncidentID>
                <GenerationTime>yesterday</GenerationTime>
                <Frobnicate/>
              </Incident>
            </IODEF-Document>
            """
        do {
            _ = try IODEFDocument.read(Array(document.utf8))
            Issue.record("an invalid document was read")
        } catch {
            let byCode = Dictionary(grouping: error.problems, by: \.code)
            #expect(byCode[.invalidValue]?.count == 3, "\(error)")  // purpose, restriction, GenerationTime
            #expect(byCode[.missingAttribute]?.first?.line == 3)  // IncidentID@name
            #expect(byCode[.missingElement]?.first?.message.contains("Contact") == true)
            #expect(byCode[.unknownElement]?.first.map { [$0.line, $0.column] } == [5, 5])
        }
        #expect(throws: IODEFError.self) {
            try IODEFDocument.read(Array(#"<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-1.0"/>"#.utf8))
        }
        #expect(throws: IODEFError.self) {
            try IODEFDocument.read(Array(#"<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0"/>"#.utf8))
        }
    }

    @Test func hostileXMLIsRefusedAsXMLBeforeAnyIODEFIsRead() throws {
        let entity = """
            <?xml version="1.0"?><!DOCTYPE IODEF-Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">&x;</IODEF-Document>
            """
        for document in [entity, String(repeating: "<EventData>", count: 10_000)] {
            do {
                _ = try IODEFDocument.read(Array(document.utf8))
                Issue.record("a hostile document was read")
            } catch {
                #expect(error.code == .xml)
            }
        }
    }

    @Test func theJSONFormUsesOnlySTIXDictionaryKeysAndEveryClassHasItsOwn() throws {
        #expect(IODEFJSON.localNames.count == IODEFRules.classes.count, "two classes would share a key")
        #expect(IODEFJSON.snakeCase("IncidentID") == "incident_id" && IODEFJSON.snakeCase("IANAService") == "iana_service")
        #expect(
            IODEFJSON.snakeCase("EmailX-Mailer") == "email_x-mailer" && IODEFJSON.snakeCase("IODEF-Document") == "iodef-document")
        func keys(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let members): members.flatMap { [$0.key] + keys($0.value) }
            case .array(let items): items.flatMap(keys)
            default: []
            }
        }
        for file in Self.valid {
            for incident in try IODEFDocument.read(try Self.bytes(file)).incidents {
                let objects = try IODEFSTIX.objects(for: incident)
                for key in keys(objects.incident) {
                    #expect(
                        !key.isEmpty && key.count <= 250
                            && key.utf8.allSatisfy {
                                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F
                            },
                        "\(file): key '\(key)'")
                }
                // Cybex's own validator accepts what the mapping makes, granular markings included.
                for object in objects.all {
                    #expect(STIXValidator.violations(of: object).isEmpty, "\(file): \(STIXValidator.violations(of: object))")
                }
            }
        }
    }

    @Test func aPartRestrictedBeyondTheIncidentIsAGranularMarkingAndItsObservablesAreMarkedAtItsLevel() throws {
        let document = String(decoding: Self.minimal(restriction: "green"), as: UTF8.self)
            .replacingOccurrences(of: #"<System category="source">"#, with: #"<System category="source" restriction="private">"#)
            .replacingOccurrences(
                of: #"<Contact role="victim" type="organization">"#,
                with: #"<Contact role="victim" type="organization" restriction="amber">"#)
        let incident = try IODEFDocument.read(Array(document.utf8)).incidents[0]
        let objects = try IODEFSTIX.objects(for: incident)
        let granular = try #require(objects.incident["granular_markings"]?.arrayValue)
        let byLevel = Dictionary(
            uniqueKeysWithValues: granular.map {
                ($0["marking_ref"]?.stringValue ?? "", ($0["selectors"]?.arrayValue ?? []).compactMap(\.stringValue))
            })
        let base = "extensions.\(IODEFSTIX.extensionID).iodef"
        #expect(byLevel[TLPLevel.amber.markingDefinitionID] == ["\(base).contact.[1]"])
        #expect(byLevel[TLPLevel.red.markingDefinitionID] == ["\(base).event_data.[0].flow.[0].system.[0]"])
        // The addresses were only in the private system: marked RED, not GREEN.
        for sco in objects.related where sco["type"]?.stringValue != "relationship" {
            #expect(sco["object_marking_refs"] == .array([.string(TLPLevel.red.markingDefinitionID)]))
        }
        // A reader without RED or AMBER gets the incident without those parts, still valid IODEF once written.
        let redacted = try #require(
            GranularRedaction.redact(JSONWriter.bytes(objects.incident), allowed: { $0 <= .green }).flatMap {
                try? JSONReader.parse($0)
            })
        let text = String(decoding: JSONWriter.bytes(redacted), as: UTF8.self)
        #expect(!text.contains("192.0.2.10") && !text.contains("Bank & Co") && text.contains("CERT"))
        _ = try IODEFSTIX.incident(from: redacted, issuer: "x", creator: "y")
    }
}
