public import CybexCore
import Foundation

/// The TAXII 2.1 vocabulary both sides of an exchange speak: the server's responses and a
/// client's reading of them. Small resources go through ``JSONValue``; envelopes are written
/// straight from stored object bytes, never re-serialised.
public enum TAXIIDocuments {
    public static func status(id: String, report: IngestReport, requested: Int64) -> JSONValue {
        var successes: [JSONValue] = []
        var failures: [JSONValue] = []
        for item in report.items {
            var detail: [(key: String, value: JSONValue)] = [
                ("id", .string(item.id ?? "")),
                ("version", .string(item.version ?? "")),
            ]
            switch item.outcome {
            case .added: break
            case .newVersion: detail.append(("message", .string("stored as a new version")))
            case .duplicate: detail.append(("message", .string("already in the collection; nothing changed")))
            case .rejected(let reason): detail.append(("message", .string(reason)))
            }
            if item.succeeded { successes.append(.object(detail)) } else { failures.append(.object(detail)) }
        }
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(id)),
            ("status", .string("complete")),
            ("request_timestamp", .string(STIXTimestamp.format(microseconds: requested))),
            ("total_count", .number(String(report.items.count))),
            ("success_count", .number(String(successes.count))),
            ("failure_count", .number(String(failures.count))),
            ("pending_count", .number("0")),
        ]
        if !successes.isEmpty { members.append(("successes", .array(successes))) }
        if !failures.isEmpty { members.append(("failures", .array(failures))) }
        return .object(members)
    }

    /// `{"more":…,"next":…,"objects":[…]}` from stored bytes.
    public static func envelope(_ page: ObjectPage) -> [UInt8] {
        paged(page, capacity: page.records.reduce(64) { $0 + $1.json.count + 1 }) { record, out in
            out.append(contentsOf: record.json)
        }
    }

    /// `{"more":…,"next":…,"objects":[manifest records]}`.
    public static func manifest(_ page: ObjectPage) -> [UInt8] {
        paged(page, capacity: page.records.count * 160 + 64) { record, out in
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONWriter.writeString(record.id, into: &out)
            out.append(contentsOf: #","date_added":""#.utf8)
            out.append(contentsOf: STIXTimestamp.format(microseconds: record.dateAdded).utf8)
            out.append(contentsOf: #"","version":""#.utf8)
            out.append(contentsOf: STIXTimestamp.formatVersion(microseconds: record.version).utf8)
            out.append(contentsOf: #"","media_type":"application/stix+json;version="#.utf8)
            out.append(contentsOf: record.specVersion.utf8)
            out.append(contentsOf: #""}"#.utf8)
        }
    }

    /// A page resource: `more`, `next` when there is more, and `objects` (omitted when empty,
    /// as STIX and TAXII lists are never empty), each written by `element`.
    public static func paged(
        _ page: ObjectPage, capacity: Int, element: (StoredObjectVersion, inout [UInt8]) -> Void
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        out.append(contentsOf: #"{"more":"#.utf8)
        out.append(contentsOf: (page.more ? "true" : "false").utf8)
        appendNext(page, to: &out)
        if !page.records.isEmpty {
            out.append(contentsOf: #","objects":["#.utf8)
            for (i, record) in page.records.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                element(record, &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func versions(_ page: ObjectPage) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [("more", .bool(page.more))]
        if page.more, let last = page.resumeAfter { members.append(("next", .string(PageToken.encode(last)))) }
        if !page.records.isEmpty {
            members.append(
                ("versions", .array(page.records.map { .string(STIXTimestamp.formatVersion(microseconds: $0.version)) })))
        }
        return JSONWriter.bytes(.object(members))
    }

    public static func appendNext(_ page: ObjectPage, to out: inout [UInt8]) {
        guard page.more, let last = page.resumeAfter else { return }
        out.append(contentsOf: #","next":"#.utf8)
        JSONWriter.writeString(PageToken.encode(last), into: &out)
    }
}

/// The `next` value of a page: the position (date added) after which the following page starts.
/// It holds no server state, so it stays valid across processes and concurrent writes.
public enum PageToken {
    public static func encode(_ dateAdded: Int64) -> String {
        Data("p1:\(dateAdded)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ token: String) -> Int64? {
        guard token.utf8.count < 64 else { return nil }
        var padded = token
        while padded.utf8.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8), text.hasPrefix("p1:") else {
            return nil
        }
        return Int64(text.dropFirst(3))
    }
}
