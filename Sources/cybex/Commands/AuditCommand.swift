import ArgumentParser
import CybexCore
import CybexStore

/// `cybex audit`: read and verify the tamper-evident audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [List.self, Verify.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit events, newest first: time, actor, action, target, detail, tab-separated.",
            discussion: "Tabs, line breaks and backslashes within a field are written as \\t, \\n, \\r and \\\\.")
        @OptionGroup var store: StoreOptions
        @Option(help: "How many events to list.") var limit: Int = 100

        func validate() throws {
            if limit <= 0 { throw ValidationError("--limit must be a positive number") }
        }

        func run() async throws {
            let events = try await store.withStore { try await $0.auditEvents(limit: limit) }
            for event in events {
                let fields = [
                    STIXTimestamp.format(microseconds: event.time), event.actor, event.action, event.target,
                    event.detail,
                ]
                print(fields.map(Self.escaped).joined(separator: "\t"))
            }
        }

        /// `field` with the characters that would break a tab-separated line escaped.
        static func escaped(_ field: String) -> String {
            var text = ""
            for character in field.unicodeScalars {
                switch character {
                case "\\": text += "\\\\"
                case "\t": text += "\\t"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                default: text.unicodeScalars.append(character)
                }
            }
            return text
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log's hash chain: exit 0 when intact, 1 naming the first tampered entry.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let result = try await store.withStore { try await $0.verifyAuditChain() }
            if let failure = result.failure {
                throw CommandFailure(message: "audit log tampered at entry \(failure.seq): \(failure)")
            }
            print("audit log intact: \(result.entries) entries")
        }
    }
}
