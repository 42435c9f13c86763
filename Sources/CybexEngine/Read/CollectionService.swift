public import CybexCore
public import CybexFormats
public import CybexStore

/// The collection use cases of every exchange path (TAXII, REST, CLI, later sync): find the
/// collections a principal may see, read, add to and delete from them. Access is decided here,
/// once, through ``CollectionAccess``; a collection a principal may not see is reported as absent.
public struct CollectionService: Sendable {
    public let store: any Store
    public let ingestor: Ingestor

    /// Where reads of TLP:AMBER and above are recorded behind the response; nil: written before it.
    public let readAudit: ReadAuditLog?

    public init(
        store: any Store, limits: STIXBundleDecoder.Limits = .init(), readAudit: ReadAuditLog? = nil,
        postCommit: PostCommitStage = PostCommitStage()
    ) {
        self.store = store
        self.ingestor = Ingestor(store: store, limits: limits, postCommit: postCommit)
        self.readAudit = readAudit
    }

    /// A collection as one principal sees it.
    public struct View: Sendable, Hashable {
        public var collection: CollectionRecord
        public var canRead: Bool
        public var canWrite: Bool
        /// What the principal's organisation may see of the collection's objects.
        public var scope: ReadScope
    }

    /// The collections `principal` can read or write, oldest first.
    public func collections(for principal: Principal) async throws -> [View] {
        let directory = try await store.sharingDirectory()
        return try await store.collections().compactMap { view(of: $0, for: principal, directory: directory) }
    }

    /// The collection `id` as `principal` sees it; `notFound` when it does not exist or is invisible.
    public func collection(id: String, for principal: Principal) async throws -> View {
        guard let (record, directory) = try await store.collectionWithDirectory(id: id),
            let view = view(of: record, for: principal, directory: directory)
        else {
            throw EngineError(.notFound, "no collection with id '\(id)'")
        }
        return view
    }

    /// The collection as `principal` sees it; nil when it may neither read nor write it (the
    /// collection is then answered as absent).
    func view(of record: CollectionRecord, for principal: Principal, directory: SharingDirectory) -> View? {
        let scope = ReadScope(collection: record, viewer: principal.viewer, directory: directory)
        let canRead = CollectionAccess.canRead(record, by: principal, scope: scope)
        let canWrite = CollectionAccess.canWrite(record, by: principal)
        guard canRead || canWrite else { return nil }
        return View(collection: record, canRead: canRead, canWrite: canWrite, scope: scope)
    }

    /// What `viewer` may see of `collection`: the sharing policy, read once per request from the
    /// organisation graph as it is now.
    public func scope(of collection: CollectionRecord, for viewer: Viewer) async throws -> ReadScope {
        ReadScope(collection: collection, viewer: viewer, directory: try await store.sharingDirectory())
    }

    /// One page of the objects `principal` may see (the sharing policy applies; objects it may not
    /// see are absent, and `last`/`first` are the newest/oldest visible versions); `forbidden`
    /// without read access.
    public func objects(in collectionID: String, matching query: ObjectQuery, for principal: Principal) async throws -> ObjectPage
    {
        let view = try await collection(id: collectionID, for: principal)
        guard view.canRead else { throw EngineError(.forbidden, "you may not read collection '\(collectionID)'") }
        var scoped = query
        scoped.scope = view.scope
        var page = try await store.objects(in: collectionID, matching: scoped)
        if query.withContent {
            page = Self.redactGranularMarkings(page, scope: view.scope)
            try await auditSensitiveReads(page, in: view, by: principal)
        }
        return page
    }

    /// Removes, from each object of a scoped page, the properties under granular TLP markings the
    /// viewer may not see (``GranularRedaction``), and withholds an object that would be left
    /// invalid. A viewer sees a granular level when it would see an object at that level, or when
    /// the level is no stricter than the object's own (it already sees the object at that level).
    /// Only versions the store reports as granularly marked, and not the viewer's own, are looked
    /// at; the others keep their bytes. Paging is unaffected (`resumeAfter`).
    public static func redactGranularMarkings(_ page: ObjectPage, scope: ReadScope) -> ObjectPage {
        // Most pages carry no granular marking at all: leave them untouched, without copying.
        guard page.records.contains(where: { $0.granularMarked && !$0.viewerOwns }) else { return page }
        var result = page
        var withheld: [Int] = []
        for index in result.records.indices where result.records[index].granularMarked && !result.records[index].viewerOwns {
            let level = result.records[index].level ?? SharingPolicy.defaultLevel
            if let bytes = GranularRedaction.redact(
                result.records[index].json, allowed: { $0 <= level || scope.levels.contains($0) })
            {
                result.records[index].json = bytes
            } else {
                withheld.append(index)
            }
        }
        for index in withheld.reversed() { result.records.remove(at: index) }
        return result
    }

    /// Records, in the audit log, a read that returned object content at TLP:AMBER or above
    /// (manifests and version lists, which carry no content, are not recorded).
    func auditSensitiveReads(_ page: ObjectPage, in view: View, by principal: Principal) async throws {
        var count = 0
        var named: [String] = []
        // By index: a `for record in` loop would copy every record of the page.
        for index in page.records.indices {
            guard let level = page.records[index].level, level >= .amber else { continue }
            count += 1
            if named.count < Self.auditedIDs { named.append("\(page.records[index].id) \(level.label)") }
        }
        guard count > 0 else { return }
        let more = count > named.count ? ", …" : ""
        let event = AuditEvent(
            time: SystemWallClock.nowMicroseconds(), actor: principal.user.username, action: "objects.read",
            target: view.collection.id,
            detail: "\(count) objects at TLP:AMBER or above: \(named.joined(separator: ", "))\(more)")
        if let readAudit { readAudit.record(event) } else { try await store.appendAudit(event) }
    }

    /// How many object ids one audit entry of a read names.
    static let auditedIDs = 20

    /// How many object versions of the collection `principal` may see; `forbidden` without read access.
    public func objectCount(in collectionID: String, for principal: Principal) async throws -> Int {
        let view = try await collection(id: collectionID, for: principal)
        guard view.canRead else { throw EngineError(.forbidden, "you may not read collection '\(collectionID)'") }
        return try await store.objectCount(in: collectionID, scope: view.scope)
    }

    /// The collection `id` as `principal` sees it, when it may add objects to it: `notFound` when it
    /// may neither read nor write it, `forbidden` when it may only read it. Adapters ask this before
    /// reading a large body, then hand the view to ``add(_:as:to:by:status:)``.
    public func writableCollection(id: String, for principal: Principal) async throws -> View {
        let view = try await collection(id: id, for: principal)
        guard view.canWrite else { throw EngineError(.forbidden, "you may not add objects to collection '\(id)'") }
        return view
    }

    /// Ingests a TAXII envelope or STIX bundle as the principal's organisation; `forbidden` without
    /// write access. Every outcome depends only on what that organisation may see: its own lineage
    /// of each id, and the marking definitions it may reference (SECURITY.md, "Who may version,
    /// delete, and what a post reveals"). The objects, their `objects.add` audit entry and the
    /// status resource `status` makes from the report (TAXII's) commit in one transaction.
    public func add(
        _ bytes: [UInt8], as container: STIXBundleDecoder.Container, to collectionID: String, by principal: Principal,
        status: (@Sendable (IngestReport) -> StoredStatus)? = nil
    ) async throws -> IngestReport {
        let view = try await writableCollection(id: collectionID, for: principal)
        return try await add(bytes, as: container, to: view, by: principal, status: status)
    }

    /// Ingests into a collection whose write access ``writableCollection(id:for:)`` has decided.
    public func add(
        _ bytes: [UInt8], as container: STIXBundleDecoder.Container, to view: View, by principal: Principal,
        status: (@Sendable (IngestReport) -> StoredStatus)? = nil
    ) async throws -> IngestReport {
        guard view.canWrite else {
            throw EngineError(.forbidden, "you may not add objects to collection '\(view.collection.id)'")
        }
        let owner = principal.organisation.id
        let actor = principal.user.username
        let collectionID = view.collection.id
        return try await ingestor.ingest(
            bytes, as: container, into: view.collection, owner: owner, scope: view.scope
        ) { report in
            AddCommit(
                audit: [
                    AuditEvent(
                        time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.add", target: collectionID,
                        detail: Self.summary(of: report))
                ],
                status: status?(report))
        }
    }

    /// Ingests `objects` (STIX objects as parsed) addressing the TLP:RED ones to the organisations
    /// named `recipients`: one distribution marking definition naming them is created and referenced
    /// from every object that is TLP:RED — by its own marking, else by the level the sharing policy
    /// gives an unmarked object the principal's organisation posts here (the collection's default,
    /// else the organisation's) — so that those organisations, and the owner, alone see it. Returns
    /// the report and the marking's id when one was made (none when no object was TLP:RED).
    /// `envelope` is the TAXII envelope as received, stored as it is when no object is addressed.
    public func add(
        _ envelope: [UInt8], objects: [JSONValue], addressedTo recipients: [String], to view: View, by principal: Principal
    ) async throws -> (IngestReport, String?) {
        let level = view.scope.level(marking: nil, owner: principal.organisation.id)
        let id = "marking-definition--" + Secrets.uuid()
        var addressed = false
        var objects = objects.map { object in
            guard let marked = DistributionMarking.addressing(object, to: id, defaultLevel: level) else { return object }
            addressed = true
            return marked
        }
        guard addressed else { return (try await add(envelope, as: .envelope, to: view, by: principal), nil) }
        objects.insert(
            DistributionMarking.definition(
                id: id, recipients: recipients, created: SystemWallClock.nowMicroseconds() / 1000 * 1000),
            at: 0)
        let rewritten = JSONWriter.bytes(.object([("objects", .array(objects))]))
        return (try await add(rewritten, as: .envelope, to: view, by: principal), id)
    }

    /// The TAXII status resource `id`, for the user who made the request or an administrator;
    /// `notFound` otherwise, as for one that does not exist.
    public func status(id: String, for principal: Principal) async throws -> [UInt8] {
        guard let status = try await store.status(id: id), status.userID == principal.user.id || principal.isAdmin else {
            throw EngineError(.notFound, "no status resource with id '\(id)'")
        }
        return status.json
    }

    /// The counts of a report, as its audit entry gives them.
    public static func summary(of report: IngestReport) -> String {
        "\(report.added) added, \(report.newVersions) new versions, \(report.duplicates) duplicates, \(report.rejected.count) rejected"
    }

    /// Deletes the selected versions of one object; `notFound` when none matched. A writer deletes
    /// only its own organisation's postings (its lineage of the id): an object it may see but did
    /// not post is `forbidden`, one it may not see is `notFound`, as if never posted. An
    /// administrator deletes any organisation's postings, audited as such. The audit entry commits
    /// with the removal.
    public func delete(
        objectID: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, by principal: Principal
    ) async throws -> Int {
        let view = try await collection(id: collectionID, for: principal)
        guard view.canRead else { throw EngineError(.forbidden, "you may not read collection '\(collectionID)'") }
        guard view.canWrite else { throw EngineError(.forbidden, "you may not delete objects from collection '\(collectionID)'") }
        let administrator = principal.user.role == .admin
        let owner = administrator ? nil : principal.organisation.id
        let actor = principal.user.username
        let removed = try await store.deleteObject(
            id: objectID, from: collectionID, versions: versions, specVersions: specVersions,
            scope: administrator ? nil : view.scope, owner: owner
        ) { removed in
            guard removed > 0 else { return [] }
            let detail =
                "\(objectID): \(removed) versions" + (administrator ? " (as administrator: any organisation's postings)" : "")
            return [
                AuditEvent(
                    time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.delete", target: collectionID,
                    detail: detail)
            ]
        }
        guard removed == 0 else { return removed }
        if owner != nil {
            let query = ObjectQuery(
                ids: [objectID], versions: versions, specVersions: specVersions, limit: 1, withContent: false, scope: view.scope)
            if !(try await store.objects(in: collectionID, matching: query).records.isEmpty) {
                throw EngineError(
                    .forbidden,
                    "object '\(objectID)' was posted by another organisation: only its own organisation or an administrator may delete it"
                )
            }
        }
        throw EngineError(.notFound, "no object '\(objectID)' in collection '\(collectionID)'")
    }
}
