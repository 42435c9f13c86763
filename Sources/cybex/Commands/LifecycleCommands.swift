import ArgumentParser
import CybexCore
import CybexEngine

/// `cybex retention`: how long objects are kept (SECURITY.md, "Data lifecycle").
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "Manage retention policies and apply them.",
        subcommands: [Add.self, List.self, Remove.self, Run.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a retention policy and print its id.",
            discussion: """
                A policy removes, from every collection, the object versions of the given types and TLP levels \\
                (all when none is given) that were added more than --purge-after-days ago, or whose valid_until \\
                is more than --expire-grace-days past (indicators). Run it with `cybex retention run`; \\
                `cybex serve` also runs every policy hourly.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The policy's name.") var name: String
        @Option(name: .customLong("type"), help: "A STIX type it applies to (repeatable; default every type).")
        var types: [String] = []
        @Option(name: .customLong("tlp"), help: "A TLP level it applies to (repeatable; default every level).")
        var levels: [TLPLevel] = []
        @Option(help: "Remove versions added more than this many days ago.") var purgeAfterDays: Int?
        @Option(help: "Remove versions whose valid_until is more than this many days past.") var expireGraceDays: Int?

        func validate() throws {
            if purgeAfterDays == nil && expireGraceDays == nil {
                throw ValidationError("give --purge-after-days, --expire-grace-days or both")
            }
        }

        func run() async throws {
            let policy = try await store.withEngine { engine in
                try await engine.lifecycle(actor: "cli").addPolicy(
                    name: name, types: types, levels: levels, purgeAfterDays: purgeAfterDays, expireGraceDays: expireGraceDays)
            }
            print(policy.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List retention policies: name, types, levels, purge days, expiry grace days (- when unset).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                for policy in try await engine.directory.retentionPolicies() {
                    let types = policy.types.isEmpty ? "*" : policy.types.joined(separator: ",")
                    let levels = policy.levels.isEmpty ? "*" : policy.levels.map(\.rawValue).joined(separator: ",")
                    let purge = policy.purgeAfterDays.map(String.init) ?? "-"
                    let grace = policy.expireGraceDays.map(String.init) ?? "-"
                    print("\(policy.name)\t\(types)\t\(levels)\t\(purge)\t\(grace)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a retention policy.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The policy's name.") var name: String

        func run() async throws {
            try await store.withEngine { engine in
                try await engine.lifecycle(actor: "cli").removePolicy(named: name)
            }
            print("removed retention policy \(name)")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply every retention policy now: prints policy, collection and how many versions were removed.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Only list what would be removed (policy, collection, object id, version), removing nothing.")
        var dryRun = false

        func run() async throws {
            try await store.withEngine { engine in
                let outcomes = try await engine.lifecycle(actor: "cli").applyRetention(dryRun: dryRun)
                for outcome in outcomes {
                    if dryRun {
                        for version in outcome.removed {
                            print(
                                "\(outcome.policy.name)\t\(outcome.collectionID)\t\(version.id)\t\(Self.format(version.version))")
                        }
                    } else {
                        print("\(outcome.policy.name)\t\(outcome.collectionID)\t\(outcome.removed.count)")
                    }
                }
                let total = outcomes.reduce(0) { $0 + $1.removed.count }
                Terminal.note(dryRun ? "\(total) object versions would be removed" : "\(total) object versions removed")
            }
        }

        static func format(_ version: Int64) -> String {
            version == unversionedKey ? "-" : STIXTimestamp.format(microseconds: version)
        }
    }
}

/// `cybex erase`: a data-protection request — remove everything tied to one person's identifier.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract:
            "Remove every object version tied to an identifier (e-mail address, account, IP address…) from every collection.",
        discussion: """
            An object version is tied to the identifier when one of its observables has that value or the text \\
            appears anywhere in it (case-insensitive). Run with --dry-run first: it lists what would go. The audit \\
            log records a SHA-256 of the identifier and the count, never the identifier itself.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The identifier, e.g. an e-mail address.") var identifier: String
    @Flag(help: "Only list what would be removed (collection, object id, version), removing nothing.") var dryRun = false

    func run() async throws {
        try await store.withEngine { engine in
            let removed = try await engine.lifecycle(actor: "cli").erase(identifier: identifier, dryRun: dryRun)
            for version in removed {
                print("\(version.collectionID)\t\(version.id)\t\(RetentionCommand.Run.format(version.version))")
            }
            Terminal.note(
                dryRun ? "\(removed.count) object versions would be removed" : "\(removed.count) object versions removed")
        }
    }
}
