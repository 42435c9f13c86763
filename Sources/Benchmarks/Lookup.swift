import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation

/// What a read of one object by id costs as the collection grows (TAXII `objects/{id}/`, `match[id]`).
struct Lookup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time reads of one object by id, as a reader of another organisation, with --stored objects in the collection.")
    @Option(help: "postgres://… to measure PostgreSQL; default a fresh SQLite file.") var database: String?
    @Option(help: "How many objects the collection holds.") var stored = 100_000
    @Option(help: "How many reads.") var reads = 2_000

    func run() async throws {
        let (store, folder) = try await freshStore(database)
        let admin = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "bench")
        for name in ["cert", "isp"] { _ = try await admin.addOrganisation(name: name) }
        let collection = try await admin.addCollection(title: "c", description: nil, readers: ["cert", "isp"], writers: ["cert"])
        let cert = try await store.organisation(named: "cert")!
        func id(_ n: Int) -> String { "indicator--\(String(format: "%08x", n))-9dad-41d1-80b4-00c04fd430c8" }
        var n = 0
        while n < stored {
            let objects = (n..<min(n + 10_000, stored)).map { k in
                """
                {"type":"indicator","spec_version":"2.1","id":"\(id(k))","created":"2026-01-01T00:00:00.000Z",\
                "modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix",\
                "valid_from":"2026-01-01T00:00:00Z"}
                """
            }
            let bundle =
                Array(#"{"type":"bundle","id":"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8","objects":["#.utf8)
                + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
            _ = try await Ingestor(store: store).ingest(bundle, as: .bundle, into: collection, owner: cert.id)
            n += objects.count
        }
        let user = try await admin.addUser(username: "reader", organisation: "isp", role: .reader, password: "bench-password")
        let reader = Principal(user: user, organisation: try await store.organisation(named: "isp")!)
        // Reads of TLP:AMBER are audited behind the response, as `cybex serve` does.
        let readAudit = ReadAuditLog(store: store)
        let service = CollectionService(store: store, readAudit: readAudit)
        var times: [Double] = []
        for _ in 0..<reads {
            let query = ObjectQuery(ids: [id(Int.random(in: 0..<stored))], limit: 10)
            let (page, seconds) = try await measure { try await service.objects(in: collection.id, matching: query, for: reader) }
            precondition(page.records.count == 1)
            times.append(seconds * 1e6)
        }
        print(
            String(
                format: "read by id, %d stored: median %.0f µs, p90 %.0f µs (%d reads)", stored, median(times),
                times.sorted()[times.count * 9 / 10], reads))
        // The audit entries still pending are written before the store closes, as `cybex serve` does
        // on shutdown (closing first made their write fail: "out of memory", SQLite's message for a
        // closed connection).
        await readAudit.flush()
        try await store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
