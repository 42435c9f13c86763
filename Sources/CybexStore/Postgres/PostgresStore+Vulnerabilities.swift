public import CybexCore
import PostgresNIO

/// Inventories and remediation duties on PostgreSQL (``VulnerabilityStore``).
extension PostgresStore {
    public func inventory(of organisationID: String) async throws -> [InventoryItem]? {
        guard StoredText.isStorable(organisationID) else { return nil }
        // One statement: the organisation and its items of the same snapshot.
        var exists = false
        var items: [InventoryItem] = []
        for row in try await rows(
            """
            SELECT i.kind, i.value, i.note FROM organisations o
            LEFT JOIN inventory_items i ON i.organisation_id = o.id
            WHERE o.id = \(organisationID)
            """)
        {
            exists = true
            let (kind, value, note) = try row.decode((String?, String?, String?).self)
            if let kind = kind.flatMap(InventoryItem.Kind.init(rawValue:)), let value {
                items.append(InventoryItem(kind: kind, value: value, note: note))
            }
        }
        return exists ? items.sorted(by: InventoryItem.storedOrder) : nil
    }

    @discardableResult
    public func updateInventory(
        of organisationID: String, with items: [InventoryItem], replacing: Bool,
        audit: @escaping @Sendable (InventoryChange) -> [AuditEvent]
    ) async throws -> InventoryChange {
        try StoredText.require(organisationID, "organisation id")
        for item in items { try StoredText.require([(item.value, "inventory item"), (item.note, "inventory note")]) }
        return try await transaction { connection in
            // The organisation row's lock makes concurrent changes of one inventory take turns.
            guard
                try await connection.query(
                    "SELECT 1 FROM organisations WHERE id = \(organisationID) FOR UPDATE", logger: logger
                ).collect().first != nil
            else { throw StoreError(.notFound, "no organisation with id \(organisationID)") }
            var old: Set<InventoryItem.Key> = []
            for try await (kind, value) in try await connection.query(
                "SELECT kind, value FROM inventory_items WHERE organisation_id = \(organisationID)", logger: logger
            ).decode((String, String).self) {
                if let kind = InventoryItem.Kind(rawValue: kind) { old.insert(InventoryItem.Key(kind: kind, value: value)) }
            }
            let new = Set(items.map(\.key))
            let gone = replacing ? Array(old.subtracting(new)) : []
            let total = (replacing ? new : old.union(new)).count
            guard total <= InventoryItem.maxItems else {
                throw StoreError(.invalidArgument, "an inventory holds at most \(InventoryItem.maxItems) items, not \(total)")
            }
            for start in stride(from: 0, to: gone.count, by: 10_000) {
                let chunk = gone[start..<min(start + 10_000, gone.count)]
                var binds = PostgresBindings()
                binds.append(organisationID)
                binds.append(chunk.map(\.kind.rawValue))
                binds.append(chunk.map(\.value))
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            DELETE FROM inventory_items i USING unnest($2::text[], $3::text[]) AS u(k, v)
                            WHERE i.organisation_id = $1 AND i.kind = u.k AND i.value = u.v
                            """, binds: binds), logger: logger)
            }
            // The last of repeated items gives the note, as on SQLite.
            var unique: [InventoryItem.Key: InventoryItem] = [:]
            for item in items { unique[item.key] = item }
            let kept = Array(unique.values)
            for start in stride(from: 0, to: kept.count, by: 10_000) {
                let chunk = kept[start..<min(start + 10_000, kept.count)]
                var binds = PostgresBindings()
                binds.append(organisationID)
                binds.append(chunk.map(\.kind.rawValue))
                binds.append(chunk.map(\.value))
                binds.append(chunk.map { $0.note ?? "" })
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO inventory_items (organisation_id, kind, value, note)
                            SELECT $1, k, v, NULLIF(n, '') FROM unnest($2::text[], $3::text[], $4::text[]) AS u(k, v, n)
                            ORDER BY k, v
                            ON CONFLICT (organisation_id, kind, value) DO UPDATE SET note = excluded.note
                            """, binds: binds), logger: logger)
            }
            let change = InventoryChange(added: new.subtracting(old).count, removed: gone.count, total: total)
            try await Self.appendAudit(audit(change), on: connection, logger: logger)
            return change
        }
    }

    public func organisationsWithInventory() async throws -> [String] {
        try await rows("SELECT DISTINCT organisation_id FROM inventory_items ORDER BY organisation_id").map {
            try $0.decode(String.self)
        }
    }

    public func remediations(organisationID: String?) async throws -> [RemediationRecord] {
        let found =
            if let organisationID {
                try await rows("SELECT body FROM remediations WHERE organisation_id = \(organisationID) ORDER BY due, id")
            } else {
                try await rows("SELECT body FROM remediations ORDER BY due, id")
            }
        return try found.map { try JSONColumns.decode(RemediationRecord.self, try $0.decode(String.self)) }
    }

    public func remediation(id: String) async throws -> RemediationRecord? {
        guard StoredText.isStorable(id) else { return nil }
        return try await rows("SELECT body FROM remediations WHERE id = \(id)").first.map {
            try JSONColumns.decode(RemediationRecord.self, try $0.decode(String.self))
        }
    }

    public func saveRemediations(created: [RemediationRecord], updated: [RemediationRecord], audit: [AuditEvent])
        async throws
    {
        let createdBodies = try created.map { ($0, try JSONColumns.encode($0)) }
        let updatedBodies = try updated.map { ($0, try JSONColumns.encode($0)) }
        try await transaction { connection in
            for (record, body) in createdBodies {
                try await connection.query(
                    """
                    INSERT INTO remediations (id, organisation_id, vulnerability_id, status, due, revision, body)
                    VALUES (\(record.id), \(record.organisationID), \(record.vulnerabilityID), \(record.status.rawValue),
                        \(record.due), \(record.revision), \(body))
                    """, logger: logger)
            }
            for (record, body) in updatedBodies {
                let previous = record.revision - 1
                let changed = try await connection.query(
                    """
                    UPDATE remediations SET status = \(record.status.rawValue), due = \(record.due),
                        revision = \(record.revision), body = \(body)
                    WHERE id = \(record.id) AND revision = \(previous) RETURNING id
                    """, logger: logger
                ).collect()
                if changed.isEmpty {
                    let exists = try await !connection.query(
                        "SELECT 1 FROM remediations WHERE id = \(record.id)", logger: logger
                    ).collect().isEmpty
                    throw exists
                        ? StoreError(.conflict, "remediation \(record.id) was changed meanwhile; read it again")
                        : StoreError(.notFound, "no remediation with id \(record.id)")
                }
            }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    // MARK: Reference catalogues

    public func replaceReferenceCatalogue(_ name: String, entries: [String: String], audit: [AuditEvent]) async throws {
        try StoredText.require(name, "catalogue name")
        for (entry, value) in entries { try StoredText.require([(entry, "catalogue entry"), (value, "catalogue value")]) }
        let pairs = Array(entries)
        try await transaction { connection in
            try await connection.query("DELETE FROM reference_catalogues WHERE catalogue = \(name)", logger: logger)
            for start in stride(from: 0, to: pairs.count, by: 10_000) {
                let chunk = pairs[start..<min(start + 10_000, pairs.count)]
                var binds = PostgresBindings()
                binds.append(name)
                binds.append(chunk.map(\.key))
                binds.append(chunk.map(\.value))
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO reference_catalogues (catalogue, entry, value)
                            SELECT $1, e, v FROM unnest($2::text[], $3::text[]) AS u(e, v)
                            """, binds: binds), logger: logger)
            }
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func referenceCatalogue(_ name: String) async throws -> [String: String] {
        var entries: [String: String] = [:]
        for row in try await rows("SELECT entry, value FROM reference_catalogues WHERE catalogue = \(name)") {
            let (entry, value) = try row.decode((String, String).self)
            entries[entry] = value
        }
        return entries
    }

    public func referenceCatalogueSizes() async throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for row in try await rows("SELECT catalogue, COUNT(*) FROM reference_catalogues GROUP BY catalogue") {
            let (name, count) = try row.decode((String, Int64).self)
            sizes[name] = Int(count)
        }
        return sizes
    }

    // MARK: Published CSAF advisories

    public func publishAdvisory(_ advisory: PublishedAdvisory, audit: [AuditEvent]) async throws {
        try StoredText.require(
            [(advisory.reportID, "report id"), (advisory.path, "path"), (advisory.trackingID, "tracking id")])
        let document = ByteBuffer(bytes: advisory.document)
        try await transaction { connection in
            // The report's row (when there is one) is locked: two publications of one advisory take turns.
            var stored: Int64?
            for try await release in try await connection.query(
                "SELECT current_release FROM csaf_documents WHERE report_id = \(advisory.reportID) FOR UPDATE", logger: logger
            ).decode(Int64.self) {
                stored = release
            }
            if let stored {
                guard stored < advisory.currentRelease else {
                    throw StoreError(.conflict, "a release of \(advisory.trackingID) as new or newer is published")
                }
                try await connection.query("DELETE FROM csaf_documents WHERE report_id = \(advisory.reportID)", logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO csaf_documents (report_id, collection_id, owner_id, tlp, path, tracking_id, current_release,
                    sha256, sha512, published, document)
                VALUES (\(advisory.reportID), \(advisory.collectionID), \(advisory.ownerID), \(advisory.tlp), \(advisory.path),
                    \(advisory.trackingID), \(advisory.currentRelease), \(advisory.sha256), \(advisory.sha512),
                    \(advisory.published), \(document))
                """, logger: logger)
            try await Self.appendAudit(audit, on: connection, logger: logger)
        }
    }

    public func publishedAdvisories() async throws -> [PublishedAdvisory] {
        try await rows(
            """
            SELECT report_id, collection_id, owner_id, tlp, path, tracking_id, current_release, sha256, sha512, published
            FROM csaf_documents ORDER BY current_release DESC, path
            """
        ).map { row in
            let (report, collection, owner, tlp, path, tracking, release, sha256, sha512, published) = try row.decode(
                (String, String, String, String, String, String, Int64, String, String, Int64).self)
            return PublishedAdvisory(
                reportID: report, collectionID: collection, ownerID: owner, tlp: tlp, path: path, trackingID: tracking,
                currentRelease: release, sha256: sha256, sha512: sha512, published: published, document: [])
        }
    }

    public func publishedAdvisory(tlp: String, path: String) async throws -> PublishedAdvisory? {
        guard StoredText.isStorable(tlp), StoredText.isStorable(path) else { return nil }
        return try await rows(
            """
            SELECT report_id, collection_id, owner_id, tlp, path, tracking_id, current_release, sha256, sha512, published, document
            FROM csaf_documents WHERE tlp = \(tlp) AND path = \(path)
            """
        ).first.map { row in
            let (report, collection, owner, tlp, path, tracking, release, sha256, sha512, published, document) = try row.decode(
                (String, String, String, String, String, String, Int64, String, String, Int64, ByteBuffer).self)
            return PublishedAdvisory(
                reportID: report, collectionID: collection, ownerID: owner, tlp: tlp, path: path, trackingID: tracking,
                currentRelease: release, sha256: sha256, sha512: sha512, published: published,
                document: document.getBytes(at: document.readerIndex, length: document.readableBytes) ?? [])
        }
    }
}
