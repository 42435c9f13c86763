/// The one sharing policy of Cybex (SECURITY.md, "The sharing model"): whether a viewer may see
/// an object version held in a collection. Every read and onward-sharing path asks it.
///
/// ```swift
/// let label = SharingLabel(tlp: .amber, owner: cert)
/// SharingPolicy.visible(label, in: audience, to: .organisation(isp), directory: directory)
/// ```
public enum SharingPolicy {
    /// The system's default level when neither the object, its collection nor its owner says.
    public static let defaultLevel = TLPLevel.amber

    public static func visible(
        _ object: SharingLabel, in collection: CollectionAudience, to viewer: Viewer, directory: SharingDirectory
    ) -> Bool {
        guard case .organisation(let organisation) = viewer else {
            return object.tlp == .clear && collection.isPublic
        }
        if organisation == object.owner { return true }
        let audience = collection.organisations(in: directory)
        switch object.tlp {
        case .red:
            return object.recipients.contains(organisation)
        case .amberStrict:
            return audience.contains(organisation)
        case .amber:
            return audience.contains(organisation) || audience.contains { directory.isConstituent(organisation, of: $0) }
        case .green:
            return audience.contains { directory.isInCommunity(organisation, of: $0) }
        case .clear:
            return collection.isPublic || audience.contains { directory.isInCommunity(organisation, of: $0) }
        }
    }

    /// An object's level: the strictest TLP marking it references, else the collection's default,
    /// else its owner organisation's default, else ``defaultLevel``.
    public static func level(markingRefs: [String], collectionDefault: TLPLevel?, ownerDefault: TLPLevel?) -> TLPLevel {
        TLPLevel.strictest(of: markingRefs) ?? collectionDefault ?? ownerDefault ?? defaultLevel
    }
}
