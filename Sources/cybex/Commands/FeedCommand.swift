public import ArgumentParser
public import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import Foundation

extension Feed.Format: ExpressibleByArgument {}

/// `cybex feed add|list|pull|remove`: feeds pulled on a schedule by `cybex serve`.
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Manage the feeds cybex serve pulls: CSV and plain lists, MISP feeds, TAXII 2.1 collections.",
        subcommands: [Add.self, List.self, Pull.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a feed; cybex serve pulls it when due (at once, then every --interval-minutes).",
            discussion: """
                csv: one value a row in --column (a number from 1, or a header name with --header); list: one value a \
                line. Each value becomes one indicator of the feed (made once) and one sighting of it that each pull \
                listing the value again updates (count, last seen); the values' type is --type or inferred from each. \
                misp: URL is the folder holding manifest.json; each event becomes a report with its indicators and \
                observed data. taxii: URL is the API root and --taxii-collection the collection; objects are stored as \
                they are, from the last page pulled on. csaf: URL is a CSAF provider's provider-metadata.json (the \
                aggregator mode); each advisory released since the last pull is fetched with its .sha256/.sha512, refused \
                when they do not match, checked, and stored as a report, its vulnerabilities and its VEX statements. \
                Objects are owned by --owner, stored in --collection, marked --tlp; a malformed answer stores nothing and \
                shows in cybex feed list.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The feed's name.") var name: String
        @Option(help: "csv, list, misp, taxii or csaf.") var format: Feed.Format
        @Option(help: "Where it is: http:// or https://.") var url: String
        @Option(help: "The organisation that owns what it makes.") var owner: String
        @Option(help: "The collection id its objects go into.") var collection: String
        @Option(help: "The TLP level of its objects: clear, green, amber, amber+strict or red.") var tlp: TLPLevel = .green
        @Option(help: "The confidence (0-100) of its indicators.") var confidence: Int?
        @Option(name: .customLong("label"), help: "A label of its indicators (repeat for more).") var labels: [String] = []
        @Option(help: "csv: the value's column, a number from 1 or (with --header) a name.") var column = "1"
        @Option(
            name: .customLong("type"),
            help:
                "csv, list: the values' type (ipv4-addr, ipv6-addr, domain-name, url, email-addr, md5, sha-1, sha-256, sha-512, autonomous-system); default: inferred."
        )
        var kind: String?
        @Option(help: "csv: the delimiter (one character; 'tab' for a tab).") var delimiter = ","
        @Flag(help: "csv: the first row names the columns.") var header = false
        @Option(help: "How often it is pulled, in minutes.") var intervalMinutes = 60
        @Option(help: "How often it is pulled, in seconds (overrides --interval-minutes).") var intervalSeconds: Int?
        @Option(help: "taxii: the collection id on the server.") var taxiiCollection: String?
        @Flag(help: "taxii: read USER:PASSWORD for HTTP Basic from standard input.") var credentialsStdin = false

        func run() async throws {
            var credentials: String?
            if credentialsStdin {
                credentials = readLine(strippingNewline: true)
                guard credentials?.contains(":") == true else {
                    throw CommandFailure(message: "standard input must hold USER:PASSWORD")
                }
            }
            let settings = FeedSettings(
                tlp: tlp, confidence: confidence, labels: labels, column: column, kind: kind,
                delimiter: delimiter == "tab" ? "\t" : delimiter, header: header,
                intervalSeconds: intervalSeconds ?? intervalMinutes * 60, taxiiCollection: taxiiCollection,
                credentials: credentials)
            let feed = try await store.withEngine { engine in
                try await FeedService(engine: engine, transport: AsyncHTTPTransport()).add(
                    name: name, format: format, url: url, owner: owner, collection: collection, settings: settings,
                    actor: "cli")
            }
            print(feed.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the feeds and their health.",
            discussion: """
                Lines of NAME, FORMAT, STATUS (ok, failing, new), LAST PULL, LAST SUCCESS, FAILURES, NEXT DUE, VALUES \
                and ADDED of the last pull, ERROR; --json for one JSON array, as GET /api/v1/feeds answers.
                """)
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let feeds = try await store.withEngine { engine in
                try await FeedService(engine: engine, transport: AsyncHTTPTransport()).list()
            }
            if json {
                print(JSONWriter.string(.array(feeds.map { FeedService.json($0.0, $0.1) })))
                return
            }
            func time(_ value: Int64?) -> String { value.map { STIXTimestamp.format(microseconds: $0) } ?? "-" }
            for (feed, state) in feeds {
                print(
                    [
                        feed.name, feed.format.rawValue, FeedService.status(state), time(state.lastPull), time(state.lastSuccess),
                        String(state.failures), time(state.nextDue), String(state.lastValues), String(state.lastAdded),
                        state.lastError ?? "-",
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull a feed now, due or not; exits 1 when the pull fails.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The feed's name.") var name: String

        func run() async throws {
            let report = try await store.withEngine { engine in
                try await FeedService(engine: engine, transport: AsyncHTTPTransport()).pull(name: name, actor: "cli")
            }
            print("\(report.feed)\t\(report.outcome.rawValue)\t\(report.values) read\t\(report.added) added")
            if let error = report.error { throw CommandFailure(message: error) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a feed (the objects it made stay).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The feed's name.") var name: String

        func run() async throws {
            try await store.withEngine { engine in
                try await FeedService(engine: engine, transport: AsyncHTTPTransport()).remove(name: name, actor: "cli")
            }
        }
    }
}
