import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation

/// Whether a post's time tells a poster anything about objects it may not see (issue 13, finding 2).
struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time posts of ids another organisation stored as TLP:RED against posts of ids never posted.",
        discussion: """
            cert stores --stored TLP:RED indicators; then peer posts, one object per post and alternating, \
            a copy of one of cert's hidden indicators and an indicator never posted (same shape, same size), \
            --posts of each, through CollectionService as TAXII does. Prints the median and the 90th \
            percentile of each and their ratio: 1.0 within noise means the time tells nothing.
            """)
    @Option(help: "postgres://… to measure PostgreSQL; default a fresh SQLite file.") var database: String?
    @Option(help: "How many hidden objects cert stores first.") var stored = 100_000
    @Option(help: "How many posts of each kind.") var posts = 2_000
    @Option(help: "What is probed: sdo (indicators, known ids) or sco (IPv4 addresses, ids derived from the value).")
    var kind = "sdo"

    func run() async throws {
        let (store, folder) = try await freshStore(database)
        let admin = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "bench")
        for name in ["cert", "peer"] { _ = try await admin.addOrganisation(name: name) }
        let collection = try await admin.addCollection(
            title: "shared", description: nil, readers: ["cert", "peer"], writers: ["cert", "peer"])
        func principal(_ name: String) async throws -> Principal {
            let user = try await admin.addUser(username: name, organisation: name, role: .analyst, password: "bench-password")
            return Principal(user: user, organisation: try await store.organisation(named: name)!)
        }
        let cert = try await principal("cert")
        let peer = try await principal("peer")
        let service = CollectionService(store: store)
        func indicator(_ n: Int, red: Bool) -> String {
            let marking = red ? #","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]"# : ""
            if kind == "sco" {
                let value = "10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)"
                let id = DeterministicID.identifier(for: .object([("type", .string("ipv4-addr")), ("value", .string(value))]))!
                return #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(id)","value":"\#(value)"\#(marking)}"#
            }
            return """
                {"type":"indicator","spec_version":"2.1","id":"indicator--\(String(format: "%08x", n))-9dad-41d1-80b4-00c04fd430c8",\
                "created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"n",\
                "pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"\(marking)}
                """
        }
        func envelope(_ objects: [String]) -> [UInt8] {
            Array(#"{"objects":["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8)
        }
        var n = 0
        while n < stored {
            let batch = (n..<min(n + 5_000, stored)).map { indicator($0, red: true) }
            _ = try await service.add(envelope(batch), as: .envelope, to: collection.id, by: cert)
            n += batch.count
        }
        var hidden: [Double] = []
        var fresh: [Double] = []
        // Each hidden id is one cert stored, each fresh one was never posted; none is posted twice.
        let targets = Array((0..<stored).shuffled().prefix(posts))
        for (i, target) in targets.enumerated() {
            // Alternate their order, so that neither kind always follows the other.
            let hiddenBody = envelope([indicator(target, red: false)])
            let freshBody = envelope([indicator(0x40_0000 + i, red: false)])
            for (body, isHidden) in i % 2 == 0
                ? [(hiddenBody, true), (freshBody, false)] : [(freshBody, false), (hiddenBody, true)]
            {
                let (_, seconds) = try await measure {
                    try await service.add(body, as: .envelope, to: collection.id, by: peer)
                }
                if isHidden { hidden.append(seconds * 1e6) } else { fresh.append(seconds * 1e6) }
            }
        }
        func p90(_ values: [Double]) -> Double { values.sorted()[values.count * 9 / 10] }
        print(String(format: "hidden id:      median %.0f µs, p90 %.0f µs (%d posts)", median(hidden), p90(hidden), hidden.count))
        print(String(format: "never posted:   median %.0f µs, p90 %.0f µs (%d posts)", median(fresh), p90(fresh), fresh.count))
        print(
            String(
                format: "ratio hidden/never posted: median %.3f, p90 %.3f", median(hidden) / median(fresh),
                p90(hidden) / p90(fresh)))
        try await store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
