public import CybexCore
public import CybexFormats
public import CybexStore
import Foundation

/// Onward sharing of a collection as one STIX bundle (SECURITY.md, "Onward sharing"): only what the
/// destination organisation may see (a ``ReadScope``), with granular markings redacted for it, and
/// through a redaction policy when one is given. `cybex export` writes it; `cybex redaction preview`
/// shows the same bytes. Objects are written page by page, so memory stays bounded.
public struct BundleExport: Sendable {
    public let store: any Store
    public let collection: CollectionRecord
    /// What the destination may see; nil exports everything (the operator's backup).
    public let scope: ReadScope?
    public let redactor: Redactor?
    public var types: [String]?
    /// Only these objects (a digest); nil for all.
    public var ids: [String]?
    public var latestOnly = false
    public var addedAfter: Int64?
    /// Stop after this many objects written (a preview); nil for all.
    public var limit: Int?

    public init(store: any Store, collection: CollectionRecord, scope: ReadScope?, redactor: Redactor?) {
        self.store = store
        self.collection = collection
        self.scope = scope
        self.redactor = redactor
    }

    /// What happened to the objects read.
    public struct Summary: Sendable, Hashable {
        public var written = 0
        public var redacted = 0
        public var withheld = 0
    }

    /// Writes the bundle to `sink` in chunks; `outcome` hears of every object read (its id and
    /// whether it went unchanged, redacted or was withheld).
    public func write(
        to sink: ([UInt8]) -> Void, outcome: ((String, RedactedBundle.Outcome) -> Void)? = nil
    ) async throws -> Summary {
        var renamed: Set<String> = []
        if let redactor { renamed = try await renamedIDs(by: redactor) }
        var summary = Summary()
        var query = query()
        // A bundle without objects omits the list (STIX lists are never empty).
        sink(Array(#"{"type":"bundle","id":"bundle--\#(Secrets.uuid())""#.utf8))
        pages: while true {
            var page = try await store.objects(in: collection.id, matching: query)
            if let scope { page = CollectionService.redactGranularMarkings(page, scope: scope) }
            var chunk: [UInt8] = []
            for record in page.records {
                if let limit, summary.written >= limit { break }
                var bytes = record.json
                if let redactor {
                    guard let redacted = redactor.redact(record.json, renamedIDs: renamed) else {
                        summary.withheld += 1
                        outcome?(record.id, .withheld)
                        continue
                    }
                    if redacted != record.json { summary.redacted += 1 }
                    bytes = redacted
                }
                outcome?(record.id, bytes == record.json ? .unchanged : .redacted)
                chunk.append(contentsOf: (summary.written == 0 ? #","objects":["# : ",").utf8)
                chunk.append(contentsOf: bytes)
                summary.written += 1
            }
            sink(chunk)
            if let limit, summary.written >= limit { break pages }
            guard page.more, let last = page.resumeAfter else { break }
            query.addedAfter = last
        }
        sink(Array((summary.written > 0 ? "]}\n" : "}\n").utf8))
        return summary
    }

    func query() -> ObjectQuery {
        ObjectQuery(
            ids: ids, types: types, versions: latestOnly ? .last : .all, addedAfter: addedAfter, limit: 2000, scope: scope)
    }

    /// The ids the redactor renames depending on content, over every object the export may send:
    /// addresses and urls first, then the network traffic between them (a first pass, reading only those types).
    func renamedIDs(by redactor: Redactor) async throws -> Set<String> {
        var renamed: Set<String> = []
        var traffic: [JSONValue] = []
        var query = query()
        let wanted: Set<String> = ["ipv4-addr", "ipv6-addr", "url", "network-traffic"]
        query.types = (types.map { Set($0) } ?? wanted).intersection(wanted).sorted()
        guard !(query.types ?? []).isEmpty else { return [] }
        while true {
            let page = try await store.objects(in: collection.id, matching: query)
            var objects: [JSONValue] = []
            for record in page.records {
                guard let value = try? JSONReader.parse(record.json) else { continue }
                if value["type"]?.stringValue == "network-traffic" { traffic.append(value) } else { objects.append(value) }
            }
            renamed = redactor.renamedIDs(in: objects, known: renamed)
            guard page.more, let last = page.resumeAfter else { break }
            query.addedAfter = last
        }
        return redactor.renamedIDs(in: traffic, known: renamed)
    }
}

extension BundleExport {
    /// The export of `collection` for `recipient` (nil: everything, the operator's backup) through
    /// the stored redaction policy `redaction` (nil: none): what `cybex export` and the REST export
    /// both send. Throws ``EngineError`` `.notFound` for an unknown policy.
    public static func prepare(
        store: any Store, collection: CollectionRecord, recipient: Organisation?, redaction: String?
    ) async throws -> BundleExport {
        var scope: ReadScope?
        if let recipient {
            scope = try await CollectionService(store: store).scope(of: collection, for: .organisation(recipient.id))
        }
        var redactor: Redactor?
        if let redaction { redactor = try await RedactionPolicies(store: store, actor: "").redactor(named: redaction) }
        return BundleExport(store: store, collection: collection, scope: scope, redactor: redactor)
    }

    /// Records a finished export in the audit log (`objects.export`): how many objects, for whom,
    /// through which policy; `channel` says how it left (e.g. "over REST").
    public func audit(
        _ summary: Summary, actor: String, recipient: String?, redaction: String?, channel: String? = nil
    ) async throws {
        var detail = "\(summary.written) objects" + (channel.map { " \($0)" } ?? "")
        if let recipient { detail += " for \(recipient)" }
        if let redaction { detail += "; redaction \(redaction): \(summary.redacted) redacted, \(summary.withheld) withheld" }
        try await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: actor, action: "objects.export", target: collection.id,
                detail: detail))
    }
}
