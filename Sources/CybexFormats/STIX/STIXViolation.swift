/// One broken rule of STIX 2.1 in one object: which object, which property, which rule.
public struct STIXViolation: Sendable, Hashable, CustomStringConvertible {
    /// The object's `id`, when it has a usable one.
    public var objectID: String?
    /// The property at fault (a dotted path for nested ones, e.g. `external_references.[0].source_name`).
    public var property: String?
    /// A short stable name of the rule, e.g. `required-property`, `timestamp-format`.
    public var rule: String
    /// What is wrong, for people.
    public var message: String

    public init(objectID: String?, property: String?, rule: String, message: String) {
        self.objectID = objectID
        self.property = property
        self.rule = rule
        self.message = message
    }

    public var description: String {
        (objectID ?? "object") + ": " + detail
    }

    /// The violation without the object id, for lists that already name the object.
    public var detail: String {
        (property.map { "property '\($0)': " } ?? "") + message + " [\(rule)]"
    }
}

/// Collects the violations of one object while the rules run.
public struct STIXViolations: Sendable {
    public let objectID: String?
    public private(set) var list: [STIXViolation] = []

    public init(objectID: String?) {
        self.objectID = objectID
    }

    public mutating func add(_ property: String?, _ rule: String, _ message: String) {
        list.append(STIXViolation(objectID: objectID, property: property, rule: rule, message: message))
    }

    public var isEmpty: Bool { list.isEmpty }
}
