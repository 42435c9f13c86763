import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation

/// `Benchmarks stage`: ingest with the post-commit stage Cybex runs by default (the constituency
/// notifier, and what else subscribes) against ingest with an empty stage, paired in one run on
/// fresh stores that hold the same constituencies.
struct Stage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest with the default post-commit stage against none, paired: objects/s and the ratio.")
    @OptionGroup var options: CorpusOptions
    @Option(help: "Organisations with a /16 constituency each, spread over the corpus's addresses.")
    var constituents = 1_000
    @Option(help: "The stage measured: all (the default stage), notifier or retro-hunt.") var subscribers = "all"
    @Option(
        help:
            "Ingest the corpus in documents of this many objects, each with an itemized report, as TAXII posts are (default: one document, as an import)."
    )
    var documents: Int?

    func run() async throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: options.corpus)))
        let slices = try documents.map { size in try Self.slices(of: bytes, size: size) } ?? [bytes]
        var with: [Double] = []
        var without: [Double] = []
        var queued = 0
        for run in 1...options.runs {
            // Alternate which goes first, so that neither always has the warmer machine.
            for stage in run % 2 == 1 ? [true, false] : [false, true] {
                let (rate, count) = try await ingest(slices, stage: stage)
                if stage {
                    with.append(rate)
                    queued = count
                } else {
                    without.append(rate)
                }
                print(String(format: "run %d, %@: %.0f objects/s", run, stage ? "with the stage" : "without", rate))
            }
        }
        print(
            String(
                format:
                    "median with the stage %.0f objects/s, without %.0f objects/s, ratio %.3f (%d objects queued for digests)",
                median(with), median(without), median(with) / median(without), queued))
    }

    /// The corpus's objects as bundles of `size` objects each.
    static func slices(of bytes: [UInt8], size: Int) throws -> [[UInt8]] {
        guard size > 0, let objects = try JSONReader.parse(bytes)["objects"]?.arrayValue else {
            throw ValidationError("--documents takes a positive size, and the corpus must be a bundle")
        }
        return stride(from: 0, to: objects.count, by: size).map { start in
            JSONWriter.bytes(
                .object([
                    ("type", .string("bundle")), ("id", .string("bundle--" + UUID().uuidString.lowercased())),
                    ("objects", .array(Array(objects[start..<min(start + size, objects.count)]))),
                ]))
        }
    }

    /// One ingest of the corpus (its documents one after the other) into a fresh store holding the
    /// constituencies: objects/s, and how many objects the notifier queued.
    func ingest(_ documents: [[UInt8]], stage: Bool) async throws -> (Double, Int) {
        let (store, folder) = try await freshStore(options.database)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var chosen: PostCommitStage?
        switch (stage, subscribers) {
        case (false, _): chosen = PostCommitStage()
        case (true, "notifier"): chosen = PostCommitStage(subscribers: [ConstituencyNotifier(store: store)])
        case (true, "retro-hunt"): chosen = PostCommitStage(subscribers: [RetroHunt(store: store)])
        default: chosen = nil
        }
        let engine = Engine(store: store, postCommit: chosen)
        let administration = engine.administration(actor: "bench")
        for i in 0..<constituents {
            let organisation = try await administration.addOrganisation(name: "constituent-\(i)")
            let network = "\(10 + i % 200).\(i / 200 % 256).0.0/16"
            _ = try await engine.constituencies.update(
                organisation: organisation.name, with: [ConstituencyEntry(kind: .network, value: network)], replacing: true,
                actor: "bench")
        }
        let owner = try await administration.addOrganisation(name: "cirt")
        let collection = CollectionRecord(
            id: UUID().uuidString.lowercased(), title: "bench", createdAt: SystemWallClock.nowMicroseconds())
        try await store.createCollection(collection)
        let itemized = documents.count > 1
        let (total, seconds) = try await measure {
            var total = 0
            for bytes in documents {
                let document = try STIXBundleDecoder.parse(bytes, as: .bundle)
                total += try await engine.collections.ingestor.store(
                    document, into: collection, owner: owner.id, itemized: itemized
                ).total
            }
            return total
        }
        var queued = 0
        for i in 0..<constituents {
            queued += try await store.queuedNotifications(
                for: try await store.organisation(named: "constituent-\(i)")?.id ?? "", after: 0, limit: 1_000_000
            ).count
        }
        try await store.close()
        return (Double(total) / seconds, queued)
    }
}
