public import CybexCore
public import CybexFormats
import CybexStore

/// IODEF v2 in and out of a collection (`docs/IODEF.md`). An IODEF document enters through the one
/// ingest entry as the STIX objects ``IODEFSTIX`` makes of it (so validation, marking resolution,
/// the sharing policy, the audit entry and the post-commit stage are the same as for STIX); it
/// leaves through the sharing policy: only the incidents the reader may see, with their
/// restriction written from the markings.
public enum IODEFExchange {
    /// The STIX bundle for `document`: each incident's objects, its `created` carried from the
    /// version `lineage` already holds (the poster's own earlier version of the same incident), and
    /// its named parties kept as recipients only when they are organisations of this node.
    static func bundle(
        for document: IODEFDocument, organisationNames: Set<String>, firstCreated: [String: String]
    ) throws(IODEFError) -> [UInt8] {
        var objects: [JSONValue] = []
        for incident in document.incidents {
            let created = IODEFSTIX.stixID(of: incident).flatMap { firstCreated[$0] }
            objects += try IODEFSTIX.objects(for: incident, created: created, isKnownParty: organisationNames.contains).all
        }
        return JSONWriter.bytes(
            .object([("type", .string("bundle")), ("id", .string("bundle--" + Secrets.uuid())), ("objects", .array(objects))]))
    }

    /// `document` read, or an `invalidArgument` error that names every problem with its line.
    public static func read(_ bytes: [UInt8]) throws -> IODEFDocument {
        do {
            return try IODEFDocument.read(bytes)
        } catch {
            throw EngineError(
                error.code == .xml && error.problems.first?.message.contains("at most") == true ? .tooLarge : .invalidArgument,
                error.description)
        }
    }

    /// The `created` of the first version of each incident `document` names that `scope`'s viewer
    /// posted in `collectionID` (nil scope: any poster), by STIX id.
    static func firstCreated(
        of document: IODEFDocument, in collectionID: String, store: any Store, scope: ReadScope?
    ) async throws -> [String: String] {
        let ids = document.incidents.compactMap(IODEFSTIX.stixID(of:))
        guard !ids.isEmpty else { return [:] }
        let page = try await store.objects(
            in: collectionID, matching: ObjectQuery(ids: ids, versions: .first, limit: ids.count * 4, scope: scope))
        var created: [String: String] = [:]
        for record in page.records where scope == nil || record.viewerOwns {
            if created[record.id] == nil, let value = (try? JSONReader.parse(record.json))?["created"]?.stringValue {
                created[record.id] = value
            }
        }
        return created
    }

    /// The IODEF document of the newest version of each incident in `records` (other objects are
    /// left out): nil when there is none. `issuer` names the node for incidents made in STIX;
    /// `creator` names an incident's owner.
    public static func document(
        of records: [StoredObjectVersion], issuer: String, creator: (JSONValue) -> String
    ) throws -> [UInt8]? {
        try document(of: records.compactMap { try? JSONReader.parse($0.json) }, issuer: issuer, creator: creator)
    }

    /// As ``document(of:issuer:creator:)-([StoredObjectVersion],_,_)``, from objects already parsed
    /// (the ones a ``BundleExport`` wrote).
    /// An incident that is not valid IODEF as the reader sees it (the only contact of an incident
    /// was in a part restricted beyond the reader's level, say) is left out, like any object the
    /// reader may not see whole.
    public static func document(of objects: [JSONValue], issuer: String, creator: (JSONValue) -> String) throws -> [UInt8]? {
        let incidents = incidents(of: objects, issuer: issuer, creator: creator)
        return incidents.isEmpty ? nil : IODEFDocument(incidents: incidents).xml()
    }

    /// The IODEF `Incident` of each incident among `objects` that is valid IODEF as the reader sees it.
    static func incidents(of objects: [JSONValue], issuer: String, creator: (JSONValue) -> String) -> [XMLTree.Element] {
        var incidents: [XMLTree.Element] = []
        for object in objects where object["type"]?.stringValue == "incident" {
            if let incident = try? IODEFSTIX.incident(from: object, issuer: issuer, creator: creator(object)) {
                incidents.append(incident)
            }
        }
        return incidents
    }
}

extension CollectionService {
    /// Ingests an IODEF v2 document as the principal's organisation: `forbidden` without write
    /// access; `invalidArgument` (every problem with its line and column) or `tooLarge` for a
    /// document that is not valid IODEF within the bounds, before anything is stored.
    public func addIODEF(_ bytes: [UInt8], to collectionID: String, by principal: Principal) async throws -> IngestReport {
        let view = try await writableCollection(id: collectionID, for: principal)
        return try await addIODEF(try IODEFExchange.read(bytes), to: view, by: principal)
    }

    /// As ``addIODEF(_:to:by:)-([UInt8],_,_)``, for a document already read and checked.
    public func addIODEF(_ document: IODEFDocument, to collectionID: String, by principal: Principal) async throws
        -> IngestReport
    {
        try await addIODEF(document, to: try await writableCollection(id: collectionID, for: principal), by: principal)
    }

    func addIODEF(_ document: IODEFDocument, to view: View, by principal: Principal) async throws -> IngestReport {
        let collectionID = view.collection.id
        let created = try await IODEFExchange.firstCreated(of: document, in: collectionID, store: store, scope: view.scope)
        let names = Set(try await store.organisations().map(\.name))
        let bundle = try IODEFExchange.bundle(for: document, organisationNames: names, firstCreated: created)
        return try await add(bundle, as: .bundle, to: view, by: principal)
    }

    /// The incidents of `collectionID` the principal may see (the newest version of each), as an
    /// IODEF v2 document; `notFound` when it may see none. Read through the sharing policy and
    /// audited as every read.
    public func iodef(of collectionID: String, for principal: Principal, issuer: String) async throws -> [UInt8] {
        var records: [StoredObjectVersion] = []
        var query = ObjectQuery(types: ["incident"], versions: .last, limit: 1000)
        while true {
            let page = try await objects(in: collectionID, matching: query, for: principal)
            records += page.records
            guard page.more, let last = page.resumeAfter else { break }
            query.addedAfter = last
        }
        let names = Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        guard
            let xml = try IODEFExchange.document(
                of: records, issuer: issuer,
                creator: { object in
                    object["created_by_ref"]?.stringValue.flatMap { names[$0] } ?? issuer
                })
        else {
            throw EngineError(.notFound, "collection '\(collectionID)' holds no incident you may see")
        }
        return xml
    }
}

extension CollectionService {
    /// The newest version of incident `stixID` in `collectionID` as the principal may see it, as an
    /// IODEF `Incident`; nil when it may not see it (or it is not there, or not valid IODEF as it
    /// sees it: the same answer, so absence and refusal look alike). Read through the sharing policy.
    public func iodefIncident(_ stixID: String, in collectionID: String, for principal: Principal, issuer: String)
        async throws
        -> XMLTree.Element?
    {
        let page: ObjectPage
        do {
            page = try await objects(
                in: collectionID, matching: ObjectQuery(ids: [stixID], versions: .last, limit: 4), for: principal)
        } catch let error as EngineError where error.code == .forbidden || error.code == .notFound {
            return nil
        }
        let names = Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return IODEFExchange.incidents(
            of: page.records.compactMap { try? JSONReader.parse($0.json) }, issuer: issuer,
            creator: { object in object["created_by_ref"]?.stringValue.flatMap { names[$0] } ?? issuer }
        ).first
    }
}

extension OperatorImport {
    /// Stores the IODEF v2 document `bytes` (named `label` in the audit log and errors) as the
    /// import's owner, through the same entry as every STIX document.
    public func importIODEF(_ bytes: [UInt8], label: String) async throws -> IngestReport {
        try await importIODEF(try IODEFExchange.read(bytes), label: label)
    }

    /// As ``importIODEF(_:label:)-([UInt8],_)``, for a document already read and checked.
    public func importIODEF(_ document: IODEFDocument, label: String) async throws -> IngestReport {
        let created = try await IODEFExchange.firstCreated(of: document, in: collection.id, store: store, scope: nil)
        let names = Set(try await store.organisations().map(\.name))
        let bundle = try IODEFExchange.bundle(for: document, organisationNames: names, firstCreated: created)
        let parsed = try STIXBundleDecoder.parse(bundle, as: .bundle)
        return try await importDocument(parsed, label: label)
    }
}
