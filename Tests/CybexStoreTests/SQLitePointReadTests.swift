import CybexCore
import Foundation
import GRDB
import Testing

@testable import CybexStore

/// The reads every request makes run on connections of their own, on the calling thread
/// (``SQLitePointReaders``): each read still sees everything committed before it, by this process
/// or another (the CLI disabling an account, revoking a token), a failed read leaves nothing open,
/// and no more connections are opened than the limit.
@Suite struct SQLitePointReadTests {
    @Test func pointReadsSeeWhatAnotherProcessCommitsAtOnce() async throws {
        try await Backend.sqlite.withDatabase { database in
            let server = try await database.open()
            try await server.migrate()
            let cli = try await database.open()
            let org = Fixture.organisation("CIRT")
            try await server.createOrganisation(org)
            let user = Fixture.user("ana", of: org)
            try await server.createUser(user)
            let token = APIToken(id: "t1", userID: user.id, secretHash: "hash-1", createdAt: 1, expiresAt: nil, revokedAt: nil)
            try await server.createToken(token)
            let collection = Fixture.collection()
            try await server.createCollection(collection)
            let object = Fixture.id("indicator")
            _ = try await server.addObjects(
                [Fixture.sdo(object, modified: Fixture.base)], to: collection.id, owner: org.id, scope: nil, commit: nil)

            // The server's point connections are open and have read each of these once.
            #expect(try await server.userWithOrganisation(named: "ana")?.0.disabled == false)
            #expect(try await server.token(secretHash: "hash-1")?.revokedAt == nil)
            #expect(try await server.collectionWithDirectory(id: collection.id) != nil)
            #expect(try await server.objects(in: collection.id, matching: ObjectQuery(ids: [object])).records.count == 1)

            // Another process changes each; the server's next reads see it.
            try await cli.setUserDisabled(id: user.id, disabled: true)
            #expect(try await cli.revokeToken(id: "t1", at: 5))
            _ = try await cli.addObjects(
                [Fixture.sdo(object, modified: Fixture.base + 1)], to: collection.id, owner: org.id, scope: nil, commit: nil)
            #expect(try await server.userWithOrganisation(named: "ana")?.0.disabled == true)
            #expect(try await server.token(secretHash: "hash-1")?.revokedAt == 5)
            let versions = try await server.objects(in: collection.id, matching: ObjectQuery(ids: [object], versions: .all))
            #expect(versions.records.count == 2)
            try await cli.close()
            try await server.close()
        }
    }

    @Test func aFailedPointReadLeavesNoTransactionOpen() async throws {
        try await Backend.sqlite.withDatabase { database in
            let store = try SQLiteStore(path: database.location)
            try await store.migrate()
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                _ = try await store.pointRead { db -> Int in
                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users")
                    throw Refused()
                }
            }
            await #expect(throws: StoreError.self) {
                _ = try await store.pointRead { db in try Int.fetchOne(db, sql: "SELECT * FROM no_such_table") }
            }
            // The connections are reused, outside any transaction, and still read.
            for _ in 0..<8 {
                let open = try await store.pointRead { db in db.isInsideTransaction }
                #expect(open)  // inside the read's own transaction
                #expect(try await store.pointRead { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
            }
            let leftOpen = store.pointReaders.take().map { queue in
                defer { store.pointReaders.give(back: queue) }
                return queue.inDatabase { $0.isInsideTransaction }
            }
            #expect(leftOpen == false)
            try await store.close()
        }
    }

    @Test func noMoreConnectionsThanTheLimitAndNoneAfterClosing() async throws {
        try await Backend.sqlite.withDatabase { database in
            let store = try SQLiteStore(path: database.location)
            try await store.migrate()
            let readers = SQLitePointReaders(path: database.location, limit: 2)
            let first = try #require(readers.take())
            let second = try #require(readers.take())
            #expect(first !== second)
            #expect(readers.take() == nil)  // the caller reads through the pool instead
            readers.give(back: first)
            let again = try #require(readers.take())
            #expect(again === first)
            readers.give(back: again)
            readers.close()
            #expect(readers.take() == nil)
            readers.give(back: second)  // closed as it comes back
            #expect(readers.take() == nil)
            #expect(second.inDatabase { $0.sqliteConnection == nil })
            try await store.close()
        }
    }
}
