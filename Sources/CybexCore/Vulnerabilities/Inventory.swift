/// One product an organisation runs, as its inventory keeps it (docs/VULNERABILITIES.md, "Inventories"): a
/// CPE 2.3 name in its formatted-string form or a package URL in its canonical form, the version inside the
/// name (a CPE's version attribute, a purl's `@version`; absent when the version is not known), and a note
/// for the people who keep the list. Formats' `InventoryEntries` reads and checks what people write.
public struct InventoryItem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case cpe
        case purl
    }

    public var kind: Kind
    public var value: String
    /// Free text (`mail relay, building B`).
    public var note: String?

    public init(kind: Kind, value: String, note: String? = nil) {
        self.kind = kind
        self.value = value
        self.note = note
    }

    /// What identifies an item in its inventory: an item given again replaces the note of the first.
    public var key: Key { Key(kind: kind, value: value) }

    public struct Key: Sendable, Hashable {
        public var kind: Kind
        public var value: String

        public init(kind: Kind, value: String) {
            self.kind = kind
            self.value = value
        }
    }

    /// The longest note kept.
    public static let maxNoteLength = 256
    /// The longest name (CPE or purl) kept.
    public static let maxValueLength = 2_048
    /// The most items one organisation registers.
    public static let maxItems = 250_000

    /// The one order an inventory is listed in: by kind, then value.
    public static func storedOrder(_ a: InventoryItem, _ b: InventoryItem) -> Bool {
        a.kind != b.kind ? a.kind == .cpe : Array(a.value.utf8).lexicographicallyPrecedes(Array(b.value.utf8))
    }
}

/// What an inventory change did.
public struct InventoryChange: Sendable, Hashable {
    public var added: Int
    public var removed: Int
    /// How many items the organisation has afterwards.
    public var total: Int

    public init(added: Int, removed: Int, total: Int) {
        self.added = added
        self.removed = removed
        self.total = total
    }
}
