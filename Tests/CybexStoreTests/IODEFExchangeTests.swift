import CybexCore
import CybexEngine
import Foundation
import Testing

@testable import CybexFormats
@testable import CybexStore

/// IODEF v2 in and out of a collection on both backends (docs/IODEF.md): through the one ingest
/// entry as the poster's organisation, out through the sharing policy, restriction onto TLP and
/// recipients both ways, nothing stored from a document that is refused.
@Suite("IODEF exchange")
struct IODEFExchangeTests {
    typealias Node = WriteSideTests.Node

    static func document(_ incidents: String) -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <IODEF-Document version="2.00" xml:lang="en" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
            \(incidents)
            </IODEF-Document>
            """.utf8)
    }

    static func incident(
        _ id: String, restriction: String?, parties: [String] = [], status: String = "new",
        generated: String = "2026-05-01T10:00:00Z", address: String = "192.0.2.10", description: String = "Brute force"
    ) -> String {
        let contacts = (["cert"] + parties).map {
            #"<Contact role="\#($0 == "cert" ? "creator" : "victim")" type="organization"><ContactName>\#($0)</ContactName></Contact>"#
        }.joined()
        return """
            <Incident purpose="reporting" status="\(status)"\(restriction.map { " restriction=\"\($0)\"" } ?? "")>
              <IncidentID name="csirt.example.org">\(id)</IncidentID>
              <GenerationTime>\(generated)</GenerationTime>
              <Description>\(description)</Description>
              \(contacts)
              <EventData><Flow><System category="source"><Node><Address category="ipv4-addr">\(address)</Address></Node></System></Flow></EventData>
            </Incident>
            """
    }

    static func sees(_ node: Node, _ principal: Principal, _ id: String) async throws -> Bool {
        try await !node.read(id, by: principal).isEmpty
    }

    static func iodef(_ node: Node, for principal: Principal) async throws -> String? {
        do {
            return String(
                decoding: try await node.service.iodef(of: node.collectionID, for: principal, issuer: "cybex.example.org"),
                as: UTF8.self)
        } catch let error as EngineError where error.code == .notFound {
            return nil
        }
    }

    @Test(arguments: Backend.enabled)
    func aNeedToKnowIncidentIsVisibleOnlyToItsNamedParties(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let report = try await node.service.addIODEF(
                Self.document(Self.incident("N-1", restriction: "need-to-know", parties: ["isp", "Unknown Bank"])),
                to: node.collectionID, by: node.cert)
            #expect(report.rejected.isEmpty)
            let incidentID = try #require(
                IODEFSTIX.stixID(of: try IODEFDocument.read(Self.document(Self.incident("N-1", restriction: nil))).incidents[0]))
            let addressID = try #require(
                IODEFSTIX.identified(.object([("type", .string("ipv4-addr")), ("value", .string("192.0.2.10"))]))?["id"]?
                    .stringValue)
            #expect(try await Self.sees(node, node.cert, incidentID))
            #expect(try await Self.sees(node, node.isp, incidentID))
            #expect(try await Self.sees(node, node.isp, addressID))
            #expect(try await !Self.sees(node, node.partner, incidentID))
            #expect(try await !Self.sees(node, node.partner, addressID))
            #expect(try await Self.iodef(node, for: node.partner) == nil)
            let forISP = try #require(try await Self.iodef(node, for: node.isp))
            #expect(forISP.contains(">N-1</IncidentID>"))
            #expect(forISP.contains(#"restriction="need-to-know""#))
            // What the party receives is valid IODEF again.
            #expect(try IODEFDocument.read(Array(forISP.utf8)).incidents.count == 1)
        }
    }

    @Test(arguments: Backend.enabled)
    func aRedIncidentExportedToAPeerThatIsNoRecipientHoldsNothingOfIt(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let both =
                Self.incident("R-1", restriction: "red", address: "203.0.113.77", description: "Secret intrusion at the bank")
                + Self.incident("W-1", restriction: "white", address: "198.51.100.5", description: "Public scanner")
            _ = try await node.service.addIODEF(Self.document(both), to: node.collectionID, by: node.cert)
            let forPartner = try #require(try await Self.iodef(node, for: node.partner))
            #expect(forPartner.contains(">W-1</IncidentID>"))
            for secret in ["R-1", "203.0.113.77", "Secret intrusion"] { #expect(!forPartner.contains(secret)) }
            // The STIX export to the same peer leaves it out too.
            let export = try await BundleExport.prepare(
                store: store, collection: try await store.collection(id: node.collectionID)!,
                recipient: try await store.organisation(named: "partner"), redaction: nil)
            var bundle: [UInt8] = []
            _ = try await export.write(to: { bundle.append(contentsOf: $0) })
            let text = String(decoding: bundle, as: UTF8.self)
            #expect(!text.contains("203.0.113.77") && !text.contains("Secret intrusion"))
            #expect(text.contains("198.51.100.5"))
            // The owner reads both, RED written back as red.
            let forCERT = try #require(try await Self.iodef(node, for: node.cert))
            #expect(forCERT.contains(">R-1</IncidentID>") && forCERT.contains(#"restriction="red""#))
        }
    }

    @Test(arguments: Backend.enabled)
    func aRestrictedPartIsLeftOutForAReaderBelowItsLevel(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let incident = Self.incident("P-1", restriction: "green", address: "198.51.100.31", description: "Phishing kit")
                .replacingOccurrences(
                    of: "<EventData>",
                    with:
                        #"<Contact role="reporter" type="person" restriction="red"><ContactName>secret informant</ContactName></Contact><EventData>"#
                )
                .replacingOccurrences(
                    of: "</Flow></EventData>",
                    with:
                        #"</Flow><Flow><System category="target" restriction="private"><Node><Address category="ipv4-addr">203.0.113.200</Address></Node></System></Flow></EventData>"#
                )
            let report = try await node.service.addIODEF(Self.document(incident), to: node.collectionID, by: node.cert)
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            let forPartner = try #require(try await Self.iodef(node, for: node.partner))
            #expect(forPartner.contains(">P-1</IncidentID>") && forPartner.contains("198.51.100.31"))
            #expect(!forPartner.contains("secret informant") && !forPartner.contains("203.0.113.200"))
            #expect(try IODEFDocument.read(Array(forPartner.utf8)).incidents.count == 1, "still valid IODEF")
            let victim = try #require(
                IODEFSTIX.identified(.object([("type", .string("ipv4-addr")), ("value", .string("203.0.113.200"))]))?["id"]?
                    .stringValue)
            #expect(try await !Self.sees(node, node.partner, victim))
            #expect(try await Self.sees(node, node.cert, victim))
            let forCERT = try #require(try await Self.iodef(node, for: node.cert))
            #expect(forCERT.contains("secret informant") && forCERT.contains("203.0.113.200"))
        }
    }

    @Test(arguments: Backend.enabled)
    func aLaterDocumentAboutAnIncidentIsANewVersionThatKeepsCreated(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            _ = try await node.service.addIODEF(
                Self.document(Self.incident("V-1", restriction: "green", generated: "2026-05-01T10:00:00Z")),
                to: node.collectionID, by: node.cert)
            let again = try await node.service.addIODEF(
                Self.document(Self.incident("V-1", restriction: "green", generated: "2026-05-01T10:00:00Z")),
                to: node.collectionID, by: node.cert)
            #expect(again.added == 0 && again.newVersions == 0, "the same document twice adds nothing")
            let later = try await node.service.addIODEF(
                Self.document(
                    Self.incident("V-1", restriction: "green", status: "resolved", generated: "2026-05-03T08:00:00+02:00")),
                to: node.collectionID, by: node.cert)
            #expect(later.newVersions >= 1)
            #expect(later.rejected.isEmpty, "\(later.rejected)")
            let id = try #require(
                IODEFSTIX.stixID(of: try IODEFDocument.read(Self.document(Self.incident("V-1", restriction: nil))).incidents[0]))
            let versions = try await node.service.objects(
                in: node.collectionID, matching: ObjectQuery(ids: [id], versions: .all), for: node.partner)
            let created = Set(versions.records.compactMap { (try? JSONReader.parse($0.json))?["created"]?.stringValue })
            #expect(versions.records.count == 2)
            #expect(created == ["2026-05-01T10:00:00.000Z"])
            let exported = try #require(try await Self.iodef(node, for: node.partner))
            #expect(exported.contains(#"status="resolved""#) && exported.contains("2026-05-03T08:00:00+02:00"))
        }
    }

    @Test(arguments: Backend.enabled)
    func aRefusedDocumentStoresNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            let node = try await Node.make(store)
            let hostile = """
                <?xml version="1.0"?>
                <!DOCTYPE IODEF-Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">&x;</IODEF-Document>
                """
            let noContact = String(decoding: Self.document(Self.incident("X-1", restriction: "green")), as: UTF8.self)
                .replacingOccurrences(
                    of: #"<Contact role="creator" type="organization"><ContactName>cert</ContactName></Contact>"#, with: "")
            for (document, expected) in [(hostile, "line 2"), (noContact, "needs a <Contact>")] {
                do {
                    _ = try await node.service.addIODEF(Array(document.utf8), to: node.collectionID, by: node.cert)
                    Issue.record("a refused document was stored")
                } catch let error as EngineError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains(expected), "\(error.message)")
                }
            }
            // A reader may not post, whatever it posts.
            await #expect(throws: EngineError.self) {
                try await node.service.addIODEF(
                    Self.document(Self.incident("X-2", restriction: "green")), to: node.collectionID, by: node.partner)
            }
            #expect(try await store.objectCount(in: node.collectionID) == 0)
        }
    }

    @Test(arguments: Backend.enabled)
    func everyFixtureComesBackEqualInContentThroughTheStore(backend: Backend) async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CybexFormatsTests/Fixtures/iodef")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".xml") && !$0.hasPrefix("invalid-")
        }
        #expect(files.count >= 20)
        try await backend.withStore { store in
            let node = try await Node.make(store)
            var originals: [String: XMLTree.Element] = [:]
            for file in files {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
                let report = try await node.service.addIODEF(bytes, to: node.collectionID, by: node.cert)
                #expect(report.rejected.isEmpty, "\(file): \(report.rejected)")
                for incident in try IODEFDocument.read(bytes).incidents { originals[IODEFSTIX.stixID(of: incident)!] = incident }
            }
            let exported = try IODEFDocument.read(
                try await node.service.iodef(of: node.collectionID, for: node.cert, issuer: "x"))
            #expect(exported.incidents.count == originals.count)
            for incident in exported.incidents {
                let original = try #require(originals[IODEFSTIX.stixID(of: incident) ?? ""])
                #expect(IODEF.content(incident) == IODEF.content(original))
            }
        }
    }
}
