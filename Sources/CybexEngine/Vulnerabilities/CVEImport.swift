public import CybexCore
public import CybexFormats
import CybexStore

/// The tally of CVE records imported so far: how many were read, what became of their objects, and each
/// refused record with its reason.
public struct CVEImportTally: Sendable {
    public var records = 0
    public var added = 0
    public var newVersions = 0
    public var duplicates = 0
    /// The refused records: where each came from and why (not a CVE record, invalid JSON, a STIX violation).
    public var refused: [(label: String, reason: String)] = []

    public init() {}

    mutating func add(_ report: IngestReport) {
        added += report.added
        newVersions += report.newVersions
        duplicates += report.duplicates
    }
}

extension OperatorImport {
    /// The largest CVE record read (the biggest published ones are a few MiB).
    public static let maximumCVERecordBytes = 16 << 20

    /// How many records commit together: each batch's objects and its audit entry in one transaction.
    public static let cveBatchSize = 2_000

    /// Imports CVE JSON 5 records (``CVERecord``) as STIX vulnerability objects through the same ingest as
    /// every document: each record's bytes, with the label that names it in errors (a file, or a path in a
    /// zip). A record that is not valid JSON, not a CVE record, or whose object the STIX validator refuses
    /// is refused alone and tallied; the others commit in one transaction with their `objects.import` audit
    /// entry. Call it with batches of about ``cveBatchSize`` records.
    public func importCVERecords(_ records: [(label: String, bytes: [UInt8])], into tally: inout CVEImportTally)
        async throws
    {
        var lines: [UInt8] = []
        lines.reserveCapacity(records.reduce(0) { $0 + $1.bytes.count })
        var labels: [String: String] = [:]
        let limits = JSONLimits(maxDepth: 32, maxStringBytes: Self.maximumCVERecordBytes, maxValues: 1_000_000)
        for (label, bytes) in records {
            tally.records += 1
            guard bytes.count <= Self.maximumCVERecordBytes else {
                tally.refused.append((label, "larger than \(Self.maximumCVERecordBytes >> 20) MiB"))
                continue
            }
            let object: JSONValue
            do {
                object = try CVERecord.vulnerability(from: JSONReader.parse(bytes, limits: limits))
            } catch let error as CVERecordError {
                tally.refused.append((label, error.description))
                continue
            } catch {
                tally.refused.append((label, "not valid JSON: \(error)"))
                continue
            }
            if let id = object["id"]?.stringValue { labels[id] = label }
            JSONWriter.write(object, into: &lines)
            lines.append(UInt8(ascii: "\n"))
        }
        guard !lines.isEmpty else { return }
        let document = try STIXBundleDecoder.parse(lines, as: .jsonLines, limits: ingestor.limits)
        let report = try await importDocument(document, label: "CVE records \(records.first?.label ?? "")…")
        tally.add(report)
        for item in report.rejected {
            guard case .rejected(let reason) = item.outcome else { continue }
            tally.refused.append((item.id.flatMap { labels[$0] } ?? item.id ?? "(no id)", reason))
        }
    }
}
