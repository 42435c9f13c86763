import CybexCore
import CybexFormats

/// The schemas of constituencies, enrichment, traces, feeds and notification channels (issue 15).
extension OpenAPIDocument {
    static func tracingSchemas() -> [(key: String, value: JSONValue)] {
        [
            (
                "ConstituencyEntry",
                object(
                    [
                        (
                            "type",
                            described(
                                .object([
                                    ("type", .string("string")),
                                    ("enum", .array(ConstituencyEntry.Kind.allCases.map { .string($0.rawValue) })),
                                ]), "network, asn or domain; absent: inferred from the value")
                        ),
                        ("value", described(string, "a CIDR range or address, an AS number (64500 or AS64500), a domain")),
                        ("note", described(nullableString, "free text, at most 256 characters")),
                    ], required: ["value"])
            ),
            (
                "ConstituencyUpdate",
                object([("entries", array(ref("ConstituencyEntry")))], required: ["entries"])
            ),
            (
                "Constituency",
                object(
                    [
                        ("organisation", string), ("name", string),
                        ("entries", described(array(ref("ConstituencyEntry")), "networks, then AS numbers, then domains")),
                        ("may_write", boolean),
                        ("added", described(integer, "after a change: entries added")),
                        ("removed", described(integer, "after a change: entries removed")),
                    ], required: ["organisation", "name", "entries", "may_write"])
            ),
            (
                "EnrichmentSourceList",
                object(
                    [
                        (
                            "sources",
                            array(
                                object(
                                    [
                                        ("name", string), ("format", string), ("loaded", dateTime),
                                        ("ranges", integer), ("asns", integer),
                                    ], required: ["name", "format", "loaded", "ranges", "asns"]))
                        )
                    ], required: ["sources"])
            ),
            (
                "NotificationChannelCreate",
                object(
                    [
                        (
                            "kind",
                            .object([("type", .string("string")), ("enum", .array([.string("email"), .string("webhook")]))])
                        ),
                        ("target", described(string, "an e-mail address, or an http(s) URL")),
                        ("max_tlp", described(tlp, "the highest level a digest carries (default amber)")),
                        ("frequency_seconds", described(limit, "the shortest time between two digests (default 3600)")),
                        ("redaction", described(nullableString, "a stored redaction policy applied to what it sends")),
                    ], required: ["kind", "target"])
            ),
            (
                "NotificationChannel",
                object(
                    [
                        ("id", string), ("organisation", string), ("kind", string), ("target", string), ("max_tlp", tlp),
                        ("frequency_seconds", integer), ("redaction", nullableString), ("enabled", boolean),
                        ("last_delivered", nullableDateTime), ("deliveries", integer), ("failures", integer),
                        ("next_attempt", nullableDateTime), ("error", nullableString),
                        ("secret", described(string, "a webhook's signing key, in the answer that creates it only")),
                    ],
                    required: [
                        "id", "organisation", "kind", "target", "max_tlp", "frequency_seconds", "redaction", "enabled",
                        "last_delivered", "deliveries", "failures", "next_attempt", "error",
                    ])
            ),
            (
                "NotificationChannelList",
                object([("channels", array(ref("NotificationChannel")))], required: ["channels"])
            ),
            (
                "FeedList",
                object(
                    [
                        (
                            "feeds",
                            array(
                                object(
                                    [
                                        ("id", string), ("name", string), ("format", string),
                                        ("url", described(string, "without user information or query")),
                                        ("collection", string), ("owner", string), ("tlp", tlp),
                                        ("interval_seconds", integer), ("enabled", boolean),
                                        ("status", described(string, "ok, failing or new")),
                                        ("last_pull", nullableDateTime), ("last_success", nullableDateTime),
                                        ("failures", integer), ("next_due", nullableDateTime), ("last_values", integer),
                                        ("last_added", integer), ("pulls", integer), ("error", nullableString),
                                    ],
                                    required: [
                                        "id", "name", "format", "url", "collection", "owner", "tlp", "interval_seconds",
                                        "enabled",
                                        "status", "last_pull", "last_success", "failures", "next_due", "last_values",
                                        "last_added", "pulls", "error",
                                    ]))
                        )
                    ], required: ["feeds"])
            ),
            (
                "TraceRequest",
                object(
                    [
                        ("value", described(string, "an address, CIDR range, domain, URL, e-mail address, hash or AS number")),
                        ("limit", described(limit, "most hits (default 100, at most 1,000)")),
                    ], required: ["value"])
            ),
            (
                "EnrichmentFact",
                object(
                    [
                        ("source", string), ("range", described(string, "CIDR, or first-last")),
                        ("asn", integer), ("routed", described(boolean, "false: ip2asn's AS 0, no one announces it")),
                        ("country", string), ("owner", string), ("registry", string),
                        ("holder", described(string, "the registry's opaque id of the holder")),
                    ], required: ["source", "range"])
            ),
            (
                "Trace",
                object(
                    [
                        ("value", string), ("observables", array(ref("Observable"))),
                        ("first_seen", nullableDateTime), ("last_seen", nullableDateTime),
                        ("hits", described(.object([("type", .string("array"))]), "as CorrelationResult's hits")),
                        (
                            "referenced_by",
                            array(
                                object(
                                    [
                                        ("id", string), ("type", string), ("references", array(string)),
                                        ("collections", array(string)), ("last_seen", dateTime), ("tlp", nullableTLP),
                                    ], required: ["id", "type", "references", "collections", "last_seen", "tlp"]))
                        ),
                        ("network", array(ref("EnrichmentFact"))),
                        ("autonomous_systems", array(ref("EnrichmentFact"))),
                        (
                            "constituents",
                            array(
                                object(
                                    [
                                        ("organisation", object([("id", string), ("name", string)], required: ["id", "name"])),
                                        (
                                            "matched",
                                            array(object([("type", string), ("value", string)], required: ["type", "value"]))
                                        ),
                                        ("country", nullableString),
                                        ("contact", .object([("type", .array([.string("object"), .string("null")]))])),
                                    ], required: ["organisation", "matched", "country", "contact"]))
                        ),
                        ("cluster", ref("Cluster")), ("truncated", boolean),
                    ],
                    required: [
                        "value", "observables", "first_seen", "last_seen", "hits", "referenced_by", "network",
                        "autonomous_systems", "constituents", "cluster", "truncated",
                    ])
            ),
        ]
    }
}
