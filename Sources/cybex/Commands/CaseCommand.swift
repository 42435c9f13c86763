import ArgumentParser
import CybexCore
import CybexEngine
import Foundation

/// `cybex case`: the node's incident cases, for its operator (docs/INCIDENTS.md). Analysts work on
/// cases over REST; the command line lists and shows them.
struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "List and show incident cases.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the cases, newest first: id, reference, status, severity, classification, owner, title (tab-separated).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only cases in this status.") var status: String?
        @Flag(help: "Print JSON Lines instead, one case per line.") var json = false

        func validate() throws {
            if let status, CaseStatus(rawValue: status) == nil {
                throw ValidationError("--status is one of " + CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }

        func run() async throws {
            try await store.withEngine { engine in
                let names = Dictionary(
                    try await engine.directory.organisations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
                for record in try await engine.cases(issuer: "localhost").allCases(status: status.flatMap(CaseStatus.init)) {
                    if json {
                        print(CaseCommand.json(record, owner: names[record.ownerID] ?? record.ownerID))
                    } else {
                        print(
                            [
                                record.id, record.reference, record.status.rawValue, record.severity.rawValue,
                                record.classification?.rawValue ?? "-", names[record.ownerID] ?? record.ownerID,
                                record.title.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " "),
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one case and its timeline as JSON.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The case id (case--…).") var id: String

        func run() async throws {
            try await store.withEngine { engine in
                let (record, events) = try await engine.cases(issuer: "localhost").operatorView(id: id)
                let owner = try await engine.directory.organisations().first { $0.id == record.ownerID }?.name ?? record.ownerID
                print(CaseCommand.json(record, owner: owner, events: events))
            }
        }
    }

    static func json(_ record: CaseRecord, owner: String, events: [CaseEvent]? = nil) -> String {
        func time(_ value: Int64?) -> Any { value.map { STIXTimestamp.format(microseconds: $0) } ?? NSNull() }
        var object: [String: Any] = [
            "id": record.id, "reference": record.reference, "collection": record.collectionID, "incident": record.incidentID,
            "title": record.title, "description": record.description ?? NSNull(), "status": record.status.rawValue,
            "severity": record.severity.rawValue, "classification": record.classification?.rawValue ?? NSNull(),
            "tlp": record.tlp?.rawValue ?? NSNull(), "owner": owner, "created": time(record.created),
            "updated": time(record.updated), "triage_due": time(record.triageDue), "resolve_due": time(record.resolveDue),
            "triage_breached": time(record.triageBreached), "resolve_breached": time(record.resolveBreached),
            "links": record.links, "tasks": record.tasks.map { ["id": $0.id, "title": $0.title, "done": $0.done] },
        ]
        if let events {
            object["timeline"] = events.map {
                ["time": STIXTimestamp.format(microseconds: $0.time), "actor": $0.actor, "kind": $0.kind, "detail": $0.detail]
            }
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
