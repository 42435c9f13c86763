/// What an API token may be used for. A token with scopes reaches only what they name; a token
/// without scopes (and a password login) reaches everything the user's role allows. A scope never
/// grants more than the role: a `reader`'s token with `taxii:write` still cannot write.
///
/// ```swift
/// let scopes = try TokenScope.parse(["taxii:read"])   // [.taxiiRead]
/// ```
public enum TokenScope: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// TAXII reads: discovery, API root, collections, objects, manifests, versions, status.
    case taxiiRead = "taxii:read"
    /// TAXII writes: adding and deleting objects.
    case taxiiWrite = "taxii:write"
    /// REST API reads (`/api/v1/`).
    case apiRead = "api:read"
    /// REST API writes (`/api/v1/`).
    case apiWrite = "api:write"
    /// Administration endpoints, `/metrics` among them (the user must also have the `admin` role).
    case admin

    public static func < (lhs: TokenScope, rhs: TokenScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The scopes named in `names`, deduplicated and in declaration order; throws
    /// ``TokenScopeError`` naming the first unknown one.
    public static func parse(_ names: some Sequence<String>) throws(TokenScopeError) -> [TokenScope] {
        var scopes = Set<TokenScope>()
        for name in names {
            guard let scope = TokenScope(rawValue: name) else { throw TokenScopeError(name: name) }
            scopes.insert(scope)
        }
        return scopes.sorted()
    }

    /// The stored form: the scope names separated by spaces (as in OAuth's `scope`), empty for none.
    public static func encode(_ scopes: [TokenScope]) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " ")
    }

    /// Reads the stored form; names this version does not know are dropped (never widened).
    public static func decode(_ text: String?) -> [TokenScope] {
        (text ?? "").split(separator: " ").compactMap { TokenScope(rawValue: String($0)) }.sorted()
    }

    /// The scopes a role can make use of; a token may not be given any other.
    public static func allowed(for role: Role) -> [TokenScope] {
        switch role {
        case .admin: allCases
        case .reader: [.taxiiRead, .apiRead]
        case .analyst, .contributor, .sync: [.taxiiRead, .taxiiWrite, .apiRead, .apiWrite]
        }
    }
}

/// A scope name that is not one of ``TokenScope``'s.
public struct TokenScopeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var name: String

    public var description: String {
        "unknown token scope '\(name)' (known: \(TokenScope.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
