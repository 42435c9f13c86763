public import CybexCore
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// The scale-out store: one PostgreSQL database shared by any number of `cybex` processes.
///
/// ```swift
/// let store = try await PostgresStore.connect(url: "postgres://cybex:secret@db.example:5432/cybex")
/// try await store.migrate()
/// // ...
/// try await store.close()
/// ```
///
/// Lifecycle: ``connect(url:logger:maximumConnections:connectTimeout:)`` creates a PostgresNIO
/// `PostgresClient` (a connection pool), starts its `run()` in a task the store owns, and checks
/// that the server answers; ``close()`` cancels that task and waits for the pool to shut down. The
/// store is therefore used exactly like ``SQLiteStore`` (open, use, close) by the server and by
/// one-shot CLI commands alike, and needs no `ServiceGroup` of its own. A server that has one
/// connects with `runsClient: false` and runs ``clientService`` in its group instead, which ends
/// the pool on graceful shutdown, after the services listed after it.
///
/// Behaviour is that of ``SQLiteStore``, held to the same contract suite. Writes of objects are
/// serialised on the row of the `clock` table (see ``addObjects(_:to:owner:)``), so that date
/// added is strictly increasing across processes and commit order is date-added order.
public final class PostgresStore: Store {
    let client: PostgresClient
    private let runTask: Task<Void, Never>?
    /// The organisation graph as last read, with its generation (``sharingDirectory()``).
    let directoryCopy = Mutex<(generation: Int64, directory: SharingDirectory)?>(nil)
    /// The owner lists of the last scope with many owner defaults (``owners(for:)``).
    let ownerListCopy = Mutex<SQLFilter.OwnerNumbers?>(nil)
    let logger: Logger
    /// The database URL without its password.
    public let location: String

    private init(client: PostgresClient, runTask: Task<Void, Never>?, logger: Logger, location: String) {
        self.client = client
        self.runTask = runTask
        self.logger = logger
        self.location = location
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database?sslmode=…`,
    /// see ``PostgresURL`` for the details), after checking with one direct connection that the
    /// server answers within `connectTimeout` and accepts the credentials. With `runsClient` false
    /// the connection pool waits for ``clientService`` to run (in the caller's `ServiceGroup`):
    /// queries wait until it does.
    ///
    /// - Throws: ``StoreError`` `.invalidConfiguration` for a malformed URL, `.backend` when the
    ///   server cannot be reached or refuses the connection (the message says why).
    public static func connect(
        url: String, logger: Logger = Logger(label: "cybex.store.postgres"), maximumConnections: Int = 20,
        connectTimeout: Duration = .seconds(10), runsClient: Bool = true
    ) async throws -> PostgresStore {
        let parsed = try PostgresURL.parse(url)
        guard maximumConnections > 0 else {
            throw StoreError(.invalidConfiguration, "maximumConnections must be at least 1")
        }
        var configuration = parsed.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = connectTimeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        // Started before the probe below, so that the pool runs by the first query.
        let runTask = runsClient ? Task { await client.run() } : nil
        // The pool retries a failing server in the background, so a wrong password or an absent
        // database would surface as a hang; one direct attempt first reports the cause at once.
        // The pool is then cancelled and not waited for: its own attempts still in flight would
        // hold the answer back (12-18 s on a loaded machine).
        var probe = try parsed.connectionConfiguration()
        probe.options.connectTimeout = TimeAmount(connectTimeout)
        do {
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try await connection.close()
        } catch {
            runTask?.cancel()
            throw StoreError(.backend, "cannot connect to PostgreSQL at \(parsed.redacted): \(Self.describe(error))")
        }
        return PostgresStore(client: client, runTask: runTask, logger: logger, location: parsed.redacted)
    }

    /// The connection pool as a `Service`, for a store connected with `runsClient: false`.
    public var clientService: any Service { client }

    public func close() async throws {
        runTask?.cancel()
        await runTask?.value
    }

    // MARK: Queries

    /// Rows of one statement run on any pooled connection.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` on one connection inside `BEGIN` … `COMMIT`, rolling back when it throws.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `sql` as is (DDL, administration). Internal: never with untrusted text.
    func execute(unsafeSQL sql: String) async throws {
        _ = try await rows(PostgresQuery(unsafeSQL: sql))
    }

    /// A ``StoreError`` for a PostgresNIO error: integrity-constraint violations (SQLSTATE class 23:
    /// unique, foreign key, not null, check) are `.conflict`, as in ``SQLiteStore``; the rest `.backend`.
    static func storeError(_ error: any Error) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let error as PSQLError:
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("23") {
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return StoreError(.conflict, (error.serverInfo?[.message] ?? "constraint violated") + detail)
            }
            return StoreError(.backend, "PostgreSQL: \(describe(error))")
        default:
            return StoreError(.backend, "PostgreSQL: \(describe(error))")
        }
    }

    /// A readable account of an error that never includes a query's bound values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            let state = info[.sqlState].map { " [\($0)]" } ?? ""
            let detail = info[.detail].map { " (\($0))" } ?? ""
            return (info[.message] ?? "server error") + detail + state
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    // MARK: Migrations

    public func schemaVersion() async throws -> Int {
        let exists = try await rows("SELECT to_regclass('schema_migrations') IS NOT NULL")
        guard try exists.first?.decode(Bool.self) == true else { return 0 }
        let version = try await rows("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return try version.first?.decode(Int.self) ?? 0
    }

    /// Brings the schema to the newest version, under a transaction-scoped advisory lock so that
    /// several processes may start (and migrate) at once: one applies the steps, the others wait
    /// and then find nothing left to do.
    public func migrate() async throws {
        try await transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
            let current =
                try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
                .collect().first?.decode(Int.self) ?? 0
            let newest = PostgresSchema.migrations.last?.version ?? 0
            if current > newest {
                throw StoreError(
                    .schemaTooNew,
                    "the database is at schema version \(current), newer than this cybex (\(newest)); upgrade cybex")
            }
            // Every step not yet recorded, in order: numbers may have gaps, and a step numbered
            // below the newest applied one (merged from another branch) still runs.
            let applied = Set(
                try await connection.query("SELECT version FROM schema_migrations", logger: logger).collect()
                    .map { try $0.decode(Int.self) })
            for step in PostgresSchema.migrations where !applied.contains(step.version) {
                for statement in step.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                if step.version == AuditChain.schemaVersion { try await chainExistingAuditEntries(connection) }
                if step.version == 13 { try await fillAddressRanges(connection) }
                if step.version == 14 { try await deriveReferenceEdges(connection) }
                if step.version == PostgresSchema.vulnerabilityIndex { try await indexStoredVulnerabilities(connection) }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, applied_at)
                    VALUES (\(step.version), \(SystemWallClock.nowMicroseconds()))
                    """,
                    logger: logger)
            }
        }
    }

    // MARK: Users

    static let userColumns = "id, username, organisation_id, role, password_hash, disabled, created_at"

    static func user(from row: PostgresRow) throws -> User {
        let (id, username, organisationID, role, passwordHash, disabled, createdAt) =
            try row.decode((String, String, String, String, String, Bool, Int64).self)
        return User(
            id: id, username: username, organisationID: organisationID, role: Role(rawValue: role) ?? .reader,
            passwordHash: passwordHash, disabled: disabled, createdAt: createdAt)
    }

    public func createUser(_ user: User) async throws {
        try StoredText.require([
            (user.id, "user id"), (user.username, "username"), (user.organisationID, "organisation id"),
            (user.passwordHash, "password hash"),
        ])
        _ = try await rows(
            """
            INSERT INTO users (\(unescaped: Self.userColumns))
            VALUES (\(user.id), \(user.username), \(user.organisationID),
                \(user.role.rawValue), \(user.passwordHash), \(user.disabled), \(user.createdAt))
            """)
    }

    public func user(id: String) async throws -> User? {
        guard StoredText.isStorable(id) else { return nil }
        return try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)").first.map(Self.user(from:))
    }

    public func user(named username: String) async throws -> User? {
        guard StoredText.isStorable(username) else { return nil }
        return try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE username = \(username)").first.map(
            Self.user(from:))
    }

    /// One round trip: every signed-in request runs it.
    public func userWithOrganisation(named username: String) async throws -> (User, Organisation?)? {
        guard StoredText.isStorable(username) else { return nil }
        let query: PostgresQuery = """
            SELECT u.id, u.username, u.organisation_id, u.role, u.password_hash, u.disabled, u.created_at,
                o.id, o.name, o.created_at, o.parent_id, o.default_tlp
            FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.username = \(username)
            """
        guard let row = try await rows(query).first else { return nil }
        let cells = row.makeRandomAccess()
        let user = User(
            id: try cells[0].decode(String.self), username: try cells[1].decode(String.self),
            organisationID: try cells[2].decode(String.self), role: Role(rawValue: try cells[3].decode(String.self)) ?? .reader,
            passwordHash: try cells[4].decode(String.self), disabled: try cells[5].decode(Bool.self),
            createdAt: try cells[6].decode(Int64.self))
        guard let organisationID = try cells[7].decode(String?.self) else { return (user, nil) }
        let organisation = Organisation(
            id: organisationID, name: try cells[8].decode(String.self), createdAt: try cells[9].decode(Int64.self),
            parentID: try cells[10].decode(String?.self),
            defaultTLP: try cells[11].decode(String?.self).flatMap(TLPLevel.init(rawValue:)))
        return (user, organisation)
    }

    public func users() async throws -> [User] {
        try await rows(#"SELECT \#(unescaped: Self.userColumns) FROM users ORDER BY username COLLATE "C""#).map(
            Self.user(from:))
    }

    public func userCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM users").first?.decode(Int.self) ?? 0
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        let changed = try await rows("UPDATE users SET disabled = \(disabled) WHERE id = \(id) RETURNING 1")
        if changed.isEmpty { throw StoreError(.notFound, "no user with id \(id)") }
    }

    public func setUserPassword(id: String, passwordHash: String) async throws {
        let changed = try await rows("UPDATE users SET password_hash = \(passwordHash) WHERE id = \(id) RETURNING 1")
        if changed.isEmpty { throw StoreError(.notFound, "no user with id \(id)") }
    }

    // MARK: Tokens

    static let tokenColumns = "id, user_id, secret_hash, created_at, expires_at, revoked_at, scopes"

    static func token(from row: PostgresRow) throws -> APIToken {
        let (id, userID, secretHash, createdAt, expiresAt, revokedAt, scopes) =
            try row.decode((String, String, String, Int64, Int64?, Int64?, String).self)
        return APIToken(
            id: id, userID: userID, secretHash: secretHash, createdAt: createdAt, expiresAt: expiresAt,
            revokedAt: revokedAt, scopes: TokenScope.decode(scopes))
    }

    public func createToken(_ token: APIToken) async throws {
        _ = try await rows(
            """
            INSERT INTO api_tokens (\(unescaped: Self.tokenColumns))
            VALUES (\(token.id), \(token.userID), \(token.secretHash),
                \(token.createdAt), \(token.expiresAt), \(token.revokedAt), \(TokenScope.encode(token.scopes)))
            """)
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await rows("SELECT \(unescaped: Self.tokenColumns) FROM api_tokens WHERE secret_hash = \(secretHash)")
            .first.map(Self.token(from:))
    }

    public func tokens(userID: String?) async throws -> [APIToken] {
        if let userID {
            return try await rows(
                "SELECT \(unescaped: Self.tokenColumns) FROM api_tokens WHERE user_id = \(userID) ORDER BY created_at"
            ).map(Self.token(from:))
        }
        return try await rows("SELECT \(unescaped: Self.tokenColumns) FROM api_tokens ORDER BY created_at").map(
            Self.token(from:))
    }

    public func revokeToken(id: String, at time: Int64) async throws -> Bool {
        try await !rows(
            "UPDATE api_tokens SET revoked_at = \(time) WHERE id = \(id) AND revoked_at IS NULL RETURNING 1"
        ).isEmpty
    }

    // MARK: Collections

    public func createCollection(_ collection: CollectionRecord) async throws {
        try StoredText.require([
            (collection.id, "collection id"), (collection.title, "collection title"),
            (collection.description, "collection description"), (collection.alias, "collection alias"),
        ])
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO collections (id, title, description, alias, created_at, default_tlp, sharing_group_id, public)
                VALUES (
                    \(collection.id), \(collection.title), \(collection.description), \(collection.alias),
                    \(collection.createdAt), \(collection.defaultTLP?.rawValue), \(collection.sharingGroupID),
                    \(collection.isPublic))
                """, logger: logger)
            for org in Set(collection.readers).union(collection.writers) {
                try await connection.query(
                    """
                    INSERT INTO collection_access (collection_id, organisation_id, can_read, can_write)
                    VALUES (
                        \(collection.id), \(org), \(collection.readers.contains(org)),
                        \(collection.writers.contains(org)))
                    """, logger: logger)
            }
        }
    }

    /// Collections with their access rows, one statement (one snapshot), access in organisation order.
    private static let collectionSelect = #"""
        SELECT c.id, c.title, c.description, c.alias, c.created_at, c.default_tlp, c.sharing_group_id, c.public,
            a.organisation_id, a.can_read, a.can_write
        FROM collections c LEFT JOIN collection_access a ON a.collection_id = c.id
        """#

    public func collection(id: String) async throws -> CollectionRecord? {
        guard StoredText.isStorable(id) else { return nil }
        let query: PostgresQuery =
            #"\#(unescaped: Self.collectionSelect) WHERE c.id = \#(id) ORDER BY a.organisation_id COLLATE "C""#
        return try await Self.collections(from: rows(query)).first
    }

    public func collectionWithDirectory(id: String) async throws -> (CollectionRecord, SharingDirectory)? {
        guard StoredText.isStorable(id) else { return nil }
        async let directory = sharingDirectory()
        guard let record = try await collection(id: id) else { return nil }
        return (record, try await directory)
    }

    public func collectionsWithDirectory() async throws -> ([CollectionRecord], SharingDirectory) {
        async let directory = sharingDirectory()
        return (try await collections(), try await directory)
    }

    public func collections() async throws -> [CollectionRecord] {
        let query: PostgresQuery = #"""
            \#(unescaped: Self.collectionSelect)
            ORDER BY c.created_at, c.id COLLATE "C", a.organisation_id COLLATE "C"
            """#
        return try await Self.collections(from: rows(query))
    }

    static func collections(from rows: [PostgresRow]) throws -> [CollectionRecord] {
        var records: [CollectionRecord] = []
        for row in rows {
            let (id, title, description, alias, createdAt, defaultTLP, sharingGroupID, isPublic, org, canRead, canWrite) =
                try row.decode(
                    (String, String, String?, String?, Int64, String?, String?, Bool, String?, Bool?, Bool?).self)
            if records.last?.id != id {
                records.append(
                    CollectionRecord(
                        id: id, title: title, description: description, alias: alias, createdAt: createdAt,
                        defaultTLP: defaultTLP.flatMap(TLPLevel.init(rawValue:)), sharingGroupID: sharingGroupID,
                        isPublic: isPublic))
            }
            guard let org else { continue }
            if canRead == true { records[records.count - 1].readers.append(org) }
            if canWrite == true { records[records.count - 1].writers.append(org) }
        }
        return records
    }

    // MARK: Status

    public func saveStatus(_ status: StoredStatus) async throws {
        try await transaction { connection in try await Self.saveStatus(status, on: connection, logger: logger) }
    }

    /// Stores a status resource in the caller's transaction.
    static func saveStatus(_ status: StoredStatus, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO statuses (id, user_id, created_at, json)
            VALUES (\(status.id), \(status.userID), \(status.createdAt), \(ByteBuffer(bytes: status.json)))
            ON CONFLICT (id) DO UPDATE
                SET user_id = EXCLUDED.user_id, created_at = EXCLUDED.created_at, json = EXCLUDED.json
            """, logger: logger)
    }

    public func status(id: String) async throws -> StoredStatus? {
        guard let row = try await rows("SELECT id, user_id, created_at, json FROM statuses WHERE id = \(id)").first
        else {
            return nil
        }
        let (statusID, userID, createdAt, json) = try row.decode((String, String, Int64, ByteBuffer).self)
        return StoredStatus(id: statusID, userID: userID, createdAt: createdAt, json: Array(json.readableBytesView))
    }
}
