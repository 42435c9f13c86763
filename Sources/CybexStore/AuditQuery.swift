/// A search of the audit log: every condition given must hold. Entries come newest first; `before`
/// pages back through them (the `seq` of the oldest entry of the previous page).
public struct AuditQuery: Sendable, Hashable {
    /// Exactly this actor (a username, `cli`, `retention`, …).
    public var actor: String?
    /// Exactly this action (`user.create`), or a family when it ends in `.*` (`auth.*`).
    public var action: String?
    /// Exactly this target (a collection id, `sha256:…`, …).
    public var target: String?
    /// Entries at or after this time (microseconds since the epoch).
    public var since: Int64?
    /// Entries before this time.
    public var until: Int64?
    /// Entries with a `seq` below this one.
    public var before: Int64?
    public var limit: Int

    public init(
        actor: String? = nil, action: String? = nil, target: String? = nil, since: Int64? = nil, until: Int64? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.actor = actor
        self.action = action
        self.target = target
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }

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
