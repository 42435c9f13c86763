import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird

/// The REST API under `/api/v1/` (docs/API.md): organisations, users, tokens, sharing groups,
/// collections and their objects, and the audit log; JSON in and out, behind the same
/// authentication as TAXII.
///
/// Administrators change organisations, users, other users' tokens, sharing groups and
/// collections, and read the audit log; every change goes through ``Administration``, which
/// audits it, with the caller's username as the actor. Other roles see their own organisation,
/// user and tokens, the sharing groups their organisation is in, and the collections
/// ``CollectionService`` shows them. What a caller may not see is answered 404, like an absent
/// resource; every object read goes through ``CollectionService`` and so the sharing policy.
struct RESTRoutes: Sendable {
    typealias Context = CybexRequestContext
    let configuration: ServerConfiguration
    let engine: Engine

    var collections: CollectionService { engine.collections }
    var directory: Directory { engine.directory }

    /// The largest `limit` of the audit log list.
    static let maxAuditLimit = 10_000

    func register(on group: RouterGroup<Context>) {
        group.get("organisations") { request, context in try await listOrganisations(request, context) }
        group.post("organisations") { request, context in try await createOrganisation(request, context) }
        group.get("organisations/:id") { request, context in try await organisation(request, context) }
        group.patch("organisations/:id") { request, context in try await updateOrganisation(request, context) }
        registerProfiles(on: group)
        registerCases(on: group)
        registerRID(on: group)
        registerVulnerabilities(on: group)

        group.get("users") { request, context in try await listUsers(request, context) }
        group.post("users") { request, context in try await createUser(request, context) }
        group.get("users/:id") { request, context in try await user(request, context) }
        group.post("users/:id/disable") { request, context in try await setDisabled(true, request, context) }
        group.post("users/:id/enable") { request, context in try await setDisabled(false, request, context) }

        group.get("tokens") { request, context in try await listTokens(request, context) }
        group.post("tokens") { request, context in try await createToken(request, context) }
        group.delete("tokens/:id") { request, context in try await revokeToken(request, context) }

        group.get("sharing-groups") { request, context in try await listSharingGroups(request, context) }
        group.post("sharing-groups") { request, context in try await createSharingGroup(request, context) }
        group.put("sharing-groups/:id/members/:organisation") { request, context in
            try await setMember(true, request, context)
        }
        group.delete("sharing-groups/:id/members/:organisation") { request, context in
            try await setMember(false, request, context)
        }

        registerCollections(on: group)
        registerSearch(on: group)
        registerConstituency(on: group)
        registerRemediation(on: group)
        registerNotifications(on: group)

        group.get("audit") { request, context in try await auditLog(request, context) }
        group.get("audit/verify") { request, context in try await verifyAudit(request, context) }
        registerPolicies(on: group)
        registerExport(on: group)
    }

    // MARK: Organisations

    func listOrganisations(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let list = try await directory.organisations(for: principal)
        return json(.object([("organisations", .array(list.map(RESTResources.organisation)))]))
    }

    func createOrganisation(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(request, allowed: ["name", "parent", "default_tlp"])
        let name = try body.string("name")
        var parent: String?
        if let reference = try body.optionalString("parent") { parent = try await organisationName(reference, field: "parent") }
        let tlp = try body.optionalString("default_tlp").map { try RESTBody.tlp($0, field: "default_tlp") }
        let organisation = try await administration(principal).addOrganisation(name: name, parent: parent, defaultTLP: tlp)
        return json(RESTResources.organisation(organisation), status: .created)
    }

    func organisation(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        return json(RESTResources.organisation(try await directory.organisation(id: id, for: principal)))
    }

    func updateOrganisation(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let id = try context.parameters.require("id")
        let organisation = try await directory.organisation(id: id, for: principal)
        let body = try await readBody(request, allowed: ["parent", "default_tlp"])
        // Everything is checked before anything changes.
        var parent: String?? = .none
        if case .some(let value) = try body.patchString("parent") {
            if let reference = value {
                parent = .some(try await organisationName(reference, field: "parent"))
            } else {
                parent = .some(nil)
            }
        }
        var tlp: TLPLevel?? = .none
        if case .some(let value) = try body.patchString("default_tlp") {
            tlp = .some(try value.map { try RESTBody.tlp($0, field: "default_tlp") })
        }
        let updated = try await administration(principal).updateOrganisation(
            name: organisation.name, parent: parent, defaultTLP: tlp)
        return json(RESTResources.organisation(updated))
    }

    // MARK: Users

    func listUsers(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let names = try await organisationNames()
        let list = try await directory.users(for: principal)
        return json(.object([("users", .array(list.map { RESTResources.user($0, organisationName: names[$0.organisationID]) }))]))
    }

    func createUser(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(request, allowed: ["username", "organisation", "role", "password"])
        let username = try body.string("username")
        let organisation = try await organisationName(try body.string("organisation"), field: "organisation")
        let roleName = try body.string("role")
        guard let role = Role(rawValue: roleName) else {
            throw RESTError.invalid(
                "role", "'\(roleName)' is not a role: use \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let password = try body.string("password")
        guard password.count >= Administration.minimumPasswordLength else {
            throw RESTError.invalid(
                "password", "the password must be at least \(Administration.minimumPasswordLength) characters")
        }
        let user = try await administration(principal).addUser(
            username: username, organisation: organisation, role: role, password: password)
        return json(RESTResources.user(user, organisationName: organisation), status: .created)
    }

    func user(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let user = try await visibleUser(try context.parameters.require("id"), principal)
        let names = try await organisationNames()
        return json(RESTResources.user(user, organisationName: names[user.organisationID]))
    }

    func setDisabled(_ disabled: Bool, _ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let user = try await visibleUser(try context.parameters.require("id"), principal)
        let updated = try await administration(principal).setDisabled(username: user.username, disabled)
        let names = try await organisationNames()
        return json(RESTResources.user(updated, organisationName: names[updated.organisationID]))
    }

    // MARK: Tokens

    func listTokens(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let tokens = try await directory.tokens(for: principal)
        let usernames = try await directory.usernames()
        let now = SystemWallClock.nowMicroseconds()
        return json(
            .object([("tokens", .array(tokens.map { RESTResources.token($0, username: usernames[$0.userID], now: now) }))]))
    }

    /// Creates a token. `scopes` (scope names) limits it; without them it gets the caller's own
    /// scopes when the caller signed in with a token, else everything the role allows. A token never
    /// creates a token with a scope it lacks itself: 403, audited as `access.denied`.
    func createToken(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await readBody(request, allowed: ["username", "expires_at", "scopes"])
        let username = try body.optionalString("username") ?? principal.user.username
        guard username == principal.user.username || principal.isAdmin else {
            throw RESTError.forbidden("only administrators create tokens for other users")
        }
        var expiresAt: Int64?
        if let text = try body.optionalString("expires_at") {
            guard let timestamp = STIXTimestamp(parsing: text) else {
                throw RESTError.invalid("expires_at", "'expires_at' must be a timestamp such as 2027-01-01T00:00:00Z")
            }
            guard timestamp.microseconds > SystemWallClock.nowMicroseconds() else {
                throw RESTError.invalid("expires_at", "'expires_at' must be in the future")
            }
            expiresAt = timestamp.microseconds
        }
        var scopes: [TokenScope] = []
        if let names = try body.stringList("scopes", maxCount: TokenScope.allCases.count * 4) {
            guard !names.isEmpty else {
                throw RESTError.invalid("scopes", "'scopes' names at least one scope; leave it out for the default")
            }
            for (index, name) in names.enumerated() {
                guard let scope = TokenScope(rawValue: name) else {
                    throw RESTError.invalid(
                        "scopes[\(index)]",
                        "unknown token scope '\(name)' (known: \(TokenScope.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                scopes.append(scope)
            }
        }
        guard try await directory.user(named: username) != nil else {
            throw RESTError.invalid("username", "no user named '\(username)'")
        }
        let (token, secret) = try await administration(principal).createToken(
            username: username, expiresAt: expiresAt, scopes: scopes, within: principal.scopes)
        return json(
            RESTResources.token(token, username: username, now: SystemWallClock.nowMicroseconds(), secret: secret),
            status: .created)
    }

    func revokeToken(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let visible = try await directory.tokens(for: principal)
        guard visible.contains(where: { $0.id == id && $0.revokedAt == nil }) else {
            throw RESTError.notFound("no active API token with id '\(id)'")
        }
        try await administration(principal).revokeToken(id: id)
        return Response(status: .noContent)
    }

    // MARK: Sharing groups

    func listSharingGroups(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let groups = try await directory.sharingGroups(for: principal)
        let names = try await organisationNames()
        return json(.object([("sharing_groups", .array(groups.map { RESTResources.sharingGroup($0, names: names) }))]))
    }

    func createSharingGroup(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(request, allowed: ["name"])
        let group = try await administration(principal).addSharingGroup(name: try body.string("name"))
        return json(RESTResources.sharingGroup(group, names: [:]), status: .created)
    }

    func setMember(_ member: Bool, _ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let id = try context.parameters.require("id")
        guard let group = try await directory.sharingGroups().first(where: { $0.id == id }) else {
            throw RESTError.notFound("no sharing group with id '\(id)'")
        }
        let reference = try context.parameters.require("organisation")
        guard let organisation = try await organisation(idOrName: reference) else {
            throw RESTError.notFound("no organisation '\(reference)'")
        }
        let administration = administration(principal)
        if member {
            try await administration.addMember(group: group.name, organisation: organisation.name)
        } else {
            try await administration.removeMember(group: group.name, organisation: organisation.name)
        }
        guard let updated = try await directory.sharingGroups().first(where: { $0.id == id }) else {
            throw RESTError.notFound("no sharing group with id '\(id)'")
        }
        return json(RESTResources.sharingGroup(updated, names: try await organisationNames()))
    }

    // MARK: Audit log

    /// The audit log, newest first, searched by actor, action (or `family.*`), target and time;
    /// `next` is the `before` of the following (older) page when this one is full.
    func auditLog(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let parameters = try RESTQuery(request, allowed: ["limit", "actor", "action", "target", "since", "until", "before"])
        func time(_ key: String) throws -> Int64? {
            guard let text = parameters[key] else { return nil }
            guard let timestamp = STIXTimestamp(parsing: text) else {
                throw RESTError.invalid(key, "'\(key)' must be an RFC 3339 UTC timestamp such as 2026-01-31T00:00:00Z")
            }
            return timestamp.microseconds
        }
        var before: Int64?
        if let text = parameters["before"] {
            guard let seq = Int64(text), seq > 0 else {
                throw RESTError.invalid("before", "'before' must be a positive sequence number")
            }
            before = seq
        }
        let query = AuditQuery(
            actor: parameters["actor"], action: parameters["action"], target: parameters["target"], since: try time("since"),
            until: try time("until"), before: before, limit: try parameters.limit(default: 100, max: Self.maxAuditLimit))
        let entries = try await directory.auditEntries(matching: query, for: principal)
        var members: [(key: String, value: JSONValue)] = [("events", .array(entries.map(RESTResources.auditEntry)))]
        if entries.count == query.limit, let oldest = entries.last { members.append(("next", .number(String(oldest.seq)))) }
        return json(.object(members))
    }

    func verifyAudit(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        return json(RESTResources.auditVerification(try await directory.verifyAuditChain(for: principal)))
    }

    // MARK: Helpers

    func administration(_ principal: Principal) -> Administration {
        engine.administration(actor: principal.user.username)
    }

    func requireAdmin(_ context: Context) throws -> Principal {
        let principal = try context.requirePrincipal()
        guard principal.isAdmin else { throw RESTError.forbidden("this operation is for administrators") }
        return principal
    }

    func readBody(_ request: Request, allowed: Set<String>) async throws -> RESTBody {
        try await RESTBody.read(request, maxLength: configuration.maxContentLength, allowed: allowed)
    }

    /// The body of an action whose fields are all optional: nil when the request sends none (an
    /// empty body), else read as ``readBody(_:allowed:)``.
    func readOptionalBody(_ request: Request, allowed: Set<String>) async throws -> RESTBody? {
        try await RESTBody.read(request, maxLength: configuration.maxContentLength, allowed: allowed, optional: true)
    }

    /// The user `id` when `principal` may see it (administrators: anyone; others: themselves).
    func visibleUser(_ id: String, _ principal: Principal) async throws -> User {
        try await directory.user(id: id, for: principal)
    }

    func organisation(idOrName reference: String) async throws -> Organisation? {
        try await directory.organisation(reference: reference)
    }

    /// The name of the organisation `reference` names (by name or id); 400 naming `field` when none.
    func organisationName(_ reference: String, field: String) async throws -> String {
        guard let organisation = try await organisation(idOrName: reference) else {
            throw RESTError.invalid(field, "no organisation '\(reference)'")
        }
        return organisation.name
    }

    func organisationNames() async throws -> [String: String] {
        try await directory.organisationNames()
    }

    func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(JSONWriter.bytes(value), status: status)
    }

    func bytes(_ body: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
