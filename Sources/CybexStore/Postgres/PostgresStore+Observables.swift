public import CybexCore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    public func addressValues(within network: IPNetwork, limit: Int) async throws -> [Observable] {
        let kind: Observable.Kind = network.address.count == 4 ? .ipv4 : .ipv6
        var binds = PostgresBindings()
        binds.append(kind.rawValue)
        binds.append(ByteBuffer(bytes: network.address))
        binds.append(ByteBuffer(bytes: network.lastAddress))
        binds.append(Int64(max(0, limit)))
        return try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT value FROM observable_values
                    WHERE kind = $1 AND first_address >= $2 AND first_address <= $3 AND last_address <= $3
                    ORDER BY first_address, last_address DESC LIMIT $4
                    """, binds: binds)
        ).map { Observable(kind: kind, value: try $0.decode(String.self)) }
    }

    public func addressValues(containing address: [UInt8]) async throws -> [Observable] {
        guard address.count == 4 || address.count == 16 else { return [] }
        let networks = ObservableIndexing.enclosingNetworks(of: address)
        var binds = PostgresBindings()
        binds.append(networks[0].kind.rawValue)
        binds.append(networks.map { ByteBuffer(bytes: ObservableIndexing.valueDigest($0.value)) })
        let found = Set(
            try await rows(
                PostgresQuery(
                    unsafeSQL: "SELECT value FROM observable_values WHERE kind = $1 AND value_digest = ANY($2::bytea[])",
                    binds: binds)
            ).map { try $0.decode(String.self) })
        return networks.filter { found.contains($0.value) }
    }

    /// The ids of the stored objects with an edge of `type` to each of `targets`, from any of their
    /// versions (``ObjectSearch/edgeSourcesOfType``).
    static func edgeSources(to targets: [String], type: String, on connection: PostgresConnection, logger: Logger)
        async throws -> [String: Set<String>]
    {
        let targets = Array(Set(targets.filter(StoredText.isStorable)))
        guard !targets.isEmpty else { return [:] }
        var binds = PostgresBindings()
        binds.append(targets)
        binds.append(type)
        var sources: [String: Set<String>] = [:]
        for try await (target, source) in try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT DISTINCT target_ref, source_ref FROM relationships WHERE target_ref = ANY($1) AND type = $2",
                binds: binds), logger: logger
        ).decode((String, String).self) {
            sources[target, default: []].insert(source)
        }
        return sources
    }

    public func observableIndexSize() async throws -> ObservableIndexSize {
        let row = try await rows(
            """
            SELECT (SELECT COUNT(*) FROM observable_values), (SELECT COUNT(*) FROM observable_sets),
                (SELECT COUNT(*) FROM observable_postings)
            """
        ).first
        guard let row else { return ObservableIndexSize(values: 0, sets: 0, postings: 0) }
        let (values, sets, postings) = try row.decode((Int64, Int64, Int64).self)
        return ObservableIndexSize(values: Int(values), sets: Int(sets), postings: Int(postings))
    }
}
