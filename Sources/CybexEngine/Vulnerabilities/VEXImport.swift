public import CybexCore
import CybexFormats
import CybexStore

/// VEX documents (OpenVEX) enter through the one ingest entry as STIX notes (``OpenVEX``): posted over
/// REST by a principal, or imported by the operator.
enum VEXImport {
    /// The STIX bundle for an OpenVEX document; `.invalidArgument` naming the JSON path at fault.
    static func bundle(_ bytes: [UInt8]) throws -> [UInt8] {
        let note: JSONValue
        do {
            note = try OpenVEX.note(from: bytes)
        } catch {
            throw EngineError(.invalidArgument, "not a valid OpenVEX document: \(error.description)")
        }
        return JSONWriter.bytes(
            .object([("type", .string("bundle")), ("id", .string("bundle--" + Secrets.uuid())), ("objects", .array([note]))]))
    }
}

extension CollectionService {
    /// Ingests an OpenVEX document as the principal's organisation (its statements in one STIX note);
    /// `forbidden` without write access, `invalidArgument` for a document that is not valid OpenVEX.
    public func addOpenVEX(_ bytes: [UInt8], to collectionID: String, by principal: Principal) async throws -> IngestReport {
        let view = try await writableCollection(id: collectionID, for: principal)
        return try await add(try VEXImport.bundle(bytes), as: .bundle, to: view, by: principal)
    }
}

extension OperatorImport {
    /// Stores the OpenVEX document `bytes` (named `label`) as the import's owner, through the same entry as
    /// every STIX document.
    public func importOpenVEX(_ bytes: [UInt8], label: String) async throws -> IngestReport {
        try await importDocument(try STIXBundleDecoder.parse(try VEXImport.bundle(bytes), as: .bundle), label: label)
    }
}
