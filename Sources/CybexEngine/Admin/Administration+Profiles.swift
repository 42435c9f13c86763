public import CybexCore
import CybexStore

/// Organisation profiles: the operator's use cases (the command line; the REST API through
/// ``OrganisationProfiles``, which checks who may first). Every change is audited as
/// `organisation.set-profile`, in the transaction that makes it.
///
/// The audit entry names what changed: sectors, country and roles with their old and new values (they
/// describe the organisation), and for contacts only which kind and which of e-mail, phone and URL
/// were added, changed or removed — never the addresses and numbers themselves. They are often a
/// person's (`jan.jansen@isp.example`, a duty phone), and the audit log is append-only and
/// hash-chained: what enters it can never be erased without breaking the chain.
extension Administration {
    /// The organisation named `name`, its profile, and its parent's name (nil at the top).
    ///
    /// - Throws: ``EngineError`` `.notFound` for an unknown name.
    public func profile(organisation name: String) async throws
        -> (organisation: Organisation, profile: OrganisationProfile, parentName: String?)
    {
        let organisation = try await organisation(named: name)
        guard let profile = try await store.organisationProfile(id: organisation.id) else {
            throw EngineError(.notFound, "no organisation named '\(name)'")
        }
        var parentName: String?
        if let parentID = organisation.parentID { parentName = try await store.organisation(id: parentID)?.name ?? parentID }
        return (organisation, profile, parentName)
    }

    /// Replaces the profile of the organisation named `name`.
    ///
    /// - Throws: ``EngineError`` `.invalidArgument` naming the field at fault, `.notFound` for an
    ///   unknown name.
    @discardableResult
    public func setProfile(organisation name: String, _ profile: OrganisationProfile) async throws -> OrganisationProfile {
        try await updateProfile(of: try await organisation(named: name)) { _ in profile }
    }

    /// Changes part of the profile of the organisation named `name` (what `change` leaves nil stays
    /// as it is), reading and writing it in one transaction.
    ///
    /// - Throws: ``EngineError`` `.invalidArgument` naming the field at fault, `.notFound` for an
    ///   unknown name.
    @discardableResult
    public func updateProfile(organisation name: String, _ change: OrganisationProfileChange) async throws
        -> OrganisationProfile
    {
        try await updateProfile(of: try await organisation(named: name)) { change.applied(to: $0) }
    }

    /// Stores what `change` makes of the profile of `organisation`, normalised and checked, with its
    /// audit entry in the same transaction.
    func updateProfile(
        of organisation: Organisation, _ change: @escaping @Sendable (OrganisationProfile) -> OrganisationProfile
    ) async throws -> OrganisationProfile {
        let actor = actor
        do {
            return try await store.updateOrganisationProfile(
                id: organisation.id,
                { old in
                    let new = change(old)
                    do {
                        try new.validate()
                    } catch let error as OrganisationProfileError {
                        throw EngineError(.invalidArgument, error.description)
                    }
                    return new.normalised
                },
                audit: { old, new in
                    [
                        AuditEvent(
                            time: SystemWallClock.nowMicroseconds(), actor: actor, action: "organisation.set-profile",
                            target: organisation.id, detail: Self.profileChangeDetail(name: organisation.name, old: old, new: new)
                        )
                    ]
                })
        } catch let error as StoreError where error.code == .notFound {
            throw EngineError(.notFound, "no organisation named '\(organisation.name)'")
        } catch let error as StoreError where error.code == .invalidArgument {
            throw EngineError(.invalidArgument, error.message)
        }
    }

    /// What an audit entry says of a profile change: sectors, country and roles old → new; for each
    /// contact kind, which fields were added, changed or removed (never their values).
    ///
    /// ```
    /// ISP One: sectors - → energy,telecommunications; country FR → DE; contact abuse: added (email, phone)
    /// ```
    public static func profileChangeDetail(name: String, old: OrganisationProfile, new: OrganisationProfile) -> String {
        func list<Value: RawRepresentable>(_ values: [Value]) -> String where Value.RawValue == String {
            values.isEmpty ? "-" : values.map(\.rawValue).joined(separator: ",")
        }
        var changes: [String] = []
        if old.sectors != new.sectors { changes.append("sectors \(list(old.sectors)) → \(list(new.sectors))") }
        if old.country != new.country { changes.append("country \(old.country ?? "-") → \(new.country ?? "-")") }
        if old.roles != new.roles { changes.append("roles \(list(old.roles)) → \(list(new.roles))") }
        for kind in ContactKind.allCases {
            let before = old.contact(kind)
            let after = new.contact(kind)
            let fields: [(String, String?, String?)] = [
                ("email", before?.email, after?.email), ("phone", before?.phone, after?.phone), ("url", before?.url, after?.url),
            ]
            switch (before, after) {
            case (nil, nil):
                continue
            case (nil, .some):
                changes.append(
                    "contact \(kind.rawValue): added (\(fields.filter { $0.2 != nil }.map { $0.0 }.joined(separator: ", ")))")
            case (.some, nil):
                changes.append("contact \(kind.rawValue): removed")
            case (.some, .some):
                var parts: [String] = []
                for (field, was, now) in fields where was != now {
                    parts.append("\(field) " + (was == nil ? "added" : now == nil ? "removed" : "changed"))
                }
                if !parts.isEmpty { changes.append("contact \(kind.rawValue): \(parts.joined(separator: ", "))") }
            }
        }
        return "\(name): " + (changes.isEmpty ? "unchanged" : changes.joined(separator: "; "))
    }

    func organisation(named name: String) async throws -> Organisation {
        try Self.requireNoControlCharacters(name, "name")
        guard let organisation = try await store.organisation(named: name) else {
            throw EngineError(.notFound, "no organisation named '\(name)'")
        }
        return organisation
    }
}

/// A change to part of a profile, as `cybex org set` makes it: a field left nil stays as it is.
public struct OrganisationProfileChange: Sendable, Hashable {
    /// The new sectors (empty: none).
    public var sectors: [IndustrySector]?
    /// `.some(nil)` clears the country.
    public var country: String??
    /// The new roles (empty: none).
    public var roles: [EcosystemRole]?
    /// Contacts to set; each replaces the contact of its kind.
    public var contacts: [OrganisationContact]
    /// Contact kinds to remove.
    public var removedContacts: Set<ContactKind>

    public init(
        sectors: [IndustrySector]? = nil, country: String?? = nil, roles: [EcosystemRole]? = nil,
        contacts: [OrganisationContact] = [], removedContacts: Set<ContactKind> = []
    ) {
        self.sectors = sectors
        self.country = country
        self.roles = roles
        self.contacts = contacts
        self.removedContacts = removedContacts
    }

    /// Whether the change changes nothing.
    public var isEmpty: Bool {
        sectors == nil && country == nil && roles == nil && contacts.isEmpty && removedContacts.isEmpty
    }

    /// `profile` with the change made.
    public func applied(to profile: OrganisationProfile) -> OrganisationProfile {
        var result = profile
        if let sectors { result.sectors = sectors }
        if let country { result.country = country }
        if let roles { result.roles = roles }
        result.contacts.removeAll { removedContacts.contains($0.kind) }
        for contact in contacts {
            if let index = result.contacts.firstIndex(where: { $0.kind == contact.kind }) {
                result.contacts[index] = contact
            } else {
                result.contacts.append(contact)
            }
        }
        return result
    }
}
