/// What text the stores keep: every Swift string whole, or refused — never cut short.
///
/// SQLite's C interface reads text bound with length -1 up to the first NUL, and GRDB binds and
/// reads `String` that way, so `"ISP One\u{0}XYZ"` would be stored, and looked up, as `"ISP One"`;
/// PostgreSQL refuses NUL in `text` altogether. So both stores refuse a NUL in text they write
/// (``StoreError`` `.invalidArgument`), and a lookup by a name holding one finds nothing, as no
/// stored name can hold one. Audit entries never hold one either: ``AuditChain`` writes control
/// characters as `\uXXXX` before hashing, so what is hashed is exactly what is stored.
enum StoredText {
    /// Whether `text` can be stored whole: it holds no NUL.
    static func isStorable(_ text: String) -> Bool {
        !text.utf8.contains(0)
    }

    /// Throws ``StoreError`` `.invalidArgument` naming `field` when `text` holds a NUL.
    static func require(_ text: String?, _ field: String) throws {
        guard let text, !isStorable(text) else { return }
        throw StoreError(.invalidArgument, "the \(field) contains a NUL character, which cannot be stored")
    }

    /// Throws for the first of `texts` that holds a NUL.
    static func require(_ texts: [(String?, String)]) throws {
        for (text, field) in texts { try require(text, field) }
    }
}
