public import CybexCore
public import CybexStore
import Foundation

/// Organisations, users, tokens and collections: the administrator's use cases, shared by the CLI
/// and the REST API. Every change is written to the audit log.
public struct Administration: Sendable {
    public let store: any Store
    public let hasher: PasswordHasher
    /// Who is acting, for the audit log (`cli` for the command line).
    public let actor: String

    public init(store: any Store, hasher: PasswordHasher = PasswordHasher(), actor: String) {
        self.store = store
        self.hasher = hasher
        self.actor = actor
    }

    public static let minimumPasswordLength = 8

    /// Creates the `admin` organisation and user when the store has no user at all; returns the new
    /// password (shown once), or nil when users already exist.
    public func bootstrapIfEmpty() async throws -> String? {
        guard try await store.userCount() == 0 else { return nil }
        let organisation: Organisation
        if let existing = try await store.organisation(named: "admin") {
            organisation = existing
        } else {
            organisation = try await addOrganisation(name: "admin")
        }
        let password = Secrets.password()
        _ = try await addUser(username: "admin", organisation: organisation.name, role: .admin, password: password)
        return password
    }

    /// Creates an organisation, optionally as a constituent of `parent` (an organisation's name)
    /// and with a default TLP level for the objects it submits.
    ///
    /// - Throws: ``EngineError`` `.invalidArgument` for a bad name, `.conflict` when the name is
    ///   taken, `.notFound` for an unknown parent.
    public func addOrganisation(name: String, parent: String? = nil, defaultTLP: TLPLevel? = nil) async throws
        -> Organisation
    {
        let name = try Self.validName(name, of: "an organisation")
        try Self.requireNoControlCharacters(parent, "parent")
        try Self.refuseLookAlike(name, of: "organisation", among: try await store.organisations().map(\.name))
        var parentID: String?
        if let parent {
            guard let found = try await store.organisation(named: parent) else {
                throw EngineError(.notFound, "no organisation named '\(parent)'")
            }
            parentID = found.id
        }
        let organisation = Organisation(
            id: Secrets.uuid(), name: name, createdAt: SystemWallClock.nowMicroseconds(), parentID: parentID,
            defaultTLP: defaultTLP)
        try await store.createOrganisation(organisation)
        var detail = name
        if let parent { detail += "; parent: \(parent)" }
        if let defaultTLP { detail += "; default: \(defaultTLP.label)" }
        try await audit("organisation.create", target: organisation.id, detail: detail)
        return organisation
    }

    /// `name` trimmed, when it is 1 to 200 printable characters; else an `.invalidArgument` error
    /// naming `what` ("an organisation", "a sharing group").
    static func validName(_ name: String, of what: String) throws -> String {
        try requireNoControlCharacters(name, "name")
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw EngineError(.invalidArgument, "\(what) name must be 1 to 200 printable characters")
        }
        return name
    }

    public func addUser(username: String, organisation organisationName: String, role: Role, password: String) async throws
        -> User
    {
        try Self.requireNoControlCharacters(username, "username")
        try Self.requireNoControlCharacters(password, "password")
        try Self.requireNoControlCharacters(organisationName, "organisation")
        guard Self.isValidUsername(username) else {
            throw EngineError(.invalidArgument, "a username must be 1 to 64 characters of letters, digits, '.', '_', '-' and '@'")
        }
        guard password.count >= Self.minimumPasswordLength else {
            throw EngineError(.invalidArgument, "the password must be at least \(Self.minimumPasswordLength) characters")
        }
        guard let organisation = try await store.organisation(named: organisationName) else {
            throw EngineError(.notFound, "no organisation named '\(organisationName)'")
        }
        try Self.refuseLookAlike(username, of: "user", among: try await store.users().map(\.username))
        let user = User(
            id: Secrets.uuid(), username: username, organisationID: organisation.id, role: role,
            passwordHash: hasher.hash(password), createdAt: SystemWallClock.nowMicroseconds())
        try await store.createUser(user)
        try await audit("user.create", target: user.id, detail: "\(username) in \(organisation.name) as \(role.rawValue)")
        return user
    }

    /// Creates an API token for `username` and returns its secret (only its hash is stored).
    /// `scopes` limits what the token reaches (empty: everything the user's role allows); a scope
    /// the role cannot use is refused with `.invalidArgument`, and nothing is stored.
    ///
    /// `within` is the scopes of the token the caller is using (nil for a password login or a
    /// token without scopes): a token only mints tokens with a subset of its own scopes, so a scope
    /// outside them is refused with `.forbidden` (and an empty `scopes` means `within`, limited to
    /// what the user's role allows). Nothing is stored then either.
    public func createToken(
        username: String, expiresAt: Int64? = nil, scopes: [TokenScope] = [], within callerScopes: [TokenScope]? = nil
    ) async throws -> (token: APIToken, secret: String) {
        try Self.requireNoControlCharacters(username, "username")
        guard let user = try await store.user(named: username) else {
            throw EngineError(.notFound, "no user named '\(username)'")
        }
        let allowed = TokenScope.allowed(for: user.role)
        var scopes = Array(Set(scopes)).sorted()
        if let callerScopes, scopes.isEmpty {
            scopes = Array(Set(callerScopes).intersection(allowed)).sorted()
        }
        if let excess = scopes.first(where: { !allowed.contains($0) }) {
            throw EngineError(
                .invalidArgument, "the scope \(excess.rawValue) exceeds the role \(user.role.rawValue) of '\(username)'")
        }
        if let callerScopes, scopes.isEmpty {
            throw EngineError(
                .forbidden,
                "the token in use (\(TokenScope.encode(callerScopes))) has no scope the role \(user.role.rawValue) of "
                    + "'\(username)' can use: a token only creates tokens with some of its own scopes")
        }
        if let callerScopes, let excess = scopes.first(where: { !callerScopes.contains($0) }) {
            throw EngineError(
                .forbidden,
                "the scope \(excess.rawValue) exceeds the scopes of the token in use (\(TokenScope.encode(callerScopes))): "
                    + "a token only creates tokens with some of its own scopes")
        }
        let secret = Authenticator.tokenPrefix + Secrets.random(bytes: 32)
        let token = APIToken(
            id: Secrets.uuid(), userID: user.id, secretHash: Secrets.sha256Hex(secret),
            createdAt: SystemWallClock.nowMicroseconds(),
            expiresAt: expiresAt, revokedAt: nil, scopes: scopes)
        try await store.createToken(token)
        let scopeDetail = scopes.isEmpty ? "" : "; scopes \(TokenScope.encode(scopes))"
        try await audit("token.create", target: token.id, detail: "for \(username)\(scopeDetail)")
        return (token, secret)
    }

    /// Disables or re-enables a user; a disabled user's password and tokens stop working at once.
    public func setDisabled(username: String, _ disabled: Bool) async throws -> User {
        try Self.requireNoControlCharacters(username, "username")
        guard var user = try await store.user(named: username) else {
            throw EngineError(.notFound, "no user named '\(username)'")
        }
        try await store.setUserDisabled(id: user.id, disabled: disabled)
        user.disabled = disabled
        try await audit(disabled ? "user.disable" : "user.enable", target: user.id, detail: username)
        return user
    }

    /// Revokes an API token by its id (as `cybex token list` shows it).
    public func revokeToken(id: String) async throws {
        try Self.requireNoControlCharacters(id, "token id")
        guard try await store.revokeToken(id: id, at: SystemWallClock.nowMicroseconds()) else {
            throw EngineError(.notFound, "no active API token with id '\(id)'")
        }
        try await audit("token.revoke", target: id, detail: "")
    }

    /// Adds a collection. `readers` and `writers` are organisation names; `sharingGroup` (a group
    /// name) narrows the audience to its members; `isPublic` serves its TLP:CLEAR objects to anyone.
    public func addCollection(
        title: String, description: String?, readers: [String], writers: [String], defaultTLP: TLPLevel? = nil,
        sharingGroup: String? = nil, isPublic: Bool = false
    ) async throws -> CollectionRecord {
        // Titles and descriptions are free text: tabs and line breaks pass, other control characters do not.
        try Self.requireNoControlCharacters(title, "title", allowing: ControlCharacters.layout)
        try Self.requireNoControlCharacters(description, "description", allowing: ControlCharacters.layout)
        for (index, name) in (readers + writers).enumerated() {
            try Self.requireNoControlCharacters(name, index < readers.count ? "read" : "write")
        }
        try Self.requireNoControlCharacters(sharingGroup, "sharing group")
        let title = title.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty, title.count <= 500 else {
            throw EngineError(.invalidArgument, "a collection title must be 1 to 500 characters")
        }
        func resolve(_ names: [String]) async throws -> [String] {
            var ids: [String] = []
            for name in names {
                guard let organisation = try await store.organisation(named: name) else {
                    throw EngineError(.notFound, "no organisation named '\(name)'")
                }
                if !ids.contains(organisation.id) { ids.append(organisation.id) }
            }
            return ids
        }
        try Self.refuseLookAlike(title, of: "collection", among: try await store.collections().map(\.title))
        var groupID: String?
        if let sharingGroup {
            guard let group = try await store.sharingGroups().first(where: { $0.name == sharingGroup }) else {
                throw EngineError(.notFound, "no sharing group named '\(sharingGroup)'")
            }
            groupID = group.id
        }
        let collection = CollectionRecord(
            id: Secrets.uuid(), title: title, description: description, readers: try await resolve(readers),
            writers: try await resolve(writers), createdAt: SystemWallClock.nowMicroseconds(), defaultTLP: defaultTLP,
            sharingGroupID: groupID, isPublic: isPublic)
        try await store.createCollection(collection)
        var detail = "\(title); read: \(readers.joined(separator: ",")); write: \(writers.joined(separator: ","))"
        if let defaultTLP { detail += "; default: \(defaultTLP.label)" }
        if let sharingGroup { detail += "; sharing group: \(sharingGroup)" }
        if isPublic { detail += "; public" }
        try await audit("collection.create", target: collection.id, detail: detail)
        return collection
    }

    public func collection(id: String) async throws -> CollectionRecord {
        try Self.requireNoControlCharacters(id, "collection id")
        guard let collection = try await store.collection(id: id) else {
            throw EngineError(.notFound, "no collection with id '\(id)'")
        }
        return collection
    }

    func audit(_ action: String, target: String, detail: String) async throws {
        try await store.appendAudit(
            AuditEvent(time: SystemWallClock.nowMicroseconds(), actor: actor, action: action, target: target, detail: detail))
    }

    /// Throws `.invalidArgument` naming `field` when `text` holds a control character other than
    /// those in `allowing` (see ``ControlCharacters``): a name, username, password or identifier a
    /// person typed is never passed on with one (a NUL would be cut at by SQLite or bcrypt).
    static func requireNoControlCharacters(_ text: String?, _ field: String, allowing: Set<Unicode.Scalar> = []) throws {
        guard let text else { return }
        do {
            try ControlCharacters.refuse(in: text, field: field, allowing: allowing)
        } catch {
            throw EngineError(.invalidArgument, error.description)
        }
    }

    /// Throws `.conflict` when `name` is taken, or reads like a name in `existing` (the same
    /// ``NameKey``: case, compatibility forms, white space, Cyrillic or Greek look-alike letters).
    static func refuseLookAlike(_ name: String, of kind: String, among existing: [String]) throws {
        if existing.contains(name) { throw EngineError(.conflict, "\(kind) '\(name)' already exists") }
        let key = NameKey.make(name)
        if let similar = existing.first(where: { NameKey.make($0) == key }) {
            throw EngineError(
                .conflict,
                "\(kind) '\(ControlCharacters.escaped(name))' reads like the existing \(kind) '\(similar)' "
                    + "(names are compared without case, compatibility forms, extra white space or look-alike letters)")
        }
    }

    static func isValidUsername(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || ".-_@".unicodeScalars.contains($0)
        }
    }
}
