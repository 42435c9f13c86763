public import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex inventory import|list`: the products an organisation runs.
struct InventoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Register and list the products (CPE or purl, with versions) an organisation runs.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the items of a CSV file or a CycloneDX SBOM to an organisation's inventory.",
            discussion: """
                CSV: a header naming the columns cpe, purl, vendor, product, version and note (any order); each line \
                gives a CPE 2.3 name, a package URL, or a vendor and a product, and optionally a version. CycloneDX: a \
                JSON SBOM (spec 1.2 to 1.6); every component with a purl or a cpe is an item. --format auto decides by \
                the content. A malformed item refuses the whole file, naming the line or JSON path. With --replace \
                the file becomes the whole inventory. Audited as organisation.add-inventory / organisation.set-inventory.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The file, or - for standard input.") var file: String
        @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String
        @Option(help: "auto, csv or cyclonedx.") var format: InventoryFormat = .auto
        @Flag(help: "Make the file the whole inventory: items not in it are removed.") var replace = false

        func run() async throws {
            let bytes = try readInput(file, what: "inventory file")
            let (items, skipped) = try Self.items(bytes, format: format, file: file)
            let change = try await store.withEngine { engine in
                try await engine.inventories.update(organisation: organisation, with: items, replacing: replace, actor: "cli")
            }
            print(
                "\(change.added) added, \(change.removed) removed, \(change.total) items"
                    + (skipped > 0 ? " (\(skipped) components without a purl or cpe skipped)" : ""))
        }

        static func items(_ bytes: [UInt8], format: InventoryFormat, file: String) throws -> ([InventoryItem], Int) {
            let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            do {
                if format == .cyclonedx || (format == .auto && first == UInt8(ascii: "{")) {
                    return try InventoryEntries.cycloneDX(bytes)
                }
                return (try InventoryEntries.csv(bytes), 0)
            } catch {
                throw CommandFailure(message: "\(file): \(error.message)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organisation's inventory.",
            discussion: "Lines of TYPE<TAB>VALUE<TAB>NOTE, CPE names first; --json for the REST API's document.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String
        @Flag(help: "Print one JSON object, as GET /api/v1/organisations/{id}/inventory answers.") var json = false

        func run() async throws {
            let (found, items) = try await store.withEngine { engine in
                try await engine.inventories.inventory(organisation: organisation)
            }
            if json {
                print(
                    JSONWriter.string(
                        .object([
                            ("organisation", .string(found.id)), ("name", .string(found.name)),
                            ("items", .array(items.map(\.json))),
                        ])))
                return
            }
            for item in items { print([item.kind.rawValue, item.value, item.note ?? ""].joined(separator: "\t")) }
        }
    }
}

enum InventoryFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, csv, cyclonedx
}

/// `cybex exposure`: which vulnerabilities affect an organisation's inventory; `--refresh` makes the duties.
struct ExposureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposure",
        abstract: "Show which vulnerabilities affect an organisation's inventory, or refresh the remediation duties.",
        discussion: """
            With --org, the organisation's exposure as its readers may see it: each vulnerability whose affected \
            products name one of its items (versions decided by the CVE version-status rules), refined by the VEX \
            statements it may read that it or an organisation above it posted. --refresh brings the remediation \
            duties in line with it (every organisation with an inventory when --org is not given), as the exposure \
            job of `cybex serve` does; new duties are queued for the organisation's digest.
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String?
    @Flag(help: "Make and update the remediation duties.") var refresh = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if !refresh && organisation == nil { throw ValidationError("give --org NAME, or --refresh") }
    }

    func run() async throws {
        if refresh {
            let report = try await store.withEngine { engine in
                try await engine.exposure().refresh(organisation: organisation, actor: "cli")
            }
            print(
                "\(report.organisations) organisations, \(report.findings) findings: \(report.created) duties created, "
                    + "\(report.changed) changed, \(report.notified) notified")
            return
        }
        let (found, findings) = try await store.withEngine { engine in
            try await engine.exposure().exposure(organisation: organisation ?? "")
        }
        if json {
            print(
                JSONWriter.string(
                    .object([
                        ("organisation", .string(found.id)), ("name", .string(found.name)),
                        ("findings", .array(findings.map(\.json))),
                    ])))
            return
        }
        for finding in findings {
            let products = finding.products.map { "\($0.item) (\($0.status))" }.joined(separator: ", ")
            print(
                [finding.name, finding.status, finding.score.map { "\($0 / 10).\($0 % 10)" } ?? "-", products].joined(
                    separator: "\t"))
        }
    }
}

extension RemediationStatus: ExpressibleByArgument {}

/// `cybex remediation list|show|set`: who owes what, by when.
struct RemediationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remediation",
        abstract: "List and change remediation duties: who owes what, by when.",
        subcommands: [List.self, Show.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List remediation duties, by due date.",
            discussion: """
                Lines of DUE<TAB>STATUS<TAB>ROLE<TAB>ORGANISATION<TAB>VULNERABILITY<TAB>ID (OVERDUE marks an open duty past \
                its due date); --json for a JSON array as GET /api/v1/remediations answers.
                """)
        @OptionGroup var store: StoreOptions
        @Flag(help: "Only open duties past their due date.") var overdue = false
        @Option(help: "Only duties of this role: equipment-vendor, software-provider, service-provider, end-user.")
        var role: EcosystemRole?
        @Option(help: "Only duties in this status.") var status: RemediationStatus?
        @Option(name: .customLong("org"), help: "Only this organisation's duties (its name).") var organisation: String?
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let (records, names) = try await store.withEngine { engine in
                var filter = RemediationService.Filter(overdue: overdue, role: role, status: status)
                if let organisation {
                    guard let found = try await engine.directory.organisation(named: organisation) else {
                        throw CommandFailure(message: "no organisation named '\(organisation)'")
                    }
                    filter.organisationID = found.id
                }
                let names = try await engine.directory.organisationNames()
                return (try await engine.remediation().list(filter), names)
            }
            let now = SystemWallClock.nowMicroseconds()
            if json {
                print(JSONWriter.string(.array(records.map { $0.json(at: now, history: false) })))
                return
            }
            for record in records {
                print(
                    [
                        STIXTimestamp.formatVersion(microseconds: record.due) + (record.isOverdue(at: now) ? " OVERDUE" : ""),
                        record.status.rawValue, record.role.rawValue, names[record.organisationID] ?? record.organisationID,
                        record.title, record.id,
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one duty with its history, as JSON.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The duty's id.") var id: String

        func run() async throws {
            let record = try await store.withEngine { engine in try await engine.remediation().record(id: id) }
            print(JSONWriter.string(record.json(at: SystemWallClock.nowMicroseconds())))
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a duty's status, role or due date, or add a note.",
            discussion: "Audited as remediation.update. A status set here is kept by later exposure refreshes.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The duty's id.") var id: String
        @Option(help: "The new status.") var status: RemediationStatus?
        @Option(help: "The responsible party's role.") var role: EcosystemRole?
        @Option(help: "The due date (2027-01-31 or a timestamp).") var due: String?
        @Option(help: "A note for the history.") var note: String?

        func run() async throws {
            var change = RemediationService.Change(status: status, role: role, note: note)
            if let due {
                guard let time = STIXTimestamp(parsing: due) ?? STIXTimestamp(parsing: due + "T00:00:00Z") else {
                    throw ValidationError("--due takes a day (2027-01-31) or a timestamp")
                }
                change.due = time.microseconds
            }
            let record = try await store.withEngine { engine in
                try await engine.remediation().update(id: id, change, actor: "cli")
            }
            print(JSONWriter.string(record.json(at: SystemWallClock.nowMicroseconds(), history: false)))
        }
    }
}
