import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Retention policies, removal of selected versions and erasure by identifier, on each backend.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func retentionPoliciesRoundTripAndNamesAreUnique(backend: Backend) async throws {
        try await backend.withStore { store in
            let policy = RetentionPolicy(
                id: UUID().uuidString.lowercased(), name: "indicators", types: ["indicator", "sighting"],
                levels: [.green, .amber], purgeAfterDays: 90, expireGraceDays: 7, createdAt: Fixture.base)
            let other = RetentionPolicy(
                id: UUID().uuidString.lowercased(), name: "all", purgeAfterDays: 365, createdAt: Fixture.base)
            try await store.createRetentionPolicy(policy)
            try await store.createRetentionPolicy(other)
            #expect(try await store.retentionPolicies() == [other, policy])
            var duplicate = other
            duplicate.id = UUID().uuidString.lowercased()
            let error = try await #require(throws: StoreError.self) { try await store.createRetentionPolicy(duplicate) }
            #expect(error.code == .conflict)
            #expect(try await store.deleteRetentionPolicy(named: "all"))
            #expect(!(try await store.deleteRetentionPolicy(named: "all")))
            #expect(try await store.retentionPolicies() == [policy])
        }
    }

    @Test(arguments: Backend.enabled)
    func removalSelectsByTypeAgeValidityAndLevel(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            let other = Fixture.collection()
            try await store.createCollection(c)
            try await store.createCollection(other)
            func indicator(_ tlp: TLPLevel?, validUntil: Int64?) -> STIXObjectRecord {
                var record = Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base)
                record.tlp = tlp
                record.validUntil = validUntil
                return record
            }
            let expired = indicator(.green, validUntil: Fixture.base)
            let current = indicator(.green, validUntil: Int64.max / 2)
            let redExpired = indicator(.red, validUntil: Fixture.base)
            let malware = Fixture.sdo(Fixture.id("malware"), modified: Fixture.base)
            _ = try await store.addObjects([expired, current, redExpired, malware], to: c.id, owner: "org")
            _ = try await store.addObjects([expired], to: other.id, owner: "org")
            let cut = SystemWallClock.nowMicroseconds() + 1
            try await Task.sleep(for: .milliseconds(2))
            let late = indicator(nil, validUntil: nil)
            _ = try await store.addObjects([late], to: c.id, owner: "org")

            let greenOnly = ReadScope(
                viewer: nil, levels: [.green], recipientLevels: [], collectionDefault: nil, ownerDefaults: [:])
            let expiry = RemovalSelection(types: ["indicator"], levels: greenOnly, validUntilBefore: Fixture.base + 1)
            // A dry run reports and removes nothing.
            #expect(try await store.removeObjects(in: c.id, matching: expiry, dryRun: true).map(\.id) == [expired.id])
            #expect(try await store.objectCount(in: c.id) == 5)
            #expect(try await store.removeObjects(in: c.id, matching: expiry, dryRun: false).map(\.id) == [expired.id])
            #expect(try await store.objectCount(in: c.id) == 4)
            // The same object stays in the other collection, with its row.
            #expect(try await store.objects(in: other.id, matching: ObjectQuery()).records.map(\.id) == [expired.id])

            // Age: everything added before the cut, of any type and level.
            let old = RemovalSelection(addedBefore: cut)
            let removed = try await store.removeObjects(in: c.id, matching: old, dryRun: false)
            #expect(Set(removed.map(\.id)) == [current.id, redExpired.id, malware.id])
            #expect(removed.allSatisfy { $0.collectionID == c.id })
            #expect(try await store.objects(in: c.id, matching: ObjectQuery()).records.map(\.id) == [late.id])
            // The unmarked version falls back to the owner's default, then AMBER: not GREEN.
            #expect(try await store.removeObjects(in: c.id, matching: RemovalSelection(levels: greenOnly), dryRun: false).isEmpty)
        }
    }

    @Test(arguments: Backend.enabled)
    func erasureRemovesEveryVersionTiedToAnIdentifier(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            let other = Fixture.collection()
            try await store.createCollection(c)
            try await store.createCollection(other)
            let email = Fixture.sco(Fixture.id("email-addr"), value: "Alice.Victim@example.org")
            var withObservable = email
            withObservable.observables = [Observable(kind: .email, value: "alice.victim@example.org")]
            let id = Fixture.id("note")
            var v1 = Fixture.sdo(id, modified: Fixture.base)
            v1.json = Array(#"{"type":"note","id":"\#(id)","content":"reported by ALICE.victim@example.org"}"#.utf8)
            let v2 = Fixture.sdo(id, modified: Fixture.base + 1)
            let unrelated = Fixture.sdo(Fixture.id("malware"), modified: Fixture.base)
            _ = try await store.addObjects([withObservable, v1, v2, unrelated], to: c.id, owner: "org")
            _ = try await store.addObjects([v1], to: other.id, owner: "org")

            let preview = try await store.eraseObjects(containing: "alice.victim@example.org", dryRun: true)
            #expect(
                Set(preview.map { "\($0.collectionID) \($0.id) \($0.version)" }) == [
                    "\(c.id) \(email.id) \(unversionedKey)", "\(c.id) \(id) \(Fixture.base)", "\(c.id) \(id) \(Fixture.base + 1)",
                    "\(other.id) \(id) \(Fixture.base)",
                ])
            #expect(try await store.objectCount(in: c.id) == 4)
            let erased = try await store.eraseObjects(containing: "alice.victim@example.org", dryRun: false)
            #expect(erased.count == 4)
            // Every version of the note goes, the one that never named her too.
            #expect(try await store.objects(in: c.id, matching: ObjectQuery(versions: .all)).records.map(\.id) == [unrelated.id])
            #expect(try await store.objectCount(in: other.id) == 0)
            // Gone from the store, not only from the collections: a new post is new again.
            let outcomes = try await store.addObjects([withObservable], to: c.id, owner: "org")
            if case .added(_, let newVersion) = outcomes[0] {
                #expect(!newVersion)
            } else {
                Issue.record("not added: \(outcomes)")
            }
            #expect(try await store.eraseObjects(containing: "nobody@example.org", dryRun: false).isEmpty)
        }
    }
}
