public import CybexCore
import GRDB
import GRDBSQLite

/// Organisations, their parents and default TLP levels, and sharing groups on SQLite. The one
/// writer serialises changes, so a parent check reads the graph it will change.
extension SQLiteStore {
    static let organisationColumns = "id, name, created_at, parent_id, default_tlp"

    public func createOrganisation(_ organisation: Organisation) async throws {
        try StoredText.require([
            (organisation.id, "organisation id"), (organisation.name, "organisation name"), (organisation.parentID, "parent id"),
        ])
        try await write { db in
            try OrganisationGraph.checkParent(organisation.parentID, of: organisation.id, parents: [:])
            try db.execute(
                sql: "INSERT INTO organisations (\(Self.organisationColumns)) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    organisation.id, organisation.name, organisation.createdAt, organisation.parentID,
                    organisation.defaultTLP?.rawValue,
                ])
        }
    }

    public func organisation(id: String) async throws -> Organisation? {
        guard StoredText.isStorable(id) else { return nil }
        return try await read { db in
            try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE id = ?"), arguments: [id],
                Self.organisationRow)
        }
    }

    public func organisation(named name: String) async throws -> Organisation? {
        guard StoredText.isStorable(name) else { return nil }
        return try await read { db in
            try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE name = ?"),
                arguments: [name], Self.organisationRow)
        }
    }

    public func organisations() async throws -> [Organisation] {
        try await read { db in
            try SQLiteRawRows.all(
                db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations ORDER BY name"),
                Self.organisationRow)
        }
    }

    public func setOrganisationParent(id: String, parentID: String?) async throws {
        try await write { db in
            var parents: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, parent_id FROM organisations WHERE parent_id IS NOT NULL") {
                parents[row[0]] = row[1]
            }
            try OrganisationGraph.checkParent(parentID, of: id, parents: parents)
            try db.execute(sql: "UPDATE organisations SET parent_id = ? WHERE id = ?", arguments: [parentID, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "no organisation with id \(id)") }
        }
    }

    public func setOrganisationDefaultTLP(id: String, tlp: TLPLevel?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE organisations SET default_tlp = ? WHERE id = ?", arguments: [tlp?.rawValue, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "no organisation with id \(id)") }
        }
    }

    // MARK: Profiles

    public func organisationProfile(id: String) async throws -> OrganisationProfile? {
        guard StoredText.isStorable(id) else { return nil }
        return try await read { db in try Self.organisationProfile(id: id, db) }
    }

    public func updateOrganisationProfile(
        id: String, _ change: @escaping @Sendable (OrganisationProfile) throws -> OrganisationProfile,
        audit: (@Sendable (_ old: OrganisationProfile, _ new: OrganisationProfile) -> [AuditEvent])?
    ) async throws -> OrganisationProfile {
        try StoredText.require(id, "organisation id")
        // The one writer serialises updates: the profile read here is the one replaced.
        return try await write { db in
            guard let old = try Self.organisationProfile(id: id, db) else {
                throw StoreError(.notFound, "no organisation with id \(id)")
            }
            let new = try change(old)
            try OrganisationProfileColumns.requireStorable(new)
            try db.execute(
                sql: "UPDATE organisations SET sectors = ?, country = ?, ecosystem_roles = ? WHERE id = ?",
                arguments: [
                    OrganisationProfileColumns.encode(new.sectors), new.country, OrganisationProfileColumns.encode(new.roles), id,
                ])
            try db.execute(sql: "DELETE FROM organisation_contacts WHERE organisation_id = ?", arguments: [id])
            for contact in new.contacts {
                try db.execute(
                    sql: "INSERT INTO organisation_contacts (organisation_id, kind, email, phone, url) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, contact.kind.rawValue, contact.email, contact.phone, contact.url])
            }
            if let audit { try Self.appendAudit(audit(old, new), db) }
            return new
        }
    }

    static func organisationProfile(id: String, _ db: Database) throws -> OrganisationProfile? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT sectors, country, ecosystem_roles FROM organisations WHERE id = ?", arguments: [id])
        else { return nil }
        let contacts = try Row.fetchAll(
            db, sql: "SELECT kind, email, phone, url FROM organisation_contacts WHERE organisation_id = ?", arguments: [id]
        ).compactMap { row -> OrganisationContact? in
            guard let kind = ContactKind(rawValue: row[0]) else { return nil }
            return OrganisationContact(kind: kind, email: row[1], phone: row[2], url: row[3])
        }
        return OrganisationProfileColumns.profile(sectors: row[0], country: row[1], roles: row[2], contacts: contacts)
    }

    // MARK: Sharing groups

    public func createSharingGroup(_ group: SharingGroup) async throws {
        try StoredText.require(
            [(group.id, "sharing group id"), (group.name, "sharing group name")] + group.members.map { ($0, "member id") })
        try await write { db in
            try db.execute(
                sql: "INSERT INTO sharing_groups (id, name, created_at) VALUES (?, ?, ?)",
                arguments: [group.id, group.name, group.createdAt])
            for member in Set(group.members) {
                try db.execute(
                    sql: "INSERT INTO sharing_group_members (group_id, organisation_id) VALUES (?, ?)",
                    arguments: [group.id, member])
            }
        }
    }

    public func sharingGroups() async throws -> [SharingGroup] {
        try await read { db in
            var groups: [SharingGroup] = []
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT g.id, g.name, g.created_at, m.organisation_id
                    FROM sharing_groups g LEFT JOIN sharing_group_members m ON m.group_id = g.id
                    ORDER BY g.name, g.id, m.organisation_id
                    """)
            {
                let id: String = row[0]
                if groups.last?.id != id { groups.append(SharingGroup(id: id, name: row[1], createdAt: row[2])) }
                if let member: String = row[3] { groups[groups.count - 1].members.append(member) }
            }
            return groups
        }
    }

    public func addSharingGroupMember(groupID: String, organisationID: String) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO sharing_group_members (group_id, organisation_id) VALUES (?, ?)",
                arguments: [groupID, organisationID])
        }
    }

    public func removeSharingGroupMember(groupID: String, organisationID: String) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM sharing_group_members WHERE group_id = ? AND organisation_id = ?",
                arguments: [groupID, organisationID])
            return db.changesCount > 0
        }
    }

    public func sharingDirectory() async throws -> SharingDirectory {
        try await read { db in try self.sharingDirectory(current: db) }
    }

    static func sharingDirectory(_ db: Database) throws -> SharingDirectory {
        var directory = SharingDirectory()
        let rows = try SQLiteRawRows(db.cachedStatement(sql: OrganisationGraph.directorySQL), arguments: [])
        while let row = try rows.next() {
            OrganisationGraph.add(kind: text(row, 0), key: text(row, 1), value: optionalText(row, 2), to: &directory)
        }
        return directory
    }
}
