public import CybexCore

/// How IODEF's `restriction` maps onto TLP and recipients, both ways (`docs/IODEF.md`,
/// "Restriction and TLP"):
///
/// | IODEF `restriction` | STIX marking | who may see it |
/// | --- | --- | --- |
/// | `public`, `white` | TLP:CLEAR | everyone the collection is shared with |
/// | `partner`, `green` | TLP:GREEN | the community |
/// | `amber` | TLP:AMBER | the recipients' organisations |
/// | `need-to-know`, `red` | TLP:RED + distribution to the incident's named parties | the named parties (organisation contacts) and the owner |
/// | `private`, absent on `Incident` (the RFC's default) | TLP:RED, no distribution | the owner only |
/// | `default` | none: the poster's default TLP | as the policy's fallback |
///
/// On the way back an incident keeps the restriction it was imported with as long as its markings
/// still stand for it; otherwise TLP:CLEAR is written `white`, GREEN `green`, AMBER and
/// AMBER+STRICT `amber`, and RED `red`.
public enum IODEFRestriction {
    /// What a restriction asks of the STIX side.
    public struct Marking: Sendable, Equatable {
        /// The TLP level, or nil to leave it to the poster's default.
        public var level: TLPLevel?
        /// Whether the incident's named parties become the recipients of the TLP:RED object.
        public var toNamedParties: Bool
    }

    /// The marking for `restriction` (nil: the attribute is absent, which IODEF reads as `private`).
    /// An unknown value (including `ext-value`) is read as `private`: the strictest reading.
    public static func marking(for restriction: String?) -> Marking {
        switch restriction {
        case "public", "white": Marking(level: .clear, toNamedParties: false)
        case "partner", "green": Marking(level: .green, toNamedParties: false)
        case "amber": Marking(level: .amber, toNamedParties: false)
        case "need-to-know", "red": Marking(level: .red, toNamedParties: true)
        case "default": Marking(level: nil, toNamedParties: false)
        default: Marking(level: .red, toNamedParties: false)
        }
    }

    /// The restriction to write for an object at `level`, given the one it was imported with.
    public static func restriction(for level: TLPLevel?, imported: String?) -> String? {
        // What the incident came with, as long as its markings still say the same.
        if let imported, marking(for: imported).level == level { return imported }
        guard let level else { return imported }
        switch level {
        case .clear: return imported == "public" ? "public" : "white"
        case .green: return imported == "partner" ? "partner" : "green"
        case .amber, .amberStrict: return "amber"
        case .red:
            if let imported, ["need-to-know", "private", "red"].contains(imported) { return imported }
            return "red"
        }
    }
}
