import CybexCore

/// Observation expressions, evaluated over a set of observations as sets of *bindings*.
///
/// A binding is the observations one way of matching uses, with how many of each
/// observed-data's `number_observed` instances it takes: instances of one observed-data are
/// interchangeable (same time span, same SCOs), so a binding is a multiset of observed-data and
/// two bindings are disjoint when, together, they take no more instances than there are. This
/// is the semantics of `stix2-matcher`'s tuples of instances, without enumerating instances: an
/// observed-data seen a million times costs as much as one seen once.
extension STIXPatternMatcher {
    struct Binding: Hashable {
        /// `observation index << 32 | instances taken`, ascending by observation.
        var entries: [UInt64]

        init(observation: Int) { entries = [UInt64(observation) << 32 | 1] }
        init(entries: [UInt64]) { self.entries = entries }

        var observationIndices: some Sequence<Int> { entries.lazy.map { Int($0 >> 32) } }
    }

    struct Evaluation {
        let observations: [STIXObservation]
        var budget = STIXPatternMatcher.maxWork

        mutating func bindings(_ node: Node) throws(STIXPatternError) -> Set<Binding> {
            switch node {
            case .observation(let condition):
                var result: Set<Binding> = []
                for (index, observation) in observations.enumerated() {
                    for root in 0..<observation.rootCount
                    where try condition.holds(observation, root: root, budget: &budget) {
                        result.insert(Binding(observation: index))
                        break
                    }
                }
                return result
            case .or(let operands):
                var result: Set<Binding> = []
                for operand in operands {
                    result.formUnion(try bindings(operand))
                    try bounded(result)
                }
                return result
            case .and(let operands), .followedBy(let operands):
                var ordered = false
                if case .followedBy = node { ordered = true }
                var result = try bindings(operands[0])
                for operand in operands.dropFirst() where !result.isEmpty {
                    let right = try bindings(operand)
                    result = try combine(result, right, ordered: ordered)
                }
                return result
            case .qualified(let inner, let qualifiers):
                var result = try bindings(inner)
                for qualifier in qualifiers where !result.isEmpty {
                    switch qualifier {
                    case .within(let window): result = result.filter { within($0, window) }
                    case .startStop(let start, let stop):
                        result = start < stop ? result.filter { during($0, start, stop) } : []
                    case .repeats(let times): result = try repeated(result, times)
                    }
                }
                return result
            }
        }

        /// Every sum of a left and a right binding that fits; with `ordered`, only those where
        /// the right side can be no earlier than the left (FOLLOWEDBY).
        mutating func combine(
            _ left: Set<Binding>, _ right: Set<Binding>, ordered: Bool
        ) throws(STIXPatternError) -> Set<Binding> {
            var result: Set<Binding> = []
            for l in left {
                let latestStart = ordered ? latestFirstObserved(l) : 0
                for r in right {
                    try spend(1, from: &budget)
                    if ordered, latestStart > earliestLastObserved(r) { continue }
                    if let sum = sum(l, r) { result.insert(sum) }
                }
                try bounded(result)
            }
            return result
        }

        /// `times` disjoint bindings of `bindings`, combined: by squaring, so a large count costs
        /// its logarithm in combinations.
        mutating func repeated(_ bindings: Set<Binding>, _ times: Int) throws(STIXPatternError) -> Set<Binding> {
            var result: Set<Binding>?
            var power = bindings
            var remaining = times
            while remaining > 0 {
                if remaining & 1 == 1 {
                    let combined = if let result { try combine(result, power, ordered: false) } else { power }
                    if combined.isEmpty { return [] }
                    result = combined
                }
                remaining >>= 1
                if remaining > 0 {
                    power = try combine(power, power, ordered: false)
                    if power.isEmpty { return [] }
                }
            }
            return result ?? []
        }

        /// The two bindings together, or nil when they take more instances of an observed-data
        /// than it has.
        func sum(_ a: Binding, _ b: Binding) -> Binding? {
            var out: [UInt64] = []
            out.reserveCapacity(a.entries.count + b.entries.count)
            var i = 0
            var j = 0
            while i < a.entries.count || j < b.entries.count {
                let x = i < a.entries.count ? a.entries[i] : .max
                let y = j < b.entries.count ? b.entries[j] : .max
                if x >> 32 == y >> 32 {
                    let count = (x & 0xFFFF_FFFF) + (y & 0xFFFF_FFFF)
                    guard count <= UInt64(observations[Int(x >> 32)].numberObserved) else { return nil }
                    out.append(x & ~0xFFFF_FFFF | count)
                    i += 1
                    j += 1
                } else if x < y {
                    out.append(x)
                    i += 1
                } else {
                    out.append(y)
                    j += 1
                }
            }
            return Binding(entries: out)
        }

        func latestFirstObserved(_ binding: Binding) -> Int64 {
            binding.observationIndices.map { observations[$0].firstObserved.microseconds }.max() ?? .min
        }

        func earliestLastObserved(_ binding: Binding) -> Int64 {
            binding.observationIndices.map { observations[$0].lastObserved.microseconds }.min() ?? .max
        }

        /// Whether times can be chosen in each observation's span so that all lie within a window
        /// shorter than `window` (section 9.5.1: the latest MUST be before the earliest plus it).
        func within(_ binding: Binding, _ window: Int64) -> Bool {
            let latestStart = latestFirstObserved(binding)
            let earliestEnd = earliestLastObserved(binding)
            return latestStart <= earliestEnd || latestStart - earliestEnd < window
        }

        /// Whether every observation can have a time at or after `start` and before `stop`.
        func during(_ binding: Binding, _ start: Int64, _ stop: Int64) -> Bool {
            binding.observationIndices.allSatisfy { index in
                observations[index].firstObserved.microseconds < stop
                    && observations[index].lastObserved.microseconds >= start
            }
        }

        func bounded(_ bindings: Set<Binding>) throws(STIXPatternError) {
            if bindings.count > STIXPatternMatcher.maxBindings {
                throw STIXPatternError(
                    .tooComplex, "an observation expression has more than \(STIXPatternMatcher.maxBindings) bindings")
            }
        }
    }
}
