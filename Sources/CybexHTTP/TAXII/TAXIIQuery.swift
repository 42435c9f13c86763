import CybexFormats
import CybexCore
import Foundation

/// The URL parameters of TAXII 2.1 collection reads (section 3.4), parsed strictly: each
/// parameter at most once, timestamps and limits checked, unknown `match[...]` fields refused.
struct TAXIIQuery {
    var query: ObjectQuery
    /// The parameters exactly as they came, for messages.
    var raw: [String: String]

    static let maxListValues = 1000

    /// Parses `queryString` for an endpoint that supports the `allowed` parameters.
    init(_ queryString: String?, allowed: Set<String>, defaultLimit: Int, maxLimit: Int) throws {
        raw = try Self.parameters(queryString)
        for key in raw.keys where key.hasPrefix("match[") && !allowed.contains(key) {
            throw TAXIIError.badRequest("the filter '\(key)' is not supported on this endpoint", code: "unsupported-filter")
        }
        query = ObjectQuery(limit: defaultLimit)
        if allowed.contains("match[id]"), let ids = raw["match[id]"] { query.ids = try Self.list(ids, "match[id]") }
        if allowed.contains("match[type]"), let types = raw["match[type]"] { query.types = try Self.list(types, "match[type]") }
        if allowed.contains("match[spec_version]"), let specs = raw["match[spec_version]"] {
            query.specVersions = try Self.list(specs, "match[spec_version]")
        }
        if allowed.contains("match[version]"), let versions = raw["match[version]"] {
            query.versions = try Self.versionSelector(versions)
        }
        if allowed.contains("added_after"), let text = raw["added_after"] {
            guard let timestamp = STIXTimestamp(parsing: text) else {
                throw TAXIIError.badRequest(
                    "added_after must be a timestamp such as 2021-01-01T00:00:00.000Z", code: "invalid-timestamp")
            }
            query.addedAfter = timestamp.microseconds
        }
        if let limitText = raw["limit"] {
            guard let limit = Int(limitText), limit > 0 else {
                throw TAXIIError.badRequest("limit must be a positive integer", code: "invalid-limit")
            }
            query.limit = min(limit, maxLimit)
        }
        if let next = raw["next"] {
            guard let position = PageToken.decode(next) else {
                throw TAXIIError.badRequest("next is not a value this server gave out", code: "invalid-next")
            }
            query.addedAfter = max(query.addedAfter ?? Int64.min, position)
        }
    }

    static func parameters(_ queryString: String?) throws -> [String: String] {
        var result: [String: String] = [:]
        guard let queryString, !queryString.isEmpty else { return result }
        guard queryString.utf8.count <= 65_536 else { throw TAXIIError.badRequest("the query string is too long") }
        for pair in queryString.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw TAXIIError.badRequest("the query string is not correctly percent-encoded")
            }
            if result[key] != nil {
                throw TAXIIError.badRequest(
                    "the parameter '\(key)' may appear only once; list values separated by commas", code: "repeated-parameter")
            }
            result[key] = value
        }
        return result
    }

    static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func list(_ text: String, _ name: String) throws -> [String] {
        let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty else { throw TAXIIError.badRequest("\(name) needs at least one value") }
        guard values.count <= maxListValues else { throw TAXIIError.badRequest("\(name) takes at most \(maxListValues) values") }
        return values
    }

    static func versionSelector(_ text: String) throws -> VersionSelector {
        var selector = VersionSelector()
        for value in try list(text, "match[version]") {
            switch value {
            case "first": selector.first = true
            case "last": selector.last = true
            case "all": selector.all = true
            default:
                guard let timestamp = STIXTimestamp(parsing: value) else {
                    throw TAXIIError.badRequest(
                        "match[version] takes first, last, all or timestamps; '\(value)' is none of them", code: "invalid-version"
                    )
                }
                selector.versions.append(timestamp.microseconds)
            }
        }
        return selector
    }
}

