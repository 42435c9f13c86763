extension SQLiteSchema {
    /// Steps 15–25 of the SQLite schema (issues 14–17): constituencies and enrichment, feeds, notification; incident cases; the vulnerability index; inventories and remediation duties; the organisation graph's generation; type numbers; no index of reference rows by source.
    static let correlationMigrations: [(version: Int, statements: [String])] = [
        (
            // Constituencies and offline enrichment (issue 15): the networks, AS numbers and domains
            // each organisation is responsible for, and the address and AS ranges of loaded tables
            // (ip2asn, RIR statistics), one set of rows per named source.
            15,
            [
                """
                CREATE TABLE constituency_entries (
                    organisation_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    note TEXT,
                    PRIMARY KEY (organisation_id, kind, value)) WITHOUT ROWID
                """,
                "CREATE INDEX constituency_entries_by_value ON constituency_entries (kind, value)",
                """
                CREATE TABLE enrichment_sources (
                    name TEXT PRIMARY KEY,
                    format TEXT NOT NULL,
                    loaded INTEGER NOT NULL,
                    ranges INTEGER NOT NULL,
                    asns INTEGER NOT NULL)
                """,
                """
                CREATE TABLE enrichment_ranges (
                    source TEXT NOT NULL,
                    family INTEGER NOT NULL,
                    first_address BLOB NOT NULL,
                    last_address BLOB NOT NULL,
                    asn INTEGER,
                    country TEXT,
                    owner TEXT,
                    registry TEXT,
                    holder TEXT,
                    PRIMARY KEY (source, family, first_address)) WITHOUT ROWID
                """,
                """
                CREATE TABLE enrichment_asns (
                    source TEXT NOT NULL,
                    first_asn INTEGER NOT NULL,
                    last_asn INTEGER NOT NULL,
                    country TEXT,
                    owner TEXT,
                    registry TEXT,
                    holder TEXT,
                    PRIMARY KEY (source, first_asn)) WITHOUT ROWID
                """,
            ]
        ),
        (
            // Feeds (issue 15): what each pulls and how, its health and resume state (JSON), and
            // the one sighting each of its values has, so that a value listed again updates it.
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
                    enabled INTEGER NOT NULL,
                    created INTEGER NOT NULL,
                    state TEXT NOT NULL)
                """,
                """
                CREATE TABLE feed_sightings (
                    feed_id TEXT NOT NULL,
                    indicator_id TEXT NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (feed_id, indicator_id)) WITHOUT ROWID
                """,
            ]
        ),
        (
            // Constituent notification (issue 15): each organisation's channels (e-mail, webhook) with
            // their settings and delivery state (JSON), and the queue of objects that touch its
            // constituency, filled after each ingest commits.
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
                    created INTEGER NOT NULL,
                    state TEXT NOT NULL)
                """,
                """
                CREATE TABLE notification_queue (
                    organisation_id TEXT NOT NULL,
                    queued INTEGER NOT NULL,
                    collection_id TEXT NOT NULL,
                    object_id TEXT NOT NULL,
                    PRIMARY KEY (organisation_id, collection_id, object_id)) WITHOUT ROWID
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
                    revision INTEGER NOT NULL,
                    created INTEGER NOT NULL,
                    body TEXT NOT NULL) WITHOUT ROWID
                """,
                "CREATE INDEX cases_by_owner ON cases (owner_id, created)",
                """
                CREATE TABLE case_events (
                    case_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    PRIMARY KEY (case_id, seq)) WITHOUT ROWID
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
                    body TEXT NOT NULL) WITHOUT ROWID
                """,
                """
                CREATE TABLE rid_exchanges (
                    id TEXT PRIMARY KEY,
                    exchange_key TEXT NOT NULL UNIQUE,
                    case_id TEXT,
                    revision INTEGER NOT NULL,
                    created INTEGER NOT NULL,
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
                "UPDATE cases SET incident_id = json_extract(body, '$.incidentID')",
                "CREATE INDEX cases_by_incident ON cases (incident_id)",
            ]
        ),
        (
            // The vulnerability index (``VulnerabilityFacts``): per vulnerability version its CVE id,
            // publication and score, and its terms (CWE, vendor, product). Its Swift part fills it for
            // the vulnerabilities stored before.
            vulnerabilityIndex,
            [
                """
                CREATE TABLE vulnerability_facts (
                    object_pk INTEGER PRIMARY KEY,
                    cve TEXT,
                    published INTEGER,
                    score INTEGER)
                """,
                "CREATE INDEX vulnerability_facts_by_cve ON vulnerability_facts (cve) WHERE cve IS NOT NULL",
                "CREATE INDEX vulnerability_facts_by_score ON vulnerability_facts (score) WHERE score IS NOT NULL",
                "CREATE INDEX vulnerability_facts_by_published ON vulnerability_facts (published)",
                """
                CREATE TABLE vulnerability_terms (
                    term TEXT NOT NULL,
                    object_pk INTEGER NOT NULL,
                    PRIMARY KEY (term, object_pk)) WITHOUT ROWID
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
                    PRIMARY KEY (organisation_id, kind, value)) WITHOUT ROWID
                """,
                """
                CREATE TABLE remediations (
                    id TEXT PRIMARY KEY,
                    organisation_id TEXT NOT NULL,
                    vulnerability_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    due INTEGER NOT NULL,
                    revision INTEGER NOT NULL,
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
                    current_release INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    sha512 TEXT NOT NULL,
                    published INTEGER NOT NULL,
                    document BLOB NOT NULL)
                """,
            ]
        ),
        (
            // The organisation graph's generation: every change to organisations, sharing groups or
            // their members counts it up in its own transaction, so a reader holding the graph it
            // read at one generation knows, from one row, whether it is still current (read on
            // every collection request, the graph costs as much as a node has organisations).
            23,
            [
                "CREATE TABLE directory_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
                "INSERT INTO directory_generation (id, n) VALUES (1, 0)",
            ]
                + ["organisations", "sharing_groups", "sharing_group_members"].flatMap { table in
                    ["INSERT", "UPDATE", "DELETE"].map { change in
                        """
                        CREATE TRIGGER directory_\(table)_\(change.lowercased()) AFTER \(change) ON \(table)
                        BEGIN UPDATE directory_generation SET n = n + 1; END
                        """
                    }
                }
        ),
        (
            // Memberships carry their type's number (`type_numbers`) instead of its name, as they carry
            // their collection's: a tenth of their row and of the index by type (measured: the 100k even
            // mix's store, 55.7 MB before, 2.03x its JSON). The index of object rows by observable set
            // is made descending: a new value has a lower (more negative) key than every earlier one, so
            // that its rows are appended at the index's end, not split into it at the start (the
            // ascending index's pages were half empty).
            typeNumbers,
            [
                "CREATE TABLE type_numbers (num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
                "INSERT INTO type_numbers (id) SELECT DISTINCT type FROM collection_objects ORDER BY type",
                """
                CREATE TABLE collection_objects_numbered (
                    collection INTEGER NOT NULL,
                    date_added INTEGER NOT NULL,
                    object_pk INTEGER NOT NULL,
                    type INTEGER NOT NULL,
                    taxii_version INTEGER NOT NULL,
                    PRIMARY KEY (collection, date_added)) WITHOUT ROWID
                """,
                """
                INSERT INTO collection_objects_numbered (collection, date_added, object_pk, type, taxii_version)
                SELECT m.collection, m.date_added, m.object_pk, t.num, m.taxii_version
                FROM collection_objects m JOIN type_numbers t ON t.id = m.type ORDER BY m.collection, m.date_added
                """,
                "DROP TABLE collection_objects",
                "ALTER TABLE collection_objects_numbered RENAME TO collection_objects",
                "CREATE UNIQUE INDEX collection_objects_by_object ON collection_objects (object_pk, collection)",
                "CREATE INDEX collection_objects_by_type ON collection_objects (collection, type, date_added)",
                "DROP INDEX IF EXISTS objects_by_observable_set",
                """
                CREATE INDEX objects_by_observable_set ON objects (observable_set DESC)
                WHERE observable_set IS NOT NULL
                """,
            ]
        ),
        (
            // Reference rows are read by their target (`edgeSources(to:type:)`) and removed with their
            // object row, never looked up by their source: the index on it cost every written edge a
            // B-tree insert with a random key (a sighting has two edges) and a twelfth of a feed
            // pull's store, and no query used it.
            25,
            ["DROP INDEX IF EXISTS relationships_by_source"]
        ),
    ]

    /// The step that numbers the memberships' types; it copies the memberships into a new table.
    static let typeNumbers = 24

    /// The step whose Swift part fills the vulnerability index for vulnerabilities stored before it.
    static let vulnerabilityIndex = 21
}
