/// The SQLite schema, as numbered append-only migrations. Never edit a released step: add one.
enum SQLiteSchema {
    /// Steps that copy the object tables into new ones: a store migrated through one of them is
    /// vacuumed afterwards (``SQLiteStore/migrate()``), so that the file shrinks to what it holds.
    static let rewritingSteps: Set<Int> = [9, 12, observableIndex, typeNumbers]

    /// The step that replaces the observables table (a row per value per object version) with the
    /// index of distinct observables (``ObservableIndexing``); its Swift part moves the rows over.
    static let observableIndex = 13
    /// The step whose Swift part derives the reference edges of objects stored before it
    /// (``ReferenceEdges``: reports' `object_refs`, network traffic's `src_ref`/`dst_ref` …).
    static let referenceEdges = 14

    static let migrations = baseMigrations + correlationMigrations

    /// Steps 1–14.
    static let baseMigrations: [(version: Int, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE organisations (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL)
                """,
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    organisation_id TEXT NOT NULL REFERENCES organisations(id),
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL)
                """,
                """
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id),
                    secret_hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    revoked_at INTEGER)
                """,
                """
                CREATE TABLE collections (
                    id TEXT PRIMARY KEY,
                    title TEXT NOT NULL,
                    description TEXT,
                    alias TEXT UNIQUE,
                    created_at INTEGER NOT NULL)
                """,
                """
                CREATE TABLE collection_access (
                    collection_id TEXT NOT NULL REFERENCES collections(id),
                    organisation_id TEXT NOT NULL REFERENCES organisations(id),
                    can_read INTEGER NOT NULL,
                    can_write INTEGER NOT NULL,
                    PRIMARY KEY (collection_id, organisation_id))
                """,
                """
                CREATE TABLE objects (
                    pk INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    spec_version TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    version_text TEXT,
                    created INTEGER,
                    modified INTEGER,
                    revoked INTEGER NOT NULL,
                    created_by_ref TEXT,
                    owner_org TEXT NOT NULL,
                    tlp TEXT,
                    valid_until INTEGER,
                    json BLOB NOT NULL,
                    UNIQUE (id, version))
                """,
                """
                CREATE TABLE collection_objects (
                    collection_id TEXT NOT NULL,
                    date_added INTEGER NOT NULL,
                    object_pk INTEGER NOT NULL,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    taxii_version INTEGER NOT NULL,
                    spec_version TEXT NOT NULL,
                    PRIMARY KEY (collection_id, date_added)) WITHOUT ROWID
                """,
                // (id, collection, version): duplicate checks, first/last version of an id in a
                // collection, and every membership of an id (delete clean-up) from one index.
                "CREATE UNIQUE INDEX collection_objects_by_id ON collection_objects (id, collection_id, version)",
                "CREATE INDEX collection_objects_by_type ON collection_objects (collection_id, type, date_added)",
                """
                CREATE TABLE observables (
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    object_pk INTEGER NOT NULL)
                """,
                "CREATE INDEX observables_by_value ON observables (kind, value)",
                "CREATE INDEX observables_by_object ON observables (object_pk)",
                """
                CREATE TABLE relationships (
                    source_ref TEXT NOT NULL,
                    target_ref TEXT NOT NULL,
                    type TEXT NOT NULL,
                    object_pk INTEGER NOT NULL)
                """,
                "CREATE INDEX relationships_by_source ON relationships (source_ref)",
                "CREATE INDEX relationships_by_target ON relationships (target_ref)",
                "CREATE INDEX relationships_by_object ON relationships (object_pk)",
                """
                CREATE TABLE statuses (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    json BLOB NOT NULL)
                """,
                """
                CREATE TABLE audit_log (
                    seq INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL)
                """,
                "CREATE TABLE clock (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
                "INSERT INTO clock (id, last) VALUES (1, 0)",
            ]
        ),
        (
            // The audit hash chain (``AuditChain``). Entries already present are chained by
            // ``SQLiteStore/chainExistingAuditEntries(_:)`` in this migration's transaction.
            2,
            [
                "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT",
                "ALTER TABLE audit_log ADD COLUMN hash TEXT",
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL)
                """,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(AuditChain.genesis)')",
            ]
        ),
        (
            // The organisation graph of the sharing model (SECURITY.md): constituents (a parent
            // link), each organisation's default TLP level, and sharing groups with their members.
            3,
            [
                "ALTER TABLE organisations ADD COLUMN parent_id TEXT REFERENCES organisations(id)",
                """
                ALTER TABLE organisations ADD COLUMN default_tlp TEXT
                    CHECK (default_tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red'))
                """,
                """
                CREATE TABLE sharing_groups (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL)
                """,
                """
                CREATE TABLE sharing_group_members (
                    group_id TEXT NOT NULL REFERENCES sharing_groups(id),
                    organisation_id TEXT NOT NULL REFERENCES organisations(id),
                    PRIMARY KEY (group_id, organisation_id))
                """,
                "CREATE INDEX sharing_group_members_by_organisation ON sharing_group_members (organisation_id)",
            ]
        ),
        (
            // The collection half of the sharing model (SECURITY.md): a collection's default TLP
            // level, the sharing group that narrows its audience, its public flag; and the
            // recipients each TLP:RED object version is addressed to.
            4,
            [
                """
                ALTER TABLE collections ADD COLUMN default_tlp TEXT
                    CHECK (default_tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red'))
                """,
                "ALTER TABLE collections ADD COLUMN sharing_group_id TEXT REFERENCES sharing_groups(id)",
                "ALTER TABLE collections ADD COLUMN public INTEGER NOT NULL DEFAULT 0",
                """
                CREATE TABLE object_recipients (
                    object_pk INTEGER NOT NULL,
                    organisation_id TEXT NOT NULL,
                    PRIMARY KEY (object_pk, organisation_id)) WITHOUT ROWID
                """,
            ]
        ),
        (
            // Login throttling and API token scopes (SECURITY.md). Failed-authentication counters
            // per key (`account:<username>`, `address:<ip>`), shared by every server process; the
            // scopes of a token as space-separated names, empty for "everything the role allows".
            5,
            [
                """
                CREATE TABLE auth_failures (
                    key TEXT PRIMARY KEY,
                    failures INTEGER NOT NULL,
                    window_start INTEGER NOT NULL,
                    last_failure INTEGER NOT NULL,
                    blocked_until INTEGER)
                """,
                "ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT ''",
            ]
        ),
        (
            // Retention policies (SECURITY.md, "Data lifecycle"): types and levels are newline-separated lists.
            6,
            [
                """
                CREATE TABLE retention_policies (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    types TEXT NOT NULL,
                    levels TEXT NOT NULL,
                    purge_after_days INTEGER,
                    expire_grace_days INTEGER,
                    created_at INTEGER NOT NULL)
                """
            ]
        ),
        (
            // Stored redaction policies with their pseudonymisation keys (SECURITY.md).
            7,
            [
                """
                CREATE TABLE redaction_policies (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    destination TEXT NOT NULL,
                    document TEXT NOT NULL,
                    key BLOB NOT NULL,
                    created_at INTEGER NOT NULL)
                """
            ]
        ),
        (
            // Whether an object version carries granular markings, known at ingest: a scoped read
            // redacts only the versions that do, instead of searching every object's JSON. Rows
            // stored before this step are marked from their JSON.
            8,
            [
                "ALTER TABLE objects ADD COLUMN granular_marked INTEGER NOT NULL DEFAULT 0",
                "UPDATE objects SET granular_marked = 1 WHERE instr(json, CAST('\"granular_markings\"' AS BLOB)) > 0",
            ]
        ),
        (
            // Lineages (SECURITY.md, "Who may version, delete, and what a post reveals"): every
            // organisation's postings of an id are versions of their own, so that a post by one
            // organisation never versions, duplicates or reveals another's. Object rows are unique by
            // (id, owner, version) instead of (id, version), and memberships carry the owner, so that
            // the newest and oldest versions are chosen within one owner's lineage. SQLite cannot
            // drop a table constraint: `objects` is copied into a table with the new one.
            9,
            [
                """
                CREATE TABLE objects_by_owner (
                    pk INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    spec_version TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    version_text TEXT,
                    created INTEGER,
                    modified INTEGER,
                    revoked INTEGER NOT NULL,
                    created_by_ref TEXT,
                    owner_org TEXT NOT NULL,
                    tlp TEXT,
                    valid_until INTEGER,
                    json BLOB NOT NULL,
                    granular_marked INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (id, owner_org, version))
                """,
                """
                INSERT INTO objects_by_owner (pk, id, type, spec_version, version, version_text, created, modified,
                    revoked, created_by_ref, owner_org, tlp, valid_until, json, granular_marked)
                SELECT pk, id, type, spec_version, version, version_text, created, modified,
                    revoked, created_by_ref, owner_org, tlp, valid_until, json, granular_marked FROM objects
                """,
                "DROP TABLE objects",
                "ALTER TABLE objects_by_owner RENAME TO objects",
                "ALTER TABLE collection_objects ADD COLUMN owner_org TEXT NOT NULL DEFAULT ''",
                "UPDATE collection_objects SET owner_org = (SELECT o.owner_org FROM objects o WHERE o.pk = collection_objects.object_pk)",
                "DROP INDEX collection_objects_by_id",
                "CREATE UNIQUE INDEX collection_objects_by_id ON collection_objects (id, collection_id, owner_org, version)",
            ]
        ),
        (
            // Scheduled jobs (JobLeaseStore): one row per job, its lease and its last run. Times and
            // durations in microseconds; `holder` is null when no run is in progress.
            10,
            [
                """
                CREATE TABLE jobs (
                    name TEXT PRIMARY KEY,
                    period INTEGER NOT NULL,
                    holder TEXT,
                    lease_expires INTEGER,
                    last_started INTEGER,
                    last_finished INTEGER,
                    last_outcome TEXT,
                    last_duration INTEGER,
                    last_error TEXT,
                    runs INTEGER NOT NULL DEFAULT 0)
                """
            ]
        ),
        (
            // Organisation profiles (SECURITY.md, "Records of an organisation"): STIX industry
            // sectors and ecosystem roles as space-separated names, the ISO 3166-1 alpha-2 country,
            // and at most one contact of each kind.
            11,
            [
                "ALTER TABLE organisations ADD COLUMN sectors TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE organisations ADD COLUMN country TEXT",
                "ALTER TABLE organisations ADD COLUMN ecosystem_roles TEXT NOT NULL DEFAULT ''",
                """
                CREATE TABLE organisation_contacts (
                    organisation_id TEXT NOT NULL REFERENCES organisations(id),
                    kind TEXT NOT NULL,
                    email TEXT,
                    phone TEXT,
                    url TEXT,
                    PRIMARY KEY (organisation_id, kind))
                """,
            ]
        ),
        (
            // A compact store (issue 14): object rows and memberships carry small integer numbers
            // for their owner and collection (`organisation_numbers`, `collection_numbers`, filled as
            // ids are first written, never reused) instead of repeating text ids. A membership is
            // only (collection, date added, object row, type, TAXII version): the id, version, spec
            // version and owner are the object row's, found by its primary key, and the index by id
            // is the object rows' own (id, owner, version). Before, every membership repeated the id,
            // owner and collection as text in the table and in two of its indexes: the store was
            // 3.5-4x the JSON it held. Object rows also drop `version_text`, which no read used (the
            // stored JSON holds the text).
            12,
            [
                "CREATE TABLE organisation_numbers (num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
                "CREATE TABLE collection_numbers (num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
                "INSERT INTO organisation_numbers (id) SELECT DISTINCT owner_org FROM objects ORDER BY owner_org",
                "INSERT INTO collection_numbers (id) SELECT DISTINCT collection_id FROM collection_objects ORDER BY collection_id",
                """
                CREATE TABLE objects_compact (
                    pk INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    spec_version TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created INTEGER,
                    modified INTEGER,
                    revoked INTEGER NOT NULL,
                    created_by_ref TEXT,
                    owner INTEGER NOT NULL,
                    tlp TEXT,
                    valid_until INTEGER,
                    json BLOB NOT NULL,
                    granular_marked INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (id, owner, version))
                """,
                """
                INSERT INTO objects_compact (pk, id, type, spec_version, version, created, modified,
                    revoked, created_by_ref, owner, tlp, valid_until, json, granular_marked)
                SELECT o.pk, o.id, o.type, o.spec_version, o.version, o.created, o.modified,
                    o.revoked, o.created_by_ref, g.num, o.tlp, o.valid_until, o.json, o.granular_marked
                FROM objects o JOIN organisation_numbers g ON g.id = o.owner_org ORDER BY o.pk
                """,
                "DROP TABLE objects",
                "ALTER TABLE objects_compact RENAME TO objects",
                """
                CREATE TABLE collection_objects_compact (
                    collection INTEGER NOT NULL,
                    date_added INTEGER NOT NULL,
                    object_pk INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    taxii_version INTEGER NOT NULL,
                    PRIMARY KEY (collection, date_added)) WITHOUT ROWID
                """,
                """
                INSERT INTO collection_objects_compact (collection, date_added, object_pk, type, taxii_version)
                SELECT c.num, m.date_added, m.object_pk, m.type, m.taxii_version
                FROM collection_objects m JOIN collection_numbers c ON c.id = m.collection_id ORDER BY c.num, m.date_added
                """,
                "DROP TABLE collection_objects",
                "ALTER TABLE collection_objects_compact RENAME TO collection_objects",
                // Every membership of an object row (one per collection): reads by id come from
                // the object rows' index by id, then here.
                "CREATE UNIQUE INDEX collection_objects_by_object ON collection_objects (object_pk, collection)",
                "CREATE INDEX collection_objects_by_type ON collection_objects (collection, type, date_added)",
            ]
        ),
        (
            // The index of distinct observables (issue 15): one row per distinct value, sets of
            // values shared by the object versions that carry them, postings from values to sets.
            // `SQLiteStore.moveObservablesToIndex` fills them from the observables table, then drops it.
            observableIndex,
            [
                """
                CREATE TABLE observable_values (
                    pk INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    first_address BLOB,
                    last_address BLOB,
                    UNIQUE (kind, value))
                """,
                """
                CREATE INDEX observable_values_by_address ON observable_values (kind, first_address)
                WHERE first_address IS NOT NULL
                """,
                "CREATE TABLE observable_sets (pk INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE)",
                """
                CREATE TABLE observable_postings (
                    set_pk INTEGER NOT NULL,
                    value_pk INTEGER NOT NULL,
                    PRIMARY KEY (set_pk, value_pk)) WITHOUT ROWID
                """,
                "CREATE INDEX observable_postings_by_value ON observable_postings (value_pk, set_pk)",
                "ALTER TABLE objects ADD COLUMN observable_set INTEGER",
            ]
        ),
        // The references tracing follows beyond relationships and sightings (issue 15):
        // `SQLiteStore.deriveReferenceEdges` writes them for the objects stored before.
        (referenceEdges, []),
    ]
}
