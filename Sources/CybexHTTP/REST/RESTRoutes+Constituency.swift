import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird
import NIOCore

/// Constituencies, enrichment sources and traces over REST (docs/API.md, docs/CORRELATION.md).
/// Who may read and change a constituency is ``OrganisationRecordPolicy``'s decision, made in the
/// Engine (``Constituencies``): 404 for an organisation the caller may not read, 403 for one it may
/// read but not change, decided before the body is read.
extension RESTRoutes {
    func registerConstituency(on group: RouterGroup<Context>) {
        group.get("organisations/:id/constituency") { request, context in try await constituency(request, context) }
        group.put("organisations/:id/constituency") { request, context in
            try await changeConstituency(request, context, replacing: true)
        }
        group.post("organisations/:id/constituency") { request, context in
            try await changeConstituency(request, context, replacing: false)
        }
        group.get("enrichment") { request, context in try await enrichmentSources(request, context) }
        group.post("traces") { request, context in try await trace(request, context) }
        group.get("feeds") { request, context in try await feeds(request, context) }
    }

    /// `GET /api/v1/feeds` (administrators): every feed with its health, never its credentials.
    func feeds(_ request: Request, _ context: Context) async throws -> Response {
        _ = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        let feeds = try await FeedService(engine: engine, transport: AsyncHTTPTransport()).list()
        return json(.object([("feeds", .array(feeds.map { FeedService.json($0.0, $0.1) }))]))
    }

    func constituency(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let view = try await engine.constituencies.constituency(
            ofOrganisation: try context.parameters.require("id"), for: principal)
        return json(Self.constituencyResource(view, change: nil))
    }

    /// `PUT` replaces the constituency, `POST` adds to it; the body is `{"entries": [{"type",
    /// "value", "note"}]}` (`application/json`) or a CSV file (`text/csv`) as `cybex constituency
    /// import` reads it.
    func changeConstituency(_ request: Request, _ context: Context, replacing: Bool) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        try await engine.organisationProfiles.requireAccess(toOrganisation: id, for: principal, write: true)
        let entries: [ConstituencyEntry]
        if Self.isCSV(request.headers[.contentType]) {
            let bytes = try await Self.rawBody(request, maxLength: configuration.maxContentLength)
            do {
                entries = try ConstituencyEntries.csv(bytes)
            } catch {
                throw RESTError.invalid("body", error.message)
            }
        } else {
            let body = try await readBody(request, allowed: ["entries"])
            entries = try Self.constituencyEntries(body)
        }
        let change = try await engine.constituencies.update(
            ofOrganisation: id, with: entries, replacing: replacing, by: principal)
        let view = try await engine.constituencies.constituency(ofOrganisation: id, for: principal)
        return json(Self.constituencyResource(view, change: change))
    }

    static func constituencyEntries(_ body: RESTBody) throws -> [ConstituencyEntry] {
        guard case .array(let values)? = body["entries"] else {
            throw RESTError.invalid("entries", "'entries' must be a list of {\"type\", \"value\", \"note\"} objects")
        }
        guard values.count <= ConstituencyEntry.maxEntries else {
            throw RESTError.invalid("entries", "at most \(ConstituencyEntry.maxEntries) entries")
        }
        var entries: [ConstituencyEntry] = []
        for (index, value) in values.enumerated() {
            let field = "entries[\(index)]"
            guard let members = value.objectMembers else { throw RESTError.invalid(field, "\(field) must be an object") }
            var kind: ConstituencyEntry.Kind?
            var text: String?
            var note: String?
            for (key, member) in members {
                switch (key, member) {
                case ("type", .string(let name)):
                    guard let named = ConstituencyEntry.Kind(rawValue: name) else {
                        throw RESTError.invalid("\(field).type", "'type' must be network, asn or domain")
                    }
                    kind = named
                case ("value", .string(let given)): text = given
                case ("note", .string(let given)): note = given
                case ("note", .null): note = nil
                case ("type", _), ("value", _), ("note", _):
                    throw RESTError.invalid("\(field).\(key)", "'\(key)' must be a string")
                default:
                    throw RESTError.invalid("\(field).\(key)", "unknown field '\(key)'; an entry takes type, value and note")
                }
            }
            guard let text else { throw RESTError.invalid("\(field).value", "\(field) needs a 'value'") }
            do {
                entries.append(try ConstituencyEntries.entry(kind: kind, value: text, note: note))
            } catch {
                throw RESTError.invalid("\(field).value", error.message)
            }
        }
        return entries
    }

    static func constituencyResource(_ view: Constituencies.View, change: ConstituencyChange?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("organisation", .string(view.organisation.id)), ("name", .string(view.organisation.name)),
            ("entries", .array(view.entries.map(\.json))), ("may_write", .bool(view.mayWrite)),
        ]
        if let change {
            members.append(("added", .number(String(change.added))))
            members.append(("removed", .number(String(change.removed))))
        }
        return .object(members)
    }

    static func isCSV(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "text/csv"
    }

    /// The body's bytes, 413 beyond `maxLength`.
    static func rawBody(_ request: Request, maxLength: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxLength {
            throw RESTBody.tooLarge(maxLength)
        }
        do {
            return try await RequestBytes.collect(request, upTo: maxLength)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RESTBody.tooLarge(maxLength)
        } catch is NIOTooManyBytesError {
            throw RESTBody.tooLarge(maxLength)
        }
    }

    /// `GET /api/v1/enrichment`: the loaded sources (reference data: any signed-in caller).
    func enrichmentSources(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        return json(.object([("sources", .array(try await engine.enrichment.sources().map(\.json)))]))
    }

    /// `POST /api/v1/traces` `{"value", "limit"}`: a POST, so that the value never sits in a URL
    /// that access logs keep; it needs read rights only (``TraceService``).
    func trace(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["value", "limit"])
        guard let value = try body.optionalString("value") else {
            throw RESTError.invalid("value", "'value' is required: an address, range, domain, URL, hash or AS number")
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 2_048 else {
            throw RESTError.invalid("value", "'value' must be one value of 1 to 2048 bytes")
        }
        let limit = try Self.integer(body, "limit", in: 1...CorrelationService.maximumHits) ?? 100
        return json(try await engine.trace.trace(trimmed, for: principal, limit: limit).json)
    }
}
