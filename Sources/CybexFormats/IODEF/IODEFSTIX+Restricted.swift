import CybexCore

/// Parts of an incident that carry a `restriction` stricter than the incident's own
/// (docs/IODEF.md, "Restricted parts"): they become granular markings on their place in the
/// extension's `iodef`, so a reader who may see the incident but not the part receives the
/// incident without it; the observables inside them are marked at the part's level.
extension IODEFSTIX {
    /// Each element under `incident` (not the incident itself) whose restriction reads as a TLP
    /// level stricter than `level` (nil: the poster's default, so any restricted part counts), with
    /// the selector of its place in `extensions.<id>.iodef`.
    static func restrictedParts(of incident: XMLTree.Element, above level: TLPLevel?) -> [(selector: String, level: TLPLevel)] {
        var found: [(String, TLPLevel)] = []
        func walk(_ element: XMLTree.Element, _ path: String) {
            let children = element.elements
            guard !children.isEmpty else { return }
            var places: [(XMLTree.Element, String)] = []
            if element.hasSignificantText || !IODEFJSON.keysAreContiguous(children) {
                for (index, node) in element.children.enumerated() {
                    if case .element(let child) = node {
                        places.append((child, "\(path)._content.[\(index)].\(IODEFJSON.key(for: child))"))
                    }
                }
            } else {
                var counts: [String: Int] = [:]
                for child in children {
                    let key = IODEFJSON.key(for: child)
                    let position = counts[key, default: 0]
                    counts[key] = position + 1
                    places.append((child, "\(path).\(key).[\(position)]"))
                }
            }
            for (child, selector) in places {
                if child.name.namespace == IODEF.namespace, let restriction = child.attribute("restriction"),
                    let partLevel = IODEFRestriction.marking(for: restriction).level, level.map({ partLevel > $0 }) ?? true
                {
                    found.append((selector, partLevel))
                    continue  // everything under it is covered
                }
                walk(child, selector)
            }
        }
        walk(incident, "extensions.\(extensionID).iodef")
        return found
    }

    /// The `granular_markings` for `parts`: one marking per level, with every selector of that level.
    static func granularMarkings(_ parts: [(selector: String, level: TLPLevel)]) -> JSONValue? {
        guard !parts.isEmpty else { return nil }
        let levels = Set(parts.map(\.level)).sorted()
        return .array(
            levels.map { level in
                .object([
                    ("marking_ref", .string(level.markingDefinitionID)),
                    ("selectors", .array(parts.filter { $0.level == level }.map { .string($0.selector) })),
                ])
            })
    }
}
