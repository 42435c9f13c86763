extension PostgresSchema {
    /// Steps 15–25 of the PostgreSQL schema (issues 14–17): constituencies and enrichment, feeds, notification; incident cases; the vulnerability index; inventories and remediation duties; the organisation graph's generation; type numbers; no index of reference rows by source.
    static let correlationMigrations: [(version: Int, statements: [String])] = [
        (
            // Constituencies and offline enrichment (see the SQLite step of the same number).
            15,
            [
                """
                CREATE TABLE constituency_entries (
                    organisation_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    note TEXT,
                    PRIMARY KEY (organisation_id, kind, value))
                """,
                "CREATE INDEX constituency_entries_by_value ON constituency_entries (kind, value)",
                """
                CREATE TABLE enrichment_sources (
                    name TEXT PRIMARY KEY,
                    format TEXT NOT NULL,
                    loaded BIGINT NOT NULL,
                    ranges BIGINT NOT NULL,
                    asns BIGINT NOT NULL)
                """,
                """
                CREATE TABLE enrichment_ranges (
                    source TEXT NOT NULL,
                    family SMALLINT NOT NULL,
                    first_address BYTEA NOT NULL,
                    last_address BYTEA NOT NULL,
                    asn BIGINT,
                    country TEXT,
                    owner TEXT,
                    registry TEXT,
                    holder TEXT,
                    PRIMARY KEY (source, family, first_address))
                """,
                """
                CREATE TABLE enrichment_asns (
                    source TEXT NOT NULL,
                    first_asn BIGINT NOT NULL,
                    last_asn BIGINT NOT NULL,
                    country TEXT,
                    owner TEXT,
                    registry TEXT,
                    holder TEXT,
                    PRIMARY KEY (source, first_asn))
                """,
            ]
        ),
        (
            // Feeds (see the SQLite step of the same number).
            16,
            [
                """
                CREATE TABLE feeds (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    format TEXT NOT NULL,
                    url TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    collection_id TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    enabled BOOLEAN NOT NULL,
                    created BIGINT NOT NULL,
                    state TEXT NOT NULL)
                """,
                """
                CREATE TABLE feed_sightings (
                    feed_id TEXT NOT NULL,
                    indicator_id TEXT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    count BIGINT NOT NULL,
                    PRIMARY KEY (feed_id, indicator_id))
                """,
            ]
        ),
        (
            // Notification channels and queue (see the SQLite step of the same number).
            17,
            [
                """
                CREATE TABLE notification_channels (
                    id TEXT PRIMARY KEY,
                    organisation_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    target TEXT NOT NULL,
                    secret TEXT,
                    settings TEXT NOT NULL,
                    created BIGINT NOT NULL,
                    state TEXT NOT NULL)
                """,
                """
                CREATE TABLE notification_queue (
                    organisation_id TEXT NOT NULL,
                    queued BIGINT NOT NULL,
                    collection_id TEXT NOT NULL,
                    object_id TEXT NOT NULL,
                    PRIMARY KEY (organisation_id, collection_id, object_id))
                """,
                "CREATE INDEX notification_queue_by_time ON notification_queue (organisation_id, queued)",
            ]
        ),
        (
            // Incident cases (issue 16): the working part of an incident, stored whole as JSON beside
            // the columns it is found by, and its timeline.
            18,
            [
                """
                CREATE TABLE cases (
                    id TEXT PRIMARY KEY,
                    owner_id TEXT NOT NULL,
                    collection_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    revision BIGINT NOT NULL,
                    created BIGINT NOT NULL,
                    body TEXT NOT NULL)
                """,
                "CREATE INDEX cases_by_owner ON cases (owner_id, created)",
                """
                CREATE TABLE case_events (
                    case_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    time BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    PRIMARY KEY (case_id, seq))
                """,
            ]
        ),
        (
            // RID (issue 16): the peers this node exchanges RID messages with, and the exchanges, each
            // stored whole as JSON beside the columns it is found by.
            19,
            [
                """
                CREATE TABLE rid_peers (
                    name TEXT PRIMARY KEY,
                    organisation_id TEXT NOT NULL,
                    body TEXT NOT NULL)
                """,
                """
                CREATE TABLE rid_exchanges (
                    id TEXT PRIMARY KEY,
                    exchange_key TEXT NOT NULL UNIQUE,
                    case_id TEXT,
                    revision BIGINT NOT NULL,
                    created BIGINT NOT NULL,
                    body TEXT NOT NULL)
                """,
                "CREATE INDEX rid_exchanges_by_case ON rid_exchanges (case_id, created)",
            ]
        ),
        (
            // Cases found by the incident they share (an IODEF import, a RID message): a column
            // beside the record, filled for the cases stored before.
            20,
            [
                "ALTER TABLE cases ADD COLUMN incident_id TEXT",
                "UPDATE cases SET incident_id = (body::json)->>'incidentID'",
                "CREATE INDEX cases_by_incident ON cases (incident_id)",
            ]
        ),
        (
            // The vulnerability index (``VulnerabilityFacts``), as SQLite's step 21; its Swift part
            // fills it for the vulnerabilities stored before.
            vulnerabilityIndex,
            [
                """
                CREATE TABLE vulnerability_facts (
                    object_pk BIGINT PRIMARY KEY REFERENCES objects(pk),
                    cve TEXT,
                    published BIGINT,
                    score INTEGER)
                """,
                "CREATE INDEX vulnerability_facts_by_cve ON vulnerability_facts (cve) WHERE cve IS NOT NULL",
                "CREATE INDEX vulnerability_facts_by_score ON vulnerability_facts (score) WHERE score IS NOT NULL",
                "CREATE INDEX vulnerability_facts_by_published ON vulnerability_facts (published)",
                """
                CREATE TABLE vulnerability_terms (
                    term TEXT NOT NULL,
                    object_pk BIGINT NOT NULL REFERENCES objects(pk),
                    PRIMARY KEY (term, object_pk))
                """,
                "CREATE INDEX vulnerability_terms_by_object ON vulnerability_terms (object_pk)",
            ]
        ),
        (
            // Inventories and remediation duties (issue 17): an organisation's products (CPE or purl) and
            // the duties exposure makes of them, each stored whole beside the columns it is found by; the
            // reference catalogues (CWE names, language subtags) CSAF's tests compare against; the CSAF
            // documents the node publishes, byte for byte.
            22,
            [
                """
                CREATE TABLE inventory_items (
                    organisation_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    note TEXT,
                    PRIMARY KEY (organisation_id, kind, value))
                """,
                """
                CREATE TABLE remediations (
                    id TEXT PRIMARY KEY,
                    organisation_id TEXT NOT NULL,
                    vulnerability_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    due BIGINT NOT NULL,
                    revision BIGINT NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (organisation_id, vulnerability_id))
                """,
                "CREATE INDEX remediations_by_due ON remediations (due)",
                """
                CREATE TABLE reference_catalogues (
                    catalogue TEXT NOT NULL,
                    entry TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (catalogue, entry))
                """,
                """
                CREATE TABLE csaf_documents (
                    report_id TEXT PRIMARY KEY,
                    collection_id TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    tlp TEXT NOT NULL,
                    path TEXT NOT NULL UNIQUE,
                    tracking_id TEXT NOT NULL,
                    current_release BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    sha512 TEXT NOT NULL,
                    published BIGINT NOT NULL,
                    document BYTEA NOT NULL)
                """,
            ]
        ),
        (
            // The organisation graph's generation: every statement that changes organisations, sharing
            // groups or their members counts it up in its own transaction, so a reader holding the
            // graph it read at one generation knows, from one row, whether it is still current.
            23,
            [
                "CREATE TABLE directory_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL)",
                "INSERT INTO directory_generation (id, n) VALUES (1, 0)",
                """
                CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE directory_generation SET n = n + 1; RETURN NULL; END $$
                """,
            ]
                + ["organisations", "sharing_groups", "sharing_group_members"].map { table in
                    """
                    CREATE TRIGGER directory_\(table) AFTER INSERT OR UPDATE OR DELETE ON \(table)
                    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed()
                    """
                }
        ),
        (
            // Memberships carry their type's number instead of its name, and the index of object rows by
            // observable set is descending (see the SQLite step of the same number).
            24,
            [
                "CREATE TABLE type_numbers (num BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
                "INSERT INTO type_numbers (id) SELECT DISTINCT type FROM collection_objects ORDER BY type",
                "DROP INDEX collection_objects_by_type",
                "ALTER TABLE collection_objects ADD COLUMN type_number BIGINT",
                "UPDATE collection_objects m SET type_number = t.num FROM type_numbers t WHERE t.id = m.type",
                "ALTER TABLE collection_objects DROP COLUMN type",
                "ALTER TABLE collection_objects RENAME COLUMN type_number TO type",
                "ALTER TABLE collection_objects ALTER COLUMN type SET NOT NULL",
                "CREATE INDEX collection_objects_by_type ON collection_objects (collection, type, date_added)",
                "DROP INDEX IF EXISTS objects_by_observable_set",
                "CREATE INDEX objects_by_observable_set ON objects (observable_set DESC) WHERE observable_set IS NOT NULL",
            ]
        ),
        (
            // No query looks reference rows up by their source (see the SQLite step of the same number).
            25,
            ["DROP INDEX IF EXISTS relationships_by_source"]
        ),
    ]

    /// The step whose Swift part fills the vulnerability index for vulnerabilities stored before it.
    static let vulnerabilityIndex = 21
}
