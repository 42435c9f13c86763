import Hummingbird

/// The query parameters of a REST request, parsed strictly: each at most once, only those the
/// endpoint takes, errors naming the parameter.
struct RESTQuery {
    let values: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        values = try TAXIIQuery.parameters(request.uri.query)
        // A value a person typed never goes on with a control character (a NUL would be cut at).
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            _ = try RESTBody.checked(key, field: key)
            _ = try RESTBody.checked(value, field: key)
        }
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw RESTError.invalid(
                key,
                allowed.isEmpty
                    ? "this endpoint takes no query parameters"
                    : "unknown query parameter '\(key)'; this endpoint takes \(allowed.sorted().joined(separator: ", "))")
        }
    }

    subscript(key: String) -> String? { values[key] }

    /// `limit`: a positive integer, capped at `max`; `default` when absent.
    func limit(default defaultLimit: Int, max: Int) throws -> Int {
        guard let text = values["limit"] else { return defaultLimit }
        guard let limit = Int(text), limit > 0 else { throw RESTError.invalid("limit", "'limit' must be a positive integer") }
        return min(limit, max)
    }
}
