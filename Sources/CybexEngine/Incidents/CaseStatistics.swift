public import CybexCore
import CybexStore
import Foundation

/// Counts and times of the cases a viewer may see (docs/INCIDENTS.md, "Statistics"): by
/// classification, status, sector and constituent (the reporter, else the handling organisation),
/// and month opened; mean and median time to triage and to close; SLA breaches. A case the viewer
/// may not see is not counted: statistics are a read through the same rule as ``CaseService``'s.
public struct CaseStatistics: Sendable, Equatable {
    public var total = 0
    public var byClassification: [String: Int] = [:]
    /// RSIT classes (`rsit:fraud`, …).
    public var byRSIT: [String: Int] = [:]
    public var byStatus: [String: Int] = [:]
    public var bySector: [String: Int] = [:]
    public var byConstituent: [String: Int] = [:]
    /// `YYYY-MM` of opening.
    public var byMonth: [String: Int] = [:]
    /// Seconds, over the cases triaged / closed.
    public var timeToTriage: Timing?
    public var timeToClose: Timing?
    public var triageBreaches = 0
    public var resolutionBreaches = 0

    public struct Timing: Sendable, Equatable {
        public var count: Int
        public var mean: Double
        public var median: Double
    }

    static func timing(_ values: [Int64]) -> Timing? {
        guard !values.isEmpty else { return nil }
        let seconds = values.map { Double($0) / 1_000_000 }.sorted()
        let middle = seconds.count / 2
        let median = seconds.count % 2 == 1 ? seconds[middle] : (seconds[middle - 1] + seconds[middle]) / 2
        return Timing(count: seconds.count, mean: seconds.reduce(0, +) / Double(seconds.count), median: median)
    }

    /// The statistics as CSV: `dimension,key,value` rows.
    public var csv: String {
        var rows = ["dimension,key,value", "total,,\(total)"]
        for (dimension, counts) in [
            ("classification", byClassification), ("rsit", byRSIT), ("status", byStatus), ("sector", bySector),
            ("constituent", byConstituent), ("month", byMonth),
        ] {
            for (key, count) in counts.sorted(by: { $0.key < $1.key }) { rows.append("\(dimension),\(Self.field(key)),\(count)") }
        }
        for (name, timing) in [("time_to_triage", timeToTriage), ("time_to_close", timeToClose)] {
            guard let timing else { continue }
            rows.append("\(name),count,\(timing.count)")
            rows.append("\(name),mean_seconds,\(timing.mean)")
            rows.append("\(name),median_seconds,\(timing.median)")
        }
        rows.append("sla_breaches,triage,\(triageBreaches)")
        rows.append("sla_breaches,resolution,\(resolutionBreaches)")
        return rows.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is prefixed with `'` so
    /// that a spreadsheet never reads it as a formula.
    static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension CaseService {
    /// The statistics of the cases `principal` may see that were opened in `[from, to)` (either
    /// bound optional, microseconds).
    public func statistics(for principal: Principal, from: Int64? = nil, to: Int64? = nil) async throws -> CaseStatistics {
        var statistics = CaseStatistics()
        var triage: [Int64] = []
        var close: [Int64] = []
        var names: [String: (name: String, sectors: [String])] = [:]
        func organisation(_ id: String) async throws -> (name: String, sectors: [String]) {
            if let known = names[id] { return known }
            let name = try await store.organisation(id: id)?.name ?? id
            let sectors = try await store.organisationProfile(id: id)?.sectors.map(\.rawValue) ?? []
            names[id] = (name, sectors)
            return (name, sectors)
        }
        for view in try await list(for: principal) {
            let record = view.record
            if let from, record.created < from { continue }
            if let to, record.created >= to { continue }
            statistics.total += 1
            statistics.byClassification[record.classification?.rawValue ?? "unclassified", default: 0] += 1
            statistics.byRSIT[record.classification.map { "rsit:" + $0.rsit.class } ?? "unclassified", default: 0] += 1
            statistics.byStatus[record.status.rawValue, default: 0] += 1
            let constituent = try await organisation(record.reporterID ?? record.ownerID)
            statistics.byConstituent[constituent.name, default: 0] += 1
            for sector in constituent.sectors.isEmpty ? ["unknown"] : constituent.sectors {
                statistics.bySector[sector, default: 0] += 1
            }
            statistics.byMonth[String(STIXTimestamp.format(microseconds: record.created).prefix(7)), default: 0] += 1
            if let triaged = record.triaged { triage.append(triaged - record.created) }
            if let closed = record.closed { close.append(closed - record.created) }
            if view.full {
                if record.triageBreached != nil { statistics.triageBreaches += 1 }
                statistics.resolutionBreaches += record.earlierResolveBreaches + (record.resolveBreached != nil ? 1 : 0)
            }
        }
        statistics.timeToTriage = CaseStatistics.timing(triage)
        statistics.timeToClose = CaseStatistics.timing(close)
        return statistics
    }
}
