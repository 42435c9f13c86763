public import CybexCore
public import CybexFormats
import CybexStore

/// CSAF 2.0 advisories enter through the one ingest entry (docs/VULNERABILITIES.md, "CSAF"): checked against
/// the schema and every mandatory test (with the node's reference catalogues for 6.1.11 and 6.1.12), then
/// mapped to STIX (``CSAFSTIX``): the advisory a report, its vulnerabilities, its product status as VEX
/// statements that exposure applies.
public struct CSAFAdvisories: Sendable {
    let store: any Store

    /// The catalogues the tests compare against, as loaded (`cybex reference load`).
    public func reference() async throws -> CSAFReference {
        let cwe = try await store.referenceCatalogue(ReferenceCatalogues.cwe)
        let languages = try await store.referenceCatalogue(ReferenceCatalogues.languageSubtags)
        return CSAFReference(
            cweNames: cwe.isEmpty ? nil : cwe, languageSubtags: languages.isEmpty ? nil : Set(languages.keys))
    }

    /// `bytes` read and checked; `.invalidArgument` listing every problem (test, JSON pointer, message).
    public func validate(_ bytes: [UInt8]) async throws -> CSAFDocument {
        let reference = try await reference()
        do {
            return try CSAFDocument(bytes: bytes, reference: reference)
        } catch {
            throw EngineError(.invalidArgument, "not a valid CSAF 2.0 document: \(error.description)")
        }
    }

    /// The STIX bundle of a checked document.
    static func bundle(_ document: CSAFDocument) -> [UInt8] {
        JSONWriter.bytes(
            .object([
                ("type", .string("bundle")), ("id", .string("bundle--" + Secrets.uuid())),
                ("objects", .array(CSAFSTIX.objects(for: document))),
            ]))
    }
}

extension Engine {
    /// CSAF advisories: validation and ingest.
    public var csaf: CSAFAdvisories { CSAFAdvisories(store: store) }
}

extension CollectionService {
    /// Ingests a CSAF 2.0 document as the principal's organisation; `forbidden` without write access,
    /// `invalidArgument` naming every problem of a document that is not valid, nothing stored then.
    public func addCSAF(_ bytes: [UInt8], to collectionID: String, by principal: Principal) async throws -> IngestReport {
        let view = try await writableCollection(id: collectionID, for: principal)
        let document = try await CSAFAdvisories(store: store).validate(bytes)
        return try await add(CSAFAdvisories.bundle(document), as: .bundle, to: view, by: principal)
    }
}

extension OperatorImport {
    /// Stores the CSAF 2.0 document `bytes` (named `label`) as the import's owner, once valid.
    public func importCSAF(_ bytes: [UInt8], label: String) async throws -> IngestReport {
        let document = try await CSAFAdvisories(store: store).validate(bytes)
        return try await importDocument(try STIXBundleDecoder.parse(CSAFAdvisories.bundle(document), as: .bundle), label: label)
    }
}

/// The reference catalogues the node's administrator loads (`cybex reference load`): MITRE's CWE list and
/// IANA's Language Subtag Registry, for CSAF's tests 6.1.11 and 6.1.12. Each load replaces the catalogue
/// whole, audited (`reference.load`).
public struct ReferenceCatalogues: Sendable {
    let store: any Store

    public static let cwe = "cwe"
    public static let languageSubtags = "language-subtags"
    public static let names = [cwe, languageSubtags]

    /// Loads `bytes` as catalogue `name` (a CWE CSV or the registry file); `.invalidArgument` for a file that is
    /// not one. Returns how many entries were loaded.
    public func load(_ name: String, bytes: [UInt8], actor: String) async throws -> Int {
        var entries: [String: String] = [:]
        do {
            switch name {
            case Self.cwe: entries = try CSAFReference.cweNames(csv: bytes)
            case Self.languageSubtags:
                for key in try CSAFReference.languageSubtags(registry: bytes) { entries[key] = "" }
            default:
                throw EngineError(
                    .invalidArgument, "no catalogue named '\(name)'; the catalogues are \(Self.names.joined(separator: ", "))")
            }
        } catch let error as CSAFReferenceError {
            throw EngineError(.invalidArgument, "\(name): \(error.message)")
        }
        try await store.replaceReferenceCatalogue(
            name, entries: entries,
            audit: [
                AuditEvent(
                    time: SystemWallClock.nowMicroseconds(), actor: actor, action: "reference.load", target: name,
                    detail: "\(entries.count) entries")
            ])
        return entries.count
    }

    /// How many entries each loaded catalogue holds.
    public func sizes() async throws -> [String: Int] { try await store.referenceCatalogueSizes() }
}

extension Engine {
    /// The reference catalogues (CWE, language subtags).
    public var referenceCatalogues: ReferenceCatalogues { ReferenceCatalogues(store: store) }
}
