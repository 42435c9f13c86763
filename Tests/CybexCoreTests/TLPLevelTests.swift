import CybexCore
import Testing

@Suite struct TLPLevelTests {
    /// The four TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4 and the five TLP 2.0 ones of
    /// the OASIS common-objects extension.
    @Test(arguments: [
        ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TLPLevel.clear),  // TLP 1.0 WHITE
        ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", .green),  // TLP 1.0 GREEN
        ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", .amber),  // TLP 1.0 AMBER
        ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", .red),  // TLP 1.0 RED
        ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", .clear),  // TLP 2.0 CLEAR
        ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", .green),  // TLP 2.0 GREEN
        ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", .amber),  // TLP 2.0 AMBER
        ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", .amberStrict),  // TLP 2.0 AMBER+STRICT
        ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", .red),  // TLP 2.0 RED
    ])
    func mapsEveryTLPMarkingDefinition(id: String, level: TLPLevel) {
        #expect(TLPLevel(markingDefinitionID: id) == level)
    }

    @Test(arguments: [
        "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd",  // a statement marking
        "marking-definition--613F2E26-407D-48C7-9ECA-B8E91DF99DC9",  // ids are compared exactly
        "identity--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "",
    ])
    func otherIdentifiersAreNotTLP(id: String) {
        #expect(TLPLevel(markingDefinitionID: id) == nil)
    }

    @Test func levelsAreOrderedByRestriction() {
        #expect(TLPLevel.allCases == [.clear, .green, .amber, .amberStrict, .red])
        #expect(TLPLevel.allCases.sorted() == TLPLevel.allCases)
        #expect(TLPLevel.clear < .green && .green < .amber && .amber < .amberStrict && .amberStrict < .red)
    }

    @Test func strictestOfObjectMarkings() {
        let refs = [
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",  // GREEN
            "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd",  // not TLP
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",  // AMBER+STRICT
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",  // AMBER
        ]
        #expect(TLPLevel.strictest(of: refs) == .amberStrict)
        #expect(TLPLevel.strictest(of: []) == nil)
        #expect(TLPLevel.strictest(of: ["marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd"]) == nil)
    }

    @Test(arguments: [
        (TLPLevel.clear, "TLP:CLEAR", "clear"), (.green, "TLP:GREEN", "green"), (.amber, "TLP:AMBER", "amber"),
        (.amberStrict, "TLP:AMBER+STRICT", "amber+strict"), (.red, "TLP:RED", "red"),
    ])
    func labelsAndRawValues(level: TLPLevel, label: String, raw: String) {
        #expect(level.label == label)
        #expect(level.rawValue == raw)
        #expect(TLPLevel(rawValue: raw) == level)
    }
}
