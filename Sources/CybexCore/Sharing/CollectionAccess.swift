/// Who may read and write a collection: the collection-level half of the sharing policy. The
/// object-level half (TLP, recipients) is ``SharingPolicy``, applied through a ``ReadScope``.
public enum CollectionAccess {
    /// Whether `principal` may read objects of `collection`, given what the sharing policy lets its
    /// organisation see there (`scope`): its read organisations do; so do organisations the policy
    /// reaches beyond them — constituents of the audience (TLP:AMBER), its community (TLP:GREEN and
    /// CLEAR), anyone for a public collection — who then see only those levels. Being named on a
    /// TLP:RED object alone does not open a collection. The `admin` role reaches every collection
    /// and still sees only what the policy allows its organisation.
    public static func canRead(_ collection: CollectionRecord, by principal: Principal, scope: ReadScope) -> Bool {
        guard !principal.user.disabled else { return false }
        if principal.user.role == .admin { return true }
        return collection.readers.contains(principal.organisation.id) || !scope.levels.isEmpty
    }

    /// Whether `principal` may add or delete objects of `collection`.
    public static func canWrite(_ collection: CollectionRecord, by principal: Principal) -> Bool {
        guard !principal.user.disabled, principal.user.role.mayWrite else { return false }
        if principal.user.role == .admin { return true }
        return collection.writers.contains(principal.organisation.id)
    }
}
