public import CybexCore
import Foundation
import GRDB

/// Inventories and remediation duties on SQLite (``VulnerabilityStore``).
extension SQLiteStore {
    public func inventory(of organisationID: String) async throws -> [InventoryItem]? {
        guard StoredText.isStorable(organisationID) else { return nil }
        return try await read { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM organisations WHERE id = ?", arguments: [organisationID]) != nil
            else { return nil }
            return try Self.inventory(of: organisationID, db)
        }
    }

    static func inventory(of organisationID: String, _ db: Database) throws -> [InventoryItem] {
        try Row.fetchAll(
            db, sql: "SELECT kind, value, note FROM inventory_items WHERE organisation_id = ?", arguments: [organisationID]
        ).compactMap { row -> InventoryItem? in
            guard let kind = InventoryItem.Kind(rawValue: row[0]) else { return nil }
            return InventoryItem(kind: kind, value: row[1], note: row[2])
        }.sorted(by: InventoryItem.storedOrder)
    }

    @discardableResult
    public func updateInventory(
        of organisationID: String, with items: [InventoryItem], replacing: Bool,
        audit: @escaping @Sendable (InventoryChange) -> [AuditEvent]
    ) async throws -> InventoryChange {
        try StoredText.require(organisationID, "organisation id")
        for item in items { try StoredText.require([(item.value, "inventory item"), (item.note, "inventory note")]) }
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM organisations WHERE id = ?", arguments: [organisationID]) != nil
            else { throw StoreError(.notFound, "no organisation with id \(organisationID)") }
            var old: Set<InventoryItem.Key> = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT kind, value FROM inventory_items WHERE organisation_id = ?", arguments: [organisationID])
            while let row = try rows.next() {
                if let kind = InventoryItem.Kind(rawValue: row[0]) { old.insert(InventoryItem.Key(kind: kind, value: row[1])) }
            }
            let new = Set(items.map(\.key))
            var removed = 0
            if replacing {
                let delete = try db.cachedStatement(
                    sql: "DELETE FROM inventory_items WHERE organisation_id = ? AND kind = ? AND value = ?")
                for key in old.subtracting(new) {
                    try delete.execute(arguments: [organisationID, key.kind.rawValue, key.value])
                    removed += 1
                }
            }
            let total = (replacing ? new : old.union(new)).count
            guard total <= InventoryItem.maxItems else {
                throw StoreError(.invalidArgument, "an inventory holds at most \(InventoryItem.maxItems) items, not \(total)")
            }
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO inventory_items (organisation_id, kind, value, note) VALUES (?, ?, ?, ?)
                    ON CONFLICT (organisation_id, kind, value) DO UPDATE SET note = excluded.note
                    """)
            for item in items { try upsert.execute(arguments: [organisationID, item.kind.rawValue, item.value, item.note]) }
            let change = InventoryChange(added: new.subtracting(old).count, removed: removed, total: total)
            try Self.appendAudit(audit(change), db)
            return change
        }
    }

    public func organisationsWithInventory() async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT organisation_id FROM inventory_items ORDER BY organisation_id")
        }
    }

    public func remediations(organisationID: String?) async throws -> [RemediationRecord] {
        let bodies = try await read { db in
            if let organisationID {
                return try String.fetchAll(
                    db, sql: "SELECT body FROM remediations WHERE organisation_id = ? ORDER BY due, id",
                    arguments: [organisationID])
            }
            return try String.fetchAll(db, sql: "SELECT body FROM remediations ORDER BY due, id")
        }
        return try bodies.map { try JSONColumns.decode(RemediationRecord.self, $0) }
    }

    public func remediation(id: String) async throws -> RemediationRecord? {
        guard StoredText.isStorable(id) else { return nil }
        let body = try await read { db in
            try String.fetchOne(db, sql: "SELECT body FROM remediations WHERE id = ?", arguments: [id])
        }
        return try body.map { try JSONColumns.decode(RemediationRecord.self, $0) }
    }

    public func saveRemediations(created: [RemediationRecord], updated: [RemediationRecord], audit: [AuditEvent])
        async throws
    {
        let createdBodies = try created.map { ($0, try JSONColumns.encode($0)) }
        let updatedBodies = try updated.map { ($0, try JSONColumns.encode($0)) }
        try await write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO remediations (id, organisation_id, vulnerability_id, status, due, revision, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for (record, body) in createdBodies {
                do {
                    try insert.execute(arguments: [
                        record.id, record.organisationID, record.vulnerabilityID, record.status.rawValue, record.due,
                        record.revision, body,
                    ])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError(.conflict, "a remediation for \(record.vulnerabilityID) of \(record.organisationID) exists")
                }
            }
            let update = try db.cachedStatement(
                sql: "UPDATE remediations SET status = ?, due = ?, revision = ?, body = ? WHERE id = ? AND revision = ?")
            for (record, body) in updatedBodies {
                try update.execute(arguments: [
                    record.status.rawValue, record.due, record.revision, body, record.id, record.revision - 1,
                ])
                if db.changesCount == 0 {
                    let exists =
                        try Bool.fetchOne(db, sql: "SELECT 1 FROM remediations WHERE id = ?", arguments: [record.id]) ?? false
                    throw exists
                        ? StoreError(.conflict, "remediation \(record.id) was changed meanwhile; read it again")
                        : StoreError(.notFound, "no remediation with id \(record.id)")
                }
            }
            try Self.appendAudit(audit, db)
        }
    }

    // MARK: Reference catalogues

    public func replaceReferenceCatalogue(_ name: String, entries: [String: String], audit: [AuditEvent]) async throws {
        try StoredText.require(name, "catalogue name")
        for (entry, value) in entries { try StoredText.require([(entry, "catalogue entry"), (value, "catalogue value")]) }
        try await write { db in
            try db.execute(sql: "DELETE FROM reference_catalogues WHERE catalogue = ?", arguments: [name])
            let insert = try db.cachedStatement(
                sql: "INSERT INTO reference_catalogues (catalogue, entry, value) VALUES (?, ?, ?)")
            for (entry, value) in entries { try insert.execute(arguments: [name, entry, value]) }
            try Self.appendAudit(audit, db)
        }
    }

    public func referenceCatalogue(_ name: String) async throws -> [String: String] {
        try await read { db in
            var entries: [String: String] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT entry, value FROM reference_catalogues WHERE catalogue = ?", arguments: [name])
            while let row = try rows.next() { entries[row[0]] = row[1] }
            return entries
        }
    }

    public func referenceCatalogueSizes() async throws -> [String: Int] {
        try await read { db in
            var sizes: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT catalogue, COUNT(*) FROM reference_catalogues GROUP BY catalogue") {
                sizes[row[0]] = row[1]
            }
            return sizes
        }
    }

    // MARK: Published CSAF advisories

    public func publishAdvisory(_ advisory: PublishedAdvisory, audit: [AuditEvent]) async throws {
        try StoredText.require(
            [(advisory.reportID, "report id"), (advisory.path, "path"), (advisory.trackingID, "tracking id")])
        try await write { db in
            if let stored = try Int64.fetchOne(
                db, sql: "SELECT current_release FROM csaf_documents WHERE report_id = ?", arguments: [advisory.reportID])
            {
                guard stored < advisory.currentRelease else {
                    throw StoreError(.conflict, "a release of \(advisory.trackingID) as new or newer is published")
                }
                try db.execute(sql: "DELETE FROM csaf_documents WHERE report_id = ?", arguments: [advisory.reportID])
            }
            if try Int.fetchOne(db, sql: "SELECT 1 FROM csaf_documents WHERE path = ?", arguments: [advisory.path]) != nil {
                throw StoreError(.conflict, "another advisory is published at \(advisory.path)")
            }
            try db.execute(
                sql: """
                    INSERT INTO csaf_documents (report_id, collection_id, owner_id, tlp, path, tracking_id, current_release,
                        sha256, sha512, published, document)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    advisory.reportID, advisory.collectionID, advisory.ownerID, advisory.tlp, advisory.path,
                    advisory.trackingID, advisory.currentRelease, advisory.sha256, advisory.sha512, advisory.published,
                    Data(advisory.document),
                ])
            try Self.appendAudit(audit, db)
        }
    }

    public func publishedAdvisories() async throws -> [PublishedAdvisory] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT report_id, collection_id, owner_id, tlp, path, tracking_id, current_release, sha256, sha512, published
                    FROM csaf_documents ORDER BY current_release DESC, path
                    """
            ).map { row in
                PublishedAdvisory(
                    reportID: row[0], collectionID: row[1], ownerID: row[2], tlp: row[3], path: row[4], trackingID: row[5],
                    currentRelease: row[6], sha256: row[7], sha512: row[8], published: row[9], document: [])
            }
        }
    }

    public func publishedAdvisory(tlp: String, path: String) async throws -> PublishedAdvisory? {
        guard StoredText.isStorable(tlp), StoredText.isStorable(path) else { return nil }
        return try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT report_id, collection_id, owner_id, tlp, path, tracking_id, current_release, sha256, sha512, published,
                        document
                    FROM csaf_documents WHERE tlp = ? AND path = ?
                    """, arguments: [tlp, path]
            ).map { row in
                PublishedAdvisory(
                    reportID: row[0], collectionID: row[1], ownerID: row[2], tlp: row[3], path: row[4], trackingID: row[5],
                    currentRelease: row[6], sha256: row[7], sha512: row[8], published: row[9], document: [UInt8](row[10] as Data))
            }
        }
    }
}
