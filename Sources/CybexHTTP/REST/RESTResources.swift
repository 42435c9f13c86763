import CybexCore
import CybexEngine
import CybexFormats

/// The JSON representations of the REST API's resources (docs/API.md; schemas in
/// ``OpenAPIDocument``). Times are RFC 3339 UTC; password and token hashes never appear.
enum RESTResources {
    static func time(_ microseconds: Int64) -> JSONValue {
        .string(STIXTimestamp.format(microseconds: microseconds))
    }

    static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    static func number(_ n: Int) -> JSONValue { .number(String(n)) }

    static func organisation(_ organisation: Organisation) -> JSONValue {
        .object([
            ("id", .string(organisation.id)),
            ("name", .string(organisation.name)),
            ("parent", optional(organisation.parentID)),
            ("default_tlp", optional(organisation.defaultTLP?.rawValue)),
            ("created_at", time(organisation.createdAt)),
        ])
    }

    static func user(_ user: User, organisationName: String?) -> JSONValue {
        .object([
            ("id", .string(user.id)),
            ("username", .string(user.username)),
            ("organisation", .string(user.organisationID)),
            ("organisation_name", optional(organisationName)),
            ("role", .string(user.role.rawValue)),
            ("disabled", .bool(user.disabled)),
            ("created_at", time(user.createdAt)),
        ])
    }

    /// A token; `secret` only in the answer that creates it.
    static func token(_ token: APIToken, username: String?, now: Int64, secret: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(token.id)),
            ("user", .string(token.userID)),
            ("username", optional(username)),
            ("created_at", time(token.createdAt)),
            ("expires_at", token.expiresAt.map(time) ?? .null),
            ("revoked_at", token.revokedAt.map(time) ?? .null),
            ("active", .bool(token.isUsable(at: now))),
            // Empty: everything the user's role allows.
            ("scopes", .array(token.scopes.map { .string($0.rawValue) })),
        ]
        if let secret { members.append(("secret", .string(secret))) }
        return .object(members)
    }

    static func sharingGroup(_ group: SharingGroup, names: [String: String]) -> JSONValue {
        .object([
            ("id", .string(group.id)),
            ("name", .string(group.name)),
            (
                "members",
                .array(group.members.map { .object([("id", .string($0)), ("name", optional(names[$0]))]) })
            ),
            ("created_at", time(group.createdAt)),
        ])
    }

    /// A collection as `view` shows it; the read and write lists (organisation names) only for
    /// administrators, as they name other organisations, sorted by name.
    static func collection(_ view: CollectionService.View, names: [String: String]?) -> JSONValue {
        let collection = view.collection
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(collection.id)),
            ("title", .string(collection.title)),
            ("description", optional(collection.description)),
            ("can_read", .bool(view.canRead)),
            ("can_write", .bool(view.canWrite)),
            ("default_tlp", optional(collection.defaultTLP?.rawValue)),
            ("public", .bool(collection.isPublic)),
            ("created_at", time(collection.createdAt)),
        ]
        if let names {
            members.append(("read", .array(collection.readers.map { names[$0] ?? $0 }.sorted().map(JSONValue.string))))
            members.append(("write", .array(collection.writers.map { names[$0] ?? $0 }.sorted().map(JSONValue.string))))
            members.append(("sharing_group", optional(collection.sharingGroupID)))
        }
        return .object(members)
    }

    /// `{"objects":[…],"more":…,"next":…}` with the objects' stored bytes as they are.
    static func objectPage(_ page: ObjectPage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(page.records.reduce(64) { $0 + $1.json.count + 1 })
        out.append(contentsOf: #"{"objects":["#.utf8)
        for (i, record) in page.records.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: record.json)
        }
        out.append(contentsOf: #"],"more":"#.utf8)
        out.append(contentsOf: (page.more ? "true" : "false").utf8)
        if page.more, let last = page.records.last {
            out.append(contentsOf: #","next":"#.utf8)
            JSONWriter.writeString(PageToken.encode(last.dateAdded), into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func ingestReport(_ report: IngestReport, distributionMarking: String?) -> JSONValue {
        let results: [JSONValue] = report.items.map { item in
            var members: [(key: String, value: JSONValue)] = [
                ("id", optional(item.id)),
                ("version", optional(item.version)),
            ]
            switch item.outcome {
            case .added: members.append(("outcome", .string("added")))
            case .newVersion: members.append(("outcome", .string("new-version")))
            case .duplicate: members.append(("outcome", .string("duplicate")))
            case .rejected(let reason):
                members.append(("outcome", .string("rejected")))
                members.append(("reason", .string(reason)))
            }
            return .object(members)
        }
        return .object([
            ("distribution_marking", optional(distributionMarking)),
            ("total", number(report.items.count)),
            ("added", number(report.added)),
            ("new_versions", number(report.newVersions)),
            ("duplicates", number(report.duplicates)),
            ("rejected", number(report.rejected.count)),
            ("results", .array(results)),
        ])
    }

    /// An audit log entry: its sequence number and event.
    static func auditEntry(_ entry: AuditEntry) -> JSONValue {
        let event = entry.event
        return .object([
            ("seq", .number(String(entry.seq))),
            ("time", time(event.time)),
            ("actor", .string(event.actor)),
            ("action", .string(event.action)),
            ("target", .string(event.target)),
            ("detail", .string(event.detail)),
        ])
    }

    static func auditVerification(_ result: AuditVerification) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("intact", .bool(result.isIntact)),
            ("entries", number(result.entries)),
            ("head_hash", .string(result.headHash)),
        ]
        if let failure = result.failure {
            members.append(
                ("failure", .object([("seq", .number(String(failure.seq))), ("reason", .string(failure.description))])))
        } else {
            members.append(("failure", .null))
        }
        let failures = result.failures.map { failure -> JSONValue in
            .object([("seq", .number(String(failure.seq))), ("reason", .string(failure.description))])
        }
        members.append(("failures", .array(failures)))
        return .object(members)
    }
}
