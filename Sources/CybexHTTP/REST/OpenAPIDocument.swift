import CybexCore
import CybexFormats

/// The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json` (docs/API.md).
/// Built from ``operations``, the one list of every `/api/v1` route; a test checks it against
/// the routes the router registers, both ways. Later capabilities add their operations here.
enum OpenAPIDocument {
    /// One operation: a method on a path (`{name}` for path parameters, as in OpenAPI).
    struct Operation: Sendable {
        var method: String
        var path: String
        var id: String
        var tag: String
        var summary: String
        var query: [(name: String, description: String, schema: JSONValue)] = []
        /// The request body's schema (`application/json`), if any.
        var body: JSONValue? = nil
        /// Whether the body must be sent (an action whose fields are all optional takes none).
        var bodyRequired = true
        /// The success status and its response schema (nil: no body).
        var success: (status: Int, description: String, schema: JSONValue?)
        /// Error statuses besides 400 and 401 (every operation can answer those: unknown query
        /// parameters, missing credentials).
        var errors: [Int] = []
    }

    static let version = "1.0.0"

    static func document() -> JSONValue {
        var paths: [(key: String, value: JSONValue)] = []
        for operation in operations {
            let item = (operation.method.lowercased(), self.operation(operation))
            if let index = paths.firstIndex(where: { $0.key == operation.path }), case .object(var members) = paths[index].value {
                members.append(item)
                paths[index].value = .object(members)
            } else {
                paths.append((operation.path, .object([item])))
            }
        }
        return .object([
            ("openapi", .string("3.1.0")),
            (
                "info",
                .object([
                    ("title", .string("Cybex REST API")),
                    ("version", .string(version)),
                    (
                        "description",
                        .string(
                            "Organisations, users, API tokens, sharing groups, collections and their STIX 2.1 objects, and the audit log of a Cybex node. Every object read applies the sharing policy exactly as TAXII does; what the caller may not see answers 404. TLP:RED recipients are given with the `recipients` field of POST /collections/{id}/objects. See docs/API.md."
                        )
                    ),
                    ("license", .object([("name", .string("See the Cybex repository"))])),
                ])
            ),
            ("servers", .array([.object([("url", .string("/api/v1"))])])),
            ("security", .array([.object([("basic", .array([]))]), .object([("bearer", .array([]))])])),
            (
                "tags",
                .array(
                    ["organisations", "users", "tokens", "sharing-groups", "collections", "policies", "audit"].map {
                        .object([("name", .string($0))])
                    })
            ),
            ("paths", .object(paths)),
            ("components", components()),
        ])
    }

    static func operation(_ operation: Operation) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("operationId", .string(operation.id)),
            ("tags", .array([.string(operation.tag)])),
            ("summary", .string(operation.summary)),
        ]
        var parameters: [JSONValue] = pathParameters(operation.path).map { name in
            .object([
                ("name", .string(name)), ("in", .string("path")), ("required", .bool(true)),
                ("schema", string),
            ])
        }
        parameters += operation.query.map { parameter in
            .object([
                ("name", .string(parameter.name)), ("in", .string("query")), ("required", .bool(false)),
                ("description", .string(parameter.description)), ("schema", parameter.schema),
            ])
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let body = operation.body {
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(operation.bodyRequired)),
                        ("content", .object([("application/json", .object([("schema", body)]))])),
                    ])
                ))
        }
        var responses: [(key: String, value: JSONValue)] = []
        var success: [(key: String, value: JSONValue)] = [("description", .string(operation.success.description))]
        if let schema = operation.success.schema {
            success.append(("content", .object([("application/json", .object([("schema", schema)]))])))
        }
        responses.append((String(operation.success.status), .object(success)))
        for status in Set([400, 401] + operation.errors).sorted() {
            responses.append((String(status), .object([("$ref", .string("#/components/responses/\(status)"))])))
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    // MARK: Schema vocabulary

    static let string: JSONValue = .object([("type", .string("string"))])
    static let nullableString: JSONValue = .object([("type", .array([.string("string"), .string("null")]))])
    static let boolean: JSONValue = .object([("type", .string("boolean"))])
    static let integer: JSONValue = .object([("type", .string("integer")), ("minimum", .number("0"))])
    static let dateTime: JSONValue = .object([("type", .string("string")), ("format", .string("date-time"))])
    static let nullableDateTime: JSONValue = .object([
        ("type", .array([.string("string"), .string("null")])), ("format", .string("date-time")),
    ])
    static let tlp: JSONValue = .object([
        ("type", .string("string")),
        ("enum", .array(TLPLevel.allCases.map { .string($0.rawValue) })),
    ])
    static let nullableTLP: JSONValue = .object([
        ("type", .array([.string("string"), .string("null")])),
        ("enum", .array(TLPLevel.allCases.map { .string($0.rawValue) } + [.null])),
    ])
    static let bundle: JSONValue = .object([
        ("type", .string("object")), ("description", .string("a STIX 2.1 bundle")),
        ("required", .array([.string("type"), .string("id")])),
    ])
    static let nullableInteger: JSONValue = .object([("type", .array([.string("integer"), .string("null")]))])
    static let destination: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(RedactionPolicy.Destination.allCases.map { .string($0.rawValue) })),
    ])
    static let limit: JSONValue = .object([("type", .string("integer")), ("minimum", .number("1"))])

    static func ref(_ name: String) -> JSONValue { .object([("$ref", .string("#/components/schemas/\(name)"))]) }
    static func array(_ items: JSONValue) -> JSONValue { .object([("type", .string("array")), ("items", items)]) }

    static func object(_ properties: [(String, JSONValue)], required: [String], additional: Bool = false) -> JSONValue {
        .object([
            ("type", .string("object")),
            ("properties", .object(properties.map { (key: $0.0, value: $0.1) })),
            ("required", .array(required.map(JSONValue.string))),
            ("additionalProperties", .bool(additional)),
        ])
    }

    static func list(_ key: String, of schema: String) -> JSONValue {
        object([(key, array(ref(schema)))], required: [key])
    }

    static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        members.append(("description", .string(description)))
        return .object(members)
    }

    static func components() -> JSONValue {
        let errorResponses: [(key: String, value: JSONValue)] = [
            (400, "Invalid input; `error.field` names the field or parameter"),
            (401, "No valid credentials (a `WWW-Authenticate` challenge for Basic and Bearer is sent)"),
            (403, "Authenticated, but the role does not allow this operation"),
            (404, "No such resource, or one the caller may not see"),
            (409, "Conflicts with the current state (a name taken, a membership already there, a cycle of parents)"),
            (413, "The request body is larger than the server accepts"),
            (415, "The request body is not application/json"),
        ].map { status, description in
            (
                String(status),
                .object([
                    ("description", .string(description)),
                    ("content", .object([("application/json", .object([("schema", ref("Error"))]))])),
                ])
            )
        }
        return .object([
            (
                "securitySchemes",
                .object([
                    ("basic", .object([("type", .string("http")), ("scheme", .string("basic"))])),
                    (
                        "bearer",
                        .object([
                            ("type", .string("http")), ("scheme", .string("bearer")),
                            ("description", .string("An API token (`cbx_…`) from POST /tokens or `cybex token create`")),
                        ])
                    ),
                ])
            ),
            ("responses", .object(errorResponses)),
            ("schemas", .object(schemas())),
        ])
    }

    static let tokenProperties: [(String, JSONValue)] = [
        ("id", string), ("user", string), ("username", nullableString), ("created_at", dateTime),
        ("expires_at", nullableDateTime), ("revoked_at", nullableDateTime), ("active", boolean),
    ]
    static let tokenRequired = ["id", "user", "created_at", "expires_at", "revoked_at", "active"]

    static func schemas() -> [(key: String, value: JSONValue)] {
        [
            (
                "Error",
                object(
                    [
                        (
                            "error",
                            object(
                                [
                                    ("code", string), ("message", string),
                                    ("field", described(string, "the input field at fault")),
                                ],
                                required: ["code", "message"])
                        )
                    ], required: ["error"])
            ),
            (
                "Organisation",
                object(
                    [
                        ("id", string), ("name", string), ("parent", described(nullableString, "the parent organisation's id")),
                        ("default_tlp", nullableTLP), ("created_at", dateTime),
                    ], required: ["id", "name", "parent", "default_tlp", "created_at"])
            ),
            ("OrganisationList", list("organisations", of: "Organisation")),
            (
                "OrganisationCreate",
                object(
                    [("name", string), ("parent", described(string, "an organisation's name or id")), ("default_tlp", tlp)],
                    required: ["name"])
            ),
            (
                "OrganisationUpdate",
                object(
                    [
                        ("parent", described(nullableString, "an organisation's name or id; null: top level; absent: unchanged")),
                        ("default_tlp", described(nullableTLP, "null: the system default; absent: unchanged")),
                    ], required: [])
            ),
            (
                "User",
                object(
                    [
                        ("id", string), ("username", string), ("organisation", string), ("organisation_name", nullableString),
                        ("role", ref("Role")), ("disabled", boolean), ("created_at", dateTime),
                    ], required: ["id", "username", "organisation", "role", "disabled", "created_at"])
            ),
            ("Role", .object([("type", .string("string")), ("enum", .array(Role.allCases.map { .string($0.rawValue) }))])),
            ("UserList", list("users", of: "User")),
            (
                "UserCreate",
                object(
                    [
                        ("username", string), ("organisation", described(string, "an organisation's name or id")),
                        ("role", ref("Role")),
                        (
                            "password",
                            .object([("type", .string("string")), ("minLength", .number(String(8))), ("writeOnly", .bool(true))])
                        ),
                    ], required: ["username", "organisation", "role", "password"])
            ),
            ("Token", object(tokenProperties, required: tokenRequired)),
            ("TokenList", list("tokens", of: "Token")),
            (
                "TokenCreate",
                object(
                    [
                        ("username", described(string, "whose token (administrators only for other users); default: the caller")),
                        ("expires_at", described(dateTime, "when it stops working; default: never")),
                    ], required: [])
            ),
            (
                "TokenCreated",
                object(
                    tokenProperties + [("secret", described(string, "the token; shown once, only its hash is kept"))],
                    required: tokenRequired + ["secret"])
            ),
            (
                "SharingGroup",
                object(
                    [
                        ("id", string), ("name", string),
                        ("members", array(object([("id", string), ("name", nullableString)], required: ["id", "name"]))),
                        ("created_at", dateTime),
                    ], required: ["id", "name", "members", "created_at"])
            ),
            ("SharingGroupList", list("sharing_groups", of: "SharingGroup")),
            (
                "RetentionPolicy",
                object(
                    [
                        ("id", string), ("name", string), ("types", array(string)), ("levels", array(tlp)),
                        ("purge_after_days", nullableInteger), ("expire_grace_days", nullableInteger), ("created_at", dateTime),
                    ], required: ["id", "name", "types", "levels", "purge_after_days", "expire_grace_days", "created_at"])
            ),
            ("RetentionPolicyList", list("retention_policies", of: "RetentionPolicy")),
            (
                "RemovedVersion",
                object(
                    [
                        ("collection", described(string, "the collection it was removed from (erasure)")), ("id", string),
                        ("version", described(nullableDateTime, "null for an object that is not versioned")),
                    ], required: ["id", "version"])
            ),
            (
                "RetentionRun",
                object([("dry_run", described(boolean, "only report what would be removed (default false)"))], required: [])
            ),
            (
                "RetentionRunResult",
                object(
                    [
                        ("dry_run", boolean), ("removed", described(integer, "object versions removed (or that would be)")),
                        (
                            "outcomes",
                            array(
                                object(
                                    [
                                        ("policy", string), ("collection", string), ("removed", integer),
                                        ("versions", described(array(ref("RemovedVersion")), "each version, on a dry run only")),
                                    ], required: ["policy", "collection", "removed"]))
                        ),
                    ], required: ["dry_run", "removed", "outcomes"])
            ),
            (
                "ErasureRequest",
                object(
                    [
                        (
                            "identifier",
                            described(
                                string,
                                "the person's identifier (an e-mail address, account name, address…), 3 to 1,000 characters")
                        ),
                        ("dry_run", described(boolean, "only report what would be removed (default false)")),
                    ], required: ["identifier"])
            ),
            (
                "ErasureResult",
                object(
                    [
                        ("dry_run", boolean), ("removed", integer), ("collections", integer),
                        ("versions", array(ref("RemovedVersion"))),
                    ], required: ["dry_run", "removed", "collections", "versions"])
            ),
            (
                "RetentionPolicyCreate",
                object(
                    [
                        ("name", string), ("types", described(array(string), "STIX types; empty or absent: every type")),
                        ("levels", described(array(tlp), "TLP levels; empty or absent: every level")),
                        ("purge_after_days", nullableInteger), ("expire_grace_days", nullableInteger),
                    ], required: ["name"])
            ),
            (
                "RedactionRule",
                .object([
                    ("type", .string("object")), ("required", .array([.string("rule")])),
                    ("properties", .object([("rule", string), ("ranges", array(string)), ("properties", array(string))])),
                    ("additionalProperties", .bool(false)),
                ])
            ),
            (
                "RedactionPolicy",
                object(
                    [
                        ("id", string), ("name", string), ("destination", destination), ("rules", array(ref("RedactionRule"))),
                        ("created_at", dateTime),
                    ], required: ["id", "name", "destination", "rules", "created_at"])
            ),
            ("RedactionPolicyList", list("redaction_policies", of: "RedactionPolicy")),
            (
                "RedactionPreview",
                object(
                    [
                        ("bundle", bundle),
                        (
                            "objects",
                            array(
                                object(
                                    [
                                        ("id", string),
                                        (
                                            "outcome",
                                            .object([
                                                ("type", .string("string")),
                                                ("enum", .array(["unchanged", "redacted", "withheld"].map(JSONValue.string))),
                                            ])
                                        ),
                                    ], required: ["id", "outcome"]))
                        ),
                        ("sent", integer), ("redacted", integer), ("withheld", integer),
                    ], required: ["bundle", "objects", "sent", "redacted", "withheld"])
            ),
            (
                "RedactionPolicyCreate",
                object(
                    [("name", string), ("destination", destination), ("rules", array(ref("RedactionRule")))],
                    required: ["name", "destination", "rules"])
            ),
            ("SharingGroupCreate", object([("name", string)], required: ["name"])),
            (
                "Collection",
                object(
                    [
                        ("id", string), ("title", string), ("description", nullableString), ("can_read", boolean),
                        ("can_write", boolean), ("default_tlp", nullableTLP), ("public", boolean), ("created_at", dateTime),
                        ("read", described(array(string), "organisation names (administrators only)")),
                        ("write", described(array(string), "organisation names (administrators only)")),
                        ("sharing_group", described(nullableString, "the narrowing sharing group's id (administrators only)")),
                    ], required: ["id", "title", "can_read", "can_write", "public", "created_at"])
            ),
            ("CollectionList", list("collections", of: "Collection")),
            (
                "CollectionCreate",
                object(
                    [
                        ("title", string), ("description", string),
                        ("read", described(array(string), "organisation names or ids that may read")),
                        ("write", described(array(string), "organisation names or ids that may write")),
                        ("default_tlp", tlp),
                        ("sharing_group", described(string, "a sharing group's name or id narrowing the audience")),
                        ("public", described(boolean, "serve its TLP:CLEAR objects to anyone")),
                    ], required: ["title"])
            ),
            (
                "STIXObject",
                .object([
                    ("type", .string("object")),
                    ("description", .string("A STIX 2.1 object, as stored")),
                    ("properties", .object([("type", string), ("id", string)])),
                    ("required", .array([.string("type"), .string("id")])),
                    ("additionalProperties", .bool(true)),
                ])
            ),
            (
                "ObjectPage",
                object(
                    [
                        ("objects", array(ref("STIXObject"))), ("more", boolean),
                        ("next", described(string, "pass as `after` for the next page; present when `more` is true")),
                    ], required: ["objects", "more"])
            ),
            (
                "ObjectsAdd",
                object(
                    [
                        (
                            "objects",
                            .object([("type", .string("array")), ("items", ref("STIXObject")), ("minItems", .number("1"))])
                        ),
                        (
                            "recipients",
                            described(
                                .object([
                                    ("type", .string("array")), ("items", string), ("minItems", .number("1")),
                                    ("maxItems", .number(String(DistributionMarking.maximumRecipients))),
                                ]),
                                "organisation names or ids a TLP:RED object is addressed to: a distribution marking definition naming them is created and added to the object_marking_refs of every posted TLP:RED object (by its marking, else the collection's default, else the caller's organisation's default)"
                            )
                        ),
                    ], required: ["objects"])
            ),
            (
                "IngestResult",
                object(
                    [
                        ("id", nullableString), ("version", nullableString),
                        (
                            "outcome",
                            .object([
                                ("type", .string("string")),
                                ("enum", .array(["added", "new-version", "duplicate", "rejected"].map(JSONValue.string))),
                            ])
                        ),
                        ("reason", string),
                    ], required: ["id", "version", "outcome"])
            ),
            (
                "IngestReport",
                object(
                    [
                        (
                            "distribution_marking",
                            described(nullableString, "the id of the distribution marking created for `recipients`")
                        ),
                        ("total", integer), ("added", integer), ("new_versions", integer), ("duplicates", integer),
                        ("rejected", integer), ("results", array(ref("IngestResult"))),
                    ], required: ["distribution_marking", "total", "added", "new_versions", "duplicates", "rejected", "results"])
            ),
            ("Count", object([("count", integer)], required: ["count"])),
            (
                "AuditEvent",
                object(
                    [
                        ("seq", integer), ("time", dateTime), ("actor", string), ("action", string), ("target", string),
                        ("detail", string),
                    ],
                    required: ["seq", "time", "actor", "action", "target", "detail"])
            ),
            (
                "AuditLog",
                object(
                    [
                        ("events", array(ref("AuditEvent"))),
                        ("next", described(integer, "present when the page is full: pass it as `before` for the older entries")),
                    ], required: ["events"])
            ),
            (
                "AuditVerification",
                object(
                    [
                        ("intact", boolean), ("entries", integer), ("head_hash", string),
                        (
                            "failure",
                            .object([
                                (
                                    "oneOf",
                                    .array([
                                        .object([("type", .string("null"))]),
                                        object([("seq", integer), ("reason", string)], required: ["seq", "reason"]),
                                    ])
                                )
                            ])
                        ),
                    ], required: ["intact", "entries", "head_hash", "failure"])
            ),
        ]
    }
}
