public import CybexCore
import CybexFormats
import CybexStore

/// Organisations' inventories — the products (CPE or purl, with versions) each runs — read and changed
/// under ``OrganisationRecordPolicy`` (an inventory is a record of the organisation, as its constituency
/// is): the REST API with a principal, the command line as the operator. Every change is audited
/// (`organisation.set-inventory`, `organisation.add-inventory`) in its own transaction, with the counts,
/// not the items.
public struct Inventories: Sendable {
    let store: any Store
    let profiles: OrganisationProfiles

    init(store: any Store, hasher: PasswordHasher) {
        self.store = store
        self.profiles = OrganisationProfiles(store: store, hasher: hasher)
    }

    /// An organisation's inventory as a principal sees it.
    public struct View: Sendable, Hashable {
        public var organisation: Organisation
        public var items: [InventoryItem]
        public var mayWrite: Bool
    }

    /// The inventory of organisation `id`, when `principal` may read its records (else `.notFound`, as for
    /// an organisation that does not exist).
    public func inventory(ofOrganisation id: String, for principal: Principal) async throws -> View {
        let access = try await profiles.requireAccess(toOrganisation: id, for: principal, write: false)
        guard let organisation = try await store.organisation(id: id), let items = try await store.inventory(of: id) else {
            throw OrganisationProfiles.notFound(id)
        }
        return View(organisation: organisation, items: items, mayWrite: access.mayWrite)
    }

    /// Adds `items` to the inventory of organisation `id` or, with `replacing`, makes them all of it, as
    /// `principal` (`.notFound` / `.forbidden` as for its profile).
    public func update(ofOrganisation id: String, with items: [InventoryItem], replacing: Bool, by principal: Principal)
        async throws -> InventoryChange
    {
        try await profiles.requireAccess(toOrganisation: id, for: principal, write: true)
        guard let organisation = try await store.organisation(id: id) else { throw OrganisationProfiles.notFound(id) }
        return try await Self.update(
            organisation, with: items, replacing: replacing, store: store, actor: principal.user.username)
    }

    /// The operator's change of the inventory of the organisation named `name` (the command line).
    public func update(organisation name: String, with items: [InventoryItem], replacing: Bool, actor: String)
        async throws -> InventoryChange
    {
        let organisation = try await Administration(store: store, actor: actor).organisation(named: name)
        return try await Self.update(organisation, with: items, replacing: replacing, store: store, actor: actor)
    }

    /// The inventory of the organisation named `name`, as the operator reads it.
    public func inventory(organisation name: String) async throws -> (Organisation, [InventoryItem]) {
        let organisation = try await Administration(store: store, actor: "cli").organisation(named: name)
        return (organisation, try await store.inventory(of: organisation.id) ?? [])
    }

    static func update(
        _ organisation: Organisation, with items: [InventoryItem], replacing: Bool, store: any Store, actor: String
    ) async throws -> InventoryChange {
        guard items.count <= InventoryItem.maxItems else {
            throw EngineError(.invalidArgument, "at most \(InventoryItem.maxItems) items at once, not \(items.count)")
        }
        let action = replacing ? "organisation.set-inventory" : "organisation.add-inventory"
        do {
            return try await store.updateInventory(of: organisation.id, with: items, replacing: replacing) { change in
                [
                    AuditEvent(
                        time: SystemWallClock.nowMicroseconds(), actor: actor, action: action, target: organisation.id,
                        detail: "\(organisation.name): \(change.added) added, \(change.removed) removed, \(change.total) items")
                ]
            }
        } catch let error as StoreError where error.code == .notFound {
            throw OrganisationProfiles.notFound(organisation.id)
        } catch let error as StoreError where error.code == .invalidArgument {
            throw EngineError(.invalidArgument, error.message)
        }
    }
}

extension Engine {
    /// Organisations' inventories (docs/VULNERABILITIES.md, "Inventories").
    public var inventories: Inventories { Inventories(store: store, hasher: hasher) }
}
