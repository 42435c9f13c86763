import CybexCore
import CybexFormats
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

    /// A query string's key or value decoded: `+` is a space, `%XX` a byte; nil when a `%` is not
    /// followed by two hex digits or the bytes are not UTF-8. By bytes: Foundation's
    /// `removingPercentEncoding` cost 6 % of a TAXII read by `match[id]`.
    static func decode(_ part: Substring) -> String? {
        let utf8 = part.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(part) }
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            switch utf8[index] {
            case UInt8(ascii: "+"):
                bytes.append(0x20)
            case UInt8(ascii: "%"):
                let high = utf8.index(after: index)
                guard high != utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low != utf8.endIndex, let h = hex(utf8[high]), let l = hex(utf8[low]) else { return nil }
                bytes.append(h << 4 | l)
                index = low
            case let byte:
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func list(_ text: String, _ name: String) throws -> [String] {
        let values = text.split(separator: ",").map(trimmed).filter { !$0.isEmpty }
        guard !values.isEmpty else { throw TAXIIError.badRequest("\(name) needs at least one value") }
        guard values.count <= maxListValues else { throw TAXIIError.badRequest("\(name) takes at most \(maxListValues) values") }
        return values
    }

    /// `value` without white space around it (only looked for when it starts or ends with some).
    static func trimmed(_ value: Substring) -> String {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last,
            CharacterSet.whitespaces.contains(first) || CharacterSet.whitespaces.contains(last)
        else { return String(value) }
        return value.trimmingCharacters(in: .whitespaces)
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
