import CybexCore

/// What adding one batch of objects does, decided in memory from the poster's own lineage of its
/// ids and the other organisations' versions the poster sees in the collection: the rules both
/// backends write by. In order, each object is a duplicate (this version is already in the
/// collection), an addition of a version the store holds elsewhere, a rejection (``VersionRules``,
/// or a version of an object another organisation posted), or a new object row. Objects earlier in the batch count as stored for the ones
/// after them. The backend then writes ``newObjects`` and ``members``.
struct ObjectBatchPlan: Sendable {
    /// One row of `collection_objects` to write.
    struct Member: Sendable {
        var objectIndex: Int
        var dateAdded: Int64
        /// The object row's primary key; negative for a row new in this batch: `-(n + 1)` stands for
        /// the `n`-th entry of ``ObjectBatchPlan/newObjects``.
        var pk: Int64
        var key: Int64
    }

    private struct VersionRef: Hashable {
        var id: String
        var version: Int64
    }

    let objects: [STIXObjectRecord]
    /// Stored versions of each id, ascending by version (the order SQLite reads them in).
    private var stored: [String: [ExistingVersion]] = [:]
    private var inCollection: Set<VersionRef> = []
    /// Indices into ``objects`` of the objects that need a new object row, in batch order.
    private(set) var newObjects: [Int] = []
    private(set) var members: [Member] = []
    private(set) var outcomes: [AddOutcome] = []
    /// The date added the next member would get; after ``decide()``, one past the last one used.
    private(set) var nextDateAdded: Int64

    init(objects: [STIXObjectRecord], firstDateAdded: Int64) {
        self.objects = objects
        self.nextDateAdded = firstDateAdded
    }

    /// Versions of each id in the collection that other organisations posted and the poster may see.
    private var foreign: [String: Set<Int64>] = [:]

    /// Records a version of `id` in the collection that another organisation posted and the poster may see.
    mutating func loadForeign(id: String, version: Int64) {
        foreign[id, default: []].insert(version)
    }

    /// Whether the poster's lineage of `id` has a stored version (as loaded so far).
    func holds(_ id: String) -> Bool { stored[id] != nil }

    /// Records a stored version of `id`; call in ascending version order per id.
    mutating func load(_ version: ExistingVersion, id: String, inCollection member: Bool) {
        stored[id, default: []].append(version)
        if member { inCollection.insert(VersionRef(id: id, version: version.version)) }
    }

    /// Decides every object's outcome, in order.
    mutating func decide() {
        outcomes.reserveCapacity(objects.count)
        for (index, object) in objects.enumerated() {
            let key = object.versionKey ?? unversionedKey
            let ref = VersionRef(id: object.id, version: key)
            let existing = stored[object.id] ?? []
            if existing.isEmpty, object.versionKey != nil, let theirs = foreign[object.id] {
                // Another organisation's object, which the poster sees in this collection: only its
                // creator versions it. The very version it sees is already there.
                if theirs.contains(key) {
                    outcomes.append(.duplicate)
                } else {
                    outcomes.append(
                        .rejected(
                            reason: "object \(object.id) was posted to this collection by another organisation; only its "
                                + "creator may version it (STIX 2.1 section 3.6): give your own object an id of its own"))
                }
                continue
            }
            let pk: Int64
            var newVersion = false
            if let same = existing.first(where: { $0.version == key }) {
                pk = same.pk
                if inCollection.contains(ref) {
                    outcomes.append(.duplicate)
                    continue
                }
            } else {
                if let reason = VersionRules.conflict(of: object, with: existing) {
                    outcomes.append(.rejected(reason: reason))
                    continue
                }
                newVersion = !existing.isEmpty
                newObjects.append(index)
                pk = -Int64(newObjects.count)
                let row = ExistingVersion(
                    pk: pk, version: key, revoked: object.revoked, createdByRef: object.createdByRef,
                    created: object.created)
                stored[object.id, default: []].insert(
                    row, at: existing.firstIndex(where: { $0.version > key }) ?? existing.count)
            }
            let dateAdded = nextDateAdded
            nextDateAdded += 1
            members.append(Member(objectIndex: index, dateAdded: dateAdded, pk: pk, key: key))
            inCollection.insert(ref)
            outcomes.append(.added(dateAdded: dateAdded, newVersion: newVersion))
        }
    }
}
