public import CybexCore
import GRDB

/// Organisations, their parents and default TLP levels, and sharing groups on SQLite. The one
/// writer serialises changes, so a parent check reads the graph it will change.
extension SQLiteStore {
    static let organisationColumns = "id, name, created_at, parent_id, default_tlp"

    static func organisation(from row: Row) -> Organisation {
        let tlp: String? = row[4]
        return Organisation(
            id: row[0], name: row[1], createdAt: row[2], parentID: row[3], defaultTLP: tlp.flatMap(TLPLevel.init(rawValue:)))
    }

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
            try Row.fetchOne(db, sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE id = ?", arguments: [id])
                .map(Self.organisation(from:))
        }
    }

    public func organisation(named name: String) async throws -> Organisation? {
        guard StoredText.isStorable(name) else { return nil }
        return try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE name = ?", arguments: [name]
            ).map(Self.organisation(from:))
        }
    }

    public func organisations() async throws -> [Organisation] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.organisationColumns) FROM organisations ORDER BY name")
                .map(Self.organisation(from:))
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
        try await read { db in try Self.sharingDirectory(db) }
    }

    static func sharingDirectory(_ db: Database) throws -> SharingDirectory {
        var directory = SharingDirectory()
        for row in try Row.fetchAll(db.cachedStatement(sql: OrganisationGraph.directorySQL)) {
            OrganisationGraph.add(kind: row[0], key: row[1], value: row[2], to: &directory)
        }
        return directory
    }
}
