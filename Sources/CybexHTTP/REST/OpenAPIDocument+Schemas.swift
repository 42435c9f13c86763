import CybexCore
import CybexFormats

/// The named schemas of the OpenAPI document (`components/schemas`), one per resource and request
/// body of the REST API, built from the schema vocabulary in ``OpenAPIDocument``.
extension OpenAPIDocument {
    static let tokenProperties: [(String, JSONValue)] = [
        ("id", string), ("user", string), ("username", nullableString), ("created_at", dateTime),
        ("expires_at", nullableDateTime), ("revoked_at", nullableDateTime), ("active", boolean),
        ("scopes", described(array(scope), "the token's scopes; empty: everything the user's role allows")),
    ]
    static let scope: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(TokenScope.allCases.map { .string($0.rawValue) })),
    ])
    static let sector: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(IndustrySector.allCases.map { .string($0.rawValue) })),
    ])
    static let ecosystemRole: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(EcosystemRole.allCases.map { .string($0.rawValue) })),
    ])
    static let contactKind: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(ContactKind.allCases.map { .string($0.rawValue) })),
    ])
    static let country: JSONValue = .object([
        ("type", .array([.string("string"), .string("null")])), ("pattern", .string("^[A-Z]{2}$")),
    ])
    static let tokenRequired = ["id", "user", "created_at", "expires_at", "revoked_at", "active"]

    static func schemas() -> [(key: String, value: JSONValue)] {
        coreSchemas() + tracingSchemas() + caseSchemas() + ridSchemas() + vulnerabilitySchemas()
    }

    static func coreSchemas() -> [(key: String, value: JSONValue)] {
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
                "OrganisationProfile",
                object(
                    [
                        ("organisation", described(string, "the organisation's id")), ("name", string),
                        ("sectors", array(sector)), ("country", described(nullableString, "ISO 3166-1 alpha-2")),
                        ("roles", array(ecosystemRole)), ("contacts", array(ref("Contact"))),
                    ], required: ["organisation", "name", "sectors", "country", "roles", "contacts"])
            ),
            (
                "OrganisationProfileUpdate",
                object(
                    [
                        ("sectors", described(array(sector), "STIX 2.1 industry sectors (industry-sector-ov); absent: none")),
                        ("country", described(country, "ISO 3166-1 alpha-2, upper case; absent or null: none")),
                        ("roles", described(array(ecosystemRole), "roles in the ecosystem; absent: none")),
                        ("contacts", described(array(ref("ContactUpdate")), "at most one of each kind; absent: none")),
                    ], required: [])
            ),
            (
                "Contact",
                object(
                    [("kind", contactKind), ("email", nullableString), ("phone", nullableString), ("url", nullableString)],
                    required: ["kind", "email", "phone", "url"])
            ),
            (
                "ContactUpdate",
                described(
                    object(
                        [
                            ("kind", contactKind),
                            ("email", described(nullableString, "an e-mail address, at most 254 characters")),
                            ("phone", described(nullableString, "an international number: '+', then 4 to 15 digits")),
                            ("url", described(nullableString, "an http or https URL, at most 2048 characters")),
                        ], required: ["kind"]),
                    "at least one of email, phone and url")
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
                        (
                            "scopes",
                            described(
                                array(scope),
                                "what the token may be used for (at least one); default: the calling token's own scopes, "
                                    + "or everything the role allows for a password sign-in. A scope the calling token "
                                    + "lacks is refused with 403")
                        ),
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
                "SearchPage",
                object(
                    [
                        (
                            "results",
                            array(
                                object(
                                    [
                                        ("collection", described(string, "the collection the version was found in")),
                                        ("date_added", described(dateTime, "when the version was added to that collection")),
                                        ("object", ref("STIXObject")),
                                    ], required: ["collection", "date_added", "object"]))
                        ),
                        ("more", boolean),
                        ("next", described(string, "pass as `next` for the next page; present when `more` is true")),
                    ], required: ["results", "more"])
            ),
            (
                "CorrelationRequest",
                object(
                    [
                        (
                            "value",
                            described(
                                string,
                                "one observable value (IPv4/IPv6 address or CIDR range, domain, URL, e-mail, hash, MAC, AS number …), 1 to 2,048 bytes"
                            )
                        ),
                        ("object", described(string, "or a STIX id: the objects that share its observables")),
                        ("limit", described(limit, "most hits (default 100, at most 1,000)")),
                    ], required: [])
            ),
            (
                "CorrelationResult",
                object(
                    [
                        ("observables", array(ref("Observable"))),
                        (
                            "hits",
                            array(
                                object(
                                    [
                                        ("id", string), ("type", string),
                                        ("collections", described(array(string), "where the caller sees it")),
                                        ("observables", described(array(ref("Observable")), "the correlated values it carries")),
                                        ("first_seen", dateTime), ("last_seen", dateTime),
                                        ("versions", integer), ("tlp", nullableTLP),
                                        ("sightings", described(integer, "sightings of it the caller sees")),
                                        ("sighted", described(integer, "the sum of their counts")),
                                    ],
                                    required: [
                                        "id", "type", "collections", "observables", "first_seen", "last_seen", "versions", "tlp",
                                        "sightings", "sighted",
                                    ]))
                        ),
                        ("truncated", boolean),
                    ], required: ["observables", "hits", "truncated"])
            ),
            (
                "ClusterRequest",
                object(
                    [
                        ("value", described(string, "one observable value, 1 to 2,048 bytes")),
                        ("object", described(string, "or a STIX id")),
                        ("depth", described(limit, "most hops, object to value to object (default 3, at most 5)")),
                        ("objects", described(limit, "most objects (default 200, at most 500)")),
                    ], required: [])
            ),
            (
                "Cluster",
                object(
                    [
                        ("objects", described(array(string), "the ids of the cluster's objects")),
                        ("shared", described(array(ref("Observable")), "the values two or more of them carry")),
                        ("depth", integer), ("truncated", boolean),
                    ], required: ["objects", "shared", "depth", "truncated"])
            ),
            (
                "Observable",
                object([("kind", string), ("value", string)], required: ["kind", "value"])
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
                        (
                            "failures",
                            described(
                                array(object([("seq", integer), ("reason", string)], required: ["seq", "reason"])),
                                "every broken entry, in seq order (the first is `failure`); empty when intact")
                        ),
                    ], required: ["intact", "entries", "head_hash", "failure", "failures"])
            ),
        ]
    }
}
