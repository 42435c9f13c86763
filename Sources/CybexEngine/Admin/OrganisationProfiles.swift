public import CybexCore
public import CybexStore

/// Organisation profiles as a signed-in principal reads and changes them (the REST API, the UI to
/// come), under ``OrganisationRecordPolicy``: an organisation the principal may not read is
/// answered exactly as one that does not exist (`.notFound`), and a change it may read but not make
/// is `.forbidden`. Changes go through ``Administration``, audited with the principal as actor.
public struct OrganisationProfiles: Sendable {
    public let store: any Store
    let hasher: PasswordHasher

    public init(store: any Store, hasher: PasswordHasher = PasswordHasher()) {
        self.store = store
        self.hasher = hasher
    }

    /// An organisation's profile as a principal sees it.
    public struct View: Sendable, Hashable {
        public var organisation: Organisation
        public var profile: OrganisationProfile
        /// Whether the principal may replace it.
        public var mayWrite: Bool
    }

    /// The organisation `id` and its profile, when `principal` may read them.
    ///
    /// - Throws: ``EngineError`` `.notFound` for an organisation that does not exist or that the
    ///   principal may not read (the same message for both).
    public func profile(ofOrganisation id: String, for principal: Principal) async throws -> View {
        let (organisation, access) = try await resolve(id, for: principal)
        guard let profile = try await store.organisationProfile(id: organisation.id) else { throw Self.notFound(id) }
        return View(organisation: organisation, profile: profile, mayWrite: access.mayWrite)
    }

    /// What `principal` may do with the records of organisation `id`; throws `.notFound` when it may
    /// not even read them (or there is no such organisation), so that callers check access before
    /// reading a request body.
    @discardableResult
    public func requireAccess(toOrganisation id: String, for principal: Principal, write: Bool) async throws
        -> OrganisationRecordAccess
    {
        let (_, access) = try await resolve(id, for: principal)
        if write, !access.mayWrite { throw Self.forbidden }
        return access
    }

    /// Replaces the profile of organisation `id` with `profile` (checked and normalised), audited as
    /// `organisation.set-profile` with the principal's username as actor.
    ///
    /// - Throws: ``EngineError`` `.notFound` as ``profile(ofOrganisation:for:)``; `.forbidden` when the
    ///   principal may read the profile but not change it; `.invalidArgument` naming the field at fault.
    public func setProfile(_ profile: OrganisationProfile, ofOrganisation id: String, by principal: Principal) async throws
        -> View
    {
        let (organisation, access) = try await resolve(id, for: principal)
        guard access.mayWrite else { throw Self.forbidden }
        let stored = try await Administration(store: store, hasher: hasher, actor: principal.user.username)
            .updateProfile(of: organisation) { _ in profile }
        return View(organisation: organisation, profile: stored, mayWrite: true)
    }

    private func resolve(_ id: String, for principal: Principal) async throws -> (Organisation, OrganisationRecordAccess) {
        guard !ControlCharacters.contains(in: id), let organisation = try await store.organisation(id: id) else {
            throw Self.notFound(id)
        }
        let access = OrganisationRecordPolicy.access(of: principal, to: organisation.id, in: try await store.sharingDirectory())
        guard access.mayRead else { throw Self.notFound(id) }
        return (organisation, access)
    }

    static func notFound(_ id: String) -> EngineError {
        EngineError(.notFound, "no organisation with id '\(ControlCharacters.escaped(id))'")
    }

    static let forbidden = EngineError(
        .forbidden,
        "only administrators and the organisation's own analysts change its profile; coordinators and other roles read it")
}
