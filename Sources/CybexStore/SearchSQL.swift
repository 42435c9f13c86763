import CybexCore

/// The statement of an ``ObjectSearch`` over some of its collections, shared by both backends:
/// one branch per collection, each the read of that collection under its own scope (so each uses
/// the plan a read of one collection uses: the date-added range, or the index by id or type),
/// joined with `UNION ALL`, ascending by date added. Only the placeholder syntax differs, and
/// SQLite's index hints.
///
/// Result columns: collection id, date added, id, TAXII version, spec version; the version's level
/// (its index in `TLPLevel.allCases`, NULL without a scope), whether the viewer owns it and whether
/// it carries granular markings (0/1); then the JSON when the search reads content.
enum SearchSQL {
    /// The statement over `collections` (each with its query, from ``ObjectSearch/query(for:)``),
    /// at most `limit + 1` rows. `next` binds a value and returns its placeholder.
    static func statement(
        _ search: ObjectSearch, _ collections: some Collection<(ObjectSearch.Collection, ObjectQuery)>, sqlite: Bool,
        owners: SQLFilter.OwnerNumbers? = nil, next: (SQLValue) -> String
    ) -> String {
        var branches: [String] = []
        for (index, (collection, query)) in collections.enumerated() {
            // Placeholders in the order of the text: the collection's id as the first column, then
            // the label's values, then the conditions.
            let shown = next(.text(collection.id))
            let label =
                query.scope.map { scope in SQLFilter.labelColumns(scope, objects: "o", owners: owners, next: next) }
                ?? ", CAST(NULL AS INTEGER), 0, 0"
            let content = search.withContent ? ", o.json" : ""
            let collectionID = next(.text(collection.id))
            let after = next(.integer(search.addedAfter ?? Int64.min))
            let before = search.addedBefore.map { " AND m.date_added < \(next(.integer($0)))" } ?? ""
            var bound = ""
            let filter = SQLFilter.build(query, owners: owners, placeholder: { _ in bound }, bind: { bound = next($0) })
            var observed = ""
            if let observables = search.observables {
                let carriers =
                    "SELECT c.pk FROM objects c WHERE c.observable_set IS NOT NULL AND c.observable_set IN ("
                    + SQLFilter.setsCarrying(observables, sqlite: sqlite, next: next) + ")"
                observed = " AND o.pk IN (\(carriers))"
            }
            let vulnerable = search.vulnerability.map { VulnerabilityIndexing.condition($0, next: next) } ?? ""
            // SQLite reads by id, by observable and by vulnerability from the object rows (their index
            // by id, the observables' or the vulnerabilities' index), then each one's memberships: left
            // to itself, it walks the collection and tests every row. PostgreSQL plans the join by itself.
            let byObject = query.ids != nil || search.observables != nil || search.vulnerability != nil
            let from =
                sqlite
                ? SQLiteStore.joined(byID: byObject, oneType: query.types?.count == 1)
                : "collection_objects m JOIN objects o ON o.pk = m.object_pk"
            let limit = next(.integer(Int64(search.limit + 1)))
            branches.append(
                """
                SELECT * FROM (SELECT CAST(\(shown) AS TEXT), m.date_added, o.id, m.taxii_version, o.spec_version\(label)\(content) \
                FROM \(from) \
                WHERE m.collection = \(SQLFilter.collection(collectionID)) AND m.date_added > \(after)\(before)\(filter)\(observed)\(vulnerable) \
                ORDER BY m.date_added LIMIT \(limit)) AS b\(index)
                """)
        }
        let limit = next(.integer(Int64(search.limit + 1)))
        return branches.joined(separator: " UNION ALL ") + " ORDER BY 2 LIMIT \(limit)"
    }

    /// How many collections one statement reads at most (SQLite allows 500 terms in a compound select).
    static let collectionsPerStatement = 200

    /// The most values one statement binds (SQLite allows 32,766, PostgreSQL 65,535): a search with
    /// long lists over many collections is read in several statements, in one snapshot.
    static let parametersPerStatement = 30_000

    /// The statements that read `branches`: at most ``collectionsPerStatement`` collections and
    /// ``parametersPerStatement`` bound values each (one statement, unless the lists are long and
    /// the collections many), each with its values. `placeholder` writes the n-th placeholder.
    static func statements(
        _ search: ObjectSearch, _ branches: [(ObjectSearch.Collection, ObjectQuery)], sqlite: Bool,
        owners: SQLFilter.OwnerNumbers? = nil, placeholder: (Int) -> String
    ) -> [(sql: String, values: [SQLValue])] {
        var result: [(String, [SQLValue])] = []
        var start = 0
        var size = collectionsPerStatement
        while start < branches.count {
            let chunk = branches[start..<min(start + size, branches.count)]
            var values: [SQLValue] = []
            let sql = statement(search, chunk, sqlite: sqlite, owners: owners) { value in
                values.append(value)
                return placeholder(values.count)
            }
            if values.count > parametersPerStatement && chunk.count > 1 {
                size = max(1, chunk.count / 2)
                continue
            }
            result.append((sql, values))
            start = chunk.endIndex
        }
        return result
    }

    /// The branches of `search`: each collection with its query; empty when a filter selects nothing.
    static func branches(_ search: ObjectSearch) -> [(ObjectSearch.Collection, ObjectQuery)] {
        guard search.limit > 0 else { return [] }
        return search.collections.compactMap { collection in search.query(for: collection).map { (collection, $0) } }
    }

    /// The page of `hits` (ascending by date added, possibly from several statements): the first
    /// `limit`, and whether there are more.
    static func page(_ hits: [SearchHit], limit: Int) -> SearchPage {
        let sorted = hits.sorted { $0.record.dateAdded < $1.record.dateAdded }
        guard sorted.count > limit else { return SearchPage(hits: sorted, more: false) }
        return SearchPage(hits: Array(sorted.prefix(limit)), more: true)
    }

    /// The level of a result's rank column.
    static func level(rank: Int?) -> TLPLevel? {
        rank.flatMap { TLPLevel.allCases.indices.contains($0) ? TLPLevel.allCases[$0] : nil }
    }
}
