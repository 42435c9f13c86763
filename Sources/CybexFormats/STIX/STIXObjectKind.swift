/// The families of STIX 2.1 objects, which decide the common properties that apply.
public enum STIXObjectKind: Sendable, Hashable {
    /// STIX Domain Objects, e.g. `indicator`.
    case domain
    /// STIX Relationship Objects: `relationship`, `sighting`.
    case relationship
    /// STIX Cyber-observable Objects, e.g. `ipv4-addr`.
    case observable
    /// `marking-definition`, `language-content`, `extension-definition`.
    case meta
    /// A type the specification does not define (custom object or a `new-*` extension type).
    case custom

    public static let domainTypes: Set<String> = [
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
        "infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
        "opinion", "report", "threat-actor", "tool", "vulnerability",
    ]
    public static let relationshipTypes: Set<String> = ["relationship", "sighting"]
    public static let observableTypes: Set<String> = [
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
        "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
        "user-account", "windows-registry-key", "x509-certificate",
    ]
    public static let metaTypes: Set<String> = ["marking-definition", "language-content", "extension-definition"]

    public init(type: String) {
        if Self.domainTypes.contains(type) {
            self = .domain
        } else if Self.relationshipTypes.contains(type) {
            self = .relationship
        } else if Self.observableTypes.contains(type) {
            self = .observable
        } else if Self.metaTypes.contains(type) {
            self = .meta
        } else {
            self = .custom
        }
    }
}
