// What became of each object of an ingested document, as every path reports it (TAXII status,
// REST answer, `cybex import`).

/// What became of one object of an ingested document.
public struct IngestItem: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case added
        case newVersion
        case duplicate
        case rejected(String)
    }

    /// The object's id, when it had one.
    public var id: String?
    /// The object's version (`modified`, else `created`, else the date it was added).
    public var version: String?
    public var outcome: Outcome

    public init(id: String?, version: String?, outcome: Outcome) {
        self.id = id
        self.version = version
        self.outcome = outcome
    }

    public var succeeded: Bool {
        if case .rejected = outcome { return false }
        return true
    }
}

/// The outcome of ingesting one document: every object's entry, or (summarised, for a node
/// operator's import of a large file) the counts and the rejected entries only.
public struct IngestReport: Sendable {
    /// Every object's entry in document order; in a summarised report, only the rejected ones.
    public let items: [IngestItem]
    /// How many objects the document held.
    public let total: Int
    public let added: Int
    public let newVersions: Int
    public let duplicates: Int
    /// Whether ``items`` lists every object (false: only the rejected ones).
    public let isItemized: Bool

    /// The report of every object's entry.
    public init(items: [IngestItem]) {
        self.items = items
        total = items.count
        var added = 0
        var newVersions = 0
        var duplicates = 0
        for item in items {
            switch item.outcome {
            case .added: added += 1
            case .newVersion: newVersions += 1
            case .duplicate: duplicates += 1
            case .rejected: break
            }
        }
        self.added = added
        self.newVersions = newVersions
        self.duplicates = duplicates
        isItemized = true
    }

    /// A summarised report: the counts, and the entries of the rejected objects in document order.
    public init(total: Int, added: Int, newVersions: Int, duplicates: Int, rejected: [IngestItem]) {
        items = rejected
        self.total = total
        self.added = added
        self.newVersions = newVersions
        self.duplicates = duplicates
        isItemized = false
    }

    public var rejected: [IngestItem] { items.filter { !$0.succeeded } }
}
