public import CybexCore

/// The one storage interface of Cybex. Two implementations, ``SQLiteStore`` (embedded, the
/// default) and ``PostgresStore`` (scale-out), are held to the same contract test suite.
///
/// Every method is one transaction. ``addObjects(_:to:owner:)`` in particular commits all the
/// objects it is given or none of them. The methods of a role of their own are in the protocols
/// it refines (``JobLeaseStore``).
public protocol Store: JobLeaseStore {
    /// Brings the schema to the newest version; safe to call on every start.
    func migrate() async throws
    /// The schema version the store is at (0 before any migration).
    func schemaVersion() async throws -> Int
    /// Releases connections. The store is unusable afterwards.
    func close() async throws

    // MARK: Organisations, users, tokens

    func createOrganisation(_ organisation: Organisation) async throws
    func organisation(id: String) async throws -> Organisation?
    func organisation(named name: String) async throws -> Organisation?
    func organisations() async throws -> [Organisation]
    /// Makes `parentID` the parent of organisation `id` (nil: top level). Refuses, with
    /// ``StoreError`` `.conflict`, an organisation as its own parent and a parent that would close a
    /// cycle (checked in the write transaction); `.notFound` for an unknown `id`.
    func setOrganisationParent(id: String, parentID: String?) async throws
    /// Sets the default TLP level of organisation `id` (nil: the system default); `.notFound` for an unknown `id`.
    func setOrganisationDefaultTLP(id: String, tlp: TLPLevel?) async throws
    /// The profile of organisation `id` (``OrganisationProfile/empty`` when none was set), contacts in
    /// kind order; nil when there is no such organisation.
    func organisationProfile(id: String) async throws -> OrganisationProfile?
    /// Replaces the profile of organisation `id` with what `change` makes of the stored one, in one
    /// transaction (the organisation row is locked while it is read, so concurrent updates take
    /// turns and none is lost). `audit`, when given, is called with the profile replaced and the new
    /// one inside the transaction, and the events it returns are written in that same transaction.
    /// Returns the new profile. `.notFound` for an unknown `id`; `.invalidArgument` for text holding a
    /// NUL; what `change` throws is rethrown, and nothing is written.
    @discardableResult
    func updateOrganisationProfile(
        id: String, _ change: @escaping @Sendable (OrganisationProfile) throws -> OrganisationProfile,
        audit: (@Sendable (_ old: OrganisationProfile, _ new: OrganisationProfile) -> [AuditEvent])?
    ) async throws -> OrganisationProfile

    // MARK: Sharing groups

    /// Creates a sharing group with the members it lists; `.conflict` when the name is taken.
    func createSharingGroup(_ group: SharingGroup) async throws
    /// Every sharing group, by name, each with its members' ids in id order.
    func sharingGroups() async throws -> [SharingGroup]
    /// Adds an organisation to a sharing group; `.conflict` when it is already a member or either is unknown.
    func addSharingGroupMember(groupID: String, organisationID: String) async throws
    /// Removes an organisation from a sharing group; false when it was not a member.
    func removeSharingGroupMember(groupID: String, organisationID: String) async throws -> Bool
    /// The organisation graph the sharing policy reasons over: every parent link and every sharing
    /// group (by id, empty ones included), read in one statement.
    func sharingDirectory() async throws -> SharingDirectory

    func createUser(_ user: User) async throws
    func user(id: String) async throws -> User?
    func user(named username: String) async throws -> User?
    /// The user named `username` and their organisation (nil when it is gone), read together: what
    /// every authenticated request needs.
    func userWithOrganisation(named username: String) async throws -> (User, Organisation?)?
    func users() async throws -> [User]
    func userCount() async throws -> Int
    func setUserDisabled(id: String, disabled: Bool) async throws
    func setUserPassword(id: String, passwordHash: String) async throws

    func createToken(_ token: APIToken) async throws
    /// The token with this secret hash, whatever its state (callers check ``APIToken/isUsable(at:)``).
    func token(secretHash: String) async throws -> APIToken?
    func tokens(userID: String?) async throws -> [APIToken]
    func revokeToken(id: String, at time: Int64) async throws -> Bool

    // MARK: Authentication throttling

    /// The failed-authentication counters stored under `keys`; keys without one are left out.
    func authFailureCounters(keys: [String]) async throws -> [AuthFailureCounter]
    /// Reads the counter stored under `key` (nil when there is none) and stores what `update`
    /// returns for it (nil: removes it), in one transaction. Updates of one key from several
    /// server processes take turns, so no failure is lost. Returns what was stored.
    @discardableResult
    func updateAuthFailureCounter(
        key: String, _ update: @escaping @Sendable (AuthFailureCounter?) -> AuthFailureCounter?
    ) async throws -> AuthFailureCounter?
    /// Removes the counters with no failure and no lockout at or after `time` (microseconds);
    /// returns how many were removed.
    @discardableResult
    func removeAuthFailureCounters(quietSince time: Int64) async throws -> Int

    // MARK: Collections

    func createCollection(_ collection: CollectionRecord) async throws
    func collection(id: String) async throws -> CollectionRecord?
    func collections() async throws -> [CollectionRecord]
    /// The collection `id` and the organisation graph, read together (one snapshot on SQLite):
    /// what every scoped read starts with. Nil when there is no such collection.
    func collectionWithDirectory(id: String) async throws -> (CollectionRecord, SharingDirectory)?

    // MARK: Objects

    /// Adds object versions to a collection in one transaction and says what became of each,
    /// in the order given. `owner` is the posting organisation: the objects are versions of its own
    /// lineage of each id (unique by id, owner and version), and every outcome is decided from that
    /// lineage alone, and from the other organisations' versions in the collection that `scope`
    /// (what the poster may see of it; nil: everything) shows: a version of an object posted by
    /// another organisation is a duplicate when it is one of those, and refused otherwise (only
    /// the creator versions an object). Unversioned objects (SCOs) are each organisation's own
    /// posting, whoever else posted the same id. `commit`, when given, is called
    /// with the outcomes inside the transaction, and what it returns (the audit entries, the TAXII
    /// status resource) is written in that same transaction: the objects, their audit and their
    /// status commit together or not at all.
    func addObjects(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome]
    /// Adds the batches that `queue` delivers, all in one transaction, as
    /// ``addObjects(_:to:owner:scope:commit:)`` does for one array; outcomes are in delivery order.
    func addObjects(
        from queue: ObjectBatchQueue, to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome]
    /// One page of a collection's object versions, ascending by date added; only those the
    /// query's ``ObjectQuery/scope`` allows, and `last`/`first` are the newest/oldest of those.
    func objects(in collectionID: String, matching query: ObjectQuery) async throws -> ObjectPage
    /// Removes the selected versions of one object from a collection, among those `scope` allows
    /// (nil: all) and, with an `owner`, only that organisation's lineage (first and last are then
    /// that lineage's); returns how many were removed. `audit`, when given, is called with that
    /// number inside the transaction and its entries are written with the removal.
    func deleteObject(
        id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, scope: ReadScope?,
        owner: String?, audit: (@Sendable (Int) -> [AuditEvent])?
    ) async throws -> Int
    /// One page of the object versions found in any of the search's collections, each under its
    /// own scope (as ``objects(in:matching:)`` reads one of them), ascending by date added, in one
    /// snapshot: what a viewer may see anywhere, filtered by ids, types, observables and time.
    func search(_ search: ObjectSearch) async throws -> SearchPage
    /// How many object versions the collection holds that `scope` allows (nil: all).
    func objectCount(in collectionID: String, scope: ReadScope?) async throws -> Int
    /// The stored marking definitions among `ids` that `visibility` lets the poster reference
    /// (nil: every one), each with the recipients it names (empty for a marking definition that is
    /// not a distribution marking).
    func markingDefinitions(ids: Set<String>, visibleTo visibility: MarkingVisibility?) async throws -> [String: Set<String>]

    // MARK: Data lifecycle

    /// Creates a retention policy; `.conflict` when the name is taken.
    func createRetentionPolicy(_ policy: RetentionPolicy) async throws
    /// Every retention policy, by name.
    func retentionPolicies() async throws -> [RetentionPolicy]
    /// Deletes the retention policy named `name`; false when there is none.
    func deleteRetentionPolicy(named name: String) async throws -> Bool
    /// Removes from collection `collectionID` the versions `selection` selects, in one transaction,
    /// and the object rows no collection holds any more; with `dryRun`, only reports them.
    func removeObjects(in collectionID: String, matching selection: RemovalSelection, dryRun: Bool) async throws
        -> [RemovedVersion]
    /// Removes, from every collection, every version of every object tied to `identifier`: one of
    /// its versions has an observable with that value, or the text anywhere in it
    /// (case-insensitive); with `dryRun`, only reports them.
    func eraseObjects(containing identifier: String, dryRun: Bool) async throws -> [RemovedVersion]

    /// Stores a redaction policy with its key; `.conflict` when the name is taken.
    func createRedactionPolicy(_ policy: StoredRedactionPolicy) async throws
    /// Every redaction policy, by name.
    func redactionPolicies() async throws -> [StoredRedactionPolicy]
    /// Deletes the redaction policy named `name`; false when there is none.
    func deleteRedactionPolicy(named name: String) async throws -> Bool

    // MARK: Status resources

    func saveStatus(_ status: StoredStatus) async throws
    func status(id: String) async throws -> StoredStatus?

    // MARK: Audit

    /// Appends an event to the audit log, chained to the entry before it (see ``AuditChain``):
    /// the `seq`, `prev_hash` and `hash` are assigned in the write transaction, and appends from
    /// several processes serialise, so the chain never forks.
    func appendAudit(_ event: AuditEvent) async throws
    /// Appends several events, in order, in one transaction (chained as ``appendAudit(_:)`` does).
    func appendAudit(_ events: [AuditEvent]) async throws
    /// The newest `limit` events (all with a negative limit), newest first.
    func auditEvents(limit: Int) async throws -> [AuditEvent]
    /// Checks the audit hash chain from the first entry to the recorded head, reading it in pages,
    /// and reports the first entry that does not verify.
    func verifyAuditChain() async throws -> AuditVerification
    /// Up to `limit` entries with `seq` greater than `after`, ascending, with their chain hashes
    /// (for exports that an outside verifier re-hashes).
    func auditEntries(after seq: Int64, limit: Int) async throws -> [AuditEntry]
    /// The entries `query` selects, newest first, at most `query.limit` (every one with a negative limit).
    func auditEntries(matching query: AuditQuery) async throws -> [AuditEntry]
}

extension Store {
    /// Adds object versions with nothing else written in their transaction.
    public func addObjects(_ objects: [STIXObjectRecord], to collectionID: String, owner: String) async throws
        -> [AddOutcome]
    {
        try await addObjects(objects, to: collectionID, owner: owner, scope: nil, commit: nil)
    }

    /// Adds the batches of `queue` with nothing else written in their transaction.
    public func addObjects(from queue: ObjectBatchQueue, to collectionID: String, owner: String) async throws
        -> [AddOutcome]
    {
        try await addObjects(from: queue, to: collectionID, owner: owner, scope: nil, commit: nil)
    }

    /// Replaces the profile of organisation `id` with `profile`, in one transaction with the events
    /// `audit` returns (see ``updateOrganisationProfile(id:_:audit:)``).
    @discardableResult
    public func setOrganisationProfile(
        id: String, _ profile: OrganisationProfile,
        audit: (@Sendable (_ old: OrganisationProfile, _ new: OrganisationProfile) -> [AuditEvent])? = nil
    ) async throws -> OrganisationProfile {
        try await updateOrganisationProfile(id: id, { _ in profile }, audit: audit)
    }

    /// Every stored marking definition among `ids`, whoever posted it (the node's own maintenance).
    public func markingDefinitions(ids: Set<String>) async throws -> [String: Set<String>] {
        try await markingDefinitions(ids: ids, visibleTo: nil)
    }

    /// How many object versions the collection holds.
    public func objectCount(in collectionID: String) async throws -> Int {
        try await objectCount(in: collectionID, scope: nil)
    }

    /// Removes the selected versions of one object from a collection; returns how many were removed.
    public func deleteObject(id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?)
        async throws -> Int
    {
        try await deleteObject(
            id: id, from: collectionID, versions: versions, specVersions: specVersions, scope: nil, owner: nil, audit: nil)
    }

    /// Removes the selected versions of one object among those `scope` allows; returns how many were removed.
    public func deleteObject(
        id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, scope: ReadScope?
    ) async throws -> Int {
        try await deleteObject(
            id: id, from: collectionID, versions: versions, specVersions: specVersions, scope: scope, owner: nil, audit: nil)
    }
}

/// What is written in the transaction of an add, decided from its outcomes.
public struct AddCommit: Sendable {
    /// Audit entries, appended to the chain in the same transaction.
    public var audit: [AuditEvent]
    /// The TAXII status resource of the request, when it has one.
    public var status: StoredStatus?

    public init(audit: [AuditEvent], status: StoredStatus? = nil) {
        self.audit = audit
        self.status = status
    }
}

/// Called inside an add's transaction with its outcomes (in the order the objects were given);
/// what it returns is written before the transaction commits.
public typealias AddCommitter = @Sendable ([AddOutcome]) throws -> AddCommit

/// A failure of the store, with a code tests can compare, a message people can read, and where it
/// was raised (for logs). Codes are an extensible set of named values, compared by name.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, by name.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let conflict = Code(rawValue: "conflict")
        public static let notFound = Code(rawValue: "not-found")
        /// Text the store cannot keep whole (a NUL character): refused, never truncated.
        public static let invalidArgument = Code(rawValue: "invalid-argument")
        public static let invalidConfiguration = Code(rawValue: "invalid-configuration")
        public static let backend = Code(rawValue: "backend")
        public static let schemaTooNew = Code(rawValue: "schema-too-new")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// The source file (`#fileID`) and line that raised the error.
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}
