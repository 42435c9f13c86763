public import CybexCore
import PostgresNIO
import Synchronization

/// Organisations, their parents and default TLP levels, and sharing groups on PostgreSQL.
///
/// A parent change takes a transaction-scoped advisory lock on the organisation graph before it
/// reads the graph, so two processes cannot each close half of a cycle (a→b and b→a) at once.
extension PostgresStore {
    /// The advisory lock key of the organisation graph: the ASCII of `cybex_og`.
    static let organisationGraphLockKey: Int64 = 0x6379_6265_785f_6f67

    static let organisationColumns = "id, name, created_at, parent_id, default_tlp"

    static func organisation(from row: PostgresRow) throws -> Organisation {
        let (id, name, createdAt, parentID, tlp) = try row.decode((String, String, Int64, String?, String?).self)
        return Organisation(
            id: id, name: name, createdAt: createdAt, parentID: parentID, defaultTLP: tlp.flatMap(TLPLevel.init(rawValue:)))
    }

    public func createOrganisation(_ organisation: Organisation) async throws {
        try StoredText.require([
            (organisation.id, "organisation id"), (organisation.name, "organisation name"), (organisation.parentID, "parent id"),
        ])
        try OrganisationGraph.checkParent(organisation.parentID, of: organisation.id, parents: [:])
        _ = try await rows(
            """
            INSERT INTO organisations (\(unescaped: Self.organisationColumns))
            VALUES (\(organisation.id), \(organisation.name), \(organisation.createdAt), \(organisation.parentID),
                \(organisation.defaultTLP?.rawValue))
            """)
    }

    public func organisation(id: String) async throws -> Organisation? {
        guard StoredText.isStorable(id) else { return nil }
        return try await rows("SELECT \(unescaped: Self.organisationColumns) FROM organisations WHERE id = \(id)").first.map(
            Self.organisation(from:))
    }

    public func organisation(named name: String) async throws -> Organisation? {
        guard StoredText.isStorable(name) else { return nil }
        return try await rows("SELECT \(unescaped: Self.organisationColumns) FROM organisations WHERE name = \(name)").first.map(
            Self.organisation(from:))
    }

    public func organisations() async throws -> [Organisation] {
        // COLLATE "C": byte order, as SQLite's BINARY collation sorts.
        try await rows(
            #"SELECT \#(unescaped: Self.organisationColumns) FROM organisations ORDER BY name COLLATE "C""#
        ).map(Self.organisation(from:))
    }

    public func setOrganisationParent(id: String, parentID: String?) async throws {
        try await transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.organisationGraphLockKey))", logger: logger)
            var parents: [String: String] = [:]
            for row in try await connection.query(
                "SELECT id, parent_id FROM organisations WHERE parent_id IS NOT NULL", logger: logger
            ).collect() {
                let (child, parent) = try row.decode((String, String).self)
                parents[child] = parent
            }
            try OrganisationGraph.checkParent(parentID, of: id, parents: parents)
            let changed = try await connection.query(
                "UPDATE organisations SET parent_id = \(parentID) WHERE id = \(id) RETURNING 1", logger: logger
            ).collect()
            if changed.isEmpty { throw StoreError(.notFound, "no organisation with id \(id)") }
        }
    }

    public func setOrganisationDefaultTLP(id: String, tlp: TLPLevel?) async throws {
        let changed = try await rows(
            "UPDATE organisations SET default_tlp = \(tlp?.rawValue) WHERE id = \(id) RETURNING 1")
        if changed.isEmpty { throw StoreError(.notFound, "no organisation with id \(id)") }
    }

    // MARK: Profiles

    public func organisationProfile(id: String) async throws -> OrganisationProfile? {
        guard StoredText.isStorable(id) else { return nil }
        // One statement, so one snapshot: the profile columns and the contacts of the same commit.
        var profile: (sectors: String, country: String?, roles: String)?
        var contacts: [OrganisationContact] = []
        for row in try await rows(
            """
            SELECT o.sectors, o.country, o.ecosystem_roles, c.kind, c.email, c.phone, c.url
            FROM organisations o LEFT JOIN organisation_contacts c ON c.organisation_id = o.id
            WHERE o.id = \(id)
            """)
        {
            let (sectors, country, roles, kind, email, phone, url) = try row.decode(
                (String, String?, String, String?, String?, String?, String?).self)
            profile = (sectors, country, roles)
            if let kind = kind.flatMap(ContactKind.init(rawValue:)) {
                contacts.append(OrganisationContact(kind: kind, email: email, phone: phone, url: url))
            }
        }
        guard let profile else { return nil }
        return OrganisationProfileColumns.profile(
            sectors: profile.sectors, country: profile.country, roles: profile.roles, contacts: contacts)
    }

    public func updateOrganisationProfile(
        id: String, _ change: @escaping @Sendable (OrganisationProfile) throws -> OrganisationProfile,
        audit: (@Sendable (_ old: OrganisationProfile, _ new: OrganisationProfile) -> [AuditEvent])?
    ) async throws -> OrganisationProfile {
        try StoredText.require(id, "organisation id")
        // What `change` throws is rethrown as it is, not as a backend failure of the transaction.
        var refusal: (any Error)?
        do {
            return try await transaction { connection in
                // The row lock makes concurrent updates of one profile take turns: each reads the one it replaces.
                guard
                    let row = try await connection.query(
                        "SELECT sectors, country, ecosystem_roles FROM organisations WHERE id = \(id) FOR UPDATE", logger: logger
                    ).collect().first
                else { throw StoreError(.notFound, "no organisation with id \(id)") }
                let (sectors, country, roles) = try row.decode((String, String?, String).self)
                let contacts = try await connection.query(
                    "SELECT kind, email, phone, url FROM organisation_contacts WHERE organisation_id = \(id)", logger: logger
                ).collect().compactMap(Self.contact(from:))
                let old = OrganisationProfileColumns.profile(sectors: sectors, country: country, roles: roles, contacts: contacts)
                let new: OrganisationProfile
                do {
                    new = try change(old)
                } catch {
                    refusal = error
                    throw error
                }
                try OrganisationProfileColumns.requireStorable(new)
                try await connection.query(
                    """
                    UPDATE organisations SET sectors = \(OrganisationProfileColumns.encode(new.sectors)), country = \(new.country),
                        ecosystem_roles = \(OrganisationProfileColumns.encode(new.roles))
                    WHERE id = \(id)
                    """, logger: logger)
                try await connection.query("DELETE FROM organisation_contacts WHERE organisation_id = \(id)", logger: logger)
                for contact in new.contacts {
                    try await connection.query(
                        """
                        INSERT INTO organisation_contacts (organisation_id, kind, email, phone, url)
                        VALUES (\(id), \(contact.kind.rawValue), \(contact.email), \(contact.phone), \(contact.url))
                        """, logger: logger)
                }
                if let audit { try await Self.appendAudit(audit(old, new), on: connection, logger: logger) }
                return new
            }
        } catch {
            throw refusal ?? error
        }
    }

    static func contact(from row: PostgresRow) throws -> OrganisationContact? {
        let (kind, email, phone, url) = try row.decode((String, String?, String?, String?).self)
        return ContactKind(rawValue: kind).map { OrganisationContact(kind: $0, email: email, phone: phone, url: url) }
    }

    // MARK: Sharing groups

    public func createSharingGroup(_ group: SharingGroup) async throws {
        try StoredText.require(
            [(group.id, "sharing group id"), (group.name, "sharing group name")] + group.members.map { ($0, "member id") })
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO sharing_groups (id, name, created_at)
                VALUES (\(group.id), \(group.name), \(group.createdAt))
                """, logger: logger)
            for member in Set(group.members) {
                try await connection.query(
                    """
                    INSERT INTO sharing_group_members (group_id, organisation_id)
                    VALUES (\(group.id), \(member))
                    """, logger: logger)
            }
        }
    }

    public func sharingGroups() async throws -> [SharingGroup] {
        var groups: [SharingGroup] = []
        for row in try await rows(
            #"""
            SELECT g.id, g.name, g.created_at, m.organisation_id
            FROM sharing_groups g LEFT JOIN sharing_group_members m ON m.group_id = g.id
            ORDER BY g.name COLLATE "C", g.id COLLATE "C", m.organisation_id COLLATE "C"
            """#)
        {
            let (id, name, createdAt, member) = try row.decode((String, String, Int64, String?).self)
            if groups.last?.id != id { groups.append(SharingGroup(id: id, name: name, createdAt: createdAt)) }
            if let member { groups[groups.count - 1].members.append(member) }
        }
        return groups
    }

    public func addSharingGroupMember(groupID: String, organisationID: String) async throws {
        _ = try await rows(
            "INSERT INTO sharing_group_members (group_id, organisation_id) VALUES (\(groupID), \(organisationID))")
    }

    public func removeSharingGroupMember(groupID: String, organisationID: String) async throws -> Bool {
        try await !rows(
            """
            DELETE FROM sharing_group_members WHERE group_id = \(groupID) AND organisation_id = \(organisationID)
            RETURNING 1
            """
        ).isEmpty
    }

    /// The organisation graph: the copy kept from an earlier read while the graph's generation
    /// (`directory_generation`, counted up by every change to it) is the same, else read again
    /// with its generation in one statement.
    public func sharingDirectory() async throws -> SharingDirectory {
        let generation = try await rows("SELECT n FROM directory_generation").first?.decode(Int64.self)
        if let generation, let copy = directoryCopy.withLock({ $0?.generation == generation ? $0?.directory : nil }) {
            return copy
        }
        var directory = SharingDirectory()
        var read: Int64 = -1
        let sql = "SELECT 'n', n::text, NULL FROM directory_generation UNION ALL " + OrganisationGraph.directorySQL
        for row in try await rows(PostgresQuery(unsafeSQL: sql)) {
            let (kind, key, value) = try row.decode((String, String, String?).self)
            if kind == "n" {
                read = Int64(key) ?? -1
            } else {
                OrganisationGraph.add(kind: kind, key: key, value: value, to: &directory)
            }
        }
        let current = directory
        directoryCopy.withLock { if ($0?.generation ?? -1) < read { $0 = (read, current) } }
        return directory
    }
}

extension PostgresStore {
    /// How statements for `scopes` write owner defaults: as one array of organisation ids per level
    /// when a scope holds many (``SQLFilter/OwnerNumbers/inSQL(defaults:)``, grouped once for the
    /// directory's defaults and kept while they are the same), else one lookup each.
    func owners(for scopes: [ReadScope?]) -> SQLFilter.OwnerNumbers? {
        guard SQLFilter.OwnerNumbers.needed(by: scopes) else { return nil }
        let defaults = scopes.compactMap { $0?.ownerDefaults }.max { $0.count < $1.count } ?? [:]
        if let copy = ownerListCopy.withLock({ $0?.defaults == defaults ? $0 : nil }) { return copy }
        let current = SQLFilter.OwnerNumbers.inSQL(defaults: defaults)
        ownerListCopy.withLock { $0 = current }
        return current
    }
}
