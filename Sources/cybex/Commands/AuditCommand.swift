import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex audit`: read and verify the tamper-evident audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [List.self, Verify.self, Export.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit events, newest first: time, actor, action, target, detail, tab-separated.",
            discussion: "Tabs, line breaks and backslashes within a field are written as \\t, \\n, \\r and \\\\.")
        @OptionGroup var store: StoreOptions
        @Option(help: "How many events to list.") var limit: Int = 100
        @Option(help: "Only this actor's events.") var actor: String?
        @Option(help: "Only this action, or a family such as auth.* (quote it for the shell).") var action: String?
        @Option(help: "Only events on this target.") var target: String?
        @Option(help: "Only events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).") var since: String?
        @Option(help: "Only events before this time (RFC 3339).") var until: String?

        func validate() throws {
            if limit <= 0 { throw ValidationError("--limit must be a positive number") }
            _ = try time(since, "--since")
            _ = try time(until, "--until")
        }

        func time(_ text: String?, _ option: String) throws -> Int64? {
            guard let text else { return nil }
            guard let timestamp = STIXTimestamp(parsing: text) else {
                throw ValidationError("\(option) must be an RFC 3339 UTC timestamp such as 2026-11-01T00:00:00Z")
            }
            return timestamp.microseconds
        }

        func run() async throws {
            let query = AuditQuery(
                actor: actor, action: action, target: target, since: try time(since, "--since"),
                until: try time(until, "--until"),
                limit: limit)
            let events = try await store.withEngine { try await $0.directory.auditEntries(matching: query, for: nil) }.map(
                \.event)
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
            abstract: "Check the audit log's hash chain: exit 0 when intact, 1 listing every tampered entry.",
            discussion: """
                With --expect-head, also exit 1 unless the chain holds an entry with that hash at or before \
                its head: a hash recorded outside the database earlier (from 'cybex audit export' or the \
                audit_head table) that a rewritten or truncated log no longer contains.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "An entry hash (64 hex digits) the chain must contain.") var expectHead: String?

        func validate() throws {
            if let expectHead, expectHead.utf8.count != 64 || !expectHead.utf8.allSatisfy(Export.isLowerHex) {
                throw ValidationError("--expect-head must be an entry hash: 64 lower-case hex digits")
            }
        }

        func run() async throws {
            let (result, found) = try await store.withEngine { engine -> (AuditVerification, Int64?) in
                let result = try await engine.directory.verifyAuditChain(for: nil)
                guard result.isIntact, let expectHead else { return (result, nil) }
                var after: Int64 = 0
                while after < Int64(result.entries) {
                    let page = try await engine.directory.auditEntries(after: after, limit: 1000)
                    if let entry = page.first(where: { $0.hash == expectHead && $0.seq <= Int64(result.entries) }) {
                        return (result, entry.seq)
                    }
                    guard let last = page.last else { break }
                    after = last.seq
                }
                return (result, nil)
            }
            if let failure = result.failure {
                // Every broken entry on standard output, one a line; the first on standard error.
                for broken in result.failures { print("broken entry \(broken.seq): \(broken)") }
                let more =
                    result.failures.count > 1 ? " (\(result.failures.count) broken entries, listed on standard output)" : ""
                throw CommandFailure(message: "audit log tampered at entry \(failure.seq): \(failure)\(more)")
            }
            if let expectHead {
                guard let found else {
                    throw CommandFailure(
                        message: "audit log does not contain the expected entry \(expectHead) at or before its head "
                            + "(entry \(result.entries)): it was rewritten or truncated")
                }
                print("audit log intact: \(result.entries) entries")
                print("expected entry found: seq \(found)")
                return
            }
            print("audit log intact: \(result.entries) entries")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the audit log as JSON Lines, oldest first, with the hash chain (SECURITY.md).",
            discussion: """
                One object per line: seq, time (RFC 3339, microseconds, UTC), time_us (the integer the hash \
                covers), actor, action, target, detail, prev_hash, hash. An outside verifier can recompute \
                every hash from the other fields.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "Only entries after this sequence number.") var since: Int64 = 0
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func validate() throws {
            if since < 0 { throw ValidationError("--since must be a sequence number (0 or more)") }
        }

        func run() async throws {
            let sink: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw CommandFailure(message: "cannot create \(output)")
                }
                guard let handle = FileHandle(forWritingAtPath: output) else {
                    throw CommandFailure(message: "cannot write \(output)")
                }
                sink = handle
            } else {
                sink = FileHandle.standardOutput
            }
            defer { if output != nil { try? sink.close() } }
            try await store.withEngine { engine in
                var after = since
                while true {
                    let page = try await engine.directory.auditEntries(after: after, limit: 1000)
                    var bytes: [UInt8] = []
                    for entry in page {
                        bytes += JSONWriter.bytes(Self.line(entry))
                        bytes.append(0x0A)
                    }
                    try sink.write(contentsOf: bytes)
                    guard let last = page.last, page.count == 1000 else { break }
                    after = last.seq
                }
            }
        }

        static func line(_ entry: AuditEntry) -> JSONValue {
            let event = entry.event
            return .object([
                ("seq", .number(String(entry.seq))),
                ("time", .string(STIXTimestamp.format(microseconds: event.time, fractionDigits: 6))),
                ("time_us", .number(String(event.time))),
                ("actor", .string(event.actor)),
                ("action", .string(event.action)),
                ("target", .string(event.target)),
                ("detail", .string(event.detail)),
                ("prev_hash", entry.prevHash.map(JSONValue.string) ?? .null),
                ("hash", entry.hash.map(JSONValue.string) ?? .null),
            ])
        }

        static func isLowerHex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
        }
    }
}
