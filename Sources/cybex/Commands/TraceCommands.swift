public import ArgumentParser
public import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex constituency import|list`: the networks, AS numbers and domains an organisation is responsible for.
struct ConstituencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "constituency",
        abstract: "Register and list the networks, AS numbers and domains an organisation is responsible for.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the entries of a CSV file to an organisation's constituency.",
            discussion: """
                The file has a header naming its columns — value (required), type (network, asn or domain) and note, in \
                any order — or no header, with the value first and a note second. A missing type is inferred: an \
                address or CIDR range is a network, AS64500 an AS, anything else a domain. Lines starting with # are \
                comments; - reads standard input. Values are normalised (ranges masked, domains in lower-case \
                A-labels). A malformed line refuses the whole file, naming the line. With --replace the file becomes \
                the whole constituency. Audited as organisation.add-constituency / organisation.set-constituency.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The CSV file, or - for standard input.") var file: String
        @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String
        @Flag(help: "Make the file the whole constituency: entries not in it are removed.") var replace = false

        func run() async throws {
            let bytes = try readInput(file, what: "constituency file")
            let entries: [ConstituencyEntry]
            do {
                entries = try ConstituencyEntries.csv(bytes)
            } catch {
                throw CommandFailure(message: "\(file): \(error.message)")
            }
            let change = try await store.withEngine { engine in
                try await engine.constituencies.update(
                    organisation: organisation, with: entries, replacing: replace, actor: "cli")
            }
            print("\(change.added) added, \(change.removed) removed, \(change.total) entries")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organisation's constituency.",
            discussion: "Lines of TYPE<TAB>VALUE<TAB>NOTE, networks first; --json for the REST API's document.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String
        @Flag(help: "Print one JSON object, as GET /api/v1/organisations/{id}/constituency answers.") var json = false

        func run() async throws {
            let (found, entries) = try await store.withEngine { engine in
                try await engine.constituencies.constituency(organisation: organisation)
            }
            if json {
                print(
                    JSONWriter.string(
                        .object([
                            ("organisation", .string(found.id)), ("name", .string(found.name)),
                            ("entries", .array(entries.map(\.json))),
                        ])))
                return
            }
            for entry in entries { print([entry.kind.rawValue, entry.value, entry.note ?? ""].joined(separator: "\t")) }
        }
    }
}

extension EnrichmentFormat: ExpressibleByArgument {}

/// `cybex enrichment load|list|remove`: the offline tables a trace names networks, AS numbers and countries from.
struct EnrichmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrichment",
        abstract: "Load the offline tables that map addresses to AS numbers, countries and holders.",
        subcommands: [Load.self, List.self, Remove.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load ip2asn or RIR delegated statistics files, replacing the source they go into.",
            discussion: """
                ip2asn: the tab-separated table range_start, range_end, AS_number, country_code, AS_description \
                (ip2asn-v4.tsv, -v6, -combined). rir-delegated: the RIR statistics exchange format \
                (delegated-<registry>-extended-latest and the older form), several files at once for the five RIRs. \
                The files replace the source (default: the format's name) in one transaction; a malformed line \
                refuses everything, naming the file and line. Audited as enrichment.load.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "ip2asn or rir-delegated.") var format: EnrichmentFormat
        @Option(help: "The source's name (default: the format's name).") var source: String?
        @Argument(help: "The files.") var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one FILE") }
        }

        func run() async throws {
            let read = try files.map { (name: $0, bytes: try readInput($0, what: "enrichment file")) }
            let loaded = try await store.withEngine { engine in
                try await engine.enrichment.load(format: format, files: read, source: source, actor: "cli")
            }
            print("\(loaded.name)\t\(loaded.format.rawValue)\t\(loaded.ranges) address ranges\t\(loaded.asns) AS ranges")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the loaded sources: name, format, when, address ranges, AS ranges.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let sources = try await store.withEngine { engine in try await engine.enrichment.sources() }
            if json {
                print(JSONWriter.string(.array(sources.map(\.json))))
                return
            }
            for source in sources {
                print(
                    [
                        source.name, source.format.rawValue, STIXTimestamp.format(microseconds: source.loaded),
                        String(source.ranges), String(source.asns),
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a loaded source.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The source's name.") var name: String

        func run() async throws {
            try await store.withEngine { engine in try await engine.enrichment.remove(source: name, actor: "cli") }
        }
    }
}

/// `cybex trace VALUE`: where a value comes from and who must be told.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace an address, range, domain, URL, hash or AS number: sightings, network, AS, country, constituent.",
        discussion: """
            Prints every visible object that carries the value (as cybex correlate), the reports and groupings that \
            reference them, first and last seen, what the enrichment tables say of the address and its AS (range, AS, \
            country, holder; AS 0 of ip2asn: not routed), the organisations whose constituency holds it (the most \
            specific first) with their abuse contact, and the cluster of shared infrastructure around it. Without \
            --for, every collection and constituent (the operator; audited as objects.trace with the value hashed); \
            with --for ORG, exactly what that organisation may see, as POST /api/v1/traces answers its users.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The value.") var value: String
    @Option(name: .customLong("for"), help: "Only what this organisation may see (its name).") var organisation: String?
    @Option(help: "At most this many objects (1 to 1000).") var limit = 100
    @Flag(help: "The result as one JSON document.") var json = false

    func validate() throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.utf8.count > 2_048 { throw ValidationError("VALUE must be one value of 1 to 2048 bytes") }
        if !(1...CorrelationService.maximumHits).contains(limit) {
            throw ValidationError("--limit must be from 1 to \(CorrelationService.maximumHits)")
        }
    }

    func run() async throws {
        let result = try await store.withEngine { engine in
            try await engine.trace.trace(value, as: organisation, actor: "cli", limit: limit)
        }
        if json {
            print(JSONWriter.string(result.json))
            return
        }
        var lines: [String] = []
        lines.append("value\t\(result.value)")
        for observable in result.correlation.observables {
            lines.append("observable\t\(observable.kind.rawValue)\t\(observable.value)")
        }
        lines.append("first_seen\t\(result.firstSeen.map { STIXTimestamp.format(microseconds: $0) } ?? "-")")
        lines.append("last_seen\t\(result.lastSeen.map { STIXTimestamp.format(microseconds: $0) } ?? "-")")
        for fact in result.network + result.autonomousSystems {
            let asn = fact.asn.map { $0 == 0 ? "not routed" : "AS\($0)" } ?? "-"
            lines.append(
                ["network", fact.source, fact.range, asn, fact.country ?? "-", fact.owner ?? fact.holder ?? "-"].joined(
                    separator: "\t"))
        }
        for constituent in result.constituents {
            let contact = constituent.contact.map { $0.email ?? $0.phone ?? $0.url ?? "-" } ?? "-"
            lines.append(
                [
                    "constituent", constituent.name,
                    constituent.matched.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ","), contact,
                ]
                .joined(separator: "\t"))
        }
        for hit in result.correlation.hits {
            lines.append(
                [
                    "hit", hit.type, hit.id, STIXTimestamp.format(microseconds: hit.lastSeen), "sightings=\(hit.sightings)",
                    hit.collections.joined(separator: ","),
                ].joined(separator: "\t"))
        }
        for reference in result.referencedBy {
            lines.append(
                ["referenced_by", reference.type, reference.id, reference.references.joined(separator: ",")].joined(
                    separator: "\t"))
        }
        lines.append("cluster\t\(result.cluster.objects.count) objects\t\(result.cluster.shared.count) shared values")
        print(lines.joined(separator: "\n"))
    }
}

/// The bytes of `path`, or of standard input for `-`.
func readInput(_ path: String, what: String) throws -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw CommandFailure(message: "cannot read \(what) \(path)")
    }
}
