import CybexCore
import CybexFormats

/// Every REST operation, in the order the document lists them. A route added to ``RESTRoutes``
/// without its operation here (or the reverse) fails `OpenAPIDocumentTests`.
extension OpenAPIDocument {
    /// Every route under `/api/v1`, relative to it.
    static let operations: [Operation] = [
        Operation(
            method: "GET", path: "/organisations", id: "listOrganisations", tag: "organisations",
            summary: "Organisations: all for administrators, else the caller's own",
            success: (200, "The organisations", ref("OrganisationList"))),
        Operation(
            method: "POST", path: "/organisations", id: "createOrganisation", tag: "organisations",
            summary: "Create an organisation (administrators)", body: ref("OrganisationCreate"),
            success: (201, "The new organisation", ref("Organisation")), errors: [400, 403, 409, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}", id: "getOrganisation", tag: "organisations",
            summary: "One organisation (administrators: any; others: their own)",
            success: (200, "The organisation", ref("Organisation")), errors: [404]),
        Operation(
            method: "PATCH", path: "/organisations/{id}", id: "updateOrganisation", tag: "organisations",
            summary: "Change an organisation's parent and/or default TLP level (administrators)", body: ref("OrganisationUpdate"),
            success: (200, "The organisation as changed", ref("Organisation")), errors: [400, 403, 404, 409, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}/profile", id: "getOrganisationProfile", tag: "organisations",
            summary:
                "An organisation's profile: sectors, country, roles and contacts (administrators: any; others: their own "
                + "organisation's and its constituents'; 404 for any other)",
            success: (200, "The profile", ref("OrganisationProfile")), errors: [404]),
        Operation(
            method: "PUT", path: "/organisations/{id}/profile", id: "setOrganisationProfile", tag: "organisations",
            summary:
                "Replace an organisation's profile (administrators: any; analysts: their own organisation's; 403 for a "
                + "profile the caller may read but not change, 404 for one it may not read); audited",
            body: ref("OrganisationProfileUpdate"), success: (200, "The profile as stored", ref("OrganisationProfile")),
            errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}/constituency", id: "getConstituency", tag: "organisations",
            summary:
                "The networks (CIDR), AS numbers and domains an organisation is responsible for (who may read it as for "
                + "the profile; 404 otherwise)",
            success: (200, "The constituency", ref("Constituency")), errors: [404]),
        Operation(
            method: "PUT", path: "/organisations/{id}/constituency", id: "setConstituency", tag: "organisations",
            summary:
                "Replace an organisation's constituency (who may change it as for the profile); the body is a list of "
                + "entries, or a CSV file (text/csv: columns value, type, note) as `cybex constituency import` reads it; "
                + "values are normalised; a malformed entry changes nothing; audited",
            body: ref("ConstituencyUpdate"), csvBody: true,
            success: (200, "The constituency as stored, with what changed", ref("Constituency")),
            errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/organisations/{id}/constituency", id: "addConstituency", tag: "organisations",
            summary: "Add entries to an organisation's constituency (as PUT, without removing any); audited",
            body: ref("ConstituencyUpdate"), csvBody: true,
            success: (200, "The constituency as stored, with what changed", ref("Constituency")),
            errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "GET", path: "/organisations/{id}/notification-channels", id: "listNotificationChannels",
            tag: "organisations",
            summary:
                "An organisation's notification channels (e-mail, webhook) with their delivery state (who may read them as for "
                + "the profile; 404 otherwise); never the webhook keys",
            success: (200, "The channels", ref("NotificationChannelList")), errors: [404]),
        Operation(
            method: "POST", path: "/organisations/{id}/notification-channels", id: "addNotificationChannel",
            tag: "organisations",
            summary:
                "Add a channel for the digests of new objects that touch the organisation's constituency (who may change "
                + "it as for the profile): an e-mail address or a webhook, the highest TLP level it carries (default "
                + "amber), how often (default 3600 s); a webhook's HMAC-SHA256 signing key is returned this once; audited",
            body: ref("NotificationChannelCreate"), success: (201, "The channel", ref("NotificationChannel")),
            errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "DELETE", path: "/organisations/{id}/notification-channels/{channel}", id: "removeNotificationChannel",
            tag: "organisations", summary: "Remove a notification channel; audited", success: (204, "Removed", nil),
            errors: [403, 404]),
        Operation(
            method: "GET", path: "/feeds", id: "listFeeds", tag: "organisations",
            summary:
                "The feeds the node pulls (CSV, plain lists, MISP feeds, TAXII collections) and their health: last pull, "
                + "last success, failures, next due, what the last pull read and stored, the last error (administrators)",
            success: (200, "The feeds", ref("FeedList")), errors: [403]),
        Operation(
            method: "GET", path: "/enrichment", id: "listEnrichmentSources", tag: "organisations",
            summary: "The offline enrichment sources loaded (ip2asn, RIR statistics) that traces read",
            success: (200, "The sources", ref("EnrichmentSourceList"))),
        Operation(
            method: "GET", path: "/users", id: "listUsers", tag: "users",
            summary: "Users: all for administrators, else the caller", success: (200, "The users", ref("UserList"))),
        Operation(
            method: "POST", path: "/users", id: "createUser", tag: "users", summary: "Create a user (administrators)",
            body: ref("UserCreate"), success: (201, "The new user", ref("User")), errors: [400, 403, 409, 413, 415]),
        Operation(
            method: "GET", path: "/users/{id}", id: "getUser", tag: "users",
            summary: "One user (administrators: any; others: themselves)", success: (200, "The user", ref("User")),
            errors: [404]),
        Operation(
            method: "POST", path: "/users/{id}/disable", id: "disableUser", tag: "users",
            summary: "Disable a user: their password and tokens stop working at once (administrators)",
            success: (200, "The user", ref("User")), errors: [403, 404]),
        Operation(
            method: "POST", path: "/users/{id}/enable", id: "enableUser", tag: "users",
            summary: "Enable a disabled user (administrators)", success: (200, "The user", ref("User")), errors: [403, 404]),
        Operation(
            method: "GET", path: "/tokens", id: "listTokens", tag: "tokens",
            summary: "API tokens: all for administrators, else the caller's own (never the secrets)",
            success: (200, "The tokens", ref("TokenList"))),
        Operation(
            method: "POST", path: "/tokens", id: "createToken", tag: "tokens",
            summary: "Create an API token for the caller, or (administrators) for another user; the secret is returned once",
            body: ref("TokenCreate"), success: (201, "The token with its secret", ref("TokenCreated")),
            errors: [400, 403, 413, 415]),
        Operation(
            method: "DELETE", path: "/tokens/{id}", id: "revokeToken", tag: "tokens",
            summary: "Revoke an API token (the caller's own; administrators: any)", success: (204, "Revoked", nil),
            errors: [404]),
        Operation(
            method: "GET", path: "/sharing-groups", id: "listSharingGroups", tag: "sharing-groups",
            summary: "Sharing groups: all for administrators, else those the caller's organisation is in",
            success: (200, "The sharing groups", ref("SharingGroupList"))),
        Operation(
            method: "POST", path: "/sharing-groups", id: "createSharingGroup", tag: "sharing-groups",
            summary: "Create an empty sharing group (administrators)", body: ref("SharingGroupCreate"),
            success: (201, "The new sharing group", ref("SharingGroup")), errors: [400, 403, 409, 413, 415]),
        Operation(
            method: "PUT", path: "/sharing-groups/{id}/members/{organisation}", id: "addSharingGroupMember",
            tag: "sharing-groups", summary: "Add an organisation (name or id) to a sharing group (administrators)",
            success: (200, "The sharing group", ref("SharingGroup")), errors: [403, 404, 409]),
        Operation(
            method: "DELETE", path: "/sharing-groups/{id}/members/{organisation}", id: "removeSharingGroupMember",
            tag: "sharing-groups", summary: "Remove an organisation (name or id) from a sharing group (administrators)",
            success: (200, "The sharing group", ref("SharingGroup")), errors: [403, 404]),
        Operation(
            method: "GET", path: "/collections/{id}/export", id: "exportCollection", tag: "collections",
            summary:
                "The collection as one STIX 2.1 bundle, as `cybex export` writes it (administrators): with `for`, only what that organisation may see; with `redaction`, through that stored policy",
            query: [
                ("for", "the destination organisation (name or id)", string),
                ("redaction", "a stored redaction policy's name", string),
            ],
            success: (200, "The STIX bundle", bundle), errors: [403, 404]),
        Operation(
            method: "GET", path: "/collections/{id}/redaction-preview", id: "previewRedaction", tag: "policies",
            summary: "Exactly what the export through a redaction policy would send, with each object's outcome (administrators)",
            query: [
                ("policy", "the stored redaction policy's name (required)", string),
                ("for", "the destination organisation (name or id)", string),
                ("limit", "at most this many objects (default 100)", limit),
            ],
            success: (200, "The preview", ref("RedactionPreview")), errors: [403, 404]),
        Operation(
            method: "GET", path: "/retention-policies", id: "listRetentionPolicies", tag: "policies",
            summary: "Retention policies (administrators)", success: (200, "The policies", ref("RetentionPolicyList")),
            errors: [403]),
        Operation(
            method: "POST", path: "/retention-policies", id: "createRetentionPolicy", tag: "policies",
            summary: "Add a retention policy (administrators; applied hourly by the server, SECURITY.md)",
            body: ref("RetentionPolicyCreate"), success: (201, "The new policy", ref("RetentionPolicy")),
            errors: [403, 409, 413, 415]),
        Operation(
            method: "DELETE", path: "/retention-policies/{name}", id: "deleteRetentionPolicy", tag: "policies",
            summary: "Remove a retention policy (administrators)", success: (204, "Removed", nil), errors: [403, 404]),
        Operation(
            method: "POST", path: "/retention/run", id: "runRetention", tag: "policies",
            summary: "Apply every retention policy now, as `cybex retention run` (administrators; audited per collection)",
            body: ref("RetentionRun"), bodyRequired: false,
            success: (200, "What was removed (or would be, on a dry run)", ref("RetentionRunResult")), errors: [403, 413, 415]),
        Operation(
            method: "POST", path: "/erasures", id: "erase", tag: "policies",
            summary:
                "Erase every version of every object tied to one person's identifier, as `cybex erase` (administrators; audited by the identifier's SHA-256)",
            body: ref("ErasureRequest"), success: (200, "What was removed (or would be, on a dry run)", ref("ErasureResult")),
            errors: [403, 413, 415]),
        Operation(
            method: "GET", path: "/redaction-policies", id: "listRedactionPolicies", tag: "policies",
            summary: "Redaction policies per destination (administrators; never the keys)",
            success: (200, "The policies", ref("RedactionPolicyList")), errors: [403]),
        Operation(
            method: "POST", path: "/redaction-policies", id: "createRedactionPolicy", tag: "policies",
            summary: "Store a redaction policy with a new random pseudonymisation key (administrators)",
            body: ref("RedactionPolicyCreate"), success: (201, "The stored policy", ref("RedactionPolicy")),
            errors: [403, 409, 413, 415]),
        Operation(
            method: "DELETE", path: "/redaction-policies/{name}", id: "deleteRedactionPolicy", tag: "policies",
            summary: "Remove a redaction policy and its key (administrators)", success: (204, "Removed", nil),
            errors: [403, 404]),
        Operation(
            method: "GET", path: "/collections", id: "listCollections", tag: "collections",
            summary: "The collections the caller can read or write", success: (200, "The collections", ref("CollectionList"))),
        Operation(
            method: "POST", path: "/collections", id: "createCollection", tag: "collections",
            summary: "Create a collection (administrators)", body: ref("CollectionCreate"),
            success: (201, "The new collection", ref("Collection")), errors: [400, 403, 413, 415]),
        Operation(
            method: "GET", path: "/collections/{id}", id: "getCollection", tag: "collections",
            summary: "One collection the caller can read or write", success: (200, "The collection", ref("Collection")),
            errors: [404]),
        Operation(
            method: "GET", path: "/collections/{id}/objects", id: "listObjects", tag: "collections",
            summary: "One page of the newest version of each object the caller may see, oldest added first",
            query: [
                ("type", "STIX types, separated by commas", string),
                ("limit", "most objects on the page (capped by the server)", limit),
                ("after", "the `next` of the previous page", string),
            ], success: (200, "A page of objects", ref("ObjectPage")), errors: [400, 403, 404]),
        Operation(
            method: "POST", path: "/collections/{id}/objects", id: "addObjects", tag: "collections",
            summary: "Add STIX objects, optionally addressing the TLP:RED ones to `recipients`; one outcome per object",
            body: ref("ObjectsAdd"), success: (200, "What became of each object", ref("IngestReport")),
            errors: [400, 403, 404, 413, 415]),
        Operation(
            method: "GET", path: "/collections/{id}/objects/{objectID}", id: "getObject", tag: "collections",
            summary: "The newest version of one object the caller may see",
            success: (200, "The STIX object", ref("STIXObject")), errors: [403, 404]),
        Operation(
            method: "GET", path: "/collections/{id}/count", id: "countObjects", tag: "collections",
            summary: "How many object versions of the collection the caller may see",
            success: (200, "The count", ref("Count")), errors: [403, 404]),
        Operation(
            method: "POST", path: "/collections/{id}/iodef", id: "importIODEF", tag: "collections",
            summary:
                "Import an IODEF v2 document (RFC 7970, application/xml, at most 16 MiB, no DTD): its incidents become STIX "
                + "incident objects with their observables, as the caller's organisation, restriction mapped onto TLP and "
                + "recipients (docs/IODEF.md); a document that is not valid IODEF is refused whole, each problem with its line",
            xmlBody: true, success: (200, "What happened to each object", ref("IngestReport")),
            errors: [403, 404, 413, 415]),
        Operation(
            method: "GET", path: "/collections/{id}/iodef", id: "exportIODEF", tag: "collections",
            summary:
                "The incidents of the collection the caller may see (the newest version of each) as one IODEF v2 document; "
                + "restriction written from their markings; 404 when there is none",
            xmlResponse: true, success: (200, "An IODEF v2 document", string), errors: [403, 404]),
        Operation(
            method: "GET", path: "/classifications", id: "listClassifications", tag: "cases",
            summary: "The incident classification vocabulary (the attack forms of ITU-T Resolution 50) with its RSIT mapping",
            success: (200, "The vocabulary", ref("ClassificationList"))),
        Operation(
            method: "GET", path: "/cases", id: "listCases", tag: "cases",
            summary:
                "The incident cases the caller may see, newest first: whole for the handling organisation and administrators, "
                + "the shareable part for others while the sharing policy lets them read the case's incident",
            query: [("status", "only cases in this status", string)],
            success: (200, "The cases", ref("CaseList"))),
        Operation(
            method: "POST", path: "/cases", id: "createCase", tag: "cases",
            summary:
                "Open a case handled by the caller's organisation; its STIX incident (with the IODEF extension) is shared in "
                + "the collection, which the caller must be able to write; audited",
            body: ref("CaseCreate"), success: (201, "The case", ref("Case")), errors: [403, 404, 409, 413, 415]),
        Operation(
            method: "GET", path: "/cases/statistics", id: "caseStatistics", tag: "cases",
            summary:
                "Counts and times of the cases the caller may see (by classification, RSIT class, status, sector, constituent "
                + "and month; time to triage and to close; SLA breaches); format=csv for CSV",
            query: [
                ("from", "only cases opened at or after this time (RFC 3339)", dateTime),
                ("to", "only cases opened before this time (RFC 3339)", dateTime),
                ("format", "json (default) or csv", string),
            ],
            success: (200, "The statistics", ref("CaseStatistics"))),
        Operation(
            method: "GET", path: "/cases/{id}", id: "getCase", tag: "cases",
            summary: "One case as the caller may see it; 404 for a case it may not see",
            success: (200, "The case", ref("Case")), errors: [404]),
        Operation(
            method: "PATCH", path: "/cases/{id}", id: "updateCase", tag: "cases",
            summary:
                "Change a case's status (through the workflow; 409 for a move it does not allow), severity, classification, "
                + "assignee, title or description; analysts of the handling organisation and administrators; a new version of "
                + "the shared incident only when shareable content changes; audited",
            body: ref("CaseUpdate"), success: (200, "The case as changed", ref("Case")), errors: [403, 404, 409, 413, 415]),
        Operation(
            method: "POST", path: "/cases/{id}/comments", id: "commentCase", tag: "cases",
            summary: "Comment on a case (its timeline; never a new version of the shared incident); audited",
            body: ref("CaseComment"), success: (200, "The case", ref("Case")), errors: [403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/cases/{id}/links", id: "linkCase", tag: "cases",
            summary:
                "Link objects of the case's collection the caller may see (indicators, observables, vulnerabilities) to the "
                + "case: a related-to relationship from its incident to each, at the case's TLP; audited",
            body: ref("CaseLinks"), success: (200, "The case", ref("Case")), errors: [403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/cases/{id}/tasks", id: "addCaseTask", tag: "cases",
            summary: "Add a task to a case; audited", body: ref("CaseTaskCreate"), success: (200, "The case", ref("Case")),
            errors: [403, 404, 413, 415]),
        Operation(
            method: "POST", path: "/cases/{id}/tasks/{task}/done", id: "completeCaseTask", tag: "cases",
            summary: "Mark a task of a case done; audited", bodyRequired: false, success: (200, "The case", ref("Case")),
            errors: [403, 404]),
        Operation(
            method: "GET", path: "/cases/{id}/timeline", id: "caseTimeline", tag: "cases",
            summary: "A case's timeline, comments included, oldest first (the handling organisation and administrators)",
            success: (200, "The timeline", ref("CaseTimeline")), errors: [403, 404]),
        Operation(
            method: "GET", path: "/objects", id: "searchObjects", tag: "collections",
            summary:
                "Search every collection the caller may read (each under the sharing policy): object versions by id, type, observable value and time, oldest added first",
            query: [
                ("id", "STIX ids, separated by commas", string),
                ("type", "STIX types, separated by commas", string),
                (
                    "value",
                    "one observable value (IPv4/IPv6 address, domain, URL, e-mail, hash, file name, AS number …), found in SCOs and indicator patterns",
                    string
                ),
                ("collection", "only these collection ids, separated by commas", string),
                ("since", "only versions added after this time (RFC 3339)", dateTime),
                ("version", "last (default), first or all", versionSelector),
                ("limit", "most results on the page (capped by the server)", limit),
                ("next", "the `next` of the previous page", string),
                ("cve", "only vulnerabilities with one of these CVE ids, separated by commas", string),
                ("vendor", "only vulnerabilities affecting this vendor's products (any case and spacing)", string),
                ("product", "only vulnerabilities affecting this product (any case and spacing)", string),
                ("cwe", "only vulnerabilities with this CWE (CWE-79 or 79)", string),
                ("min_score", "only vulnerabilities scored at least this (0 to 10)", string),
                ("max_score", "only vulnerabilities scored at most this (0 to 10)", string),
                ("published_since", "only vulnerabilities published at or after this date or timestamp", string),
                ("published_before", "only vulnerabilities published before this date or timestamp", string),
            ], success: (200, "A page of results", ref("SearchPage")), errors: [400, 404]),
        Operation(
            method: "POST", path: "/correlations", id: "correlate", tag: "collections",
            summary:
                "The objects the caller may see, in every collection it may read, that share an observable with a value or an object (the same value, a range containing an address, an address within a range); a POST so that the value stays out of URLs and logs",
            body: ref("CorrelationRequest"), success: (200, "The objects, most recently seen first", ref("CorrelationResult")),
            errors: [400, 404, 413, 415]),
        Operation(
            method: "POST", path: "/correlations/clusters", id: "correlationCluster", tag: "collections",
            summary:
                "The cluster of shared infrastructure around a value or an object: the objects the caller may see connected to it through values they carry in common, hop by hop (bounded), and the values shared",
            body: ref("ClusterRequest"), success: (200, "The cluster", ref("Cluster")), errors: [400, 404, 413, 415]),
        Operation(
            method: "POST", path: "/traces", id: "trace", tag: "collections",
            summary:
                "Trace an address, range, domain, URL, hash or AS number: the objects the caller may see that carry it, the reports referencing them, first and last seen, the owning network, AS and country from the enrichment tables, the responsible constituents it may read with their contact, and the cluster around it; a POST so that the value stays out of URLs and logs",
            body: ref("TraceRequest"), success: (200, "The trace", ref("Trace")), errors: [400, 413, 415]),
        Operation(
            method: "GET", path: "/audit", id: "listAuditEvents", tag: "audit",
            summary: "Audit log entries, newest first, searched by actor, action, target and time (administrators)",
            query: [
                ("limit", "most entries (default 100, at most 10000)", limit),
                ("actor", "exactly this actor", string),
                ("action", "exactly this action, or a family such as `auth.*`", string),
                ("target", "exactly this target", string),
                ("since", "entries at or after this time (RFC 3339)", dateTime),
                ("until", "entries before this time (RFC 3339)", dateTime),
                ("before", "entries older than this sequence number (the `next` of the previous page)", limit),
            ],
            success: (200, "The entries", ref("AuditLog")), errors: [400, 403]),
        Operation(
            method: "GET", path: "/audit/verify", id: "verifyAuditLog", tag: "audit",
            summary: "Verify the audit log's hash chain (administrators)",
            success: (200, "The verification result", ref("AuditVerification")), errors: [403]),
    ]
}
