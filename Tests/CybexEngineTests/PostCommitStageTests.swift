import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation
import Synchronization
import Testing

/// The post-commit stage of the one ingest entry: every path (TAXII and REST posts, `cybex import`)
/// hands what it committed to every subscriber (side by side); a failing subscriber is logged and
/// counted and never undoes the commit nor stops the others.
@Suite struct PostCommitStageTests {
    /// Records what it is given, and throws when asked to.
    final class Recorder: IngestSubscriber {
        let name: String
        let fails: Bool
        let log = Mutex<[String]>([])

        init(_ name: String, fails: Bool = false) {
            self.name = name
            self.fails = fails
        }

        func committed(_ ingest: CommittedIngest) async throws {
            var ids: [String] = []
            await ingest.committed.forEachChunk(of: 1) { ids += $0.compactMap(\.id) }
            log.withLock { $0.append("\(ingest.collectionID) \(ingest.owner) \(ids.sorted().joined(separator: ","))") }
            if fails { throw EngineError(.conflict, "\(name) failed on purpose") }
        }

        var calls: [String] { log.withLock { $0 } }
    }

    /// Appends its name to a shared list (to see that every subscriber ran, once).
    struct Marker: IngestSubscriber {
        let name: String
        let order: OrderLog

        func committed(_ ingest: CommittedIngest) async throws { order.append(name) }
    }

    final class OrderLog: Sendable {
        let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
    }

    static func indicator(_ id: String) -> String {
        """
        {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2026-03-01T00:00:00.000Z",\
        "modified":"2026-03-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix",\
        "valid_from":"2026-03-01T00:00:00Z"}
        """
    }

    func withEngine(
        subscribers: [any IngestSubscriber], maximumNotedObjects: Int = 200_000,
        storeSubscribers: (any Store) -> [any IngestSubscriber] = { _ in [] },
        _ body: (Engine, CollectionRecord, Principal) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-postcommit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("cybex.sqlite").path)
        try await store.migrate()
        do {
            let engine = Engine(
                store: store, hasher: PasswordHasher(cost: 4),
                postCommit: PostCommitStage(
                    subscribers: subscribers + storeSubscribers(store), maximumNotedObjects: maximumNotedObjects))
            let administration = engine.administration(actor: "test")
            let organisation = try await administration.addOrganisation(name: "cirt")
            let user = try await administration.addUser(
                username: "ana", organisation: "cirt", role: .analyst, password: "a long password")
            let collection = try await administration.addCollection(
                title: "Feed", description: nil, readers: ["cirt"], writers: ["cirt"], defaultTLP: nil, sharingGroup: nil,
                isPublic: false)
            try await body(engine, collection, Principal(user: user, organisation: organisation))
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }

    @Test func everyPathHandsItsCommitToEverySubscriberAndAFailureUndoesNothing() async throws {
        let order = OrderLog()
        let first = Recorder("first")
        let failing = Recorder("failing", fails: true)
        let last = Recorder("last")
        let subscribers: [any IngestSubscriber] = [
            Marker(name: "a", order: order), first, failing, Marker(name: "b", order: order), last,
        ]
        try await withEngine(subscribers: subscribers) { engine, collection, principal in
            // A TAXII or REST post.
            let one = "indicator--0a6b1c9e-7f21-4c1a-9d2e-3f4a5b6c7d81"
            let envelope = Array(#"{"objects":[\#(Self.indicator(one))]}"#.utf8)
            let report = try await engine.collections.add(envelope, as: .envelope, to: collection.id, by: principal)
            #expect(report.added == 1)
            #expect(first.calls == ["\(collection.id) \(principal.organisation.id) \(one)"])
            #expect(last.calls == first.calls)
            #expect(failing.calls == first.calls)
            #expect(order.names.withLock { $0 }.sorted() == ["a", "b"])
            // The failure was counted, and the object stayed committed.
            #expect(engine.collections.ingestor.postCommit.failureCounts == ["failing": 1])
            #expect(try await engine.collections.objectCount(in: collection.id, for: principal) == 1)

            // The same object again: nothing committed, nothing handed on.
            _ = try await engine.collections.add(envelope, as: .envelope, to: collection.id, by: principal)
            #expect(first.calls.count == 1)

            // The operator's import (JSON Lines), through the same entry.
            let two = "indicator--1b7c2d0f-8a32-4d2b-8e3f-4a5b6c7d8e92"
            let run = try await engine.operatorImport(into: collection.id, ownerName: "cirt", actor: "cli")
            let document = try STIXDocumentDecoder(.jsonLines).decode(Array((Self.indicator(two) + "\n").utf8))
            _ = try await run.importDocument(document, label: "feed.jsonl")
            #expect(first.calls.last == "\(collection.id) \(principal.organisation.id) \(two)")
            #expect(engine.collections.ingestor.postCommit.failureCounts == ["failing": 2])
            #expect(order.names.withLock { $0 }.sorted() == ["a", "a", "b", "b"])
        }
    }

    @Test func aDocumentRefusedAsAWholeReachesNoSubscriber() async throws {
        let recorder = Recorder("recorder")
        try await withEngine(subscribers: [recorder]) { engine, collection, principal in
            await #expect(throws: (any Error).self) {
                _ = try await engine.collections.add(Array("{not json".utf8), as: .envelope, to: collection.id, by: principal)
            }
            #expect(recorder.calls.isEmpty)
        }
    }

    /// The node operator's import keeps no entry per object: its report is the counts and the
    /// rejected objects (invalid ones and those the store refused, in document order), and the
    /// subscribers still get every object written, read again from the file.
    @Test func anOperatorImportIsSummarisedAndItsSubscribersStillGetEveryObjectWritten() async throws {
        let recorder = Recorder("recorder")
        try await withEngine(subscribers: [recorder]) { engine, collection, principal in
            let ids = (0..<6).map { "indicator--2c8d3e1a-9b43-4e3c-9f4a-5b6c7d8e9f0\($0)" }
            let run = try await engine.operatorImport(into: collection.id, ownerName: "cirt", actor: "cli")
            let base = try STIXDocumentDecoder(.jsonLines).decode(Array((Self.indicator(ids[0]) + "\n").utf8))
            _ = try await run.importDocument(base, label: "base.jsonl")

            let later = Self.indicator(ids[0]).replacingOccurrences(
                of: #""modified":"2026-03-01T00:00:00.000Z""#, with: #""modified":"2026-03-02T00:00:00.000Z""#)
            let otherCreator = Self.indicator(ids[0]).replacingOccurrences(
                of: #""modified":"2026-03-01T00:00:00.000Z""#,
                with: #""modified":"2026-03-03T00:00:00.000Z","created_by_ref":"identity--0a6b1c9e-7f21-4c1a-9d2e-3f4a5b6c7d81""#)
            let invalid = Self.indicator(ids[2]).replacingOccurrences(of: #""pattern_type":"stix","#, with: "")
            let lines = [
                Self.indicator(ids[1]), later, invalid, Self.indicator(ids[0]), otherCreator, Self.indicator(ids[3]),
            ]
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-\(UUID().uuidString).jsonl").path
            try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let document = try STIXBundleDecoder.parse(try #require(DocumentBytes.file(atPath: path)), as: .jsonLines)
            let report = try await run.importDocument(document, label: path)

            #expect(!report.isItemized)
            #expect(report.total == 6)
            #expect(report.added == 2)
            #expect(report.newVersions == 1)
            #expect(report.duplicates == 1)
            // Invalid (line 3) before refused by the store (line 5), as in the document.
            #expect(report.items.map(\.id) == [ids[2], ids[0]])
            #expect(report.rejected.count == 2)
            guard case .rejected(let reason) = report.items[1].outcome else {
                Issue.record("not rejected")
                return
            }
            #expect(reason.contains("created_by_ref"))
            #expect(report.items[1].version == "2026-03-03T00:00:00.000Z")
            // Written: lines 1, 2 and 6, each once, in order.
            #expect(
                recorder.calls.last
                    == "\(collection.id) \(principal.organisation.id) \([ids[1], ids[0], ids[3]].sorted().joined(separator: ","))"
            )
            // Four versions stored: the base, its new version, two new objects.
            #expect(try await engine.collections.objectCount(in: collection.id, for: principal) == 4)
        }
    }

    /// Keeps the ids and types of the objects it is handed when it asks for some types only.
    final class TypeFilteringRecorder: IngestSubscriber {
        let name = "filtering"
        let wanted: Set<String>
        let seen = Mutex<[[String]]>([])

        init(wanted: Set<String>) { self.wanted = wanted }

        func committed(_ ingest: CommittedIngest) async throws {
            await ingest.committed.forEachChunkOfObjects(of: 2, where: wanted.contains) { entries in
                let chunk = entries.map { entry in
                    "\(entry.item.id ?? "?") \(entry.object?["type"]?.stringValue ?? "not parsed")"
                }
                seen.withLock { $0.append(chunk) }
            }
        }
    }

    /// A subscriber that asks for some types is handed only objects of those types, parsed, in
    /// chunks of that many of them, whether the ingest kept the document (the operator's import) or
    /// entries (a post).
    @Test func aSubscriberIsHandedOnlyTheTypesItAsksFor() async throws {
        let recorder = TypeFilteringRecorder(wanted: ["indicator", "ipv4-addr"])
        try await withEngine(subscribers: [recorder]) { engine, collection, principal in
            let indicator = "indicator--3d9e4f2b-0c54-4f4d-8a5b-6c7d8e9f0a11"
            let address = "ipv4-addr--4e0f5a3c-1d65-5e5e-9b6c-7d8e9f0a1b22"
            let malware = [
                "malware--5f1a6b4d-2e76-4f6f-8c7d-8e9f0a1b2c31", "malware--6a2b7c5e-3f87-4a7a-9d8e-9f0a1b2c3d42",
                "malware--7b3c8d6f-4a98-4b8b-8e9f-0a1b2c3d4e53", "malware--9d5e0f8b-6c1a-4d0d-8a1b-2c3d4e5f6a75",
            ]
            let malwareJSON = malware.map { id in
                #"{"type":"malware","spec_version":"2.1","id":"\#(id)","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"x","is_family":false}"#
            }
            let addressJSON = #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(address)","value":"198.51.100.9"}"#
            // Chunks of two of the types asked for: [indicator, address]; the malware is not handed on.
            let lines = [malwareJSON[0], malwareJSON[1], Self.indicator(indicator), malwareJSON[2], addressJSON]
            let run = try await engine.operatorImport(into: collection.id, ownerName: "cirt", actor: "cli")
            let document = try STIXDocumentDecoder(.jsonLines).decode(
                Array(lines.joined(separator: "\n").utf8))
            let report = try await run.importDocument(document, label: "mixed.jsonl")
            #expect(report.added == 5)
            #expect(
                recorder.seen.withLock { $0 } == [["\(indicator) indicator", "\(address) ipv4-addr"]])

            // A post keeps entries: the filter goes by the ids' types, the objects are not parsed.
            recorder.seen.withLock { $0 = [] }
            let second = "indicator--8c4d9e7a-5b09-4c9c-9f0a-1b2c3d4e5f64"
            let envelope = #"{"objects":[\#(Self.indicator(second)),\#(malwareJSON[3])]}"#
            _ = try await engine.collections.add(Array(envelope.utf8), as: .envelope, to: collection.id, by: principal)
            #expect(recorder.seen.withLock { $0 } == [["\(second) not parsed"]])
        }
    }

    /// The constituency notifier matches objects while the ingest decodes them (its notes) or, past
    /// the stage's bound on notes, reads the written objects again: either way the same objects are
    /// queued for the same organisations, in document order, written ones only (a duplicate is not
    /// queued again), never for the poster.
    @Test(arguments: [200_000, 2])
    func theNotifierQueuesTheSameWhetherItNotedTheObjectsOrReadsThemAgain(maximumNotedObjects: Int) async throws {
        let box = StoreBox()
        try await withEngine(
            subscribers: [], maximumNotedObjects: maximumNotedObjects,
            storeSubscribers: { store in
                box.store.withLock { $0 = store }
                return [ConstituencyNotifier(store: store)]
            }
        ) { engine, collection, principal in
            let store = try box.value
            let administration = engine.administration(actor: "test")
            _ = try await administration.addOrganisation(name: "isp")
            for name in ["isp", "cirt"] {
                _ = try await engine.constituencies.update(
                    organisation: name, with: [ConstituencyEntry(kind: .network, value: "198.51.100.0/24")], replacing: true,
                    actor: "test")
            }
            let isp = try #require(try await store.organisation(named: "isp"))
            let ids = (0..<4).map { "indicator--4d0e5f3b-1c65-4e5e-9a6b-7c8d9e0f1a2\($0)" }
            func indicator(_ id: String, _ value: String) -> String {
                Self.indicator(id).replacingOccurrences(of: "203.0.113.7", with: value)
            }
            let address = "ipv4-addr--5e1f6a4c-2d76-5f6f-8b7c-8d9e0f1a2b31"
            // The first indicator is stored before: in the import it is a duplicate.
            _ = try await engine.collections.add(
                Array(#"{"objects":[\#(indicator(ids[0], "198.51.100.1"))]}"#.utf8), as: .envelope, to: collection.id,
                by: principal)
            let before = try await store.queuedNotifications(for: isp.id, after: 0, limit: 100)
            #expect(before.map(\.objectID) == [ids[0]])
            let lines = [
                indicator(ids[1], "198.51.100.2"), indicator(ids[0], "198.51.100.1"), indicator(ids[2], "203.0.113.9"),
                #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(address)","value":"198.51.100.3"}"#,
                indicator(ids[3], "198.51.100.4"),
            ]
            let run = try await engine.operatorImport(into: collection.id, ownerName: "cirt", actor: "cli")
            let document = try STIXDocumentDecoder(.jsonLines).decode(Array(lines.joined(separator: "\n").utf8))
            let report = try await run.importDocument(document, label: "feed.jsonl")
            #expect(report.added == 4 && report.duplicates == 1)
            let queued = try await store.queuedNotifications(for: isp.id, after: before[0].queued, limit: 100)
            #expect(queued.map(\.objectID) == [ids[1], address, ids[3]])
            #expect(queued.allSatisfy { $0.collectionID == collection.id })
            // The poster's own constituency holds them too: it is not told of its own objects.
            #expect(try await store.queuedNotifications(for: principal.organisation.id, after: 0, limit: 100).isEmpty)
        }
    }

    /// The store of the engine a test runs, once it is made.
    final class StoreBox: Sendable {
        let store = Mutex<(any Store)?>(nil)
        var value: any Store {
            get throws { try #require(store.withLock { $0 }) }
        }
    }
}
