public import CybexCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The embedded store: one SQLite file in WAL mode, one writer, concurrent readers.
///
/// ```swift
/// let store = try SQLiteStore(path: "cybex-data/cybex.sqlite")
/// try await store.migrate()
/// ```
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// Connections for the small reads of every request (``SQLitePointReaders``).
    let pointReaders: SQLitePointReaders
    /// When the WAL is checkpointed (after a long commit, beside what follows it).
    let checkpoints: SQLiteCheckpoints
    /// The organisations' numbers as last read (``ownerNumbers(for:_:)``).
    let ownerNumberCopy = Mutex(SQLFilter.OwnerNumbers(highest: -1, numbers: [:]))
    /// The organisation graph as last read, with its generation (``sharingDirectory(current:)``).
    let directoryCopy = Mutex<(generation: Int64, directory: SharingDirectory)?>(nil)
    public let path: String

    /// Opens (creating if needed) the database file at `path`.
    public convenience init(path: String) throws {
        try self.init(path: path, checkpointAfter: SQLiteCheckpoints.threshold)
    }

    /// Opens the database file at `path`, checkpointing the WAL after a commit that leaves more
    /// than `frames` pages in it (tests lower it).
    init(path: String, checkpointAfter frames: Int32) throws {
        var configuration = Configuration()
        let checkpoints = SQLiteCheckpoints(threshold: frames)
        configuration.busyMode = .timeout(30)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Page cache: 64 MiB for the one writer, 16 MiB for each reader (memory stays bounded
            // whatever the store's size).
            try db.execute(sql: db.configuration.readonly ? "PRAGMA cache_size = -16384" : "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // After a checkpoint, the WAL file shrinks back to 64 MiB at most instead of keeping the
            // size of the largest transaction it ever held (a one-transaction import of a million
            // objects writes gigabytes).
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // The writer checkpoints after a long commit, not inside it (``SQLiteCheckpoints``).
            if !db.configuration.readonly { checkpoints.install(on: db) }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.backend, "cannot open SQLite database at \(path): \(error)")
        }
        self.path = path
        self.checkpoints = checkpoints
        pointReaders = SQLitePointReaders(path: path, limit: max(2, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Checkpoints the whole WAL into the database and truncates it to nothing, then closes: a
    /// store that was closed leaves no WAL behind at the size of its last transactions.
    public func close() async throws {
        pointReaders.close()
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }

    // MARK: Migrations

    public func schemaVersion() async throws -> Int {
        try await read { db in try Self.currentVersion(db) }
    }

    static func currentVersion(_ db: Database) throws -> Int {
        guard try db.tableExists("schema_migrations") else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0
    }

    public func migrate() async throws {
        let rewritten = try await pool.write { db -> Bool in
            try db.execute(
                sql: "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            let current = try Self.currentVersion(db)
            let newest = SQLiteSchema.migrations.last?.version ?? 0
            if current > newest {
                throw StoreError(
                    .schemaTooNew,
                    "the database is at schema version \(current), newer than this cybex (\(newest)); upgrade cybex")
            }
            // Every step not yet recorded, in order: numbers may have gaps, and a step numbered
            // below the newest applied one (merged from another branch) still runs.
            let applied = Set(try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations"))
            for step in SQLiteSchema.migrations where !applied.contains(step.version) {
                for statement in step.statements { try db.execute(sql: statement) }
                if step.version == AuditChain.schemaVersion { try Self.chainExistingAuditEntries(db) }
                if step.version == SQLiteSchema.observableIndex { try Self.moveObservablesToIndex(db) }
                if step.version == SQLiteSchema.referenceEdges { try Self.deriveReferenceEdges(db) }
                if step.version == SQLiteSchema.vulnerabilityIndex { try Self.indexStoredVulnerabilities(db) }
                try db.execute(
                    sql: "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    arguments: [step.version, SystemWallClock.nowMicroseconds()])
            }
            return !applied.isEmpty && SQLiteSchema.rewritingSteps.contains { !applied.contains($0) }
        }
        if rewritten {
            // A step that copied the object tables left the old pages free inside the file: give
            // them back (measured: a million objects' store was 1.19 GB before step 12, 1.74 GB
            // after it and 0.71 GB after this, which took 6 s). Another process holding the store
            // open makes it fail; the free pages are then reused by later writes instead.
            try? await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            let result = try await pool.write(body)
            checkpoints.afterWrite(on: pool)
            return result
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.conflict, error.message ?? "constraint violated")
        } catch let error as DatabaseError {
            throw StoreError(.backend, "SQLite: \(error.message ?? error.description)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError(.backend, "SQLite: \(error.message ?? error.description)")
        }
    }

    // MARK: Users

    static let userColumns = "id, username, organisation_id, role, password_hash, disabled, created_at"

    public func createUser(_ user: User) async throws {
        try StoredText.require([
            (user.id, "user id"), (user.username, "username"), (user.organisationID, "organisation id"),
            (user.passwordHash, "password hash"),
        ])
        try await write { db in
            try db.execute(
                sql: "INSERT INTO users (\(Self.userColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    user.id, user.username, user.organisationID, user.role.rawValue, user.passwordHash, user.disabled,
                    user.createdAt,
                ])
        }
    }

    public func user(id: String) async throws -> User? {
        guard StoredText.isStorable(id) else { return nil }
        return try await read { db in
            try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM users WHERE id = ?"), arguments: [id], Self.userRow)
        }
    }

    public func user(named username: String) async throws -> User? {
        guard StoredText.isStorable(username) else { return nil }
        return try await pointRead { db in
            try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM users WHERE username = ?"), arguments: [username],
                Self.userRow)
        }
    }

    public func userWithOrganisation(named username: String) async throws -> (User, Organisation?)? {
        guard StoredText.isStorable(username) else { return nil }
        return try await pointRead { db in
            // Every signed-in request runs these: prepared once per connection.
            guard
                let user = try SQLiteRawRows.first(
                    db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM users WHERE username = ?"), arguments: [username],
                    Self.userRow)
            else { return nil }
            let organisation = try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE id = ?"),
                arguments: [user.organisationID], Self.organisationRow)
            return (user, organisation)
        }
    }

    public func users() async throws -> [User] {
        try await read { db in
            try SQLiteRawRows.all(
                db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM users ORDER BY username"), Self.userRow)
        }
    }

    public func userCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "no user with id \(id)") }
        }
    }

    public func setUserPassword(id: String, passwordHash: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [passwordHash, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "no user with id \(id)") }
        }
    }

    // MARK: Tokens

    static let tokenColumns = "id, user_id, secret_hash, created_at, expires_at, revoked_at, scopes"

    static func token(from row: Row) -> APIToken {
        APIToken(
            id: row[0], userID: row[1], secretHash: row[2], createdAt: row[3], expiresAt: row[4], revokedAt: row[5],
            scopes: TokenScope.decode(row[6]))
    }

    public func createToken(_ token: APIToken) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO api_tokens (\(Self.tokenColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    token.id, token.userID, token.secretHash, token.createdAt, token.expiresAt, token.revokedAt,
                    TokenScope.encode(token.scopes),
                ])
        }
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await pointRead { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.tokenColumns) FROM api_tokens WHERE secret_hash = ?"),
                arguments: [secretHash]
            )
            .map(Self.token(from:))
        }
    }

    public func tokens(userID: String?) async throws -> [APIToken] {
        try await read { db in
            if let userID {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.tokenColumns) FROM api_tokens WHERE user_id = ? ORDER BY created_at",
                    arguments: [userID]
                ).map(Self.token(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.tokenColumns) FROM api_tokens ORDER BY created_at").map(
                Self.token(from:))
        }
    }

    public func revokeToken(id: String, at time: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time, id])
            return db.changesCount > 0
        }
    }

    // MARK: Collections

    public func createCollection(_ collection: CollectionRecord) async throws {
        try StoredText.require([
            (collection.id, "collection id"), (collection.title, "collection title"),
            (collection.description, "collection description"), (collection.alias, "collection alias"),
        ])
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO collections (id, title, description, alias, created_at, default_tlp, sharing_group_id, public)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    collection.id, collection.title, collection.description, collection.alias, collection.createdAt,
                    collection.defaultTLP?.rawValue, collection.sharingGroupID, collection.isPublic,
                ])
            for org in Set(collection.readers).union(collection.writers) {
                try db.execute(
                    sql:
                        "INSERT INTO collection_access (collection_id, organisation_id, can_read, can_write) VALUES (?, ?, ?, ?)",
                    arguments: [collection.id, org, collection.readers.contains(org), collection.writers.contains(org)])
            }
        }
    }

    public func collection(id: String) async throws -> CollectionRecord? {
        guard StoredText.isStorable(id) else { return nil }
        return try await read { db in
            guard
                var record = try SQLiteRawRows.first(
                    db.cachedStatement(sql: "\(Self.collectionColumns) WHERE id = ?"), arguments: [id], Self.collectionRow)
            else { return nil }
            try Self.addAccess(to: &record, db)
            return record
        }
    }

    public func collectionWithDirectory(id: String) async throws -> (CollectionRecord, SharingDirectory)? {
        guard StoredText.isStorable(id) else { return nil }
        return try await pointRead { db in
            // Every collection request runs these: prepared once per connection.
            guard
                var record = try SQLiteRawRows.first(
                    db.cachedStatement(sql: "\(Self.collectionColumns) WHERE id = ?"), arguments: [id], Self.collectionRow)
            else {
                return nil
            }
            try Self.addAccess(to: &record, db)
            return (record, try self.sharingDirectory(current: db))
        }
    }

    public func collectionsWithDirectory() async throws -> ([CollectionRecord], SharingDirectory) {
        try await read { db in
            (try Self.allCollections(db), try self.sharingDirectory(current: db))
        }
    }

    public func collections() async throws -> [CollectionRecord] {
        try await read { db in
            try Self.allCollections(db)
        }
    }

    static let collectionColumns =
        "SELECT id, title, description, alias, created_at, default_tlp, sharing_group_id, public FROM collections"

    /// Every collection with its access lists, oldest first.
    static func allCollections(_ db: Database) throws -> [CollectionRecord] {
        var records = try SQLiteRawRows.all(
            db.cachedStatement(sql: "\(collectionColumns) ORDER BY created_at, id"), collectionRow)
        for index in records.indices { try addAccess(to: &records[index], db) }
        return records
    }

    /// A collection from the current row of ``collectionColumns``, without its access lists.
    static func collectionRow(_ row: SQLiteStatement) -> CollectionRecord {
        CollectionRecord(
            id: text(row, 0), title: text(row, 1), description: optionalText(row, 2), alias: optionalText(row, 3),
            createdAt: sqlite3_column_int64(row, 4), defaultTLP: optionalText(row, 5).flatMap(TLPLevel.init(rawValue:)),
            sharingGroupID: optionalText(row, 6), isPublic: sqlite3_column_int64(row, 7) != 0)
    }

    /// Adds the organisations that may read and write `record` (its `collection_access` rows).
    static func addAccess(to record: inout CollectionRecord, _ db: Database) throws {
        let rows = try SQLiteRawRows(
            db.cachedStatement(
                sql:
                    "SELECT organisation_id, can_read, can_write FROM collection_access WHERE collection_id = ? ORDER BY organisation_id"
            ),
            arguments: [record.id])
        while let access = try rows.next() {
            let organisation = text(access, 0)
            if sqlite3_column_int64(access, 1) != 0 { record.readers.append(organisation) }
            if sqlite3_column_int64(access, 2) != 0 { record.writers.append(organisation) }
        }
    }

    // MARK: Status

    public func saveStatus(_ status: StoredStatus) async throws {
        try await write { db in try Self.saveStatus(status, db) }
    }

    /// Stores a status resource in the caller's transaction.
    static func saveStatus(_ status: StoredStatus, _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO statuses (id, user_id, created_at, json) VALUES (?, ?, ?, ?)",
            arguments: [status.id, status.userID, status.createdAt, Data(status.json)])
    }

    public func status(id: String) async throws -> StoredStatus? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT id, user_id, created_at, json FROM statuses WHERE id = ?", arguments: [id])
            else { return nil }
            return StoredStatus(id: row[0], userID: row[1], createdAt: row[2], json: [UInt8](row[3] as Data))
        }
    }
}

extension SQLiteStore {
    /// The organisations' numbers, current in `db`'s transaction, when one of `scopes` holds more
    /// owner defaults than ``SQLFilter/OwnerNumbers/threshold`` (nil otherwise: the statement then
    /// looks each one up itself). Numbers are only ever added, so the highest one read in the same
    /// transaction tells whether the copy kept from an earlier read is current.
    func ownerNumbers(for scopes: [ReadScope?], _ db: Database) throws -> SQLFilter.OwnerNumbers? {
        guard SQLFilter.OwnerNumbers.needed(by: scopes) else { return nil }
        let highest =
            try SQLiteRawRows.first(
                db.cachedStatement(sql: "SELECT COALESCE(MAX(num), 0) FROM organisation_numbers"), arguments: []
            ) { sqlite3_column_int64($0, 0) } ?? 0
        // The scope's defaults (a directory's, the same storage request after request).
        let defaults = scopes.compactMap { $0?.ownerDefaults }.max { $0.count < $1.count } ?? [:]
        if let copy = ownerNumberCopy.withLock({ $0.highest == highest ? $0 : nil }) {
            if copy.defaults == defaults { return copy }
            let current = SQLFilter.OwnerNumbers(highest: highest, numbers: copy.numbers, defaults: defaults)
            ownerNumberCopy.withLock { if $0.highest <= highest { $0 = current } }
            return current
        }
        var numbers: [String: Int64] = [:]
        let rows = try SQLiteRawRows(db.cachedStatement(sql: "SELECT id, num FROM organisation_numbers"), arguments: [])
        while let row = try rows.next() { numbers[Self.text(row, 0)] = sqlite3_column_int64(row, 1) }
        let current = SQLFilter.OwnerNumbers(highest: highest, numbers: numbers, defaults: defaults)
        ownerNumberCopy.withLock { if $0.highest < highest { $0 = current } }
        return current
    }
}

extension SQLiteStore {
    /// The organisation graph as `db`'s transaction sees it: the copy kept from an earlier read
    /// when the graph's generation (`directory_generation`, counted up by every change to it) is
    /// the same, else read again, and kept when it is newer than the copy.
    func sharingDirectory(current db: Database) throws -> SharingDirectory {
        let generation =
            try SQLiteRawRows.first(db.cachedStatement(sql: "SELECT n FROM directory_generation"), arguments: []) {
                sqlite3_column_int64($0, 0)
            } ?? -1
        if let copy = directoryCopy.withLock({ $0?.generation == generation ? $0?.directory : nil }) { return copy }
        let directory = try Self.sharingDirectory(db)
        directoryCopy.withLock { if ($0?.generation ?? -1) < generation { $0 = (generation, directory) } }
        return directory
    }
}
