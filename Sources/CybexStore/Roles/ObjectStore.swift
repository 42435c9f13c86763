public import CybexCore

/// Collections, their object versions (lineages per organisation, scoped reads and searches,
/// deletes) and TAXII status resources (`…+Objects.swift`, `…+Search.swift`).
public protocol ObjectStore: Sendable {
    // MARK: Collections

    func createCollection(_ collection: CollectionRecord) async throws
    func collection(id: String) async throws -> CollectionRecord?
    func collections() async throws -> [CollectionRecord]
    /// The collection `id` and the organisation graph, read together (one snapshot on SQLite):
    /// what every scoped read starts with. Nil when there is no such collection.
    func collectionWithDirectory(id: String) async throws -> (CollectionRecord, SharingDirectory)?
    /// Every collection, oldest first, with the sharing directory, read together (one snapshot).
    func collectionsWithDirectory() async throws -> ([CollectionRecord], SharingDirectory)

    // MARK: Objects

    /// Adds object versions to a collection in one transaction and says what became of each,
    /// in the order given. `owner` is the posting organisation: the objects are versions of its own
    /// lineage of each id (unique by id, owner and version), and every outcome is decided from that
    /// lineage alone, and from the other organisations' versions in the collection that `scope`
    /// (what the poster may see of it; nil: everything) shows: a version of an object posted by
    /// another organisation is a duplicate when it is one of those, and refused otherwise (only
    /// the creator versions an object). Unversioned objects (SCOs) are each organisation's own
    /// posting, whoever else posted the same id. `commit`, when given, is called
    /// with the outcomes inside the transaction, and what it returns (the audit entries, the TAXII
    /// status resource) is written in that same transaction: the objects, their audit and their
    /// status commit together or not at all.
    func addObjects(
        _ objects: [STIXObjectRecord], to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome]
    /// Adds the batches that `queue` delivers, all in one transaction, as
    /// ``addObjects(_:to:owner:scope:commit:)`` does for one array; outcomes are in delivery order.
    func addObjects(
        from queue: ObjectBatchQueue, to collectionID: String, owner: String, scope: ReadScope?, commit: AddCommitter?
    ) async throws -> [AddOutcome]
    /// One page of a collection's object versions, ascending by date added; only those the
    /// query's ``ObjectQuery/scope`` allows, and `last`/`first` are the newest/oldest of those.
    func objects(in collectionID: String, matching query: ObjectQuery) async throws -> ObjectPage
    /// Removes the selected versions of one object from a collection, among those `scope` allows
    /// (nil: all) and, with an `owner`, only that organisation's lineage (first and last are then
    /// that lineage's); returns how many were removed. `audit`, when given, is called with that
    /// number inside the transaction and its entries are written with the removal.
    func deleteObject(
        id: String, from collectionID: String, versions: VersionSelector, specVersions: [String]?, scope: ReadScope?,
        owner: String?, audit: (@Sendable (Int) -> [AuditEvent])?
    ) async throws -> Int
    /// One page of the object versions found in any of the search's collections, each under its
    /// own scope (as ``objects(in:matching:)`` reads one of them), ascending by date added, in one
    /// snapshot: what a viewer may see anywhere, filtered by ids, types, observables and time.
    func search(_ search: ObjectSearch) async throws -> SearchPage
    /// The stored address values (IPv4 or IPv6 addresses and ranges, of the network's kind) that
    /// lie within `network`, itself included, in address order (a range before the addresses it
    /// holds), at most `limit`. Values only: which objects carry them is a scoped ``search(_:)``.
    func addressValues(within network: IPNetwork, limit: Int) async throws -> [Observable]
    /// The stored address values that contain `address` (4 or 16 bytes): the address itself and the
    /// ranges around it, the longest prefix first.
    func addressValues(containing address: [UInt8]) async throws -> [Observable]
    /// How many rows the index of distinct observables holds.
    func observableIndexSize() async throws -> ObservableIndexSize
    /// How many object versions the collection holds that `scope` allows (nil: all).
    func objectCount(in collectionID: String, scope: ReadScope?) async throws -> Int
    /// The stored marking definitions among `ids` that `visibility` lets the poster reference
    /// (nil: every one), each with the recipients it names (empty for a marking definition that is
    /// not a distribution marking).
    func markingDefinitions(ids: Set<String>, visibleTo visibility: MarkingVisibility?) async throws -> [String: Set<String>]

    // MARK: Status resources

    func saveStatus(_ status: StoredStatus) async throws
    func status(id: String) async throws -> StoredStatus?
}
