import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// The contract every ``Store`` keeps, run against each backend in ``Backend/enabled``: SQLite
/// always, PostgreSQL when `CYBEX_TEST_POSTGRES_URL` is set (and, with `CYBEX_REQUIRE_POSTGRES=1`,
/// failing when it cannot be reached). Each test has a database of its own.
@Suite("Store contract")
struct StoreContractTests {
    // MARK: Migrations

    @Test(arguments: Backend.enabled)
    func migrationIsIdempotentAndVersioned(backend: Backend) async throws {
        let newest =
            backend == .sqlite ? SQLiteSchema.migrations.last!.version : PostgresSchema.migrations.last!.version
        #expect(SQLiteSchema.migrations.map(\.version) == PostgresSchema.migrations.map(\.version))
        try await backend.withStore(migrated: false) { store in
            #expect(try await store.schemaVersion() == 0)
            try await store.migrate()
            #expect(try await store.schemaVersion() == newest)
            let org = Fixture.organisation("Kept")
            try await store.createOrganisation(org)
            try await store.migrate()
            #expect(try await store.schemaVersion() == newest)
            #expect(try await store.organisation(id: org.id) == org)
        }
    }

    @Test(arguments: Backend.enabled)
    func severalProcessesMigrateAtOnce(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let stores = try await withThrowingTaskGroup(of: (any Store).self) { group in
                for _ in 0..<4 { group.addTask { try await database.open() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    try await group.waitForAll()
                }
                for store in stores {
                    #expect(try await store.schemaVersion() == SQLiteSchema.migrations.last!.version)
                }
                try await stores[0].createOrganisation(Fixture.organisation("One"))
                #expect(try await stores[3].organisations().map(\.name) == ["One"])
            } catch {
                for store in stores { try? await store.close() }
                throw error
            }
            for store in stores { try await store.close() }
        }
    }

    @Test(arguments: Backend.enabled)
    func aNewerSchemaIsRefused(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.withStore { _ in }
            try await database.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
            try await database.withStore(migrated: false) { store in
                #expect(try await store.schemaVersion() == 999)
                let error = try await #require(throws: StoreError.self) { try await store.migrate() }
                #expect(error.code == .schemaTooNew)
            }
        }
    }

    // MARK: Organisations, users, tokens

    @Test(arguments: Backend.enabled)
    func organisations(backend: Backend) async throws {
        try await backend.withStore { store in
            let names = ["beta", "Zulu", "Alpha", "Émile", "alpha"]
            var created: [Organisation] = []
            for (offset, name) in names.enumerated() {
                let org = Fixture.organisation(name, createdAt: Fixture.base + Int64(offset))
                try await store.createOrganisation(org)
                created.append(org)
            }
            #expect(try await store.organisation(id: created[1].id) == created[1])
            #expect(try await store.organisation(named: "alpha") == created[4])
            #expect(try await store.organisation(named: "ALPHA") == nil)
            #expect(try await store.organisation(id: "missing") == nil)
            // Byte order of UTF-8, on both backends: upper case before lower case, accents last.
            #expect(try await store.organisations().map(\.name) == ["Alpha", "Zulu", "alpha", "beta", "Émile"])

            let sameName = try await #require(throws: StoreError.self) {
                try await store.createOrganisation(Fixture.organisation("Zulu"))
            }
            #expect(sameName.code == .conflict)
            let sameID = try await #require(throws: StoreError.self) {
                try await store.createOrganisation(Organisation(id: created[0].id, name: "Other", createdAt: 0))
            }
            #expect(sameID.code == .conflict)
            #expect(try await store.organisations().count == names.count)
        }
    }

    @Test(arguments: Backend.enabled)
    func users(backend: Backend) async throws {
        try await backend.withStore { store in
            let org = Fixture.organisation("CIRT")
            try await store.createOrganisation(org)
            #expect(try await store.userCount() == 0)
            let ana = User(
                id: UUID().uuidString.lowercased(), username: "ana", organisationID: org.id, role: .analyst,
                passwordHash: "$2b$12$hash-a", createdAt: Fixture.base)
            let bob = User(
                id: UUID().uuidString.lowercased(), username: "Bob", organisationID: org.id, role: .admin,
                passwordHash: "$2b$12$hash-b", disabled: true, createdAt: Fixture.base + 1)
            try await store.createUser(ana)
            try await store.createUser(bob)
            #expect(try await store.user(id: ana.id) == ana)
            #expect(try await store.user(named: "Bob") == bob)
            #expect(try await store.user(named: "bob") == nil)
            #expect(try await store.users().map(\.username) == ["Bob", "ana"])
            #expect(try await store.userCount() == 2)

            var duplicate = ana
            duplicate.id = UUID().uuidString.lowercased()
            let sameName = try await #require(throws: StoreError.self) { try await store.createUser(duplicate) }
            #expect(sameName.code == .conflict)
            var orphan = ana
            orphan.id = UUID().uuidString.lowercased()
            orphan.username = "orphan"
            orphan.organisationID = "no-such-organisation"
            let unknownOrg = try await #require(throws: StoreError.self) { try await store.createUser(orphan) }
            #expect(unknownOrg.code == .conflict)
            #expect(try await store.userCount() == 2)

            try await store.setUserDisabled(id: ana.id, disabled: true)
            try await store.setUserDisabled(id: bob.id, disabled: false)
            try await store.setUserPassword(id: ana.id, passwordHash: "$2b$12$new")
            let updated = try #require(try await store.user(id: ana.id))
            #expect(updated.disabled && updated.passwordHash == "$2b$12$new")
            #expect(try await store.user(id: bob.id)?.disabled == false)
            let noUser = try await #require(throws: StoreError.self) {
                try await store.setUserDisabled(id: "missing", disabled: true)
            }
            #expect(noUser.code == .notFound)
            let noUserPassword = try await #require(throws: StoreError.self) {
                try await store.setUserPassword(id: "missing", passwordHash: "x")
            }
            #expect(noUserPassword.code == .notFound)
        }
    }

    @Test(arguments: Backend.enabled)
    func tokens(backend: Backend) async throws {
        try await backend.withStore { store in
            let org = Fixture.organisation("CIRT")
            try await store.createOrganisation(org)
            let users = ["ana", "bob"].map {
                User(
                    id: UUID().uuidString.lowercased(), username: $0, organisationID: org.id, role: .sync,
                    passwordHash: "h",
                    createdAt: Fixture.base)
            }
            for user in users { try await store.createUser(user) }
            let t1 = APIToken(
                id: "t1", userID: users[0].id, secretHash: "hash-1", createdAt: 30, expiresAt: nil, revokedAt: nil)
            let t2 = APIToken(
                id: "t2", userID: users[1].id, secretHash: "hash-2", createdAt: 10, expiresAt: 99, revokedAt: nil)
            let t3 = APIToken(
                id: "t3", userID: users[0].id, secretHash: "hash-3", createdAt: 20, expiresAt: 50, revokedAt: 40)
            for token in [t1, t2, t3] { try await store.createToken(token) }

            #expect(try await store.token(secretHash: "hash-2") == t2)
            #expect(try await store.token(secretHash: "hash-3") == t3)
            #expect(try await store.token(secretHash: "nope") == nil)
            #expect(try await store.tokens(userID: users[0].id) == [t3, t1])
            #expect(try await store.tokens(userID: nil) == [t2, t3, t1])
            #expect(try await store.tokens(userID: "nobody").isEmpty)

            let sameSecret = try await #require(throws: StoreError.self) {
                try await store.createToken(
                    APIToken(
                        id: "t4", userID: users[1].id, secretHash: "hash-1", createdAt: 1, expiresAt: nil,
                        revokedAt: nil))
            }
            #expect(sameSecret.code == .conflict)

            #expect(try await store.revokeToken(id: "t1", at: 77))
            #expect(try await store.token(secretHash: "hash-1")?.revokedAt == 77)
            #expect(try await !store.revokeToken(id: "t1", at: 88), "a revoked token is not revoked again")
            #expect(try await store.token(secretHash: "hash-1")?.revokedAt == 77)
            #expect(try await !store.revokeToken(id: "t3", at: 88))
            #expect(try await !store.revokeToken(id: "missing", at: 88))
            #expect(try await store.token(secretHash: "hash-2")?.revokedAt == nil)
        }
    }

    // MARK: Collections

    @Test(arguments: Backend.enabled)
    func collections(backend: Backend) async throws {
        try await backend.withStore { store in
            let orgs = ["a", "b", "c"].map { Fixture.organisation($0) }
            for org in orgs { try await store.createOrganisation(org) }
            var first = Fixture.collection(createdAt: 200, alias: "feeds")
            first.description = "Shared indicators"
            first.readers = [orgs[2].id, orgs[0].id, orgs[1].id, orgs[0].id]
            first.writers = [orgs[1].id]
            let second = Fixture.collection(createdAt: 100)
            let third = Fixture.collection(createdAt: 200)
            for collection in [first, second, third] { try await store.createCollection(collection) }

            let read = try #require(try await store.collection(id: first.id))
            #expect(read.title == first.title && read.description == first.description && read.alias == "feeds")
            #expect(read.createdAt == 200)
            #expect(read.readers == orgs.map(\.id).sorted())
            #expect(read.writers == [orgs[1].id])
            #expect(try await store.collection(id: second.id) == second)
            #expect(try await store.collection(id: "missing") == nil)
            let expectedOrder = [second.id] + [first.id, third.id].sorted()
            #expect(try await store.collections().map(\.id) == expectedOrder)
            #expect(try await store.collections().first { $0.id == first.id } == read)

            let sameID = try await #require(throws: StoreError.self) {
                try await store.createCollection(CollectionRecord(id: first.id, title: "Again", createdAt: 1))
            }
            #expect(sameID.code == .conflict)
            let sameAlias = try await #require(throws: StoreError.self) {
                try await store.createCollection(Fixture.collection(alias: "feeds"))
            }
            #expect(sameAlias.code == .conflict)
            var unknownReader = Fixture.collection()
            unknownReader.readers = [orgs[0].id, "no-such-organisation"]
            let unknown = try await #require(throws: StoreError.self) {
                try await store.createCollection(unknownReader)
            }
            #expect(unknown.code == .conflict)
            #expect(try await store.collection(id: unknownReader.id) == nil, "a failed creation leaves nothing")
            #expect(try await store.collections().count == 3)
        }
    }

    // MARK: Status resources and audit

    @Test(arguments: Backend.enabled)
    func statuses(backend: Backend) async throws {
        try await backend.withStore { store in
            let bytes = (0...255).map(UInt8.init)
            let status = StoredStatus(id: "status-1", userID: "u1", createdAt: 5, json: bytes)
            try await store.saveStatus(status)
            try await store.saveStatus(StoredStatus(id: "status-2", userID: "u2", createdAt: 6, json: Array("{}".utf8)))
            #expect(try await store.status(id: "status-1") == status)
            let replaced = StoredStatus(
                id: "status-1", userID: "u3", createdAt: 9, json: Array(#"{"status":"complete"}"#.utf8))
            try await store.saveStatus(replaced)
            #expect(try await store.status(id: "status-1") == replaced)
            #expect(try await store.status(id: "status-2")?.userID == "u2")
            #expect(try await store.status(id: "missing") == nil)
        }
    }

    @Test(arguments: Backend.enabled)
    func audit(backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.auditEvents(limit: 10).isEmpty)
            let events = (0..<5).map {
                AuditEvent(
                    time: Int64(100 - $0), actor: "user-\($0)", action: "objects.add", target: "c",
                    detail: $0 == 2 ? "" : "n=\($0)")
            }
            for event in events { try await store.appendAudit(event) }
            // Newest appended first, whatever the recorded time.
            #expect(try await store.auditEvents(limit: 3) == Array(events.reversed().prefix(3)))
            #expect(try await store.auditEvents(limit: 50) == events.reversed())
            #expect(try await store.auditEvents(limit: 0).isEmpty)
            #expect(try await store.auditEvents(limit: -1) == events.reversed(), "a negative limit is no limit")
        }
    }
}
