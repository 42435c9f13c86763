import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex correlate VALUE` / `cybex correlate --object ID`: the objects that share observables.
struct CorrelateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "List the objects that share an observable with a value or an object.",
        discussion: """
            VALUE is an observable as people write it: an IPv4 or IPv6 address or CIDR range, a domain, a URL, an \
            e-mail or MAC address, a hash, an AS number … (normalised as docs/CORRELATION.md says). With --object \
            ID, the observables of that object's versions are correlated instead. Hits are the other objects that \
            carry one of them: the same value, a stored range that contains an address, or a stored address within \
            a range. Without --for, every collection is read (the node's operator; audited with the value hashed); \
            with --for ORG, exactly what that organisation may see under the sharing policy, as \
            POST /api/v1/correlations answers its users. One line per object, most recently seen first (last seen, \
            first seen, versions, type, id, collections, values), or with --json the result as one JSON document.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The observable value.") var value: String?
    @Option(name: .customLong("object"), help: "Correlate this STIX object's observables instead.") var object: String?
    @Option(name: .customLong("for"), help: "Only what this organisation may see (its name).") var organisation: String?
    @Option(help: "At most this many objects (1 to 1000).") var limit = 100
    @Flag(help: "The result as one JSON document.") var json = false
    @Flag(help: "The cluster of shared infrastructure around it instead: objects joined by values they share, hop by hop.")
    var cluster = false
    @Option(help: "With --cluster: at most this many hops (1 to 5).") var depth = 3

    func validate() throws {
        switch (value, object) {
        case (let value?, nil):
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.utf8.count > 2_048 {
                throw ValidationError("VALUE must be one observable value of 1 to 2048 bytes")
            }
        case (nil, let object?):
            if STIXIdentifier(object) == nil { throw ValidationError("--object must be a STIX id such as indicator--<uuid>") }
        default:
            throw ValidationError("give either VALUE or --object ID")
        }
        if !(1...CorrelationService.maximumClusterDepth).contains(depth) {
            throw ValidationError("--depth must be from 1 to \(CorrelationService.maximumClusterDepth)")
        }
        if !(1...CorrelationService.maximumHits).contains(limit) {
            throw ValidationError("--limit must be from 1 to \(CorrelationService.maximumHits)")
        }
    }

    func run() async throws {
        let subject: CorrelationSubject =
            if let object { .object(object) } else { .value((value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) }
        try await store.withEngine { engine in
            if cluster {
                let found = try await engine.correlation.cluster(
                    subject, as: organisation, actor: "cli", depth: depth,
                    objects: min(limit, CorrelationService.maximumClusterObjects))
                var out: [UInt8] = []
                if json {
                    JSONWriter.write(found.json, into: &out)
                    out.append(UInt8(ascii: "\n"))
                } else {
                    for id in found.objects { out.append(contentsOf: (id + "\n").utf8) }
                }
                FileHandle.standardOutput.write(Data(out))
                if !json {
                    Terminal.note(
                        "\(found.objects.count) objects, \(found.shared.count) shared values, \(found.depth) hops"
                            + (found.truncated ? " (more were left out)" : ""))
                }
                return
            }
            let result = try await engine.correlation.correlate(subject, as: organisation, actor: "cli", limit: limit)
            var out: [UInt8] = []
            if json {
                JSONWriter.write(result.json, into: &out)
                out.append(UInt8(ascii: "\n"))
            } else {
                for hit in result.hits {
                    let fields = [
                        STIXTimestamp.format(microseconds: hit.lastSeen), STIXTimestamp.format(microseconds: hit.firstSeen),
                        String(hit.versions), hit.type, hit.id, hit.collections.joined(separator: ","),
                        hit.observables.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ","),
                    ]
                    out.append(contentsOf: (fields.joined(separator: "\t") + "\n").utf8)
                }
            }
            FileHandle.standardOutput.write(Data(out))
            if !json {
                Terminal.note("\(result.hits.count) objects\(result.truncated ? " (more were left out)" : "")")
            }
        }
    }
}
