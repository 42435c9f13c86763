public import CybexCore

/// The one storage interface of Cybex. Two implementations, ``SQLiteStore`` (embedded, the
/// default) and ``PostgresStore`` (scale-out), are held to the same contract test suite.
///
/// Every method is one transaction. ``addObjects(_:to:owner:)`` in particular commits all the
/// objects it is given or none of them. Its methods are grouped by role, one protocol each,
/// matching the backends' files: ``OrganisationStore``, ``ThrottleStore``, ``ObjectStore``,
/// ``LifecycleStore``, ``AuditStore``, ``JobLeaseStore``, ``ConstituencyStore``, ``FeedStore``, ``NotificationStore``, ``CaseStore``, ``RIDStore`` and ``VulnerabilityStore``; a capability that needs one role
/// can take just that one.
public protocol Store: OrganisationStore, ThrottleStore, ObjectStore, LifecycleStore, AuditStore, JobLeaseStore,
    ConstituencyStore, FeedStore, NotificationStore, CaseStore, RIDStore, VulnerabilityStore
{
    /// Brings the schema to the newest version; safe to call on every start.
    func migrate() async throws
    /// The schema version the store is at (0 before any migration).
    func schemaVersion() async throws -> Int
    /// Releases connections. The store is unusable afterwards.
    func close() async throws

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
