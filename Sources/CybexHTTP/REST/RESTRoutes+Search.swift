import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird

/// `GET /api/v1/objects`: search across every collection the caller may read, through
/// ``CollectionService/search(_:for:)`` (each collection under the sharing policy, as its own
/// object list is read).
extension RESTRoutes {
    func registerSearch(on group: RouterGroup<Context>) {
        group.get("objects") { request, context in try await search(request, context) }
        group.post("correlations") { request, context in try await correlate(request, context) }
        group.post("correlations/clusters") { request, context in try await cluster(request, context) }
    }

    /// `POST /api/v1/correlations/clusters` `{"value"|"object", "depth", "objects"}`: the cluster of
    /// shared infrastructure around the subject, as the caller may see it.
    func cluster(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["value", "object", "depth", "objects"])
        let subject = try Self.correlationSubject(body)
        let depth = try Self.integer(body, "depth", in: 1...CorrelationService.maximumClusterDepth) ?? 3
        let objects = try Self.integer(body, "objects", in: 1...CorrelationService.maximumClusterObjects) ?? 200
        let cluster = try await engine.correlation.cluster(subject, for: principal, depth: depth, objects: objects)
        return json(cluster.json)
    }

    /// The subject of a correlation body: exactly one of `value` and `object`.
    static func correlationSubject(_ body: RESTBody) throws -> CorrelationSubject {
        switch (try body.optionalString("value"), try body.optionalString("object")) {
        case (let value?, nil):
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 2_048 else {
                throw RESTError.invalid("value", "'value' must be one observable value of 1 to 2048 bytes")
            }
            return .value(trimmed)
        case (nil, let object?):
            guard STIXIdentifier(object) != nil else {
                throw RESTError.invalid("object", "'object' must be a STIX id such as indicator--<uuid>")
            }
            return .object(object)
        default:
            throw RESTError.invalid("value", "give exactly one of 'value' and 'object'")
        }
    }

    /// An optional integer member within `range`.
    static func integer(_ body: RESTBody, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard body.has(name) else { return nil }
        guard case .number(let text)? = body[name], let number = Int(text), range.contains(number) else {
            throw RESTError.invalid(name, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `POST /api/v1/correlations` `{"value": …}` or `{"object": …}`: what the caller may see that
    /// shares observables with it (``CorrelationService``). A POST, so that the value never sits in
    /// a URL that access logs keep; it needs read rights only.
    func correlate(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["value", "object", "limit"])
        let subject = try Self.correlationSubject(body)
        let limit = try Self.integer(body, "limit", in: 1...CorrelationService.maximumHits) ?? 100
        let result = try await engine.correlation.correlate(subject, for: principal, limit: limit)
        return json(result.json)
    }

    func search(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let parameters = try RESTQuery(
            request,
            allowed: [
                "id", "type", "value", "collection", "since", "version", "limit", "next", "cve", "vendor", "product", "cwe",
                "min_score", "max_score", "published_since", "published_before",
            ])
        var search = SearchRequest(
            limit: try parameters.limit(default: configuration.defaultPageSize, max: configuration.maxPageSize))
        search.ids = try parameters["id"].map { try Self.list($0, "id") }
        search.types = try parameters["type"].map { try Self.list($0, "type") }
        search.collections = try parameters["collection"].map { try Self.list($0, "collection") }
        if let value = parameters["value"] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 2_048 else {
                throw RESTError.invalid(
                    "value", "'value' must be one observable value (an address, a domain, a hash …) of 1 to 2048 bytes")
            }
            search.values = [trimmed]
        }
        search.vulnerability = try VulnerabilityFilter.parse(
            cves: try parameters["cve"].map { try Self.list($0, "cve") }, vendor: parameters["vendor"],
            product: parameters["product"], cwe: parameters["cwe"], minimumScore: parameters["min_score"],
            maximumScore: parameters["max_score"], publishedSince: parameters["published_since"],
            publishedBefore: parameters["published_before"], field: { "'\($0)'" })
        if let version = parameters["version"] {
            switch version {
            case "last": search.versions = .last
            case "first": search.versions = .first
            case "all": search.versions = .all
            default: throw RESTError.invalid("version", "'version' must be last, first or all")
            }
        }
        if let since = parameters["since"] {
            guard let time = STIXTimestamp(parsing: since) else {
                throw RESTError.invalid("since", "'since' must be a timestamp such as 2026-01-01T00:00:00Z")
            }
            search.addedAfter = time.microseconds
        }
        if let cursor = parameters["next"] {
            guard let position = PageToken.decode(cursor) else {
                throw RESTError.invalid("next", "'next' must be the 'next' value of a previous page")
            }
            search.addedAfter = max(search.addedAfter ?? .min, position)
        }
        let page = try await collections.search(search, for: principal)
        return bytes(RESTResources.searchPage(page))
    }

    /// A comma-separated list of 1 to ``SearchRequest/maximumListValues`` values.
    static func list(_ text: String, _ name: String) throws -> [String] {
        let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty, values.count <= SearchRequest.maximumListValues else {
            throw RESTError.invalid(name, "'\(name)' takes 1 to \(SearchRequest.maximumListValues) values separated by commas")
        }
        return values
    }
}

extension RESTResources {
    /// `{"results": [{"collection", "date_added", "object"}], "more", "next"}`: each object as
    /// stored, with the collection it was found in and when it was added there.
    static func searchPage(_ page: SearchPage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(page.hits.reduce(64) { $0 + $1.record.json.count + 120 })
        out.append(contentsOf: #"{"results":["#.utf8)
        for (i, hit) in page.hits.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            hit.writeJSON(into: &out)
        }
        out.append(contentsOf: #"],"more":"#.utf8)
        out.append(contentsOf: (page.more ? "true" : "false").utf8)
        if page.more, let resume = page.resumeAfter {
            out.append(contentsOf: #","next":"#.utf8)
            JSONWriter.writeString(PageToken.encode(resume), into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
