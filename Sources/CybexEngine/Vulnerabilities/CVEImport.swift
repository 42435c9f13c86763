import CybexCore
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

/// CVE records converted to STIX and written as JSON Lines, ready for the ingest: what
/// ``OperatorImport/prepareCVERecords(_:scores:)`` makes off the store, so that the next batch is converted
/// while the one before is stored.
public struct PreparedCVERecords: Sendable {
    /// The vulnerability objects, already validated.
    let document: ParsedDocument
    /// Where each object's record came from, by STIX id.
    let labels: [String: String]
    /// The records refused before the ingest, with why.
    let refused: [(label: String, reason: String)]
    let records: Int
    /// The first record's label, naming the batch in the audit log.
    let first: String
}

extension OperatorImport {
    /// The largest CVE record read (the biggest published ones are a few MiB).
    public static let maximumCVERecordBytes = 16 << 20

    /// How many records commit together: each batch's objects and its audit entry in one transaction.
    public static let cveBatchSize = 5_000

    /// Converts CVE JSON 5 records (``CVERecord``), each with the label that names it in errors (a file, or a
    /// path in a zip), into STIX vulnerability objects; a record that is too large, not JSON or not a valid
    /// CVE record is set aside with its reason. Reads nothing stored: run it beside the ingest of the batch
    /// before.
    public static func prepareCVERecords(_ records: [(label: String, bytes: [UInt8])], scores: CVSSScoreCache)
        -> PreparedCVERecords
    {
        var objects: [JSONValue] = []
        objects.reserveCapacity(records.count)
        var labels: [String: String] = [:]
        var refused: [(label: String, reason: String)] = []
        let limits = JSONLimits(maxDepth: 32, maxStringBytes: maximumCVERecordBytes, maxValues: 1_000_000)
        for (label, bytes) in records {
            guard bytes.count <= maximumCVERecordBytes else {
                refused.append((label, "larger than \(maximumCVERecordBytes >> 20) MiB"))
                continue
            }
            let object: JSONValue
            do {
                object = try CVERecord.vulnerability(from: JSONReader.parse(bytes, limits: limits), scores: scores)
            } catch let error as CVERecordError {
                refused.append((label, error.description))
                continue
            } catch {
                refused.append((label, "not valid JSON: \(error)"))
                continue
            }
            if let id = object["id"]?.stringValue { labels[id] = label }
            objects.append(object)
        }
        return PreparedCVERecords(
            document: ParsedDocument(objects: objects), labels: labels, refused: refused, records: records.count,
            first: records.first?.label ?? "")
    }

    /// Stores prepared records through the same ingest as every document: the objects the STIX validator
    /// refuses are tallied as refused records; the others commit in one transaction with their
    /// `objects.import` audit entry.
    public func importCVERecords(_ prepared: PreparedCVERecords, into tally: inout CVEImportTally) async throws {
        tally.records += prepared.records
        tally.refused += prepared.refused
        guard prepared.document.count > 0 else { return }
        let report = try await importDocument(prepared.document, label: "CVE records \(prepared.first)…")
        tally.add(report)
        for item in report.rejected {
            guard case .rejected(let reason) = item.outcome else { continue }
            tally.refused.append((item.id.flatMap { prepared.labels[$0] } ?? item.id ?? "(no id)", reason))
        }
    }

    /// Converts and stores one batch of records (``prepareCVERecords(_:scores:)``, then
    /// ``importCVERecords(_:into:)-(PreparedCVERecords,_)``).
    public func importCVERecords(
        _ records: [(label: String, bytes: [UInt8])], into tally: inout CVEImportTally, scores: CVSSScoreCache = CVSSScoreCache()
    ) async throws {
        try await importCVERecords(Self.prepareCVERecords(records, scores: scores), into: &tally)
    }
}
