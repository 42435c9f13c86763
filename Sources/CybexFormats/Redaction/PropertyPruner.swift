/// Removes properties (and list elements) from one STIX object and keeps its `granular_markings`
/// true to what remains: selectors of removed properties are dropped, list-index selectors are
/// renumbered after an element before them was removed, and a granular marking left without
/// selectors is dropped.
///
/// A list or dictionary emptied by the removals is removed in turn (STIX lists and dictionaries
/// are never empty), so removing `external_references.[0]` from a one-element list removes
/// `external_references`.
struct PropertyPruner {
    let removals: Set<PropertyPath>
    /// For each list visited: old index → new index, nil for a removed element.
    private var indexMaps: [PropertyPath: [Int?]] = [:]

    init(removing removals: Set<PropertyPath>) {
        self.removals = removals
    }

    /// `object` without the removed paths and without the granular markings at `droppedMarkings`
    /// (indices into its `granular_markings` list).
    static func prune(
        _ object: JSONValue, removing removals: Set<PropertyPath>, droppingMarkings droppedMarkings: Set<Int> = []
    ) -> JSONValue {
        guard let members = object.objectMembers, !removals.isEmpty || !droppedMarkings.isEmpty else { return object }
        var pruner = PropertyPruner(removing: removals)
        var kept: [(key: String, value: JSONValue)] = []
        var markingsPosition: Int?
        for member in members {
            if member.key == "granular_markings" {
                markingsPosition = kept.count
                continue
            }
            if let value = pruner.rebuild(member.value, at: PropertyPath([.key(member.key)])) {
                kept.append((member.key, value))
            }
        }
        guard let position = markingsPosition, let markings = object["granular_markings"]?.arrayValue else {
            return .object(kept)
        }
        let pruned = JSONValue.object(kept)
        var remaining: [JSONValue] = []
        for (i, marking) in markings.enumerated() where !droppedMarkings.contains(i) {
            guard let entry = marking.objectMembers, let selectors = marking["selectors"]?.arrayValue else {
                remaining.append(marking)
                continue
            }
            let translated: [JSONValue] = selectors.compactMap { selector in
                guard let text = selector.stringValue, let path = PropertyPath(selector: text),
                    let moved = pruner.translate(path), moved.resolve(in: pruned) != nil
                else { return nil }
                return .string(moved.description)
            }
            guard !translated.isEmpty else { continue }
            remaining.append(.object(entry.map { $0.key == "selectors" ? ($0.key, .array(translated)) : $0 }))
        }
        if !remaining.isEmpty { kept.insert(("granular_markings", .array(remaining)), at: position) }
        return .object(kept)
    }

    /// `removals` plus every external reference they would leave without `url`, `description` and
    /// `external_id` (it needs one of them): such a reference is removed whole, not the object.
    static func completing(_ removals: Set<PropertyPath>, in object: JSONValue) -> Set<PropertyPath> {
        var result = removals
        let locators = ["url", "description", "external_id"]
        for (i, reference) in (object["external_references"]?.arrayValue ?? []).enumerated() {
            let base = PropertyPath([.key("external_references"), .index(i)])
            let kept = locators.filter { reference[$0] != nil && !removals.contains(base.appending(.key($0))) }
            if kept.isEmpty { result.insert(base) }
        }
        return result
    }

    private mutating func rebuild(_ value: JSONValue, at path: PropertyPath) -> JSONValue? {
        if removals.contains(path) { return nil }
        switch value {
        case .object(let members):
            var kept: [(key: String, value: JSONValue)] = []
            for member in members {
                if let child = rebuild(member.value, at: path.appending(.key(member.key))) {
                    kept.append((member.key, child))
                }
            }
            return !members.isEmpty && kept.isEmpty ? nil : .object(kept)
        case .array(let elements):
            var kept: [JSONValue] = []
            var map: [Int?] = []
            for (i, element) in elements.enumerated() {
                if let child = rebuild(element, at: path.appending(.index(i))) {
                    map.append(kept.count)
                    kept.append(child)
                } else {
                    map.append(nil)
                }
            }
            indexMaps[path] = map
            return !elements.isEmpty && kept.isEmpty ? nil : .array(kept)
        default:
            return value
        }
    }

    /// The selector path after renumbering; nil when it passes through a removed list element.
    private func translate(_ path: PropertyPath) -> PropertyPath? {
        var old = PropertyPath([])
        var new: [PropertyPath.Component] = []
        for component in path.components {
            if case .index(let index) = component, let map = indexMaps[old] {
                guard index < map.count, let moved = map[index] else { return nil }
                new.append(.index(moved))
            } else {
                new.append(component)
            }
            old = old.appending(component)
        }
        return PropertyPath(new)
    }
}
