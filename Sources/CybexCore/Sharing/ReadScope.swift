/// What one viewer may see of one collection, derived once per read from ``SharingPolicy`` so
/// that bulk reads can filter in the store (as an SQL condition) and still decide exactly as the
/// policy does for every object version.
///
/// The policy depends on an object only through its level, its owner and its recipients; the
/// scope records, for a viewer who neither owns an object nor is named on it, which levels it
/// may see, and at which levels being a named recipient is what lets it see.
///
/// ```swift
/// let scope = ReadScope(collection: record, viewer: .organisation(isp), directory: directory)
/// scope.allows(marking: .amber, owner: cert, recipients: [])
/// ```
public struct ReadScope: Sendable, Hashable {
    /// The viewing organisation; nil for an anonymous reader.
    public var viewer: String?
    /// The levels the viewer sees on objects it neither owns nor is named on.
    public var levels: Set<TLPLevel>
    /// The levels at which a named recipient sees an object (TLP:RED).
    public var recipientLevels: Set<TLPLevel>
    /// The collection's default level.
    public var collectionDefault: TLPLevel?
    /// Each organisation's default level, where it has one.
    public var ownerDefaults: [String: TLPLevel]

    public init(
        viewer: String?, levels: Set<TLPLevel>, recipientLevels: Set<TLPLevel>, collectionDefault: TLPLevel?,
        ownerDefaults: [String: TLPLevel]
    ) {
        self.viewer = viewer
        self.levels = levels
        self.recipientLevels = recipientLevels
        self.collectionDefault = collectionDefault
        self.ownerDefaults = ownerDefaults
    }

    /// The scope of `viewer` in `collection`, asked of ``SharingPolicy`` level by level.
    public init(collection: CollectionRecord, viewer: Viewer, directory: SharingDirectory) {
        let audience = collection.audience
        // An owner that is no organisation: only the level and the recipients decide.
        let nobody = ""
        var levels: Set<TLPLevel> = []
        var recipientLevels: Set<TLPLevel> = []
        for level in TLPLevel.allCases {
            if SharingPolicy.visible(SharingLabel(tlp: level, owner: nobody), in: audience, to: viewer, directory: directory) {
                levels.insert(level)
            } else if case .organisation(let organisation) = viewer,
                SharingPolicy.visible(
                    SharingLabel(tlp: level, owner: nobody, recipients: [organisation]), in: audience, to: viewer,
                    directory: directory)
            {
                recipientLevels.insert(level)
            }
        }
        if case .organisation(let organisation) = viewer { self.viewer = organisation } else { self.viewer = nil }
        self.levels = levels
        self.recipientLevels = recipientLevels
        self.collectionDefault = collection.defaultTLP
        self.ownerDefaults = directory.defaultLevels
    }

    /// The level of an object version whose own TLP marking is `marking` (nil: none), owned by `owner`.
    public func level(marking: TLPLevel?, owner: String) -> TLPLevel {
        marking ?? collectionDefault ?? ownerDefaults[owner] ?? SharingPolicy.defaultLevel
    }

    /// Whether the viewer may see an object version with this marking level, owner and recipients.
    public func allows(marking: TLPLevel?, owner: String, recipients: Set<String>) -> Bool {
        if let viewer, viewer == owner { return true }
        let level = level(marking: marking, owner: owner)
        if levels.contains(level) { return true }
        if let viewer, recipientLevels.contains(level) { return recipients.contains(viewer) }
        return false
    }

    /// Whether the viewer sees every object version of the collection whatever its level, owner or
    /// recipients (no filter is needed).
    public var allowsEverything: Bool { levels.count == TLPLevel.allCases.count }
}
