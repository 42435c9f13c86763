public import CybexCore

/// Organisations (their parents, defaults and profiles), users, API tokens and sharing groups:
/// the organisation graph the sharing policy reasons over (`SQLiteStore+Organisations.swift`,
/// `PostgresStore+Organisations.swift`).
public protocol OrganisationStore: Sendable {
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
}
