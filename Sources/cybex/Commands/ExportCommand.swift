import ArgumentParser
import CybexCore
import CybexEngine
import CybexStore
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a collection's objects (every version) as one STIX 2.1 bundle to standard output.",
        discussion: """
            Without --for, everything the collection holds is written (a backup by the node's operator). With \
            --for ORG, only what that organisation may see under the sharing policy (SECURITY.md) is written: \
            use it for every export that leaves the node.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The collection id.") var collection: String
    @Option(name: .customLong("type"), help: "Only objects of this type (repeatable).") var types: [String] = []
    @Option(help: "Only objects added after this timestamp (e.g. 2026-01-01T00:00:00Z).") var addedAfter: String?
    @Flag(help: "Only the newest version of each object.") var latest = false
    @Option(name: .customLong("for"), help: "Only what this organisation may see (its name).") var recipient: String?

    func validate() throws {
        if let addedAfter, STIXTimestamp(parsing: addedAfter) == nil {
            throw ValidationError("--added-after must be a timestamp such as 2026-01-01T00:00:00Z")
        }
    }

    func run() async throws {
        try await store.withStore { store in
            guard let record = try await store.collection(id: collection) else {
                throw CommandFailure(message: "no collection with id '\(collection)'")
            }
            var scope: ReadScope?
            if let recipient {
                guard let organisation = try await store.organisation(named: recipient) else {
                    throw CommandFailure(message: "no organisation named '\(recipient)'")
                }
                scope = try await CollectionService(store: store).scope(of: record, for: .organisation(organisation.id))
            }
            var query = ObjectQuery(
                types: types.isEmpty ? nil : types, versions: latest ? .last : .all,
                addedAfter: addedAfter.flatMap(STIXTimestamp.init(parsing:))?.microseconds, limit: 5000, scope: scope)
            let out = FileHandle.standardOutput
            // A bundle without objects omits the list (STIX lists are never empty).
            out.write(Data(#"{"type":"bundle","id":"bundle--\#(Secrets.uuid())""#.utf8))
            var written = 0
            while true {
                var page = try await store.objects(in: collection, matching: query)
                if let scope { page = CollectionService.redactGranularMarkings(page, scope: scope) }
                var chunk: [UInt8] = []
                chunk.reserveCapacity(page.records.reduce(0) { $0 + $1.json.count + 1 })
                for record in page.records {
                    chunk.append(contentsOf: (written == 0 ? #","objects":["# : ",").utf8)
                    chunk.append(contentsOf: record.json)
                    written += 1
                }
                out.write(Data(chunk))
                Terminal.progress("exported \(written) objects…")
                guard page.more, let last = page.resumeAfter else { break }
                query.addedAfter = last
            }
            out.write(Data((written > 0 ? "]}\n" : "}\n").utf8))
            Terminal.endProgress()
            try await store.appendAudit(
                AuditEvent(time: Clock.nowMicroseconds(), actor: "cli", action: "objects.export", target: collection,
                    detail: "\(written) objects" + (recipient.map { " for \($0)" } ?? "")))
        }
    }
}
