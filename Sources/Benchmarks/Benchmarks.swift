import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation
import Logging

/// In-process benchmarks of the hot paths, phase by phase. Whole-command and TAXII figures are
/// measured from outside (see BENCHMARKS.md).
@main
struct Benchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Benchmarks", abstract: "Cybex benchmarks.",
        subcommands: [
            Ingest.self, Read.self, Policy.self, Generate.self, Probe.self, Lookup.self, Correlate.self, Stage.self,
        ])
}

struct CorpusOptions: ParsableArguments {
    @Option(help: "A STIX 2.1 bundle file.") var corpus: String
    @Option(help: "postgres://… to measure PostgreSQL; default a fresh SQLite file.") var database: String?
    @Option(help: "Repetitions (fresh store each).") var runs = 3
}

func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func freshStore(_ database: String?) async throws -> (any Store, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-bench-\(UUID().uuidString)").path
    let location = try StoreLocation(dataDirectory: folder, databaseURL: database)
    let store = try await location.open(logger: Logger(label: "bench"))
    try await store.migrate()
    return (store, folder)
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decode, validate and store a corpus: objects/s per phase.")
    @OptionGroup var options: CorpusOptions

    func run() async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: options.corpus)))
        let document = try STIXBundleDecoder.parse(bytes, as: .bundle)
        let (_, validateSeconds) = await measure { document.decode(0..<document.count) }
        print(
            String(
                format: "validation alone (one thread): %.3f s, %.0f objects/s", validateSeconds,
                Double(document.count) / validateSeconds))
        var decodeRates: [Double] = []
        var storeRates: [Double] = []
        var totalRates: [Double] = []
        for run in 1...options.runs {
            let (store, folder) = try await freshStore(options.database)
            let collection = CollectionRecord(
                id: UUID().uuidString.lowercased(), title: "bench", createdAt: SystemWallClock.nowMicroseconds())
            try await store.createCollection(collection)
            let (document, parseSeconds) = try await measure { try STIXBundleDecoder.parse(bytes, as: .bundle) }
            let ingestor = Ingestor(store: store)
            let (report, storeSeconds) = try await measure {
                try await ingestor.store(document, into: collection, owner: "bench")
            }
            let n = Double(report.total)
            decodeRates.append(n / parseSeconds)
            storeRates.append(n / storeSeconds)
            totalRates.append(n / (parseSeconds + storeSeconds))
            print(
                String(
                    format: "run %d: %d objects, parse %.3f s, validate+store (overlapped) %.3f s, %.0f objects/s", run,
                    report.total, parseSeconds, storeSeconds, n / (parseSeconds + storeSeconds)))
            try await store.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
        print(
            String(
                format: "median: JSON parse %.0f objects/s, validate+store %.0f objects/s, total %.0f objects/s",
                median(decodeRates), median(storeRates), median(totalRates)))
    }
}

struct Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Store a corpus, then page through it and run filtered reads.")
    @OptionGroup var options: CorpusOptions
    @Option(help: "Page size.") var limit = 1000

    func run() async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: options.corpus)))
        let (store, folder) = try await freshStore(options.database)
        let collection = CollectionRecord(
            id: UUID().uuidString.lowercased(), title: "bench", createdAt: SystemWallClock.nowMicroseconds())
        try await store.createCollection(collection)
        _ = try await Ingestor(store: store).ingest(bytes, as: .bundle, into: collection, owner: "bench")
        var rates: [Double] = []
        for run in 1...options.runs {
            let (count, seconds) = try await measure { () async throws -> Int in
                var query = ObjectQuery(versions: .all, limit: limit)
                var count = 0
                while true {
                    let page = try await store.objects(in: collection.id, matching: query)
                    count += page.records.count
                    guard page.more, let last = page.records.last else { return count }
                    query.addedAfter = last.dateAdded
                }
            }
            rates.append(Double(count) / seconds)
            print(
                String(
                    format: "run %d: paged %d objects in %.3f s (%.0f objects/s)", run, count, seconds, Double(count) / seconds))
        }
        var latencies: [Double] = []
        for _ in 0..<50 {
            let (_, seconds) = try await measure {
                try await store.objects(in: collection.id, matching: ObjectQuery(types: ["indicator"], addedAfter: 0, limit: 100))
            }
            latencies.append(seconds * 1000)
        }
        print(
            String(
                format: "median: paginated read %.0f objects/s; filtered read (match[type]=indicator, limit 100) %.2f ms",
                median(rates), median(latencies)))
        try await store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The cost of the sharing policy on paginated reads: the store without a scope vs CollectionService as readers.",
        discussion: """
            Stores the corpus as one organisation's, then pages through it, alternating: the store with no \
            scope (the foundation's read path), an audience reader through CollectionService (scope per \
            request, SQL condition, audit of TLP:AMBER reads), and a constituent of the audience (AMBER \
            and below). Prints objects/s for each and the cost relative to the first.
            """)
    @OptionGroup var options: CorpusOptions
    @Option(help: "Page size.") var limit = 1000

    func run() async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: options.corpus)))
        let (store, folder) = try await freshStore(options.database)
        let admin = Administration(store: store, hasher: PasswordHasher(cost: 4), actor: "bench")
        _ = try await admin.addOrganisation(name: "cert")
        _ = try await admin.addOrganisation(name: "national")
        _ = try await admin.addOrganisation(name: "isp", parent: "national")
        let collection = try await admin.addCollection(
            title: "bench", description: nil, readers: ["cert", "national"], writers: ["cert"])
        let cert = try await store.organisation(named: "cert")!
        _ = try await Ingestor(store: store).ingest(bytes, as: .bundle, into: collection, owner: cert.id)
        let readAudit = ReadAuditLog(store: store)
        let service = CollectionService(store: store, readAudit: readAudit)  // as `cybex serve` does
        func principal(_ organisation: String) async throws -> Principal {
            let user = try await admin.addUser(
                username: "\(organisation)-reader", organisation: organisation, role: .reader, password: "bench-password")
            return Principal(user: user, organisation: try await store.organisation(named: organisation)!)
        }
        let reader = try await principal("national")
        let constituent = try await principal("isp")
        typealias Reader = (ObjectQuery) async throws -> ObjectPage
        let readerScope = try await service.collection(id: collection.id, for: reader).scope
        let paths: [(String, Reader)] = [
            ("store, no policy", { try await store.objects(in: collection.id, matching: $0) }),
            (
                "store, reader's scope (SQL only)",
                {
                    var query = $0
                    query.scope = readerScope
                    return try await store.objects(in: collection.id, matching: query)
                }
            ),
            ("audience reader", { try await service.objects(in: collection.id, matching: $0, for: reader) }),
            ("constituent", { try await service.objects(in: collection.id, matching: $0, for: constituent) }),
        ]
        var rates = Array(repeating: [Double](), count: paths.count)
        var counts = Array(repeating: 0, count: paths.count)
        for run in 1...options.runs {
            for (index, (name, read)) in paths.enumerated() {
                let (count, seconds) = try await measure { () async throws -> Int in
                    var query = ObjectQuery(versions: .all, limit: limit)
                    var count = 0
                    while true {
                        let page = try await read(query)
                        count += page.records.count
                        guard page.more, let last = page.records.last else { return count }
                        query.addedAfter = last.dateAdded
                    }
                }
                rates[index].append(Double(count) / seconds)
                counts[index] = count
                print(
                    String(
                        format: "run %d, %@: %d objects in %.3f s (%.0f objects/s)", run, name, count, seconds,
                        Double(count) / seconds))
            }
        }
        let baseline = median(rates[0])
        for (index, (name, _)) in paths.enumerated() {
            let rate = median(rates[index])
            print(
                String(
                    format: "median %@: %.0f objects/s (%d objects), cost %.1f%%", name, rate, counts[index],
                    (1 - rate / baseline) * 100))
        }
        await readAudit.flush()  // the pending audit entries, before the store closes (as `cybex serve` does)
        try await store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
