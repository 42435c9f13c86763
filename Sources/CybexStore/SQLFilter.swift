/// Builds the SQL conditions of an ``ObjectQuery`` over `collection_objects AS m`, shared by both
/// backends: only the placeholder syntax differs (`?` for SQLite, `$n` for PostgreSQL).
enum SQLFilter {
    /// The conditions, each starting with ` AND `; values are handed to `bind` in placeholder order.
    static func build(_ query: ObjectQuery, placeholder: (Int) -> String, bind: (SQLValue) -> Void) -> String {
        var sql = ""
        var count = 0
        func list(_ values: [String]) -> String {
            values.map { value -> String in
                count += 1
                bind(.text(value))
                return placeholder(count)
            }.joined(separator: ", ")
        }
        if let ids = query.ids { sql += " AND m.id IN (\(list(ids)))" }
        if let types = query.types { sql += " AND m.type IN (\(list(types)))" }
        if let specs = query.specVersions { sql += " AND m.spec_version IN (\(list(specs)))" }
        let v = query.versions
        if !v.all {
            var alternatives: [String] = []
            if v.last {
                alternatives.append(
                    "m.version = (SELECT MAX(x.version) FROM collection_objects x WHERE x.collection_id = m.collection_id AND x.id = m.id)")
            }
            if v.first {
                alternatives.append(
                    "m.version = (SELECT MIN(x.version) FROM collection_objects x WHERE x.collection_id = m.collection_id AND x.id = m.id)")
            }
            if !v.versions.isEmpty {
                let placeholders = v.versions.map { value -> String in
                    count += 1
                    bind(.integer(value))
                    return placeholder(count)
                }
                alternatives.append("m.taxii_version IN (\(placeholders.joined(separator: ", ")))")
            }
            sql += alternatives.isEmpty ? " AND 0 = 1" : " AND (" + alternatives.joined(separator: " OR ") + ")"
        }
        return sql
    }
}

/// A value bound to a placeholder of a built SQL condition.
enum SQLValue: Sendable {
    case text(String)
    case integer(Int64)
}
