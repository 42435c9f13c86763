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

/// The outcome of ingesting one bundle or envelope.
public struct IngestReport: Sendable {
    public var items: [IngestItem]

    public init(items: [IngestItem]) {
        self.items = items
    }

    public var added: Int { items.count { $0.outcome == .added } }
    public var newVersions: Int { items.count { $0.outcome == .newVersion } }
    public var duplicates: Int { items.count { $0.outcome == .duplicate } }
    public var rejected: [IngestItem] { items.filter { !$0.succeeded } }
}
