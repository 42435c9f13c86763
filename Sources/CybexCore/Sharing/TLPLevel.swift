/// A Traffic Light Protocol 2.0 level, ordered from least to most restrictive.
public enum TLPLevel: String, Sendable, CaseIterable, Comparable, Codable {
    case clear
    case green
    case amber
    case amberStrict = "amber+strict"
    case red

    private var rank: Int {
        switch self {
        case .clear: 0
        case .green: 1
        case .amber: 2
        case .amberStrict: 3
        case .red: 4
        }
    }

    public static func < (lhs: TLPLevel, rhs: TLPLevel) -> Bool { lhs.rank < rhs.rank }

    /// The label as written on documents, e.g. `TLP:AMBER+STRICT`.
    public var label: String { "TLP:" + rawValue.uppercased() }

    /// The level a STIX marking-definition id stands for: the TLP 2.0 marking definitions of the
    /// OASIS common-objects extension, and the TLP 1.0 ones of the STIX 2.1 specification
    /// (WHITE is read as CLEAR). Nil for any other id.
    public init?(markingDefinitionID id: String) {
        switch id {
        case "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9":
            self = .clear
        case "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da":
            self = .green
        case "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82":
            self = .amber
        case "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003":
            self = .amberStrict
        case "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed":
            self = .red
        default:
            return nil
        }
    }

    /// The TLP 2.0 marking definition of this level (OASIS cti-stix-common-objects, tlp-2.0): what
    /// objects Cybex makes are marked with.
    public var markingDefinitionID: String {
        switch self {
        case .clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
        case .green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
        case .amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
        case .amberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
        case .red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        }
    }

    /// The most restrictive TLP level among object-level marking references, or nil when none is a TLP marking.
    public static func strictest(of markingRefs: [String]) -> TLPLevel? {
        markingRefs.compactMap(TLPLevel.init(markingDefinitionID:)).max()
    }
}
