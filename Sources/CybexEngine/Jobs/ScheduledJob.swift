public import CybexCore
import CybexStore
import Foundation

/// A job the ``JobRunner`` runs once per `period` across every process on the database.
///
/// ```swift
/// let job = ScheduledJob(name: "retention", period: .seconds(3600)) { lease in
///     _ = try await lifecycle.runRetention(lease)
/// }
/// ```
public struct ScheduledJob: Sendable {
    /// The job's name, its key in the store (`cybex jobs list` shows it).
    public var name: String
    /// How often the job runs: a run starts no sooner than this after the previous run started.
    public var period: Duration
    /// The work of one run; it is given the lease it runs under. Throwing records the run as failed.
    public var action: @Sendable (JobLease) async throws -> Void

    public init(name: String, period: Duration, action: @escaping @Sendable (JobLease) async throws -> Void) {
        self.name = name
        self.period = period
        self.action = action
    }

    /// The identity a process holds leases under: host, process id and a random part (a restarted
    /// process with the same id is another holder).
    public static func processIdentity() -> String {
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }
}

extension Duration {
    /// The duration in microseconds, the store's unit.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
