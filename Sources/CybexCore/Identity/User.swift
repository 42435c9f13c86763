/// A person or machine account that signs in with a password or an API token.
public struct User: Sendable, Hashable, Codable {
    /// A UUID, lower-case.
    public var id: String
    public var username: String
    public var organisationID: String
    public var role: Role
    /// The bcrypt hash of the password (never the password).
    public var passwordHash: String
    public var disabled: Bool
    public var createdAt: Int64

    public init(
        id: String, username: String, organisationID: String, role: Role, passwordHash: String, disabled: Bool = false,
        createdAt: Int64
    ) {
        self.id = id
        self.username = username
        self.organisationID = organisationID
        self.role = role
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
    }
}

/// An API token as stored: only a hash of the secret is kept.
public struct APIToken: Sendable, Hashable, Codable {
    public var id: String
    public var userID: String
    /// Hex SHA-256 of the token's secret.
    public var secretHash: String
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
    /// What the token may be used for; empty: everything the user's role allows (as for tokens
    /// made before scopes existed).
    public var scopes: [TokenScope]

    public init(
        id: String, userID: String, secretHash: String, createdAt: Int64, expiresAt: Int64?, revokedAt: Int64?,
        scopes: [TokenScope] = []
    ) {
        self.id = id
        self.userID = userID
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.scopes = scopes
    }

    /// Whether the token may be used at `now` (microseconds).
    public func isUsable(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

/// The authenticated party behind a request or a command.
public struct Principal: Sendable, Hashable {
    public var user: User
    public var organisation: Organisation
    /// The scopes of the API token used; nil for a password login or a token without scopes.
    public var scopes: [TokenScope]?
    /// Whether this stands for a request without credentials (``anonymous``).
    public private(set) var isAnonymous = false

    public init(user: User, organisation: Organisation, scopes: [TokenScope]? = nil) {
        self.user = user
        self.organisation = organisation
        self.scopes = scopes.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A request without credentials, where the node serves public collections openly: a reader of
    /// no organisation, which the sharing policy shows TLP:CLEAR objects of public collections only.
    public static let anonymous: Principal = {
        var principal = Principal(
            user: User(id: "", username: "anonymous", organisationID: "", role: .reader, passwordHash: "", createdAt: 0),
            organisation: Organisation(id: "", name: "anonymous", createdAt: 0))
        principal.isAnonymous = true
        principal.scopes = [.taxiiRead]
        return principal
    }()

    /// Whether the credential used reaches `scope` (the role is checked separately, where the
    /// request is authorised).
    public func allows(_ scope: TokenScope) -> Bool {
        scopes.map { $0.contains(scope) } ?? true
    }

    /// Who reads, for the sharing policy: the user's organisation, whatever the role.
    public var viewer: Viewer { isAnonymous ? .anonymous : .organisation(organisation.id) }

    /// Whether the user is a node administrator (the `admin` role).
    public var isAdmin: Bool { user.role == .admin }
}
