/// Who may read and write a collection. This is the collection-level half of the sharing policy;
/// object-level rules (TLP, recipients, redaction) build on it.
public enum CollectionAccess {
    /// Whether `principal` may read objects of `collection`.
    public static func canRead(_ collection: CollectionRecord, by principal: Principal) -> Bool {
        guard !principal.user.disabled else { return false }
        if principal.user.role == .admin { return true }
        return collection.readers.contains(principal.organisation.id)
    }

    /// Whether `principal` may add or delete objects of `collection`.
    public static func canWrite(_ collection: CollectionRecord, by principal: Principal) -> Bool {
        guard !principal.user.disabled, principal.user.role.mayWrite else { return false }
        if principal.user.role == .admin { return true }
        return collection.writers.contains(principal.organisation.id)
    }

    /// Whether the collection exists for `principal` at all: a collection it can neither read nor
    /// write is answered as absent.
    public static func isVisible(_ collection: CollectionRecord, to principal: Principal) -> Bool {
        canRead(collection, by: principal) || canWrite(collection, by: principal)
    }
}
