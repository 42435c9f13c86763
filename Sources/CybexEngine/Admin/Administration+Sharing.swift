public import CybexCore
import CybexStore

/// Sharing groups (trust circles): the administrator's use cases. Every change is audited.
extension Administration {
    /// Creates an empty sharing group.
    ///
    /// - Throws: ``EngineError`` `.invalidArgument` for a bad name, `.conflict` when the name is taken.
    public func addSharingGroup(name: String) async throws -> SharingGroup {
        let name = try Self.validName(name, of: "a sharing group")
        try Self.refuseLookAlike(name, of: "sharing group", among: try await store.sharingGroups().map(\.name))
        let group = SharingGroup(id: Secrets.uuid(), name: name, createdAt: SystemWallClock.nowMicroseconds())
        try await store.createSharingGroup(group)
        try await audit("sharing-group.create", target: group.id, detail: name)
        return group
    }

    /// Adds an organisation (by name) to a sharing group (by name).
    ///
    /// - Throws: ``EngineError`` `.notFound` for an unknown group or organisation, `.conflict`
    ///   when it is already a member.
    public func addMember(group groupName: String, organisation organisationName: String) async throws {
        let (group, organisation) = try await resolve(group: groupName, organisation: organisationName)
        if group.members.contains(organisation.id) {
            throw EngineError(.conflict, "'\(organisation.name)' is already a member of sharing group '\(group.name)'")
        }
        try await store.addSharingGroupMember(groupID: group.id, organisationID: organisation.id)
        try await audit("sharing-group.add-member", target: group.id, detail: "\(organisation.name) to \(group.name)")
    }

    /// Removes an organisation (by name) from a sharing group (by name).
    ///
    /// - Throws: ``EngineError`` `.notFound` for an unknown group or organisation, or one that is
    ///   not a member.
    public func removeMember(group groupName: String, organisation organisationName: String) async throws {
        let (group, organisation) = try await resolve(group: groupName, organisation: organisationName)
        guard try await store.removeSharingGroupMember(groupID: group.id, organisationID: organisation.id) else {
            throw EngineError(.notFound, "'\(organisation.name)' is not a member of sharing group '\(group.name)'")
        }
        try await audit(
            "sharing-group.remove-member", target: group.id, detail: "\(organisation.name) from \(group.name)")
    }

    /// Changes an existing organisation's parent (nil: none) and/or default TLP level (nil: none);
    /// `nil` for an argument leaves that property as it is.
    ///
    /// - Throws: ``EngineError`` `.notFound` for unknown names; a ``StoreError`` `.conflict` when the
    ///   new parent would make a cycle.
    public func updateOrganisation(name: String, parent: String??, defaultTLP: TLPLevel??) async throws -> Organisation {
        try Self.requireNoControlCharacters(name, "name")
        try Self.requireNoControlCharacters(parent ?? nil, "parent")
        guard var organisation = try await store.organisation(named: name) else {
            throw EngineError(.notFound, "no organisation named '\(name)'")
        }
        if let parent {
            var parentID: String?
            if let parentName = parent {
                guard let found = try await store.organisation(named: parentName) else {
                    throw EngineError(.notFound, "no organisation named '\(parentName)'")
                }
                parentID = found.id
            }
            try await store.setOrganisationParent(id: organisation.id, parentID: parentID)
            organisation.parentID = parentID
            try await audit("organisation.set-parent", target: organisation.id, detail: "\(name): parent \(parent ?? "none")")
        }
        if let defaultTLP {
            try await store.setOrganisationDefaultTLP(id: organisation.id, tlp: defaultTLP)
            organisation.defaultTLP = defaultTLP
            try await audit(
                "organisation.set-default-tlp", target: organisation.id, detail: "\(name): \(defaultTLP?.label ?? "none")")
        }
        return organisation
    }

    private func resolve(group: String, organisation: String) async throws -> (SharingGroup, Organisation) {
        try Self.requireNoControlCharacters(group, "sharing group")
        try Self.requireNoControlCharacters(organisation, "organisation")
        guard let found = try await sharingGroup(named: group) else {
            throw EngineError(.notFound, "no sharing group named '\(group)'")
        }
        guard let member = try await store.organisation(named: organisation) else {
            throw EngineError(.notFound, "no organisation named '\(organisation)'")
        }
        return (found, member)
    }

    private func sharingGroup(named name: String) async throws -> SharingGroup? {
        try await store.sharingGroups().first { $0.name == name }
    }
}
