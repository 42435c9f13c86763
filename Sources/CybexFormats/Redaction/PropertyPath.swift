/// The location of a property inside one STIX object, as a granular-marking selector names it
/// (STIX 2.1 section 7.2.3.1): `description`, `labels.[1]`, `external_references.[0].url`.
struct PropertyPath: Hashable, Sendable, CustomStringConvertible {
    /// One step: a property name or dictionary key, or a list index.
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    init(_ components: [Component]) {
        self.components = components
    }

    /// The path a selector names; nil when the selector is not well formed.
    init?(selector: String) {
        var components: [Component] = []
        for part in selector.split(separator: ".", omittingEmptySubsequences: false) {
            if part.hasPrefix("[") && part.hasSuffix("]") && part.count > 2 {
                guard let index = Int(part.dropFirst().dropLast()), index >= 0 else { return nil }
                components.append(.index(index))
            } else {
                guard !part.isEmpty else { return nil }
                components.append(.key(String(part)))
            }
        }
        guard case .key = components.first else { return nil }
        self.components = components
    }

    /// The selector text of the path.
    var description: String {
        components.map { component in
            switch component {
            case .key(let key): key
            case .index(let index): "[\(index)]"
            }
        }.joined(separator: ".")
    }

    func appending(_ component: Component) -> PropertyPath {
        PropertyPath(components + [component])
    }

    /// The value at this path in `value`, or nil when the path does not resolve.
    func resolve(in value: JSONValue) -> JSONValue? {
        var current = value
        for component in components {
            switch component {
            case .key(let key):
                guard let next = current[key] else { return nil }
                current = next
            case .index(let index):
                guard let list = current.arrayValue, index < list.count else { return nil }
                current = list[index]
            }
        }
        return current
    }
}
