public import CybexCore
public import CybexFormats
public import CybexStore

/// The one door to the store: every use case of every adapter (TAXII, REST, the CLI, later the UI
/// and federation) is a call on this value or on a service it hands out, and every one that acts
/// for someone takes the ``Principal`` (or, on the command line, the operator's actor name). Only
/// the composition roots that open the store (the server's builder, the CLI's store options) make
/// one; the adapters never see the store itself.
public struct Engine: Sendable {
    let store: any Store
    public let hasher: PasswordHasher
    /// Reads, searches, adds and deletes of objects, under the sharing policy.
    public let collections: CollectionService
    /// The objects that share observables with a value or an object, under the sharing policy.
    public var correlation: CorrelationService { CorrelationService(collections: collections) }
    /// Attack-source tracing: correlation, containers, enrichment, constituents and cluster of a value.
    public var trace: TraceService { TraceService(correlation: correlation) }
    /// The administration's listings and lookups, with their visibility rules.
    public let directory: Directory
    /// Security events that are not a use case of their own: refused credentials, denied access.
    public let securityAudit: SecurityAudit

    public init(
        store: any Store, hasher: PasswordHasher = PasswordHasher(), limits: STIXBundleDecoder.Limits = .init(),
        readAudit: ReadAuditLog? = nil, postCommit: PostCommitStage? = nil
    ) {
        self.store = store
        self.hasher = hasher
        // By default every ingest queues what touches a constituency for its digests, and hunts
        // what it brings against what is stored.
        let stage =
            postCommit
            ?? PostCommitStage(subscribers: [ConstituencyNotifier(store: store), RetroHunt(store: store, limits: limits)])
        self.collections = CollectionService(store: store, limits: limits, readAudit: readAudit, postCommit: stage)
        self.directory = Directory(store: store)
        self.securityAudit = SecurityAudit(store: store, readAudit: readAudit)
    }

    /// The administrator's changes, audited as `actor`.
    public func administration(actor: String) -> Administration {
        Administration(store: store, hasher: hasher, actor: actor)
    }

    /// Organisation profiles and contacts under the rule for an organisation's records.
    public var organisationProfiles: OrganisationProfiles {
        OrganisationProfiles(store: store, hasher: hasher)
    }

    /// Organisations' constituencies (networks, AS numbers, domains) under the rule for an
    /// organisation's records.
    public var constituencies: Constituencies { Constituencies(store: store, hasher: hasher) }

    /// The offline enrichment tables (ip2asn, RIR statistics).
    public var enrichment: EnrichmentTables { EnrichmentTables(store: store) }

    /// Retention policies, their runs and erasures, audited as `actor`.
    public func lifecycle(actor: String) -> DataLifecycle {
        DataLifecycle(store: store, actor: actor)
    }

    /// Stored redaction policies, audited as `actor`.
    public func redactionPolicies(actor: String) -> RedactionPolicies {
        RedactionPolicies(store: store, actor: actor)
    }

    /// Checks credentials against the store (``Authenticator``).
    public func authenticator(throttle: LoginThrottlePolicy = .init()) -> Authenticator {
        Authenticator(store: store, hasher: hasher, throttle: throttle)
    }

    /// The export of `collection` for `recipient` (nil: everything, the operator's backup) through
    /// the stored redaction policy `redaction` (`notFound` for an unknown one).
    public func bundleExport(of collection: CollectionRecord, for recipient: Organisation?, redaction: String?) async throws
        -> BundleExport
    {
        try await BundleExport.prepare(store: store, collection: collection, recipient: recipient, redaction: redaction)
    }

    /// Whether the store answers (the server's health check).
    public func checkStore() async throws {
        _ = try await store.schemaVersion()
    }
}
