import CybexCore

/// The checks both stores make, inside their write transaction, before changing the organisation graph.
enum OrganisationGraph {
    /// Throws ``StoreError`` `.conflict` when making `parent` the parent of `organisation` would
    /// make an organisation its own parent or close a cycle, given the current `parents`.
    static func checkParent(_ parent: String?, of organisation: String, parents: [String: String]) throws {
        guard let parent else { return }
        if parent == organisation {
            throw StoreError(.conflict, "an organisation cannot be its own parent")
        }
        // Walk up from the new parent: reaching `organisation` means it would be its own ancestor.
        var current: String? = parent
        var steps = 0
        while let node = current, steps <= parents.count {
            if node == organisation {
                throw StoreError(.conflict, "that parent would make the organisation a constituent of itself (a cycle)")
            }
            current = parents[node]
            steps += 1
        }
    }

}

extension OrganisationGraph {
    /// Adds one row of ``directorySQL`` to `directory`.
    static func add(kind: String, key: String, value: String?, to directory: inout SharingDirectory) {
        switch kind {
        case "p": directory.parents[key] = value
        case "d": directory.defaultLevels[key] = value.flatMap(TLPLevel.init(rawValue:))
        default: directory.groups[key, default: []].formUnion(value.map { [$0] } ?? [])
        }
    }

    /// One statement reading the whole graph: `('p', organisation, parent)` for each parent link,
    /// `('g', group, NULL)` for each group, `('g', group, member)` for each membership and
    /// `('d', organisation, level)` for each organisation's default level.
    static let directorySQL = """
        SELECT 'p', id, parent_id FROM organisations WHERE parent_id IS NOT NULL
        UNION ALL SELECT 'd', id, default_tlp FROM organisations WHERE default_tlp IS NOT NULL
        UNION ALL SELECT 'g', id, NULL FROM sharing_groups
        UNION ALL SELECT 'g', group_id, organisation_id FROM sharing_group_members
        """
}
