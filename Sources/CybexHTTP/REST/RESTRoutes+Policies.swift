import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird

/// Retention and redaction policies over REST (administrators), the same use cases as
/// `cybex retention` and `cybex redaction`: every change audited, keys never returned. Also the
/// lifecycle actions of `cybex retention run` and `cybex erase`.
extension RESTRoutes {
    func registerPolicies(on group: RouterGroup<Context>) {
        group.post("retention/run") { request, context in try await runRetention(request, context) }
        group.post("erasures") { request, context in try await erase(request, context) }
        group.get("retention-policies") { request, context in try await listRetentionPolicies(request, context) }
        group.post("retention-policies") { request, context in try await createRetentionPolicy(request, context) }
        group.delete("retention-policies/:name") { request, context in try await deleteRetentionPolicy(request, context) }
        group.get("redaction-policies") { request, context in try await listRedactionPolicies(request, context) }
        group.post("redaction-policies") { request, context in try await createRedactionPolicy(request, context) }
        group.delete("redaction-policies/:name") { request, context in try await deleteRedactionPolicy(request, context) }
    }

    /// Applies every retention policy now, as `cybex retention run` does; `{"dry_run": true}` only
    /// reports, and then lists each version that would go.
    func runRetention(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        let body = try await readOptionalBody(request, allowed: ["dry_run"])
        let dryRun = try body?.optionalBool("dry_run") ?? false
        let outcomes = try await engine.lifecycle(actor: principal.user.username).applyRetention(dryRun: dryRun)
        let listed: [JSONValue] = outcomes.map { outcome in
            var members: [(String, JSONValue)] = [
                ("policy", .string(outcome.policy.name)), ("collection", .string(outcome.collectionID)),
                ("removed", .number(String(outcome.removed.count))),
            ]
            if dryRun { members.append(("versions", .array(outcome.removed.map { Self.removedVersion($0, collection: false) }))) }
            return .object(members)
        }
        return json(
            .object([
                ("dry_run", .bool(dryRun)), ("removed", .number(String(outcomes.reduce(0) { $0 + $1.removed.count }))),
                ("outcomes", .array(listed)),
            ]))
    }

    /// Erases everything tied to one person's identifier, as `cybex erase` does. The identifier
    /// travels in the body, never in the URL, so that no access log records it; the audit log keeps
    /// only its SHA-256.
    func erase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["identifier", "dry_run"])
        let dryRun = try body.optionalBool("dry_run") ?? false
        let removed: [RemovedVersion]
        do {
            removed = try await engine.lifecycle(actor: principal.user.username)
                .erase(identifier: try body.string("identifier"), dryRun: dryRun)
        } catch let error as EngineError where error.code == .invalidArgument {
            throw RESTError.invalid("identifier", error.message)
        }
        return json(
            .object([
                ("dry_run", .bool(dryRun)), ("removed", .number(String(removed.count))),
                ("collections", .number(String(Set(removed.map(\.collectionID)).count))),
                ("versions", .array(removed.map { Self.removedVersion($0, collection: true) })),
            ]))
    }

    /// One removed object version: its id, its version (null for an unversioned object) and, when
    /// asked, its collection.
    static func removedVersion(_ version: RemovedVersion, collection: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(version.id)),
            ("version", version.version == unversionedKey ? .null : .string(STIXTimestamp.format(microseconds: version.version))),
        ]
        if collection { members.insert(("collection", .string(version.collectionID)), at: 0) }
        return .object(members)
    }

    func listRetentionPolicies(_ request: Request, _ context: Context) async throws -> Response {
        _ = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        let policies = try await directory.retentionPolicies()
        return json(.object([("retention_policies", .array(policies.map(Self.retentionPolicy)))]))
    }

    func createRetentionPolicy(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(request, allowed: ["name", "types", "levels", "purge_after_days", "expire_grace_days"])
        let levels = try (body.stringList("levels") ?? []).map { try RESTBody.tlp($0, field: "levels") }
        func days(_ key: String) throws -> Int? {
            guard let value = body[key], value != .null else { return nil }
            guard let number = value.integerValue, let days = Int(exactly: number) else {
                throw RESTError.invalid(key, "'\(key)' must be a whole number of days")
            }
            return days
        }
        let policy = try await engine.lifecycle(actor: principal.user.username).addPolicy(
            name: try body.string("name"), types: try body.stringList("types") ?? [], levels: levels,
            purgeAfterDays: try days("purge_after_days"), expireGraceDays: try days("expire_grace_days"))
        return json(Self.retentionPolicy(policy), status: .created)
    }

    func deleteRetentionPolicy(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        try await engine.lifecycle(actor: principal.user.username)
            .removePolicy(named: try context.parameters.require("name"))
        return Response(status: .noContent)
    }

    func listRedactionPolicies(_ request: Request, _ context: Context) async throws -> Response {
        _ = try requireAdmin(context)
        _ = try RESTQuery(request, allowed: [])
        var list: [JSONValue] = []
        for stored in try await directory.redactionPolicies() { list.append(try Self.redactionPolicy(stored)) }
        return json(.object([("redaction_policies", .array(list))]))
    }

    func createRedactionPolicy(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(request, allowed: ["name", "destination", "rules"])
        let stored = try await engine.redactionPolicies(actor: principal.user.username).add(document: body.bytes)
        return json(try Self.redactionPolicy(stored), status: .created)
    }

    func deleteRedactionPolicy(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        try await engine.redactionPolicies(actor: principal.user.username)
            .remove(named: try context.parameters.require("name"))
        return Response(status: .noContent)
    }

    static func retentionPolicy(_ policy: RetentionPolicy) -> JSONValue {
        .object([
            ("id", .string(policy.id)), ("name", .string(policy.name)),
            ("types", .array(policy.types.map(JSONValue.string))),
            ("levels", .array(policy.levels.map { .string($0.rawValue) })),
            ("purge_after_days", policy.purgeAfterDays.map { .number(String($0)) } ?? .null),
            ("expire_grace_days", policy.expireGraceDays.map { .number(String($0)) } ?? .null),
            ("created_at", .string(STIXTimestamp.format(microseconds: policy.createdAt))),
        ])
    }

    /// A stored redaction policy: its document's members and the id; never the key.
    static func redactionPolicy(_ stored: StoredRedactionPolicy) throws -> JSONValue {
        let document = (try? JSONReader.parse(Array(stored.document.utf8)))?.objectMembers ?? []
        return .object(
            [("id", .string(stored.id))] + document.filter { ["name", "destination", "rules"].contains($0.key) }
                + [("created_at", .string(STIXTimestamp.format(microseconds: stored.createdAt)))])
    }
}

/// Onward sharing over REST (administrators): what `cybex export --for ORG --redaction NAME` and
/// `cybex redaction preview` give, through the same ``BundleExport``.
extension RESTRoutes {
    func registerExport(on group: RouterGroup<Context>) {
        group.get("collections/:id/export") { request, context in try await export(request, context, preview: false) }
        group.get("collections/:id/redaction-preview") { request, context in
            try await export(request, context, preview: true)
        }
    }

    /// The most objects one preview shows.
    static let maxPreview = 10_000

    func export(_ request: Request, _ context: Context, preview: Bool) async throws -> Response {
        let principal = try requireAdmin(context)
        let parameters = try RESTQuery(request, allowed: preview ? ["policy", "for", "limit"] : ["for", "redaction"])
        let id = try context.parameters.require("id")
        let record = try await directory.collection(id: id)
        var recipient: Organisation?
        if let reference = parameters["for"] {
            guard let organisation = try await organisation(idOrName: reference) else {
                throw RESTError.invalid("for", "no organisation '\(reference)'")
            }
            recipient = organisation
        }
        let policyName = preview ? parameters["policy"] : parameters["redaction"]
        if preview && policyName == nil { throw RESTError.invalid("policy", "name the redaction policy to preview") }
        var export: BundleExport
        do {
            export = try await engine.bundleExport(of: record, for: recipient, redaction: policyName)
        } catch let error as EngineError where error.code == .notFound {
            throw RESTError.invalid(preview ? "policy" : "redaction", error.message)
        }
        if preview { export.limit = try parameters.limit(default: 100, max: Self.maxPreview) }
        var bundle: [UInt8] = []
        var outcomes: [JSONValue] = []
        let summary = try await export.write(
            to: { bundle += $0 },
            outcome: { objectID, outcome in
                outcomes.append(.object([("id", .string(objectID)), ("outcome", .string(outcome.rawValue))]))
            })
        if bundle.last == UInt8(ascii: "\n") { bundle.removeLast() }
        guard preview else {
            try await export.audit(
                summary, actor: principal.user.username, recipient: parameters["for"], redaction: policyName,
                channel: "over REST")
            return bytes(bundle)
        }
        // The preview: the bundle as it would be sent, and what became of each object read.
        var out = Array(#"{"bundle":"#.utf8) + bundle
        out += Array(#","objects":"#.utf8) + JSONWriter.bytes(.array(outcomes))
        out += Array(
            #","sent":\#(summary.written),"redacted":\#(summary.redacted),"withheld":\#(summary.withheld)}"#.utf8)
        return bytes(out)
    }
}
