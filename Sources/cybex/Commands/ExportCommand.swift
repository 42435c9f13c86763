import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write a collection's objects (every version) as one STIX 2.1 bundle, or its incidents as IODEF v2, to standard output.",
        discussion: """
            Without --for, everything the collection holds is written (a backup by the node's operator). With \
            --for ORG, only what that organisation may see under the sharing policy (SECURITY.md) is written, with \
            granular markings it may not see removed: use it for every export that leaves the node. --redaction \
            NAME applies a stored redaction policy (see `cybex redaction`).
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The collection id.") var collection: String
    @Option(name: .customLong("type"), help: "Only objects of this type (repeatable).") var types: [String] = []
    @Option(help: "Only objects added after this timestamp (e.g. 2026-01-01T00:00:00Z).") var addedAfter: String?
    @Flag(help: "Only the newest version of each object.") var latest = false
    @Option(name: .customLong("for"), help: "Only what this organisation may see (its name).") var recipient: String?
    @Option(help: "Apply this stored redaction policy.") var redaction: String?
    @Option(help: "stix (a STIX 2.1 bundle) or iodef (an IODEF v2 document of the newest version of each incident).")
    var format: ExportFormat = .stix
    @Option(help: "With --format iodef: the name (a DNS name) that issues the IncidentID of incidents made in STIX.")
    var issuer: String = ProcessInfo.processInfo.hostName

    func validate() throws {
        if let addedAfter, STIXTimestamp(parsing: addedAfter) == nil {
            throw ValidationError("--added-after must be a timestamp such as 2026-01-01T00:00:00Z")
        }
    }

    func run() async throws {
        try await store.withEngine { engine in
            var export = try await Self.bundleExport(
                engine: engine, collection: collection, recipient: recipient, redaction: redaction)
            export.types = types.isEmpty ? nil : types
            export.latestOnly = latest
            export.addedAfter = addedAfter.flatMap(STIXTimestamp.init(parsing:))?.microseconds
            if format == .iodef { return try await writeIODEF(export) }
            let out = FileHandle.standardOutput
            var written = 0
            let summary = try await export.write(to: { chunk in
                out.write(Data(chunk))
                written += 1
                if written % 10 == 0 { Terminal.progress("exported \(written) pages…") }
            })
            Terminal.endProgress()
            try await export.audit(summary, actor: "cli", recipient: recipient, redaction: redaction)
        }
    }

    /// The incidents the export lets through, as one IODEF document on standard output: the same
    /// sharing policy, redaction and audit as a STIX export.
    func writeIODEF(_ bundleExport: BundleExport) async throws {
        var export = bundleExport
        export.types = ["incident"]
        export.latestOnly = true
        var bundle: [UInt8] = []
        let summary = try await export.write(to: { bundle.append(contentsOf: $0) })
        let objects = (try? JSONReader.parse(bundle))?["objects"]?.arrayValue ?? []
        guard let xml = try IODEFExchange.document(of: objects, issuer: issuer, creator: { _ in issuer }) else {
            throw CommandFailure(
                message: "collection '\(collection)' holds no incident\(recipient.map { " that \($0) may see" } ?? "")")
        }
        FileHandle.standardOutput.write(Data(xml))
        try await export.audit(summary, actor: "cli", recipient: recipient, redaction: redaction)
    }

    /// The export of `collection` for `recipient` (an organisation name; nil: everything) through the
    /// stored redaction policy `redaction`, shared with `cybex redaction preview`.
    static func bundleExport(engine: Engine, collection: String, recipient: String?, redaction: String?) async throws
        -> BundleExport
    {
        let record = try await engine.directory.collection(id: collection)
        var organisation: Organisation?
        if let recipient {
            guard let found = try await engine.directory.organisation(named: recipient) else {
                throw CommandFailure(message: "no organisation named '\(recipient)'")
            }
            organisation = found
        }
        return try await engine.bundleExport(of: record, for: organisation, redaction: redaction)
    }
}

/// What `cybex export --format` names.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case stix, iodef
}

/// `cybex redaction`: stored redaction policies, per destination, and the preview of what a
/// destination would receive (SECURITY.md, "PII redaction and granular markings").
struct RedactionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redaction", abstract: "Manage stored redaction policies and preview what a destination receives.",
        subcommands: [Add.self, List.self, Remove.self, Preview.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a redaction policy (JSON file) with a new random pseudonymisation key; print its id.")
        @OptionGroup var store: StoreOptions
        @Option(help: ArgumentHelp("The policy document (JSON).", valueName: "file")) var policy: String

        func run() async throws {
            guard let document = FileManager.default.contents(atPath: policy), document.count <= 1 << 20 else {
                throw CommandFailure(message: "cannot read policy \(policy) (at most 1 MiB)")
            }
            let stored = try await store.withEngine { engine in
                try await engine.redactionPolicies(actor: "cli").add(document: [UInt8](document))
            }
            print(stored.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List redaction policies: name, destination, rules.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                let policies = engine.redactionPolicies(actor: "cli")
                for stored in try await engine.directory.redactionPolicies() {
                    let rules = try await policies.redactor(named: stored.name).policy.rules.map(\.name).joined(separator: ",")
                    print("\(stored.name)\t\(stored.destination)\t\(rules)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a redaction policy (and its key).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The policy's name.") var name: String

        func run() async throws {
            try await store.withEngine { engine in try await engine.redactionPolicies(actor: "cli").remove(named: name) }
            print("removed redaction policy \(name)")
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print exactly what `cybex export --redaction NAME` would send, and each object's outcome on standard error.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The policy's name.") var name: String
        @Option(help: "The collection id.") var collection: String
        @Option(name: .customLong("for"), help: "The destination organisation (its name); absent: everything.")
        var recipient: String?
        @Option(help: "At most this many objects.") var limit = 100

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await store.withEngine { engine in
                var export = try await ExportCommand.bundleExport(
                    engine: engine, collection: collection, recipient: recipient, redaction: name)
                export.limit = limit
                var outcomes = ""
                let summary = try await export.write(
                    to: { FileHandle.standardOutput.write(Data($0)) },
                    outcome: { id, outcome in outcomes += "\(outcome.rawValue)\t\(id)\n" })
                FileHandle.standardError.write(Data(outcomes.utf8))
                Terminal.note("\(summary.written) sent (\(summary.redacted) redacted), \(summary.withheld) withheld")
            }
        }
    }
}
