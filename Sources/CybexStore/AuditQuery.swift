import CybexCore

extension AuditQuery {
    /// The conditions over `audit_log`, each starting with ` AND `, values handed to `bind` in
    /// placeholder order (both backends; only the placeholder syntax differs).
    func conditions(placeholder: (Int) -> String, bind: (SQLValue) -> Void) -> String {
        var sql = ""
        var count = 0
        func next(_ value: SQLValue) -> String {
            count += 1
            bind(value)
            return placeholder(count)
        }
        if let actor { sql += " AND actor = \(next(.text(actor)))" }
        if let action {
            if action.hasSuffix(".*") {
                let family = String(action.dropLast())  // keeps the dot: `auth.` matches `auth.login`
                // `length` of the bound text, not a bound integer: PostgreSQL's substr takes an int4.
                sql += " AND substr(action, 1, length(\(next(.text(family))))) = \(next(.text(family)))"
            } else {
                sql += " AND action = \(next(.text(action)))"
            }
        }
        if let target { sql += " AND target = \(next(.text(target)))" }
        if let since { sql += " AND time >= \(next(.integer(since)))" }
        if let until { sql += " AND time < \(next(.integer(until)))" }
        if let before { sql += " AND seq < \(next(.integer(before)))" }
        return sql
    }
}
