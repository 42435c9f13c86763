import CybexCore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// The observable set of each of `objects` (nil for an object without observables), storing the
    /// sets, values and postings that are new (``ObservableIndexing``): a few statements per batch,
    /// inside the batch's transaction (whose lock on the clock row serialises writers).
    func observableSets(of objects: [[Observable]], on connection: PostgresConnection) async throws -> [Int64?] {
        var members: [[UInt8]: [Observable]] = [:]
        let digests = objects.map { observables -> [UInt8]? in
            guard !observables.isEmpty else { return nil }
            let digest = ObservableIndexing.digest(of: observables)
            if members[digest] == nil { members[digest] = ObservableIndexing.distinct(observables) }
            return digest
        }
        guard !members.isEmpty else { return digests.map { _ in nil } }
        let ordered = members.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var binds = PostgresBindings()
        binds.append(ordered.map { ByteBuffer(bytes: $0) })
        var created: Set<[UInt8]> = []
        for try await digest in try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO observable_sets (digest) SELECT d FROM unnest($1::bytea[]) AS u(d) ORDER BY d
                    ON CONFLICT (digest) DO NOTHING RETURNING digest
                    """, binds: binds), logger: logger
        ).decode(ByteBuffer.self) {
            created.insert(Array(digest.readableBytesView))
        }
        var sets: [[UInt8]: Int64] = [:]
        for try await (pk, digest) in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT pk, digest FROM observable_sets WHERE digest = ANY($1::bytea[])", binds: binds),
            logger: logger
        ).decode((Int64, ByteBuffer).self) {
            sets[Array(digest.readableBytesView)] = pk
        }
        if !created.isEmpty {
            try await storePostings(of: created.sorted { $0.lexicographicallyPrecedes($1) }, members, sets, on: connection)
        }
        return digests.map { $0.flatMap { sets[$0] } }
    }

    /// The values of the sets just created (those new to the store too) and their postings.
    private func storePostings(
        of created: [[UInt8]], _ members: [[UInt8]: [Observable]], _ sets: [[UInt8]: Int64],
        on connection: PostgresConnection
    ) async throws {
        struct Key: Hashable {
            var kind: String
            var digest: [UInt8]
        }
        var values: [Key: Observable] = [:]
        for digest in created {
            for observable in members[digest] ?? [] {
                values[Key(kind: observable.kind.rawValue, digest: ObservableIndexing.valueDigest(observable.value))] =
                    observable
            }
        }
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
        var pks: [Key: Int64] = [:]
        for try await (pk, kind, digest) in try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT v.pk, v.kind, v.value_digest FROM observable_values v
                    JOIN unnest($1::text[], $2::bytea[]) AS u(k, d) ON v.kind = u.k AND v.value_digest = u.d
                    """, binds: find), logger: logger
        ).decode((Int64, String, ByteBuffer).self) {
            pks[Key(kind: kind, digest: Array(digest.readableBytesView))] = pk
        }
        var setColumn: [Int64] = []
        var valueColumn: [Int64] = []
        for digest in created {
            guard let set = sets[digest] else { continue }
            for observable in members[digest] ?? [] {
                let key = Key(kind: observable.kind.rawValue, digest: ObservableIndexing.valueDigest(observable.value))
                guard let value = pks[key] else {
                    throw StoreError(.backend, "observable value \(observable.kind.rawValue) was not stored")
                }
                setColumn.append(set)
                valueColumn.append(value)
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
}
