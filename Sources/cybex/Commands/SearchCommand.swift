import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex search`: object versions across every collection, by id, type, observable value and time.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find object versions across collections by id, type, observable value and time.",
        discussion: """
            Without --for, every collection's objects are searched (the node's operator). With --for ORG, exactly \
            what that organisation may see under the sharing policy (SECURITY.md) is searched, as \
            GET /api/v1/objects answers its users. --cve, --vendor, --product, --cwe, --min-score, --max-score, \
            --published-since and --published-before find vulnerabilities through the vulnerability index \
            (docs/VULNERABILITIES.md). --value finds SCOs and indicator patterns that carry the value \
            (an IP address, a domain, a URL, an e-mail address, a hash …), whatever its case where its kind ignores \
            case. Results come oldest added first: one line each (date added, collection, type, id, version), or \
            with --json one JSON object per line: {"collection", "date_added", "object"}.
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("id"), help: "Only this STIX id (repeatable).") var ids: [String] = []
    @Option(name: .customLong("type"), help: "Only objects of this type (repeatable).") var types: [String] = []
    @Option(name: .customLong("value"), help: "Only versions that carry this observable value (repeatable).")
    var values: [String] = []
    @Option(name: .customLong("collection"), help: "Only this collection id (repeatable).") var collections: [String] = []
    @Option(help: "Only versions added after this timestamp (e.g. 2026-01-01T00:00:00Z).") var since: String?
    @Option(help: "Which versions of each object: last, first or all.") var version: VersionChoice = .last
    @Option(help: "At most this many results.") var limit = 100
    @Option(name: .customLong("for"), help: "Only what this organisation may see (its name).") var organisation: String?
    @Flag(help: "One JSON object per line: collection, date added and the object.") var json = false
    @Option(name: .customLong("cve"), help: "Only vulnerabilities with this CVE id (repeatable).") var cves: [String] = []
    @Option(help: "Only vulnerabilities affecting this vendor's products (any case and spacing).") var vendor: String?
    @Option(help: "Only vulnerabilities affecting this product (any case and spacing).") var product: String?
    @Option(help: "Only vulnerabilities with this CWE (CWE-79 or 79).") var cwe: String?
    @Option(help: "Only vulnerabilities scored at least this (0 to 10).") var minScore: String?
    @Option(help: "Only vulnerabilities scored at most this (0 to 10).") var maxScore: String?
    @Option(help: "Only vulnerabilities published at or after this date or timestamp.") var publishedSince: String?
    @Option(help: "Only vulnerabilities published before this date or timestamp.") var publishedBefore: String?

    enum VersionChoice: String, ExpressibleByArgument, CaseIterable {
        case last, first, all

        var selector: VersionSelector {
            switch self {
            case .last: .last
            case .first: .first
            case .all: .all
            }
        }
    }

    func validate() throws {
        if let since, STIXTimestamp(parsing: since) == nil {
            throw ValidationError("--since must be a timestamp such as 2026-01-01T00:00:00Z")
        }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        for (name, list) in [("--id", ids), ("--type", types), ("--value", values), ("--collection", collections)]
        where list.count > SearchRequest.maximumListValues {
            throw ValidationError("\(name) may be given at most \(SearchRequest.maximumListValues) times")
        }
        if values.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--value cannot be empty")
        }
    }

    func run() async throws {
        var request = SearchRequest(
            ids: ids.isEmpty ? nil : ids, types: types.isEmpty ? nil : types,
            values: values.isEmpty ? nil : values.map { $0.trimmingCharacters(in: .whitespaces) },
            collections: collections.isEmpty ? nil : collections, versions: version.selector,
            addedAfter: since.flatMap(STIXTimestamp.init(parsing:))?.microseconds)
        do {
            request.vulnerability = try VulnerabilityFilter.parse(
                cves: cves.isEmpty ? nil : cves, vendor: vendor, product: product, cwe: cwe, minimumScore: minScore,
                maximumScore: maxScore, publishedSince: publishedSince, publishedBefore: publishedBefore,
                field: { "--" + $0.replacingOccurrences(of: "_", with: "-") })
        } catch {
            throw ValidationError(error.message)
        }
        try await store.withEngine { engine in
            let service = engine.collections
            var written = 0
            var out: [UInt8] = []
            while written < limit {
                request.limit = min(limit - written, 1_000)
                let page = try await service.search(request, as: organisation, actor: "cli")
                for hit in page.hits {
                    out.removeAll(keepingCapacity: true)
                    if json { Self.writeJSON(hit, into: &out) } else { Self.writeLine(hit, into: &out) }
                    FileHandle.standardOutput.write(Data(out))
                }
                written += page.hits.count
                guard page.more, let resume = page.resumeAfter else { break }
                request.addedAfter = resume
            }
            if !json { Terminal.note("\(written) found") }
        }
    }

    static func writeJSON(_ hit: SearchHit, into out: inout [UInt8]) {
        hit.writeJSON(into: &out)
        out.append(UInt8(ascii: "\n"))
    }

    static func writeLine(_ hit: SearchHit, into out: inout [UInt8]) {
        let type = hit.record.id.prefix(while: { $0 != "-" })
        let fields = [
            STIXTimestamp.format(microseconds: hit.record.dateAdded), hit.collectionID, String(type), hit.record.id,
            STIXTimestamp.format(microseconds: hit.record.version),
        ]
        out.append(contentsOf: (fields.joined(separator: "\t") + "\n").utf8)
    }
}
