import ArgumentParser
import CybexCore
import CybexEngine
import Foundation

/// `cybex jobs`: the scheduled jobs the server processes run (docs/DEPLOYMENT.md, "Scheduled jobs").
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Show the scheduled jobs and their last runs.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                List the scheduled jobs: name, last started, last finished, outcome, duration in seconds, runs, \
                lease holder, lease expiry (- when none), tab-separated.
                """,
            discussion: """
                A job with a lease holder is running in that process (host:pid:random). Runs count the runs \
                started, interrupted ones included. --json adds the period and the last error.
                """)
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array of objects instead.") var json = false

        func run() async throws {
            let records = try await store.withEngine { try await $0.jobHistory().records() }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                let data = try encoder.encode(records.map(Entry.init))
                print(String(decoding: data, as: UTF8.self))
                return
            }
            for record in records {
                let fields = [
                    record.name, Self.time(record.lastStarted), Self.time(record.lastFinished),
                    record.lastOutcome?.rawValue ?? "-", record.lastDuration.map(Self.seconds) ?? "-", "\(record.runs)",
                    record.holder ?? "-", Self.time(record.leaseExpiresAt),
                ]
                print(fields.joined(separator: "\t"))
            }
        }

        static func time(_ microseconds: Int64?) -> String {
            microseconds.map { STIXTimestamp.format(microseconds: $0) } ?? "-"
        }

        static func seconds(_ microseconds: Int64) -> String {
            String(format: "%.3f", Double(microseconds) / 1_000_000)
        }

        /// One job as `--json` prints it.
        struct Entry: Encodable {
            var name: String
            var periodSeconds: Double
            var lastStarted: String?
            var lastFinished: String?
            var lastOutcome: String?
            var lastDurationSeconds: Double?
            var lastError: String?
            var runs: Int
            var leaseHolder: String?
            var leaseExpires: String?

            init(_ record: JobRecord) {
                name = record.name
                periodSeconds = Double(record.period) / 1_000_000
                lastStarted = record.lastStarted.map { STIXTimestamp.format(microseconds: $0) }
                lastFinished = record.lastFinished.map { STIXTimestamp.format(microseconds: $0) }
                lastOutcome = record.lastOutcome?.rawValue
                lastDurationSeconds = record.lastDuration.map { Double($0) / 1_000_000 }
                lastError = record.lastError
                runs = record.runs
                leaseHolder = record.holder
                leaseExpires = record.leaseExpiresAt.map { STIXTimestamp.format(microseconds: $0) }
            }

            enum CodingKeys: String, CodingKey {
                case name, runs
                case periodSeconds = "period_seconds"
                case lastStarted = "last_started"
                case lastFinished = "last_finished"
                case lastOutcome = "last_outcome"
                case lastDurationSeconds = "last_duration_seconds"
                case lastError = "last_error"
                case leaseHolder = "lease_holder"
                case leaseExpires = "lease_expires"
            }
        }
    }
}
