import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation
import Logging

/// `Benchmarks correlate --values N`: N distinct observables stored (IPv4 address SCOs, one in a
/// hundred a /24 range), then the correlations of new indicators, each naming a stored address, as
/// a reader of another organisation (what `POST /api/v1/correlations` runs), and the index's size.
struct Correlate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time correlations of new indicators with --values distinct observables stored; report the index's size.")
    @Option(help: "How many distinct observables to store.") var values = 1_000_000
    @Option(help: "How many correlations to time (each of a new indicator).") var correlations = 500
    @Option(help: "Keep the store in this folder (default: a fresh temporary folder, removed after).") var keep: String?

    /// The n-th stored address: a bijection of the 32-bit space, so every n gives another address.
    static func address(_ n: Int) -> [UInt8] {
        let x = UInt32(truncatingIfNeeded: n &* 2_654_435_761)
        return [UInt8(x >> 24), UInt8(x >> 16 & 0xFF), UInt8(x >> 8 & 0xFF), UInt8(x & 0xFF)]
    }

    func run() async throws {
        let folder =
            keep
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("cybex-bench-\(UUID().uuidString)").path
        let location = try StoreLocation(dataDirectory: folder, databaseURL: nil)
        let store = try await location.open(logger: Logger(label: "bench"))
        try await store.migrate()
        let admin = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "bench")
        for name in ["cert", "isp"] { _ = try await admin.addOrganisation(name: name) }
        let collection = try await admin.addCollection(
            title: "c", description: nil, readers: ["cert", "isp"], writers: ["cert"])
        let cert = try await store.organisation(named: "cert")!

        let (_, loadSeconds) = try await measure {
            var n = 0
            while n < values {
                let records = (n..<min(n + 20_000, values)).map { k -> STIXObjectRecord in
                    let bytes = Self.address(k)
                    let value = IPNetwork.text(bytes) + (k % 100 == 99 ? "/24" : "")
                    let canonical = ObservableNormaliser.normalise(value, as: .ipv4)
                    let id = "ipv4-addr--\(String(format: "%08x", k))-9dad-51d1-80b4-00c04fd430c8"
                    let json = #"{"type":"ipv4-addr","spec_version":"2.1","id":"\#(id)","value":"\#(value)"}"#
                    return STIXObjectRecord(
                        id: id, type: "ipv4-addr", specVersion: "2.1", created: nil, modified: nil, versionText: nil,
                        revoked: false, createdByRef: nil, tlp: .green, validUntil: nil, objectMarkingRefs: [],
                        json: Array(json.utf8), observables: [Observable(kind: .ipv4, value: canonical)])
                }
                _ = try await store.addObjects(records, to: collection.id, owner: cert.id)
                n += records.count
            }
        }
        let size = try await store.observableIndexSize()
        print(
            String(
                format: "%d distinct observables stored in %.1f s (%.0f/s): index %d values, %d sets, %d postings",
                values, loadSeconds, Double(values) / loadSeconds, size.values, size.sets, size.postings))
        if let sqlite = store as? SQLiteStore { try await Self.printTableSizes(sqlite, values: values) }

        let user = try await admin.addUser(username: "reader", organisation: "isp", role: .reader, password: "bench-password")
        let reader = Principal(user: user, organisation: try await store.organisation(named: "isp")!)
        let service = CollectionService(store: store)
        let correlation = CorrelationService(collections: service)
        var byValue: [Double] = []
        var byObject: [Double] = []
        var hits = 0
        for k in 0..<correlations {
            // A new indicator naming a stored address (two in a hundred also inside a stored range).
            let stored = Int.random(in: 0..<values)
            let address = IPNetwork.text(Self.address(stored))
            let id = "indicator--\(String(format: "%08x", k))-9dad-41d1-80b4-00c04fd430c8"
            let indicator = #"""
                {"type":"indicator","spec_version":"2.1","id":"\#(id)","created":"2026-01-01T00:00:00.000Z",\#
                "modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '\#(address)']","pattern_type":"stix",\#
                "valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}
                """#
            let body = Array(#"{"objects":["#.utf8) + Array(indicator.utf8) + Array("]}".utf8)
            _ = try await Ingestor(store: store).ingest(body, as: .envelope, into: collection, owner: cert.id)
            let (found, valueSeconds) = try await measure { try await correlation.correlate(.value(address), for: reader) }
            let (related, objectSeconds) = try await measure { try await correlation.correlate(.object(id), for: reader) }
            precondition(!found.hits.isEmpty && !related.hits.isEmpty, "no correlation for \(address)")
            hits += related.hits.count
            byValue.append(valueSeconds * 1e6)
            byObject.append(objectSeconds * 1e6)
        }
        func p(_ values: [Double], _ q: Double) -> Double { values.sorted()[Int(Double(values.count - 1) * q)] }
        print(
            String(
                format:
                    "correlations of %d new indicators, %d distinct observables stored: by value median %.0f µs (p90 %.0f), by object median %.0f µs (p90 %.0f); %.2f hits each",
                correlations, values, p(byValue, 0.5), p(byValue, 0.9), p(byObject, 0.5), p(byObject, 0.9),
                Double(hits) / Double(correlations)))
        try await store.close()
        if keep == nil { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// The bytes of the index's tables and indexes (SQLite's `dbstat`), and per distinct value.
    static func printTableSizes(_ store: SQLiteStore, values: Int) async throws {
        let sizes = try await store.storageBytes { $0.contains("observable") }
        for (name, bytes) in sizes.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  %@: %.1f MB", name, Double(bytes) / 1e6))
        }
        let total = sizes.values.reduce(0, +)
        print(
            String(
                format: "  index of distinct observables: %.1f MB, %.1f bytes per distinct value", Double(total) / 1e6,
                Double(total) / Double(values)))
    }
}
