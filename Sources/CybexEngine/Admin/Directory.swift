public import CybexCore
import CybexStore

/// The administration's listings and lookups, with who may see what: an administrator sees every
/// organisation, user, token and sharing group and the audit log; anyone else sees their own
/// organisation, their own user and tokens, and the sharing groups their organisation is in. What a
/// principal may not see is `notFound`, exactly as what does not exist. The REST API, the CLI and
/// the UI read through here, so they cannot disagree.
public struct Directory: Sendable {
    let store: any Store

    init(store: any Store) {
        self.store = store
    }

    // MARK: Organisations

    /// Every organisation for an administrator; else the principal's own.
    public func organisations(for principal: Principal) async throws -> [Organisation] {
        principal.isAdmin ? try await store.organisations() : [try await ownOrganisation(principal)]
    }

    /// Every organisation (the node's operator).
    public func organisations() async throws -> [Organisation] {
        try await store.organisations()
    }

    /// The organisation `id` when the principal may see it (administrators: any; others: their own).
    public func organisation(id: String, for principal: Principal) async throws -> Organisation {
        guard principal.isAdmin || id == principal.organisation.id, let organisation = try await store.organisation(id: id)
        else {
            throw EngineError(.notFound, "no organisation with id '\(id)'")
        }
        return organisation
    }

    /// The organisation `reference` names, by name first, then by id; nil when none.
    public func organisation(reference: String) async throws -> Organisation? {
        if let found = try await store.organisation(named: reference) { return found }
        return try await store.organisation(id: reference)
    }

    /// The organisation named `name`, if there is one.
    public func organisation(named name: String) async throws -> Organisation? {
        try await store.organisation(named: name)
    }

    /// Every organisation's name by id.
    public func organisationNames() async throws -> [String: String] {
        Dictionary(try await store.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    func ownOrganisation(_ principal: Principal) async throws -> Organisation {
        try await store.organisation(id: principal.organisation.id) ?? principal.organisation
    }

    // MARK: Users and tokens

    /// Every user for an administrator; else the principal's own user.
    public func users(for principal: Principal) async throws -> [User] {
        principal.isAdmin ? try await store.users() : [try await store.user(id: principal.user.id) ?? principal.user]
    }

    /// Every user (the node's operator).
    public func users() async throws -> [User] {
        try await store.users()
    }

    /// The user `id` when the principal may see it (administrators: anyone; others: themselves).
    public func user(id: String, for principal: Principal) async throws -> User {
        guard principal.isAdmin || id == principal.user.id, let user = try await store.user(id: id) else {
            throw EngineError(.notFound, "no user with id '\(id)'")
        }
        return user
    }

    /// The user named `username`, if there is one.
    public func user(named username: String) async throws -> User? {
        try await store.user(named: username)
    }

    /// Every token for an administrator; else the principal's own tokens.
    public func tokens(for principal: Principal) async throws -> [APIToken] {
        try await store.tokens(userID: principal.isAdmin ? nil : principal.user.id)
    }

    /// The tokens of the user `userID` (nil: everyone's; the node's operator).
    public func tokens(userID: String?) async throws -> [APIToken] {
        try await store.tokens(userID: userID)
    }

    /// Every user's name by id.
    public func usernames() async throws -> [String: String] {
        Dictionary(try await store.users().map { ($0.id, $0.username) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: Sharing groups

    /// Every sharing group for an administrator; else those the principal's organisation is in.
    public func sharingGroups(for principal: Principal) async throws -> [SharingGroup] {
        let groups = try await store.sharingGroups()
        return principal.isAdmin ? groups : groups.filter { $0.members.contains(principal.organisation.id) }
    }

    /// Every sharing group (the node's operator).
    public func sharingGroups() async throws -> [SharingGroup] {
        try await store.sharingGroups()
    }

    // MARK: Collections and policies (administrators, the operator)

    /// The collection `id`, whatever the sharing policy says (the operator's and administrators'
    /// maintenance: exports, backups); `notFound` when there is none.
    public func collection(id: String) async throws -> CollectionRecord {
        guard let record = try await store.collection(id: id) else {
            throw EngineError(.notFound, "no collection with id '\(id)'")
        }
        return record
    }

    /// Every collection, oldest first.
    public func collections() async throws -> [CollectionRecord] {
        try await store.collections()
    }

    /// How many object versions collection `id` holds, all organisations' (the operator's view).
    public func objectCount(in id: String) async throws -> Int {
        try await store.objectCount(in: id)
    }

    public func retentionPolicies() async throws -> [RetentionPolicy] {
        try await store.retentionPolicies()
    }

    public func redactionPolicies() async throws -> [StoredRedactionPolicy] {
        try await store.redactionPolicies()
    }

    // MARK: The audit log

    /// The entries `query` selects, newest first (administrators; the operator passes nil).
    public func auditEntries(matching query: AuditQuery, for principal: Principal?) async throws -> [AuditEntry] {
        try requireAdministrator(principal)
        return try await store.auditEntries(matching: query)
    }

    /// Up to `limit` entries after `seq`, ascending with their hashes (exports; the operator).
    public func auditEntries(after seq: Int64, limit: Int) async throws -> [AuditEntry] {
        try await store.auditEntries(after: seq, limit: limit)
    }

    /// Checks the audit log's hash chain (administrators; the operator passes nil).
    public func verifyAuditChain(for principal: Principal?) async throws -> AuditVerification {
        try requireAdministrator(principal)
        return try await store.verifyAuditChain()
    }

    func requireAdministrator(_ principal: Principal?) throws {
        if let principal, !principal.isAdmin { throw EngineError(.forbidden, "this operation is for administrators") }
    }
}
