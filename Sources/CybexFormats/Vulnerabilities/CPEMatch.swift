/// CPE name matching (NISTIR 7696): each attribute of a source compared with the target's (Table 6-2),
/// then the name relation (Table 6-4). Comparison ignores case. A wildcard in the source matches as the
/// specification means it (section 6.3: `*` any run, `?` one character or none, at the start or the end);
/// the printed `compareStrings` pseudocode counts quoted characters of the matched part twice and would make
/// `1\.0\.?` a superset of `1\.0\.12`, which Cybex does not follow (docs/VULNERABILITIES.md, "CPE").
public enum CPERelation: String, Sendable, CaseIterable {
    case equal = "EQUAL"
    case subset = "SUBSET"
    case superset = "SUPERSET"
    case disjoint = "DISJOINT"
    case undefined = "UNDEFINED"
}

extension CPEName {
    /// The relation of each attribute of `self` (the source) to the target's, in ``attributes`` order.
    public func attributeRelations(to target: CPEName) -> [CPERelation] {
        zip(values, target.values).map(Self.compare)
    }

    /// The name relation: DISJOINT when an attribute is disjoint, EQUAL when all are equal, SUBSET when all
    /// are subsets or equal, SUPERSET when all are supersets or equal; otherwise UNDEFINED (an undefined
    /// attribute, or subsets beside supersets), where none of CPE_EQUAL, CPE_SUBSET, CPE_SUPERSET holds.
    public func relation(to target: CPEName) -> CPERelation {
        let relations = attributeRelations(to: target)
        if relations.contains(.disjoint) { return .disjoint }
        if relations.allSatisfy({ $0 == .equal }) { return .equal }
        if relations.allSatisfy({ $0 == .subset || $0 == .equal }) { return .subset }
        if relations.allSatisfy({ $0 == .superset || $0 == .equal }) { return .superset }
        return .undefined
    }

    /// Whether the source names the target: CPE_SUPERSET (superset or equal), applicability as vulnerability
    /// data uses it.
    public func matches(_ target: CPEName) -> Bool {
        let relation = relation(to: target)
        return relation == .superset || relation == .equal
    }

    /// Table 6-2 for one attribute.
    static func compare(_ source: CPEValue, _ target: CPEValue) -> CPERelation {
        if case .value(let string) = target, string.hasWildcards { return .undefined }
        switch (source, target) {
        case (.any, .any), (.na, .na): return .equal
        case (.any, _): return .superset
        case (_, .any): return .subset
        case (.na, _), (_, .na): return .disjoint
        case (.value(let s), .value(let t)):
            let source = s.folded
            let target = t.folded
            if source == target { return .equal }
            return s.hasWildcards && Self.wildcardMatch(source, target) ? .superset : .disjoint
        }
    }

    /// Whether `source` (units with wildcards at its ends) matches `target` (no wildcards): its middle found
    /// in the target with at most as many units before it as the leading wildcard allows (any for `*`, one
    /// per `?`) and at most as many after it as the trailing one allows.
    static func wildcardMatch(_ source: [CPEString.Unit], _ target: [CPEString.Unit]) -> Bool {
        var start = 0
        var before: Int? = 0  // nil: any number
        if source.first == .multiple {
            start = 1
            before = nil
        } else {
            while start < source.count, source[start] == .single { start += 1 }
            before = start
        }
        var end = source.count
        var after: Int? = 0
        if end > start, source[end - 1] == .multiple {
            end -= 1
            after = nil
        } else {
            while end > start, source[end - 1] == .single { end -= 1 }
            after = source.count - end
        }
        let middle = Array(source[start..<end])
        guard middle.count <= target.count else { return false }
        for offset in 0...(target.count - middle.count) {
            if let before, offset > before { break }
            let remaining = target.count - offset - middle.count
            if let after, remaining > after { continue }
            if Array(target[offset..<offset + middle.count]) == middle { return true }
        }
        return false
    }
}

extension CPEString {
    /// The units with letters lower-cased, as matching compares them.
    var folded: [Unit] {
        units.map { unit in
            switch unit {
            case .plain(let c): .plain(Character(c.lowercased()))
            case .quoted(let c): .quoted(Character(c.lowercased()))
            default: unit
            }
        }
    }
}
