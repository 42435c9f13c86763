import CybexCore
import Foundation
import GRDB
import Testing

@testable import CybexStore

/// A store implementation the contract suite runs against.
///
/// SQLite always runs, on a fresh file per test. PostgreSQL runs when `CYBEX_TEST_POSTGRES_URL`
/// names a server (`scripts/postgres-test-server.sh` starts one and prints the URL); every test
/// then gets a database of its own, created from that URL's connection and dropped afterwards.
/// With `CYBEX_REQUIRE_POSTGRES=1` the PostgreSQL cases always run, so that a missing URL or an
/// unreachable server fails them instead of silently leaving PostgreSQL untested.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static let postgresURL: String? = {
        let url = ProcessInfo.processInfo.environment["CYBEX_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }()

    static let postgresRequired = ProcessInfo.processInfo.environment["CYBEX_REQUIRE_POSTGRES"] == "1"

    /// The backends the parameterised tests run on.
    static let enabled: [Backend] = postgresURL != nil || postgresRequired ? [.sqlite, .postgres] : [.sqlite]

    /// Runs `body` with a fresh, empty database of this backend, removed afterwards.
    func withDatabase<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "cybex-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            return try await body(
                TestDatabase(backend: self, location: folder.appendingPathComponent("cybex.sqlite").path))
        case .postgres:
            return try await PostgresTestServer.withDatabase(body)
        }
    }

    /// Runs `body` with a store on a fresh database, migrated unless `migrated` is false, closed afterwards.
    func withStore<T: Sendable>(migrated: Bool = true, _ body: (any Store) async throws -> T) async throws -> T {
        try await withDatabase { database in
            try await database.withStore(migrated: migrated, body)
        }
    }
}

/// One test's database: opens stores on it (several at once stand for several processes) and
/// runs raw SQL for what the `Store` API cannot do, such as installing a failing trigger.
struct TestDatabase: Sendable {
    let backend: Backend
    /// The SQLite file path, or the PostgreSQL URL.
    let location: String

    func open() async throws -> any Store {
        switch backend {
        case .sqlite: try SQLiteStore(path: location)
        case .postgres: try await PostgresStore.connect(url: location, maximumConnections: 4)
        }
    }

    func withStore<T: Sendable>(migrated: Bool = true, _ body: (any Store) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            if migrated { try await store.migrate() }
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// This backend's migration steps.
    var migrationSteps: [(version: Int, statements: [String])] {
        backend == .sqlite ? SQLiteSchema.migrations : PostgresSchema.migrations
    }

    /// Brings the database to an older schema: applies (and records) only the steps `included`
    /// selects, as a node of an earlier release (or of another branch) would have.
    func applyMigrations(where included: (Int) -> Bool) async throws {
        try await execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        for step in migrationSteps where included(step.version) {
            for statement in step.statements { try await execute(statement) }
            try await execute("INSERT INTO schema_migrations (version, applied_at) VALUES (\(step.version), 0)")
        }
    }

    /// Runs one SQL statement directly on the database, bypassing the store's API.
    func execute(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            let store = try SQLiteStore(path: location)
            defer { try? store.pool.close() }
            try await store.pool.write { db in try db.execute(sql: sql) }
        case .postgres:
            let store = try await PostgresStore.connect(url: location, maximumConnections: 1)
            do {
                try await store.execute(unsafeSQL: sql)
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
        }
    }
}

/// The PostgreSQL server named by `CYBEX_TEST_POSTGRES_URL`, on which each test creates a database.
enum PostgresTestServer {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// One administrative connection for the whole test run, to the URL's own database.
    private static let admin = Task<PostgresStore, any Error> {
        guard let url = Backend.postgresURL else {
            throw SetupError(
                description: "CYBEX_REQUIRE_POSTGRES=1 but CYBEX_TEST_POSTGRES_URL is not set; "
                    + "run scripts/postgres-test-server.sh and export the URL it prints")
        }
        return try await PostgresStore.connect(url: url, maximumConnections: 6)
    }

    /// At most this many test databases at once, to stay well under the server's `max_connections`.
    private static let gate = Gate(permits: 6)

    static func withDatabase<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let admin = try await admin.value
        guard let url = Backend.postgresURL else { throw SetupError(description: "no CYBEX_TEST_POSTGRES_URL") }
        return try await gate.withPermit {
            let name = "cybex_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            try await admin.execute(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0")
            do {
                let result = try await body(TestDatabase(backend: .postgres, location: databaseURL(url, name: name)))
                await drop(name, admin: admin)
                return result
            } catch {
                await drop(name, admin: admin)
                throw error
            }
        }
    }

    /// Drops a test's database (cleanup, never a test's outcome). `WITH (FORCE)` ends the test's
    /// own connections, but the test role may not end an autovacuum worker that has just started
    /// on the database (42501, "must be a member of the role whose process is being terminated"):
    /// the drop is tried again while it finishes, for up to 10 s, then left to the server.
    static func drop(_ name: some StringProtocol, admin: PostgresStore) async {
        for _ in 0..<100 {
            do {
                try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// `url` with its database name replaced by `name`.
    static func databaseURL(_ url: String, name: String) -> String {
        var base = Substring(url)
        var query: Substring = ""
        if let mark = base.firstIndex(of: "?") {
            query = base[mark...]
            base = base[..<mark]
        }
        let authorityStart = base.range(of: "://").map(\.upperBound) ?? base.startIndex
        if let slash = base[authorityStart...].firstIndex(of: "/") { base = base[..<slash] }
        return "\(base)/\(name)\(query)"
    }
}

/// A counting semaphore for async code.
actor Gate {
    private var permits: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = permits }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Runs `body` holding one permit.
    nonisolated func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    func release() {
        if waiting.isEmpty {
            permits += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
