import ArgumentParser

/// `cybex`: the command line of a Cybex node.
struct CybexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cybex",
        abstract: "Cybex: cybersecurity information exchange for incident response teams (STIX 2.1, TAXII 2.1).",
        version: CybexVersion.current,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, OrgCommand.self, GroupCommand.self, UserCommand.self, TokenCommand.self,
            CollectionCommand.self, ImportCommand.self, ExportCommand.self, AuditCommand.self, RedactCommand.self,
            RedactionCommand.self, RetentionCommand.self, EraseCommand.self, SearchCommand.self, CorrelateCommand.self,
            JobsCommand.self, TraceCommand.self, ConstituencyCommand.self, EnrichmentCommand.self, FeedCommand.self,
            InventoryCommand.self, ExposureCommand.self, RemediationCommand.self, CSAFCommand.self, ReferenceCommand.self,
            PatternCommand.self, NotifyCommand.self, CaseCommand.self, PeerCommand.self, RIDCommand.self,
            CVSSCommand.self, CPECommand.self, PurlCommand.self, VersCommand.self,
        ]
    )
}

enum CybexVersion {
    static let current = "0.1.0"
}

/// Options every command takes: where the data lives.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data folder (env CYBEX_DATA).", valueName: "dir"))
    var data: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "postgres://user:pass@host:port/db for PostgreSQL; absent: SQLite in the data folder (env CYBEX_DATABASE_URL).",
            valueName: "url"))
    var database: String?
}
