import CybexCore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// What each of `objects` points at (nil for an object without observables): its set, or minus
    /// the key of its one value (``ObservableIndexing``), storing the sets, values and postings that
    /// are new: a few statements per batch, inside the batch's transaction (whose lock on the clock
    /// row serialises writers).
    func observableSets(of objects: [[Observable]], on connection: PostgresConnection) async throws -> [Int64?] {
        var members: [[UInt8]: [Observable]] = [:]
        var singles: [Observable] = []
        let keys = objects.map { observables -> [UInt8]? in
            guard !observables.isEmpty else { return nil }
            if let only = ObservableIndexing.single(observables) {
                singles.append(only)
                return nil
            }
            let digest = ObservableIndexing.digest(of: observables)
            if members[digest] == nil { members[digest] = ObservableIndexing.distinct(observables) }
            return digest
        }
        var sets: [[UInt8]: Int64] = [:]
        var created: [[UInt8]] = []
        if !members.isEmpty {
            let ordered = members.keys.sorted { $0.lexicographicallyPrecedes($1) }
            var binds = PostgresBindings()
            binds.append(ordered.map { ByteBuffer(bytes: $0) })
            var fresh: Set<[UInt8]> = []
            for try await digest in try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO observable_sets (digest) SELECT d FROM unnest($1::bytea[]) AS u(d) ORDER BY d
                        ON CONFLICT (digest) DO NOTHING RETURNING digest
                        """, binds: binds), logger: logger
            ).decode(ByteBuffer.self) {
                fresh.insert(Array(digest.readableBytesView))
            }
            created = ordered.filter { fresh.contains($0) }
            for try await (pk, digest) in try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT pk, digest FROM observable_sets WHERE digest = ANY($1::bytea[])", binds: binds),
                logger: logger
            ).decode((Int64, ByteBuffer).self) {
                sets[Array(digest.readableBytesView)] = pk
            }
        }
        let values = try await storeValues(singles + created.flatMap { members[$0] ?? [] }, on: connection)
        if !created.isEmpty {
            var setColumn: [Int64] = []
            var valueColumn: [Int64] = []
            for digest in created {
                guard let set = sets[digest] else { continue }
                for observable in members[digest] ?? [] {
                    setColumn.append(set)
                    valueColumn.append(try Self.key(of: observable, in: values))
                }
            }
            var postings = PostgresBindings()
            postings.append(setColumn)
            postings.append(valueColumn)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO observable_postings (set_pk, value_pk)
                        SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING
                        """, binds: postings), logger: logger)
        }
        var result: [Int64?] = []
        result.reserveCapacity(objects.count)
        for (observables, key) in zip(objects, keys) {
            if let key {
                result.append(sets[key])
            } else if let only = ObservableIndexing.single(observables) {
                result.append(-(try Self.key(of: only, in: values)))
            } else {
                result.append(nil)
            }
        }
        return result
    }

    /// A value's unique key on PostgreSQL: its kind and digest.
    struct ValueKey: Hashable {
        var kind: String
        var digest: [UInt8]

        init(_ observable: Observable) {
            kind = observable.kind.rawValue
            digest = ObservableIndexing.valueDigest(observable.value)
        }

        init(kind: String, digest: [UInt8]) {
            self.kind = kind
            self.digest = digest
        }
    }

    static func key(of observable: Observable, in values: [ValueKey: Int64]) throws -> Int64 {
        guard let pk = values[ValueKey(observable)] else {
            throw StoreError(.backend, "observable value \(observable.kind.rawValue) was not stored")
        }
        return pk
    }

    /// Stores the values among `observables` that are new, and returns the key of each.
    private func storeValues(_ observables: [Observable], on connection: PostgresConnection) async throws
        -> [ValueKey: Int64]
    {
        var values: [ValueKey: Observable] = [:]
        for observable in observables { values[ValueKey(observable)] = observable }
        guard !values.isEmpty else { return [:] }
        let keys = Array(values.keys)
        var insert = PostgresBindings()
        insert.append(keys.map(\.kind))
        insert.append(keys.map { values[$0]?.value ?? "" })
        insert.append(keys.map { ByteBuffer(bytes: $0.digest) })
        let ranges = keys.map { values[$0].flatMap(ObservableIndexing.addressRange(of:)) }
        insert.append(ranges.map { ByteBuffer(bytes: $0?.first ?? []) })
        insert.append(ranges.map { ByteBuffer(bytes: $0?.last ?? []) })
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO observable_values (kind, value, value_digest, first_address, last_address)
                    SELECT k, v, d, NULLIF(f, ''::bytea), NULLIF(l, ''::bytea)
                    FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::bytea[]) AS u(k, v, d, f, l)
                    ORDER BY k, d
                    ON CONFLICT (kind, value_digest) DO NOTHING
                    """, binds: insert), logger: logger)
        var find = PostgresBindings()
        find.append(keys.map(\.kind))
        find.append(keys.map { ByteBuffer(bytes: $0.digest) })
        var pks: [ValueKey: Int64] = [:]
        for try await (pk, kind, digest) in try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT v.pk, v.kind, v.value_digest FROM observable_values v
                    JOIN unnest($1::text[], $2::bytea[]) AS u(k, d) ON v.kind = u.k AND v.value_digest = u.d
                    """, binds: find), logger: logger
        ).decode((Int64, String, ByteBuffer).self) {
            pks[ValueKey(kind: kind, digest: Array(digest.readableBytesView))] = pk
        }
        return pks
    }

    /// Schema step 13's Swift part: the first and last address of the address values moved over
    /// from the observables table.
    func fillAddressRanges(_ connection: PostgresConnection) async throws {
        var pks: [Int64] = []
        var firsts: [ByteBuffer] = []
        var lasts: [ByteBuffer] = []
        for try await (pk, kind, value) in try await connection.query(
            "SELECT pk, kind, value FROM observable_values WHERE kind IN ('ipv4-addr', 'ipv6-addr')", logger: logger
        ).decode((Int64, String, String).self) {
            guard let kind = Observable.Kind(rawValue: kind),
                let range = ObservableIndexing.addressRange(of: Observable(kind: kind, value: value))
            else { continue }
            pks.append(pk)
            firsts.append(ByteBuffer(bytes: range.first))
            lasts.append(ByteBuffer(bytes: range.last))
        }
        guard !pks.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(pks)
        binds.append(firsts)
        binds.append(lasts)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE observable_values v SET first_address = u.f, last_address = u.l
                    FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS u(pk, f, l) WHERE v.pk = u.pk
                    """, binds: binds), logger: logger)
    }

    /// Schema step 14's Swift part: the reference edges (``ReferenceEdges``) of the objects stored
    /// before it, read from their stored JSON.
    func deriveReferenceEdges(_ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(ReferenceEdges.types.sorted())
        var edges: [(RelationshipEdge, Int64)] = []
        for try await (pk, id, type, json) in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT pk, id, type, json FROM objects WHERE type = ANY($1)", binds: binds),
            logger: logger
        ).decode((Int64, String, String, ByteBuffer).self) {
            let bytes = json.withUnsafeReadableBytes(StoredJSON.decode)
            edges += ReferenceEdges.edges(id: id, type: type, json: bytes).map { ($0, pk) }
        }
        guard !edges.isEmpty else { return }
        var insert = PostgresBindings()
        insert.append(edges.map(\.0.sourceRef))
        insert.append(edges.map(\.0.targetRef))
        insert.append(edges.map(\.0.type))
        insert.append(edges.map(\.1))
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO relationships (source_ref, target_ref, type, object_pk)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
                    """, binds: insert), logger: logger)
    }
}
