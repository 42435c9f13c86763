import CybexCore
import CybexTestSupport
import Testing


/// An independent statement of SECURITY.md's rules, written as explicit sets over a closed world
/// (transitive closure by fixpoint, group co-membership by enumeration), sharing no code with
/// ``SharingPolicy``.
struct ReferenceModel {
    let organisations: [String]
    let parent: [String: String]
    let groups: [String: Set<String>]

    /// Every ancestor of each organisation, by iterating the parent relation to a fixpoint.
    var ancestors: [String: Set<String>] {
        var result = Dictionary(uniqueKeysWithValues: organisations.map { ($0, Set<String>()) })
        var changed = true
        while changed {
            changed = false
            for organisation in organisations {
                var next = result[organisation]!
                if let p = parent[organisation] { next.insert(p) }
                for a in result[organisation]! { next.formUnion(result[a] ?? []) }
                if next != result[organisation]! {
                    result[organisation] = next
                    changed = true
                }
            }
        }
        return result
    }

    func allowed(tlp: TLPLevel, owner: String, recipients: Set<String>, readers: Set<String>, group: String?, isPublic: Bool)
        -> (organisations: Set<String>, anonymous: Bool)
    {
        let audience = group.map { readers.intersection(groups[$0] ?? []) } ?? readers
        let closure = ancestors
        let constituents = Set(organisations.filter { !closure[$0]!.isDisjoint(with: audience) })
        var peers = Set<String>()
        for members in groups.values where !members.isDisjoint(with: audience) { peers.formUnion(members) }
        let community = audience.union(constituents).union(peers)
        var result: Set<String>
        switch tlp {
        case .red: result = recipients
        case .amberStrict: result = audience
        case .amber: result = audience.union(constituents)
        case .green: result = community
        case .clear: result = isPublic ? Set(organisations) : community
        }
        result.insert(owner)
        return (result, tlp == .clear && isPublic)
    }
}

@Suite("Sharing policy")
struct SharingPolicyTests {
    @Test("agrees with an independent reference model on 120,000 random (viewer, object) cases")
    func agreesWithReferenceModel() {
        var rng = SeededGenerator(state: 20_261_125)
        var cases = 0
        var differences: [String] = []
        for world in 0..<1_200 {
            let organisations = (0..<Int.random(in: 2...14, using: &rng)).map { "org\($0)" }
            var parent: [String: String] = [:]
            for (i, organisation) in organisations.enumerated() where i > 0 && Bool.random(using: &rng) {
                parent[organisation] = organisations[Int.random(in: 0..<i, using: &rng)]
            }
            var groups: [String: Set<String>] = [:]
            for g in 0..<Int.random(in: 0...3, using: &rng) {
                groups["group\(g)"] = Set(organisations.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 })
            }
            let directory = SharingDirectory(parents: parent, groups: groups)
            let model = ReferenceModel(organisations: organisations, parent: parent, groups: groups)
            for _ in 0..<10 {
                let readers = Set(organisations.filter { _ in Bool.random(using: &rng) })
                let group = groups.keys.sorted().randomElement(using: &rng).flatMap { Bool.random(using: &rng) ? $0 : nil }
                let isPublic = Int.random(in: 0..<4, using: &rng) == 0
                let audience = CollectionAudience(readers: readers, sharingGroup: group, isPublic: isPublic)
                for _ in 0..<10 {
                    let tlp = TLPLevel.allCases.randomElement(using: &rng)!
                    let owner = organisations.randomElement(using: &rng)!
                    let recipients = Set(organisations.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 })
                    let label = SharingLabel(tlp: tlp, owner: owner, recipients: recipients)
                    let expected = model.allowed(
                        tlp: tlp, owner: owner, recipients: recipients, readers: readers, group: group, isPublic: isPublic)
                    let viewers = organisations.map(Viewer.organisation) + [.anonymous]
                    let viewer = viewers.randomElement(using: &rng)!
                    let got = SharingPolicy.visible(label, in: audience, to: viewer, directory: directory)
                    let want: Bool = switch viewer {
                    case .anonymous: expected.anonymous
                    case .organisation(let o): expected.organisations.contains(o)
                    }
                    cases += 1
                    if got != want && differences.count < 5 {
                        differences.append("world \(world): \(viewer) \(label) in \(audience) \(directory): policy \(got), model \(want)")
                    }
                }
            }
        }
        #expect(cases >= 100_000)
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    // A national CIRT with a constituent ISP, a peer CIRT in a regional sharing group, and an outsider.
    static let directory = SharingDirectory(
        parents: ["isp": "national-cirt", "isp-subsidiary": "isp"],
        groups: ["regional": ["national-cirt", "peer-cirt"]])
    static let audience = CollectionAudience(readers: ["national-cirt"])

    @Test(
        "the TLP table of SECURITY.md",
        arguments: [
            (TLPLevel.red, "national-cirt", false), (.red, "recipient", true), (.red, "author", true),
            (.amberStrict, "national-cirt", true), (.amberStrict, "isp", false),
            (.amber, "isp", true), (.amber, "isp-subsidiary", true), (.amber, "peer-cirt", false),
            (.green, "peer-cirt", true), (.green, "outsider", false), (.green, "isp-subsidiary", true),
            (.clear, "peer-cirt", true), (.clear, "outsider", false),
        ])
    func table(level: TLPLevel, viewer: String, visible: Bool) {
        let label = SharingLabel(tlp: level, owner: "author", recipients: ["recipient"])
        #expect(SharingPolicy.visible(label, in: Self.audience, to: .organisation(viewer), directory: Self.directory) == visible)
    }

    @Test("anonymous viewers see TLP:CLEAR objects of public collections only")
    func anonymous() {
        var audience = Self.audience
        let clear = SharingLabel(tlp: .clear, owner: "author")
        #expect(!SharingPolicy.visible(clear, in: audience, to: .anonymous, directory: Self.directory))
        audience.isPublic = true
        #expect(SharingPolicy.visible(clear, in: audience, to: .anonymous, directory: Self.directory))
        #expect(SharingPolicy.visible(clear, in: audience, to: .organisation("outsider"), directory: Self.directory))
        #expect(!SharingPolicy.visible(SharingLabel(tlp: .green, owner: "author"), in: audience, to: .anonymous, directory: Self.directory))
    }

    @Test("a sharing group narrows the audience")
    func narrowing() {
        let audience = CollectionAudience(readers: ["national-cirt", "isp"], sharingGroup: "regional")
        let amberStrict = SharingLabel(tlp: .amberStrict, owner: "author")
        #expect(SharingPolicy.visible(amberStrict, in: audience, to: .organisation("national-cirt"), directory: Self.directory))
        #expect(!SharingPolicy.visible(amberStrict, in: audience, to: .organisation("isp"), directory: Self.directory))
    }

    @Test("a cycle in the organisation graph cannot hang the policy")
    func cycle() {
        let directory = SharingDirectory(parents: ["a": "b", "b": "a"])
        #expect(!directory.isConstituent("a", of: "c"))
        #expect(directory.isConstituent("a", of: "b"))
    }

    @Test("an object's level: its strictest TLP marking, else the collection's, else the owner's, else AMBER")
    func levels() {
        let green2 = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
        let red1 = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
        #expect(SharingPolicy.level(markingRefs: [green2, red1], collectionDefault: .clear, ownerDefault: nil) == .red)
        #expect(SharingPolicy.level(markingRefs: [], collectionDefault: .green, ownerDefault: .red) == .green)
        #expect(SharingPolicy.level(markingRefs: ["marking-definition--00000000-0000-4000-8000-000000000000"], collectionDefault: nil, ownerDefault: .clear) == .clear)
        #expect(SharingPolicy.level(markingRefs: [], collectionDefault: nil, ownerDefault: nil) == .amber)
    }
}
