import CybexCore

/// The rules of each STIX 2.1 object type: the type and shape of every property the specification
/// defines for it, the required ones, and the type's own MUST rules that involve several properties.
///
/// The tables live in `STIXTypeRules+Domain.swift` (SDOs and SROs), `STIXTypeRules+Observables.swift`
/// (SCOs), `STIXTypeRules+Extensions.swift` (the predefined SCO extensions) and `STIXTypeRules+Meta.swift`
/// (language-content, marking-definition, extension-definition); values are checked by
/// ``PropertyChecker`` and string formats by ``STIXValueSyntax`` and ``STIXPatternSyntax``. Properties a type does not define are custom
/// properties: they are left alone here (their names are checked by ``STIXValidator``).
enum STIXTypeRules {
    /// Every type's property table and rules.
    static let specs: [String: StructureSpec] = domainSpecs.merging(observableSpecs) { a, _ in a }
        .merging(metaSpecs) { a, _ in a }

    static func check(type: String, object: JSONValue, into v: inout STIXViolations) {
        guard let spec = specs[type] else { return }
        PropertyChecker.check(object, as: spec, at: "", scope: .identifiers, into: &v)
        checkPredefinedExtensions(type: type, object: object, at: "", scope: .identifiers, into: &v)
        if STIXObjectKind.observableTypes.contains(type) {
            checkObservableIdentifier(type: type, object: object, into: &v)
        }
    }

    /// Checks the bodies of the predefined extensions a type defines (e.g. `ntfs-ext` on a file).
    static func checkPredefinedExtensions(
        type: String, object: JSONValue, at prefix: String, scope: ReferenceScope, into v: inout STIXViolations
    ) {
        guard let definitions = predefinedExtensions[type], let extensions = object["extensions"]?.objectMembers else {
            return
        }
        for (key, body) in extensions {
            guard let spec = definitions[key], body.objectMembers != nil else { continue }
            PropertyChecker.check(
                body, as: spec, at: PropertyChecker.join(prefix, "extensions." + key), scope: scope, into: &v)
        }
    }

    /// `modified`-style ordering: `later` must be after (or not before) `earlier` when both are present.
    static func orderedTimestamps(
        _ object: JSONValue, _ earlier: String, _ later: String, strictly: Bool, at prefix: String = "",
        into v: inout STIXViolations
    ) {
        guard let a = object[earlier]?.stringValue.flatMap(STIXTimestamp.init(parsing:)),
            let b = object[later]?.stringValue.flatMap(STIXTimestamp.init(parsing:))
        else { return }
        if strictly ? !(b > a) : b < a {
            v.add(
                PropertyChecker.join(prefix, later), "timestamp-order",
                "'\(later)' must be \(strictly ? "later than" : "later than or equal to") '\(earlier)'")
        }
    }

    /// At least one of `names` must be present (SCOs and types whose properties are all optional).
    static func requireAtLeastOne(
        of names: [String], in object: JSONValue, what: String, at prefix: String, into v: inout STIXViolations
    ) {
        if !names.contains(where: { object[$0] != nil }) {
            v.add(
                prefix.isEmpty ? nil : prefix, "at-least-one-property",
                "\(what) must contain at least one of its own properties")
        }
    }
}

// MARK: - Property tables

/// One property of a type: its name, what its value must be, and whether it is required.
struct PropertySpec: Sendable {
    var name: String
    var kind: PropertyKind
    var required: Bool

    init(_ name: String, _ kind: PropertyKind, required: Bool = false) {
        self.name = name
        self.kind = kind
        self.required = required
    }
}

/// The property table of an object type or of a nested type (e.g. `windows-registry-value-type`).
struct StructureSpec: Sendable {
    /// The name used in messages, e.g. `a Process object`.
    var what: String
    var properties: [PropertySpec]
    /// When not empty, at least one of these properties must be present.
    var atLeastOneOf: [String]
    /// Rules that involve several properties; `prefix` is the path of the structure ("" at top level).
    var rules: (@Sendable (_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) -> Void)?

    init(
        _ what: String, _ properties: [PropertySpec], atLeastOneOf: [String] = [],
        rules: (@Sendable (_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) -> Void)? = nil
    ) {
        self.what = what
        self.properties = properties
        self.atLeastOneOf = atLeastOneOf
        self.rules = rules
    }
}

/// What a property's value must be: the data types of STIX 2.1 section 2, narrowed where a property
/// says more (ranges, reference targets, enumerations).
indirect enum PropertyKind: Sendable {
    case string
    case boolean
    /// A whole number in the range (the specification limits all integers to 54 bits).
    case integer(ClosedRange<Int64>)
    /// An IEEE 754 double in the range.
    case float(ClosedRange<Double>)
    case timestamp
    /// A timestamp without sub-second digits (`time_date_stamp` is "precise to the second").
    case timestampWholeSeconds
    /// Base64 (`*_bin`).
    case binary
    /// An even number of hexadecimal digits (`*_hex`).
    case hex
    /// A STIX identifier (or, inside the deprecated observable container, a local key).
    case reference(ReferenceTarget)
    /// A non-empty list whose every element is of the kind.
    case list(PropertyKind)
    /// A value of a closed enumeration (open vocabularies are plain strings).
    case enumeration([String])
    case hashes
    case dictionary(DictionaryValues)
    case killChainPhase
    /// An RFC 5646 language tag.
    case languageTag
    /// An IANA character set name (`*_enc`).
    case characterSet
    case structure(StructureSpec)
    /// A string with a syntax of its own, checked by the closure (which returns an error message).
    case formatted(@Sendable (String) -> String?)

    /// Integers of the full STIX range, [-(2**53)+1, (2**53)-1].
    static let anyInteger = PropertyKind.integer(-9_007_199_254_740_991...9_007_199_254_740_991)
    static let nonNegativeInteger = PropertyKind.integer(0...9_007_199_254_740_991)
    static let anyFloat = PropertyKind.float(-Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
    static let stringList = PropertyKind.list(.string)
}

/// What a dictionary's values must be.
enum DictionaryValues: Sendable {
    case any
    case string
    case integer
    case integerOrString
    case stringList
}

/// Which objects a reference property may point to.
enum ReferenceTarget: Sendable {
    /// Any STIX object.
    case any
    /// Exactly these types.
    case types(Set<String>)
    /// An SCO: a specification-defined one or a custom type.
    case observable
    /// An SDO: a specification-defined one or a custom type.
    case domainObject
    /// An SDO or an SCO (not an SRO, a meta object or a bundle).
    case domainOrObservable
    /// An SCO or an SRO (the `object_refs` of observed-data).
    case observableOrRelationship
    /// Any object but a bundle.
    case notBundle

    func allows(_ type: String) -> Bool {
        let kind = STIXObjectKind(type: type)
        switch self {
        case .any: return true
        case .types(let types): return types.contains(type)
        case .observable: return (kind == .observable || kind == .custom) && type != "bundle"
        case .domainObject: return (kind == .domain || kind == .custom) && type != "bundle"
        case .domainOrObservable: return kind == .domain || kind == .observable || (kind == .custom && type != "bundle")
        case .observableOrRelationship:
            return kind == .observable || kind == .relationship || (kind == .custom && type != "bundle")
        case .notBundle: return type != "bundle"
        }
    }

    var description: String {
        switch self {
        case .any: "a STIX object"
        case .types(let types): "an object of type " + types.sorted().joined(separator: " or ")
        case .observable: "a cyber-observable object (SCO)"
        case .domainObject: "a domain object (SDO)"
        case .domainOrObservable: "an SDO or an SCO (not an SRO, a bundle, language-content or a marking definition)"
        case .observableOrRelationship: "an SCO or an SRO"
        case .notBundle: "a STIX object other than a bundle"
        }
    }
}

/// How reference values are resolved: as STIX identifiers, or as the local keys of a deprecated
/// observable container (`observed-data.objects`), mapped to the type of the object they name.
enum ReferenceScope: Sendable {
    case identifiers
    case container([String: String])
}
